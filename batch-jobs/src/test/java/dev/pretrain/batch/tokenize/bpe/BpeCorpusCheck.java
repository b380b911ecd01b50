package dev.pretrain.batch.tokenize.bpe;

import static dev.pretrain.batch.tokenize.bpe.Cl100kPreTokenizerTest.regexSplit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Checks on the demo corpus (not a test; needs python3 and PyPI once, for the venv):
 * <ol>
 *   <li>our pre-tokenizer against {@code java.util.regex} on every sampled document;
 *   <li>trains a vocabulary on the sample, writes tokenizer.json, has Hugging Face {@code tokenizers}
 *       encode the first {@code --docs} documents with it and compares the ids with ours, and the
 *       decoded bytes with the documents.
 * </ol>
 * Args: {@code [--corpus DIR] [--mb N] [--vocab V] [--docs N] [--split-only]} (only step 1); run from the
 * repository root.
 */
public final class BpeCorpusCheck {

  public static void main(String[] args) throws Exception {
    Path root = DemoCorpus.DEFAULT_ROOT;
    long maxBytes = 16_000_000;
    int vocab = 8192;
    int nDocs = 2000;
    boolean splitOnly = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--corpus" -> root = Path.of(args[++i]);
        case "--mb" -> maxBytes = Long.parseLong(args[++i]) * 1_000_000;
        case "--vocab" -> vocab = Integer.parseInt(args[++i]);
        case "--docs" -> nDocs = Integer.parseInt(args[++i]);
        case "--split-only" -> splitOnly = true;
        default -> throw new IllegalArgumentException(args[i]);
      }
    }
    List<String> docs = DemoCorpus.sample(root, maxBytes);
    System.out.printf("sample: %d documents, %.1f MB from %s%n", docs.size(), DemoCorpus.utf8Bytes(docs) / 1e6, root);

    int sameSplit = 0;
    for (String d : docs) {
      if (regexSplit(d).equals(Cl100kPreTokenizer.split(d))) {
        sameSplit++;
      } else {
        System.out.println("pre-tokenizer differs on a document starting: "
            + Cl100kPreTokenizerTest.escape(d.substring(0, Math.min(80, d.length()))));
      }
    }
    System.out.printf("pre-tokenizer vs java.util.regex: %d of %d documents split identically%n", sameSplit, docs.size());
    // speed, after the comparison above has warmed both up: pieces counted, one pass each
    double mb = DemoCorpus.utf8Bytes(docs) / 1e6;
    long s0 = System.nanoTime();
    long[] pieces = {0};
    for (String d : docs) {
      Cl100kPreTokenizer.split(d, (s, e) -> pieces[0]++);
    }
    double scanner = (System.nanoTime() - s0) / 1e9;
    s0 = System.nanoTime();
    long matches = 0;
    for (String d : docs) {
      java.util.regex.Matcher m = Cl100kPreTokenizerTest.REGEX.matcher(d);
      while (m.find()) {
        matches++;
      }
    }
    double regex = (System.nanoTime() - s0) / 1e9;
    System.out.printf("split speed: scanner %.0f MB/s, java.util.regex %.0f MB/s (%d / %d pieces)%n", mb / scanner,
        mb / regex, pieces[0], matches);
    if (splitOnly) {
      return;
    }

    long t0 = System.nanoTime();
    BpeVocabulary v = new BpeTrainer(vocab, List.of("<|endoftext|>"), 0).train(docs);
    System.out.printf("trained vocab %d (%d merges) in %.2f s%n", v.size(), v.merges().size(), (System.nanoTime() - t0) / 1e9);
    Path dir = Path.of("batch-jobs/target/bpe-check");
    Files.createDirectories(dir);
    Path json = dir.resolve("tokenizer.json");
    HfTokenizerJson.write(v, json);
    List<String> check = docs.subList(0, Math.min(nDocs, docs.size()));
    Path texts = dir.resolve("texts.jsonl");
    Path hfIds = dir.resolve("hf-ids.jsonl");
    DemoCorpus.writeJsonl(check, texts);
    DemoCorpus.python(List.of("encode", json.toString(), texts.toString(), hfIds.toString()), false);

    BpeTokenizer ours = new BpeTokenizer(v);
    ObjectMapper mapper = new ObjectMapper();
    List<String> hfLines = Files.readAllLines(hfIds, StandardCharsets.UTF_8);
    int same = 0;
    int roundTrip = 0;
    long tokens = 0;
    for (int i = 0; i < check.size(); i++) {
      int[] a = ours.encodeOrdinary(check.get(i));
      int[] b = mapper.readValue(hfLines.get(i), int[].class);
      tokens += a.length;
      if (Arrays.equals(a, b)) {
        same++;
      } else if (same + 5 > i) {
        int k = 0;
        while (k < Math.min(a.length, b.length) && a[k] == b[k]) {
          k++;
        }
        System.out.printf("doc %d differs at token %d of %d/%d%n", i, k, a.length, b.length);
      }
      if (Arrays.equals(ours.decodeBytes(a), check.get(i).getBytes(StandardCharsets.UTF_8))) {
        roundTrip++;
      }
    }
    System.out.printf("tokenizers ids vs ours: %d of %d documents identical (%d tokens, %.2f bytes/token); "
            + "round trip exact: %d of %d%n", same, check.size(), tokens,
        DemoCorpus.utf8Bytes(check) / (double) tokens, roundTrip, check.size());
  }
}
