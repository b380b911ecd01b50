package dev.pretrain.batch.tokenize.bpe;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A deterministic sample of the demo corpus ({@code **}{@code /*.jsonl} with a {@code text} field): the files in
 * path order, one document from each in turn, until {@code maxBytes} of UTF-8 text.
 */
final class DemoCorpus {

  /** The demo corpus of a local stack, relative to the repository root. */
  static final Path DEFAULT_ROOT = Path.of(".pretrain/s3/corpus/demo");

  private DemoCorpus() {}

  static List<String> sample(Path root, long maxBytes) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
    }
    ObjectMapper json = new ObjectMapper();
    List<BufferedReader> readers = new ArrayList<>();
    List<String> out = new ArrayList<>();
    try {
      for (Path f : files) {
        readers.add(Files.newBufferedReader(f, StandardCharsets.UTF_8));
      }
      long bytes = 0;
      boolean any = true;
      while (any && bytes < maxBytes) {
        any = false;
        for (BufferedReader r : readers) {
          String line = r.readLine();
          if (line == null || line.isBlank()) {
            continue;
          }
          any = true;
          String text = json.readTree(line).path("text").asText();
          out.add(text);
          bytes += text.getBytes(StandardCharsets.UTF_8).length;
          if (bytes >= maxBytes) {
            break;
          }
        }
      }
    } finally {
      for (BufferedReader r : readers) {
        r.close();
      }
    }
    return out;
  }

  static long utf8Bytes(List<String> texts) {
    return texts.stream().mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length).sum();
  }

  static void writeJsonl(List<String> texts, Path file) throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      JsonFactory f = new JsonFactory();
      for (String t : texts) {
        JsonGenerator g = f.createGenerator(out, JsonEncoding.UTF8);
        g.writeStartObject();
        g.writeStringField("text", t);
        g.writeEndObject();
        g.flush();
        out.write('\n');
      }
    }
  }

  /** Runs {@code python3 hf_tokenizer_check.py args...}, passing its output through; returns stdout. */
  static String python(List<String> args, boolean oneThread) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("python3", "batch-jobs/src/test/python/hf_tokenizer_check.py"));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    if (oneThread) {
      pb.environment().put("RAYON_NUM_THREADS", "1");
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("python failed (" + p.exitValue() + "): " + cmd);
    }
    return out;
  }
}
