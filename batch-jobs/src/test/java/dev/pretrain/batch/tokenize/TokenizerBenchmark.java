package dev.pretrain.batch.tokenize;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.pretrain.batch.BatchJobRunner;
import dev.pretrain.batch.shards.DocumentLineParser;
import dev.pretrain.batch.shards.ShardDocument;
import dev.pretrain.batch.tokenize.bpe.BpeTokenizer;
import dev.pretrain.batch.tokenize.bpe.BpeTrainer;
import dev.pretrain.batch.tokenize.bpe.BpeVocabulary;
import dev.pretrain.batch.tokenize.fast.FastBpeEncoder;
import dev.pretrain.batch.tokenize.fast.MergeableRanks;
import dev.pretrain.batch.tokenize.fast.TokenBuffer;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.springframework.batch.infrastructure.item.Chunk;

/**
 * Prints throughput figures (not a test): our tokenize path against plain jtokkit encodes, on the
 * same documents, in the same JVM, one thread each, median of several timed rounds after warm-up.
 *
 * <ul>
 *   <li>{@code jtokkit cl100k}: {@code encodeOrdinary} of each text (the speed reference, docs/architecture.md §7);
 *   <li>{@code jtokkit r50k}: the same with GPT-2's ranks, which tokenize uses;
 *   <li>{@code fast cl100k / r50k}: our encoder ({@code tokenize.fast}) on the same texts, one encoder
 *       kept across rounds (its word cache warm, as in a long-running step) and, more conservatively,
 *       a new encoder per round (cache empty at the start of each round); token counts must equal jtokkit's;
 *   <li>{@code fast own-N} (with {@code --own-vocab N}): our own {@link BpeTrainer} vocabulary of N ids
 *       ({@code <|endoftext|>} special, minFrequency 0) encoded by {@link BpeTokenizer} (the fast
 *       encoder over its merges, cl100k split), kept and new per round as above, beside jtokkit cl100k
 *       in the same run on the same texts. It is trained on up to {@code --own-train-mb} MB (default
 *       16) of the texts that follow the measured ones in the same order, so the measured text is not
 *       in its training text; when fewer than half that many MB follow, it is trained on the measured
 *       texts themselves and the output says so. Every measured text must decode back exactly;
 *   <li>{@code tokenize path}: what the tokenize step does per document short of S3 and the database:
 *       parse the shard's JSON line, encode (r50k) and pick the split, write EOT + uint16 tokens and
 *       the map line to local files.
 * </ul>
 * MB/s is UTF-8 text bytes (10^6) per second. Text: files given as arguments (directories are
 * walked), default the plain-text files under /usr/share/doc, one document per file ({@code .jsonl}:
 * one per line, the {@code text} field).
 *
 * <p>Args: {@code [--mb N] [--rounds N] [--encoders-only] [--own-vocab N] [--own-train-mb N] [paths...]}
 * ({@code --encoders-only}: skip the tokenize path).
 */
public final class TokenizerBenchmark {

  public static void main(String[] args) throws Exception {
    long maxBytes = 16_000_000;
    int rounds = 5;
    boolean encodersOnly = false;
    int ownVocab = 0;
    long ownTrainBytes = 16_000_000;
    List<Path> roots = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--mb" -> maxBytes = Long.parseLong(args[++i]) * 1_000_000;
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--encoders-only" -> encodersOnly = true;
        case "--own-vocab" -> ownVocab = Integer.parseInt(args[++i]);
        case "--own-train-mb" -> ownTrainBytes = Long.parseLong(args[++i]) * 1_000_000;
        default -> roots.add(Path.of(args[i]));
      }
    }
    if (roots.isEmpty()) {
      roots.add(Path.of("/usr/share/doc"));
    }
    // the measured texts are the shortest prefix reaching maxBytes, as without --own-vocab; what
    // follows is the own vocabulary's training text
    List<String> all = loadTexts(roots, maxBytes + (ownVocab > 0 ? ownTrainBytes : 0));
    int measured = 0;
    long bytes = 0;
    while (measured < all.size() && bytes < maxBytes) {
      bytes += all.get(measured++).getBytes(StandardCharsets.UTF_8).length;
    }
    List<String> texts = all.subList(0, measured);
    List<String> after = all.subList(measured, all.size());
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      lines.add(jsonLine("doc-" + i, texts.get(i)));
    }
    System.out.printf("text: %d documents, %.1f MB from %s; %d timed rounds after 2 warm-up; java %s, %d cpus%n",
        texts.size(), bytes / 1e6, roots, rounds, System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors());

    Encoding cl100k = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
    Encoding r50k = DocumentTokenizer.r50k();
    Path dir = Files.createTempDirectory("tokenizer-bench");
    try {
      double jtCl = report("jtokkit cl100k encodeOrdinary", bytes, rounds, () -> encodeAll(cl100k, texts));
      FastBpeEncoder fastCl = FastBpeEncoder.cl100kBase();
      double fastClWarm = report("fast cl100k (encoder kept)", bytes, rounds, () -> encodeAll(fastCl, texts));
      double fastClCold = report("fast cl100k (new encoder/round)", bytes, rounds,
          () -> encodeAll(FastBpeEncoder.cl100kBase(), texts));
      if (ownVocab > 0) {
        benchOwn(ownVocab, ownTrainBytes, texts, after, bytes, rounds, jtCl);
      }
      double jtR50k = report("jtokkit r50k encodeOrdinary", bytes, rounds, () -> encodeAll(r50k, texts));
      FastBpeEncoder fastR50k = FastBpeEncoder.r50kBase();
      double fastR50kWarm = report("fast r50k (encoder kept)", bytes, rounds, () -> encodeAll(fastR50k, texts));
      double fastR50kCold = report("fast r50k (new encoder/round)", bytes, rounds,
          () -> encodeAll(FastBpeEncoder.r50kBase(), texts));
      if (encodeAll(cl100k, texts) != encodeAll(FastBpeEncoder.cl100kBase(), texts)
          || encodeAll(r50k, texts) != encodeAll(FastBpeEncoder.r50kBase(), texts)) {
        throw new IllegalStateException("token counts differ between jtokkit and the fast encoder");
      }
      System.out.printf("ratio fast/jtokkit: cl100k %.2fx (kept) %.2fx (new/round); r50k %.2fx (kept) %.2fx (new/round)%n",
          fastClWarm / jtCl, fastClCold / jtCl, fastR50kWarm / jtR50k, fastR50kCold / jtR50k);
      if (!encodersOnly) {
        report("tokenize path (parse+r50k+write)", bytes, rounds, () -> tokenizePath(lines, dir));
      }
    } finally {
      BatchJobRunner.deleteRecursively(dir);
    }
  }

  /** Trains our vocabulary, times it kept and new per round, prints the ratios to jtokkit cl100k. */
  private static void benchOwn(int vocabSize, long trainBytes, List<String> texts, List<String> after, long bytes,
      int rounds, double jtCl) throws Exception {
    long afterBytes = after.stream().mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length).sum();
    List<String> training = new ArrayList<>();
    long trainingBytes = 0;
    boolean disjoint = afterBytes >= trainBytes / 2;
    for (String t : disjoint ? after : texts) {
      if (trainingBytes >= trainBytes) {
        break;
      }
      training.add(t);
      trainingBytes += t.getBytes(StandardCharsets.UTF_8).length;
    }
    long t0 = System.nanoTime();
    BpeVocabulary vocab = new BpeTrainer(vocabSize, List.of("<|endoftext|>"), 0).train(training);
    double trainSeconds = (System.nanoTime() - t0) / 1e9;
    if (disjoint) {
      System.out.printf("own vocabulary: %d ids (%d merges), trained in %.1f s on %d texts, %.1f MB, that follow the measured ones (disjoint from them)%n",
          vocab.size(), vocab.merges().size(), trainSeconds, training.size(), trainingBytes / 1e6);
    } else {
      System.out.printf("own vocabulary: %d ids (%d merges), trained in %.1f s on %d texts, %.1f MB, OF THE MEASURED TEXT ITSELF"
          + " (only %.1f MB follow it; it compresses its own training text better than unseen text)%n",
          vocab.size(), vocab.merges().size(), trainSeconds, training.size(), trainingBytes / 1e6, afterBytes / 1e6);
    }
    MergeableRanks ranks = vocab.mergeableRanks();
    BpeTokenizer kept = new BpeTokenizer(vocab, ranks);
    for (String t : texts) {
      if (!kept.decode(kept.encodeOrdinary(t)).equals(t)) {
        throw new IllegalStateException("own vocabulary: a measured text does not decode back to itself");
      }
    }
    String name = "fast own-" + vocabSize;
    double warm = report(name + " (encoder kept)", bytes, rounds, () -> encodeAll(kept, texts));
    double cold = report(name + " (new encoder/round)", bytes, rounds,
        () -> encodeAll(new BpeTokenizer(vocab, ranks), texts));
    System.out.printf("ratio %s / jtokkit cl100k: %.2fx (kept) %.2fx (new/round); target >= 2x%n", name, warm / jtCl,
        cold / jtCl);
  }

  @FunctionalInterface
  interface Round {
    long run() throws Exception;
  }

  /** Prints and returns the median MB/s. */
  private static double report(String name, long bytes, int rounds, Round round) throws Exception {
    long tokens = 0;
    for (int i = 0; i < 2; i++) {
      tokens = round.run();
    }
    double[] seconds = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      long t0 = System.nanoTime();
      round.run();
      seconds[i] = (System.nanoTime() - t0) / 1e9;
    }
    double[] sorted = seconds.clone();
    Arrays.sort(sorted);
    double median = sorted[rounds / 2];
    System.out.printf("%-34s median %6.2f MB/s  %5.2f M tokens/s  (%d tokens; rounds %s s)%n", name,
        bytes / 1e6 / median, tokens / 1e6 / median, tokens,
        Arrays.toString(Arrays.stream(seconds).map(s -> Math.round(s * 1000) / 1000.0).toArray()));
    return bytes / 1e6 / median;
  }

  private static long encodeAll(FastBpeEncoder encoder, List<String> texts) {
    TokenBuffer out = new TokenBuffer(1 << 16);
    long tokens = 0;
    for (String t : texts) {
      out.clear();
      tokens += encoder.encodeOrdinary(t, out);
    }
    return tokens;
  }

  private static long encodeAll(BpeTokenizer tokenizer, List<String> texts) {
    TokenBuffer out = new TokenBuffer(1 << 16);
    long tokens = 0;
    for (String t : texts) {
      out.clear();
      tokens += tokenizer.encodeOrdinary(t, out);
    }
    return tokens;
  }

  private static long encodeAll(Encoding encoding, List<String> texts) {
    long tokens = 0;
    for (String t : texts) {
      tokens += encoding.encodeOrdinary(t).size();
    }
    return tokens;
  }

  /** The step's processor and writer, fed chunk by chunk as Spring Batch would. */
  private static long tokenizePath(List<String> lines, Path dir) throws Exception {
    DocumentLineParser parser = new DocumentLineParser(true);
    DocumentTokenizer tokenizer = DocumentTokenizer.r50kBase(new SplitRule(0.01, List.of()));
    TokenShardWriter writer = new TokenShardWriter(dir, n -> {});
    long tokens = 0;
    try {
      Chunk<TokenizedDocument> chunk = new Chunk<>();
      for (int i = 0; i < lines.size(); i++) {
        ShardDocument doc = parser.parse(0, i + 1, lines.get(i), "bench line " + (i + 1));
        TokenizedDocument t = tokenizer.process(doc);
        tokens += t.shardTokens();
        chunk.add(t);
        if (chunk.size() == TokenizeJobConfig.CHUNK_SIZE) {
          writer.write(chunk);
          chunk = new Chunk<>();
        }
      }
      writer.write(chunk);
    } finally {
      writer.close();
    }
    return tokens;
  }

  private static String jsonLine(String id, String text) throws IOException {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = new JsonFactory().createGenerator(w)) {
      g.writeStartObject();
      g.writeStringField("id", id);
      g.writeStringField("text", text);
      g.writeStringField("source", "bench");
      g.writeStringField("sha256", "0".repeat(64));
      g.writeEndObject();
    }
    return w.toString();
  }

  /** The {@code text} field of each line of a {@code .jsonl} file (one document per line), up to maxBytes; returns the bytes taken. */
  private static long loadJsonl(Path f, List<String> texts, long maxBytes) throws IOException {
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    long total = 0;
    for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
      if (total >= maxBytes) {
        break;
      }
      if (!line.isBlank()) {
        String text = json.readTree(line).path("text").asText();
        texts.add(text);
        total += text.getBytes(StandardCharsets.UTF_8).length;
      }
    }
    return total;
  }

  /**
   * Regular files that decode as UTF-8 and hold no NUL, in path order, up to maxBytes; a {@code .jsonl}
   * file gives one document per line (its {@code text} field).
   */
  private static List<String> loadTexts(List<Path> roots, long maxBytes) throws IOException {
    List<Path> files = new ArrayList<>();
    for (Path root : roots) {
      try (Stream<Path> s = Files.walk(root)) {
        s.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".gz")).sorted().forEach(files::add);
      }
    }
    List<String> texts = new ArrayList<>();
    long total = 0;
    for (Path f : files) {
      if (total >= maxBytes) {
        break;
      }
      if (f.toString().endsWith(".jsonl")) {
        total += loadJsonl(f, texts, maxBytes - total);
        continue;
      }
      byte[] b = Files.readAllBytes(f);
      if (b.length == 0 || b.length > 4_000_000) {
        continue;
      }
      String text;
      try {
        text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(b)).toString();
      } catch (CharacterCodingException e) {
        continue;
      }
      if (text.indexOf('\0') >= 0) {
        continue;
      }
      texts.add(text);
      total += b.length;
    }
    if (texts.isEmpty()) {
      throw new IllegalArgumentException("no UTF-8 text files under " + roots);
    }
    return texts;
  }
}
