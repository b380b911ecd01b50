package dev.pretrain.batch.tokenize.bpe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.batch.tokenize.Split;
import dev.pretrain.batch.tokenize.SplitRule;
import dev.pretrain.batch.tokenize.fast.FastBpeEncoder;
import dev.pretrain.batch.tokenize.fast.TokenBuffer;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Prints how well our vocabularies compress held-out text (not a test): bytes per token of our
 * {@link BpeTrainer} vocabularies at several sizes beside GPT-2's r50k_base and cl100k_base.
 *
 * <ul>
 *   <li><b>Held-out text</b>: the corpus documents that {@code new SplitRule(valFraction, List.of())}
 *       puts in {@link Split#VAL}, the documents the tokenize step writes to the val shards.
 *   <li><b>Training sample</b>: the other (train-split) documents ordered by the lowercase hex
 *       SHA-256 of {@code seed + ":" + id} (UTF-8), taken in that order until their text reaches
 *       {@code --sample-mb} MB (10^6 bytes) of UTF-8; the document that crosses the budget is taken.
 *       This is the sampling rule meant for the pipeline's tokenizer-training step (not wired yet:
 *       docs/tokenizer.md, "Not done yet"), so the figures describe the vocabulary that step would
 *       train on the same corpus. No held-out document is in the sample.
 *   <li>Ours: {@code new BpeTrainer(V, [<|endoftext|>], 0)} for each {@code --vocabs} V, encoded with
 *       {@link BpeTokenizer#encodeOrdinary}; every held-out document must decode back to its text
 *       (the run fails otherwise). r50k / cl100k: {@link FastBpeEncoder}, whose ids equal jtokkit's
 *       (checked on every document of the demo corpus by {@code FastEncoderCorpusCheck}).
 * </ul>
 * Prints a Markdown table over all held-out text and one per source ({@code source} field; the
 * largest sources by held-out bytes). The split goes by id, and a raw corpus may hold the same text
 * under several ids (the demo corpus has two KJV packages and two linux-doc versions; the pipeline's
 * exact dedup runs before tokenize), so it also counts the held-out documents whose text is a
 * train-split document too and gives bytes/token without them.
 *
 * <p>Args: {@code [--corpus DIR] [--val-fraction F] [--seed N] [--sample-mb N] [--vocabs 4096,8192,16384]
 * [--source-vocab 8192] [--sources N]}; {@code --corpus} defaults to {@code .pretrain/s3/corpus/demo}
 * under the working directory.
 */
public final class TokenizerCompression {

  static final String EOT = "<|endoftext|>";
  // specials tiktoken defines besides the ranks: r50k <|endoftext|>; cl100k <|endoftext|> and the four
  // FIM / endofprompt tokens (ids past the ranks; not used for text here, shown for the vocabulary size)
  private static final int R50K_SPECIALS = 1;
  private static final int CL100K_SPECIALS = 5;

  record Doc(String id, String source, String text, long bytes) {}

  public static void main(String[] args) throws Exception {
    Path root = DemoCorpus.DEFAULT_ROOT;
    double valFraction = 0.02;
    long seed = 1337;
    long sampleBytes = 16_000_000;
    List<Integer> vocabs = List.of(4096, 8192, 16384);
    int sourceVocab = 8192;
    int nSources = 10;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--corpus" -> root = Path.of(args[++i]);
        case "--val-fraction" -> valFraction = Double.parseDouble(args[++i]);
        case "--seed" -> seed = Long.parseLong(args[++i]);
        case "--sample-mb" -> sampleBytes = Math.round(Double.parseDouble(args[++i]) * 1_000_000);
        case "--vocabs" -> vocabs = Arrays.stream(args[++i].split(",")).map(s -> Integer.parseInt(s.trim())).toList();
        case "--source-vocab" -> sourceVocab = Integer.parseInt(args[++i]);
        case "--sources" -> nSources = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException(args[i]);
      }
    }
    if (!vocabs.contains(sourceVocab)) {
      throw new IllegalArgumentException("--source-vocab " + sourceVocab + " is not one of --vocabs " + vocabs);
    }

    List<Doc> docs = load(root);
    SplitRule rule = new SplitRule(valFraction, List.of());
    List<Doc> train = new ArrayList<>();
    List<Doc> heldOut = new ArrayList<>();
    for (Doc d : docs) {
      (rule.of(d.id(), d.source()) == Split.VAL ? heldOut : train).add(d);
    }
    List<Doc> sample = trainingSample(train, seed, sampleBytes);
    long heldOutBytes = heldOut.stream().mapToLong(Doc::bytes).sum();
    System.out.printf("corpus %s: %,d documents, %,d bytes; java %s%n", root, docs.size(),
        docs.stream().mapToLong(Doc::bytes).sum(), System.getProperty("java.version"));
    System.out.printf("held out (SplitRule val, fraction %s): %,d documents, %,d bytes%n", valFraction,
        heldOut.size(), heldOutBytes);
    System.out.printf("training sample (train split by sha256(\"%d:\" + id), up to %,d bytes): %,d of %,d documents, %,d bytes; by source: %s%n",
        seed, sampleBytes, sample.size(), train.size(), sample.stream().mapToLong(Doc::bytes).sum(),
        bytesBySource(sample));
    // the demo corpus holds near-copies under different ids (two KJV packages, two linux-doc versions);
    // the split is by id, so say how much held-out text also occurs verbatim on the train side
    Set<String> trainTexts = new HashSet<>();
    train.forEach(d -> trainTexts.add(d.text()));
    Set<String> sampleTexts = new HashSet<>();
    sample.forEach(d -> sampleTexts.add(d.text()));
    long dupTrain = heldOut.stream().filter(d -> trainTexts.contains(d.text())).count();
    long dupTrainBytes = heldOut.stream().filter(d -> trainTexts.contains(d.text())).mapToLong(Doc::bytes).sum();
    long dupSample = heldOut.stream().filter(d -> sampleTexts.contains(d.text())).count();
    long dupSampleBytes = heldOut.stream().filter(d -> sampleTexts.contains(d.text())).mapToLong(Doc::bytes).sum();
    System.out.printf("held-out documents whose exact text is also a train-split document: %,d (%,d bytes); also in the sample: %,d (%,d bytes)%n",
        dupTrain, dupTrainBytes, dupSample, dupSampleBytes);
    Set<String> copied = new HashSet<>();
    heldOut.stream().filter(d -> trainTexts.contains(d.text())).forEach(d -> copied.add(d.id()));

    List<String> sampleList = sample.stream().map(Doc::text).toList();
    List<Row> rows = new ArrayList<>();
    for (int v : vocabs) {
      long t0 = System.nanoTime();
      BpeVocabulary vocab = new BpeTrainer(v, List.of(EOT), 0).train(sampleList);
      double trainSeconds = (System.nanoTime() - t0) / 1e9;
      BpeTokenizer tok = new BpeTokenizer(vocab);
      Row row = new Row("ours " + v, vocab.mergedSize(), vocab.specialTokens().size(), copied);
      for (Doc d : heldOut) {
        int[] ids = tok.encodeOrdinary(d.text());
        String back = tok.decode(ids);
        if (!back.equals(d.text())) {
          throw new IllegalStateException("round trip failed for ours " + v + " on " + d.id() + ": first difference at char "
              + firstDifference(back, d.text()) + " of " + d.text().length());
        }
        row.add(d, ids.length);
      }
      System.out.printf("trained ours %d in %.1f s (%,d merges); round trip exact on %,d / %,d held-out documents%n", v,
          trainSeconds, vocab.merges().size(), heldOut.size(), heldOut.size());
      rows.add(row);
    }
    rows.add(fixed("r50k_base", FastBpeEncoder.r50kBase(), R50K_SPECIALS, heldOut, copied));
    rows.add(fixed("cl100k_base", FastBpeEncoder.cl100kBase(), CL100K_SPECIALS, heldOut, copied));
    Row r50k = rows.get(rows.size() - 2);

    System.out.println();
    System.out.println("| tokenizer | vocabulary (ordinary + special) | held-out documents | bytes | tokens | bytes/token | tokens / r50k tokens | bytes/token without held-out documents copied on the train side |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    for (Row r : rows) {
      System.out.printf("| %s | %,d + %d | %,d | %,d | %,d | %.3f | %.3f | %.3f (%,d documents) |%n", r.name, r.ordinary,
          r.specials, r.docs, r.bytes, r.tokens, (double) r.bytes / r.tokens, (double) r.tokens / r50k.tokens,
          (double) r.uniqueBytes / r.uniqueTokens, r.uniqueDocs);
    }

    Row ours = rows.get(vocabs.indexOf(sourceVocab));
    Row cl100k = rows.get(rows.size() - 1);
    List<String> sources = ours.bySource.keySet().stream()
        .sorted(Comparator.comparingLong((String s) -> -ours.bySource.get(s)[1]).thenComparing(s -> s))
        .limit(nSources).toList();
    System.out.println();
    System.out.printf("bytes/token by source (the %d largest by held-out bytes)%n%n", sources.size());
    System.out.printf("| source | held-out documents | bytes | %s | r50k_base | cl100k_base |%n", ours.name);
    System.out.println("|---|---|---|---|---|---|");
    for (String s : sources) {
      long[] o = ours.bySource.get(s);
      System.out.printf("| %s | %,d | %,d | %.3f | %.3f | %.3f |%n", s, o[0], o[1], (double) o[1] / o[2],
          perToken(r50k, s), perToken(cl100k, s));
    }
  }

  /** Tokens of the held-out text for one tokenizer, in all and per source. */
  static final class Row {
    final String name;
    final int ordinary;
    final int specials;
    long docs;
    long bytes;
    long tokens;
    // the same over the held-out documents whose text is not also a train-split document
    long uniqueDocs;
    long uniqueBytes;
    long uniqueTokens;
    // source -> {documents, bytes, tokens}
    final Map<String, long[]> bySource = new TreeMap<>();
    private final Set<String> copied;

    Row(String name, int ordinary, int specials, Set<String> copied) {
      this.name = name;
      this.ordinary = ordinary;
      this.specials = specials;
      this.copied = copied;
    }

    void add(Doc d, long n) {
      docs++;
      bytes += d.bytes();
      tokens += n;
      if (!copied.contains(d.id())) {
        uniqueDocs++;
        uniqueBytes += d.bytes();
        uniqueTokens += n;
      }
      long[] s = bySource.computeIfAbsent(d.source(), k -> new long[3]);
      s[0]++;
      s[1] += d.bytes();
      s[2] += n;
    }
  }

  private static Row fixed(String name, FastBpeEncoder encoder, int specials, List<Doc> heldOut, Set<String> copied) {
    Row row = new Row(name, encoder.ranks().size(), specials, copied);
    TokenBuffer out = new TokenBuffer(1 << 16);
    for (Doc d : heldOut) {
      out.clear();
      row.add(d, encoder.encodeOrdinary(d.text(), out));
    }
    return row;
  }

  private static double perToken(Row r, String source) {
    long[] s = r.bySource.get(source);
    return (double) s[1] / s[2];
  }

  private static int firstDifference(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      if (a.charAt(i) != b.charAt(i)) {
        return i;
      }
    }
    return n;
  }

  private static String bytesBySource(List<Doc> docs) {
    Map<String, Long> m = new TreeMap<>();
    docs.forEach(d -> m.merge(d.source(), d.bytes(), Long::sum));
    Map<String, String> out = new LinkedHashMap<>();
    m.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(e -> out.put(e.getKey(), String.format("%.1f MB", e.getValue() / 1e6)));
    return out.toString();
  }

  /** Every line of the {@code **}{@code /*.jsonl} files under root, files in path order. */
  static List<Doc> load(Path root) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no .jsonl files under " + root);
    }
    ObjectMapper json = new ObjectMapper();
    List<Doc> docs = new ArrayList<>();
    for (Path f : files) {
      try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          if (line.isBlank()) {
            continue;
          }
          JsonNode n = json.readTree(line);
          String text = n.path("text").asText();
          docs.add(new Doc(n.path("id").asText(), n.path("source").asText(), text,
              text.getBytes(StandardCharsets.UTF_8).length));
        }
      }
    }
    return docs;
  }

  /** Lowercase hex SHA-256 of {@code seed + ":" + id} (UTF-8): the sample order key. */
  static String sampleKey(long seed, String id) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest((seed + ":" + id).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The training sample: {@code train} ordered by {@link #sampleKey} (id on an equal key, so the order
   * never depends on the input's), taken until the UTF-8 bytes taken reach {@code maxBytes}.
   */
  static List<Doc> trainingSample(List<Doc> train, long seed, long maxBytes) {
    record Keyed(String key, Doc doc) {}
    List<Keyed> keyed = new ArrayList<>(train.size());
    for (Doc d : train) {
      keyed.add(new Keyed(sampleKey(seed, d.id()), d));
    }
    keyed.sort(Comparator.comparing(Keyed::key).thenComparing(k -> k.doc().id()));
    List<Doc> out = new ArrayList<>();
    long bytes = 0;
    for (Keyed k : keyed) {
      if (bytes >= maxBytes) {
        break;
      }
      out.add(k.doc());
      bytes += k.doc().bytes();
    }
    return out;
  }
}
