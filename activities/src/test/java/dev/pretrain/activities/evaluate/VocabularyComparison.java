package dev.pretrain.activities.evaluate;

import dev.pretrain.activities.train.DjlRuntime;
import dev.pretrain.activities.train.ModelConfig;
import dev.pretrain.activities.train.ModelRuntime;
import dev.pretrain.activities.train.TokenShards;
import dev.pretrain.activities.train.TrainConfig;
import dev.pretrain.activities.train.Trainer;
import dev.pretrain.batch.tokenize.bpe.BpeVocabulary;
import dev.pretrain.batch.tokenize.bpe.HfTokenizerJson;
import dev.pretrain.workflows.train.TrainParams;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Prints figures (not a test): the demo model over GPT-2's r50k vocabulary against the model over the
 * run's own vocabulary, trained for the same wall time on this machine in one process, compared on
 * validation bits per byte (which does not depend on the tokenizer: the same held-out documents, nats
 * divided by their UTF-8 bytes).
 *
 * <p>Inputs are two runs of the same recipe that differ only in {@code tokenize.encoding} (the same
 * kept documents, so the same validation documents: checked, their byte counts must be equal), read
 * from their object folders ({@code .pretrain/s3/<bucket>/runs/<runId>}: S3Proxy's filesystem store).
 * For each: a few timed steps measure seconds per step; the step count that fills {@code --seconds}
 * follows; a fresh model (the recipe's shape: {@link TrainParams#defaults()}, or
 * {@link TrainParams#forOwnVocabulary} for the own vocabulary) trains that many steps with its cosine
 * schedule; the whole validation split is evaluated.
 *
 * <p>A short calibration misjudges a long run (the first run of this harness gave the own-vocabulary model
 * 16 % more time than the r50k one): {@code --steps A,B} skips it and trains the given step counts, for
 * instance those that an earlier run's measured seconds per step say fill the time.
 *
 * <p>Args: {@code --r50k RUN_DIR --own RUN_DIR [--seconds 300] [--calibrate 6] [--steps R50K,OWN] [--threads N]
 * [--djl-cache DIR]}
 */
public final class VocabularyComparison {

  private record Side(String name, TrainParams params, List<Path> train, List<Path> val, int[] tokenBytes) {}

  public static void main(String[] args) throws Exception {
    Path r50kRun = null;
    Path ownRun = null;
    double seconds = 300;
    int calibrate = 6;
    int threads = Runtime.getRuntime().availableProcessors();
    Path djlCache = Path.of(".pretrain/cache/djl");
    int[] fixedSteps = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--r50k" -> r50kRun = Path.of(args[++i]);
        case "--own" -> ownRun = Path.of(args[++i]);
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--calibrate" -> calibrate = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--djl-cache" -> djlCache = Path.of(args[++i]);
        case "--steps" -> fixedSteps = java.util.Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        default -> throw new IllegalArgumentException(args[i]);
      }
    }
    if (r50kRun == null || ownRun == null) {
      throw new IllegalArgumentException("need --r50k RUN_DIR and --own RUN_DIR");
    }
    DjlRuntime.init(djlCache, threads);
    BpeVocabulary own;
    try (InputStream in = Files.newInputStream(ownRun.resolve("tokenizer/tokenizer.json"))) {
      own = HfTokenizerJson.read(in, ownRun.resolve("tokenizer/tokenizer.json").toString());
    }
    List<Side> sides = List.of(
        new Side("r50k_base", TrainParams.defaults(), shards(r50kRun, "train-"), shards(r50kRun, "val-"),
            Evaluator.r50kTokenBytes()),
        new Side("own " + own.size(), TrainParams.defaults().forOwnVocabulary(own.size()), shards(ownRun, "train-"),
            shards(ownRun, "val-"), Evaluator.tokenBytes(own)));
    System.out.printf(Locale.ROOT, "threads %d, %.0f s of training each, load %s%n", threads, seconds, load());

    List<String> rows = new ArrayList<>();
    long[] valBytes = new long[sides.size()];
    for (int s = 0; s < sides.size(); s++) {
      Side side = sides.get(s);
      TrainParams p = side.params();
      ModelConfig mc = ModelRuntime.modelConfig(p);
      TokenShards train = TokenShards.open(side.train());
      double trainBytesPerToken = bytesPerToken(train, side.tokenBytes());
      // seconds per step, after one warm-up step, with the schedule of a long run (the rate does not matter here)
      double perStep = Double.NaN;
      if (fixedSteps == null) {
      try (Trainer t = Trainer.start(mc, ModelRuntime.trainConfig(p.withSteps(1000, 1000)), train)) {
        t.trainStep();
        long t0 = System.nanoTime();
        for (int i = 0; i < calibrate; i++) {
          t.trainStep();
        }
        perStep = (System.nanoTime() - t0) / 1e9 / calibrate;
      }
      }
      int steps = fixedSteps != null ? fixedSteps[s] : Math.max(10, (int) (seconds / perStep));
      TrainParams run = new TrainParams(p.vocabSize(), p.contextLength(), p.dModel(), p.layers(), p.heads(),
          p.ffnHidden(), steps, p.batch(), p.seqLen(), p.lr(), p.minLr(), Math.max(1, steps / 20), p.weightDecay(),
          p.gradClip(), steps, p.seed(), p.evalBatch(), 0);
      System.out.printf(Locale.ROOT, "%s: %s -> %d steps (load %s)%n", side.name(), fixedSteps != null ? "steps given"
          : String.format(Locale.ROOT, "%.3f s/step measured over %d steps", perStep, calibrate), steps, load());
      Evaluator.Result r;
      double wall;
      double lastLoss = Double.NaN;
      try (Trainer t = Trainer.start(mc, ModelRuntime.trainConfig(run), train)) {
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
          lastLoss = t.trainStep().loss();
        }
        wall = (System.nanoTime() - t0) / 1e9;
        r = evaluateOnItsOwnThread(t, side, p);
      }
      valBytes[s] = r.bytes();
      long tokens = (long) steps * p.batch() * p.seqLen();
      rows.add(String.format(Locale.ROOT, "| %s | %,d | %,d (%,d + %,d) | %,d | %.1f s (%.3f s/step) | %,.0f | %,d | %.2f | %.3f | %,d | %,d | %.4f | **%.4f** |",
          side.name(), p.vocabSize(), mc.parameterCount(), (long) p.vocabSize() * p.dModel(),
          mc.nonEmbeddingParameterCount(), steps, wall, wall / steps, tokens / wall, tokens, trainBytesPerToken, lastLoss,
          r.tokens(), r.bytes(), r.loss(), r.bitsPerByte()));
    }
    System.out.println();
    System.out.println("| vocabulary | ids | parameters (embedding + body) | steps | training wall time | tokens/s |"
        + " tokens trained | train bytes/token | last train loss | val tokens | val bytes | val loss (nats/token) |"
        + " val bits/byte |");
    System.out.println("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    rows.forEach(System.out::println);
    System.out.printf(Locale.ROOT, "%nload after: %s%n", load());
    if (valBytes[0] != valBytes[1]) {
      System.out.println("WARNING: the validation splits hold different text (" + valBytes[0] + " vs " + valBytes[1]
          + " bytes): the runs did not keep the same documents; bits per byte are not comparable");
    }
  }

  /** Evaluation turns gradients off for its thread: it gets its own, so the next model still trains. */
  private static Evaluator.Result evaluateOnItsOwnThread(Trainer t, Side side, TrainParams p) throws Exception {
    Evaluator.Result[] out = new Evaluator.Result[1];
    Exception[] failed = new Exception[1];
    Thread th = new Thread(() -> {
      try {
        out[0] = Evaluator.evaluate(t.model(), TokenShards.open(side.val()), p.seqLen(), p.evalBatch(),
            side.tokenBytes(), n -> {});
      } catch (Exception e) {
        failed[0] = e;
      }
    });
    th.start();
    th.join();
    if (failed[0] != null) {
      throw failed[0];
    }
    return out[0];
  }

  private static List<Path> shards(Path run, String prefix) throws Exception {
    try (Stream<Path> s = Files.list(run.resolve("tokenize"))) {
      List<Path> out = s.filter(p -> p.getFileName().toString().startsWith(prefix)
          && p.getFileName().toString().endsWith(".bin")).sorted().toList();
      if (out.isEmpty()) {
        throw new IllegalArgumentException("no " + prefix + "*.bin under " + run.resolve("tokenize"));
      }
      return out;
    }
  }

  /** Mean UTF-8 bytes per token over all the training shards. */
  private static double bytesPerToken(TokenShards data, int[] tokenBytes) {
    long bytes = 0;
    long n = 0;
    long[] buf = new long[1 << 16];
    for (int s = 0; s < data.shardCount(); s++) {
      long count = data.tokens(s);
      for (long at = 0; at < count; at += buf.length) {
        int len = (int) Math.min(buf.length, count - at);
        data.read(s, at, buf, 0, len);
        for (int i = 0; i < len; i++) {
          bytes += tokenBytes[(int) buf[i]];
        }
        n += len;
      }
    }
    return (double) bytes / n;
  }

  private static String load() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "?";
    }
  }
}
