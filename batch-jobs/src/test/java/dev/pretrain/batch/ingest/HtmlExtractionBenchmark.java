package dev.pretrain.batch.ingest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.dankito.readability4j.Readability4J;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;

/**
 * Prints the main-text extraction speed, in MB of HTML per second on one thread, over the {@code .html}
 * files under a directory: jsoup parsing alone, parsing + {@link HtmlMainText}, and parsing +
 * readability4j (for comparison). Usage: {@code HtmlExtractionBenchmark <dir> [maxFiles] [rounds]}.
 */
public final class HtmlExtractionBenchmark {

  private HtmlExtractionBenchmark() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    int max = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    List<byte[]> pages = new ArrayList<>();
    long bytes = 0;
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".html")).sorted().limit(max).toList()) {
        byte[] b = Files.readAllBytes(p);
        pages.add(b);
        bytes += b.length;
      }
    }
    System.out.printf("%d pages, %.1f MB of HTML%n", pages.size(), bytes / 1e6);
    for (int round = 1; round <= rounds; round++) { // the first round warms the JIT
      long chars = 0;
      long t0 = System.nanoTime();
      for (byte[] b : pages) {
        chars += parse(b).body().childNodeSize();
      }
      long t1 = System.nanoTime();
      for (byte[] b : pages) {
        chars += HtmlMainText.extract(parse(b)).length();
      }
      long t2 = System.nanoTime();
      long r4jChars = 0;
      int r4jFailures = 0;
      for (byte[] b : pages) {
        try {
          String text = new Readability4J("http://example.com/", parse(b)).parse().getTextContent();
          r4jChars += text == null ? 0 : text.length();
        } catch (RuntimeException | LinkageError e) {
          r4jFailures++;
        }
      }
      long t3 = System.nanoTime();
      System.out.printf("round %d: jsoup parse %.1f MB/s | parse + HtmlMainText %.1f MB/s | parse + readability4j"
          + " %.1f MB/s (%d failures) | text chars %d vs %d%n", round, mbps(bytes, t1 - t0), mbps(bytes, t2 - t1),
          mbps(bytes, t3 - t2), r4jFailures, chars, r4jChars);
    }
  }

  private static Document parse(byte[] html) {
    return Jsoup.parse(new String(html, StandardCharsets.UTF_8), "http://example.com/");
  }

  private static double mbps(long bytes, long nanos) {
    return bytes / 1e6 / (nanos / 1e9);
  }
}
