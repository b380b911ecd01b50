package dev.pretrain.batch.tokenize.fast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.stream.Stream;

/**
 * Checks the fast encoder on a corpus (not a test: the corpus is not in the repository): for every
 * document of the {@code .jsonl} files under the given paths (field {@code text}), the scanner's
 * pre-tokens against java.util.regex with the same pattern, and the ids against jtokkit's
 * {@code encodeOrdinary}, for r50k_base and cl100k_base. Prints the counts; exits 1 on any difference.
 *
 * <p>Args: {@code paths...} (files or directories).
 */
public final class FastEncoderCorpusCheck {

  public static void main(String[] args) throws Exception {
    List<Path> files = new ArrayList<>();
    for (String a : args) {
      try (Stream<Path> s = Files.walk(Path.of(a))) {
        s.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".jsonl")).sorted().forEach(files::add);
      }
    }
    EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
    Encoding[] jt = {registry.getEncoding(EncodingType.R50K_BASE), registry.getEncoding(EncodingType.CL100K_BASE)};
    FastBpeEncoder[] ours = {FastBpeEncoder.r50kBase(), FastBpeEncoder.cl100kBase()};
    PreTokenizer[] pre = {PreTokenizer.R50K, PreTokenizer.CL100K};
    java.util.regex.Pattern[] patterns = {pre[0].pattern(), pre[1].pattern()};
    long docs = 0;
    long bytes = 0;
    long[] splitSame = new long[2];
    long[] idsSame = new long[2];
    long[] pieces = new long[2];
    long[] tokens = new long[2];
    long invalidUtf16 = 0;
    ObjectMapper json = new ObjectMapper();
    for (Path f : files) {
      try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
        for (String line; (line = r.readLine()) != null; ) {
          if (line.isBlank()) {
            continue;
          }
          JsonNode node = json.readTree(line);
          String text = node.path("text").asText();
          String id = node.path("id").asText();
          docs++;
          bytes += text.getBytes(StandardCharsets.UTF_8).length;
          boolean valid = new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).equals(text);
          if (!valid) {
            invalidUtf16++;
          }
          for (int k = 0; k < 2; k++) {
            long n = sameSplit(pre[k], patterns[k], text);
            if (n >= 0) {
              splitSame[k]++;
              pieces[k] += n;
            } else {
              System.out.printf("SPLIT DIFFERS %s %s%n", pre[k], id);
            }
            if (k == 1 && !valid) {
              continue; // jtokkit's cl100k asserts valid UTF-16
            }
            int[] expected = jt[k].encodeOrdinary(text).toArray();
            int[] actual = ours[k].encodeOrdinary(text);
            if (Arrays.equals(expected, actual)) {
              idsSame[k]++;
              tokens[k] += actual.length;
            } else {
              System.out.printf("IDS DIFFER %s %s (%d vs %d tokens)%n", jt[k].getName(), id, expected.length, actual.length);
            }
          }
        }
      }
    }
    System.out.printf("%d files, %d documents, %.1f MB UTF-8 (%d with unpaired surrogates)%n", files.size(), docs, bytes / 1e6,
        invalidUtf16);
    boolean ok = true;
    for (int k = 0; k < 2; k++) {
      long idDocs = k == 1 ? docs - invalidUtf16 : docs;
      System.out.printf("%-7s split identical to java.util.regex: %d / %d documents (%d pre-tokens)%n", pre[k], splitSame[k],
          docs, pieces[k]);
      System.out.printf("%-7s ids identical to jtokkit %s: %d / %d documents (%d tokens)%n", pre[k], jt[k].getName(),
          idsSame[k], idDocs, tokens[k]);
      ok &= splitSame[k] == docs && idsSame[k] == idDocs;
    }
    System.exit(docs > 0 && ok ? 0 : 1);
  }

  /** The number of pre-tokens when the scanner and the regex agree on every one, else -1. */
  static long sameSplit(PreTokenizer pre, java.util.regex.Pattern pattern, String text) {
    char[] s = text.toCharArray();
    Matcher m = pattern.matcher(text);
    int i = 0;
    long n = 0;
    while (m.find()) {
      if (m.start() != i || i >= s.length || pre.next(s, i, s.length) != m.end()) {
        return -1;
      }
      i = m.end();
      n++;
    }
    return i == s.length ? n : -1;
  }
}
