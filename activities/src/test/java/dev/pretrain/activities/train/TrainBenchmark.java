package dev.pretrain.activities.train;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Training throughput of the ~0.84 M parameter reference model (docs/architecture.md §7): vocab 256 (UTF-8
 * bytes of real text), ctx 128, d 128, 4 layers, 4 heads, SwiGLU 352; batch 8 x 128, fp32, CPU.
 * Prints the median tokens/s over the measured steps (after warm-up steps).
 *
 * <pre>
 * cd /work/main
 * mvn -o -q -B test-compile -pl activities
 * mvn -o -q -B dependency:build-classpath -pl activities -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -cp activities/target/test-classes:activities/target/classes:$(cat /tmp/cp.txt) \
 *   -Dpretrain.djl.cache=activities/target/djl-cache -Dpretrain.djl.threads=2 \
 *   dev.pretrain.activities.train.TrainBenchmark [measuredSteps] [warmupSteps]
 * </pre>
 */
public final class TrainBenchmark {

  public static void main(String[] args) throws Exception {
    int measured = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    TestData.djl();
    byte[] text = TestData.TEXT.getBytes(StandardCharsets.UTF_8);
    int[] tokens = new int[64 * 1024];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = text[i % text.length] & 0xFF;
    }
    Path dir = Files.createTempDirectory("train-bench");
    Path shard = TestData.shard(dir, "bytes.bin", tokens);
    ModelConfig mc = new ModelConfig(256, 128, 128, 4, 4, 352, 10000, 1);
    TrainConfig tc = new TrainConfig(warmup + measured, 8, 128, 1e-3, 1e-4, 2, 0.1, 0.9, 0.95, 1e-8, 1.0, 1_000_000, 1);
    List<Double> rates = new ArrayList<>();
    double first = Double.NaN;
    double last = Double.NaN;
    try (Trainer t = Trainer.start(mc, tc, TokenShards.open(List.of(shard)))) {
      for (int s = 0; s < warmup + measured; s++) {
        Trainer.StepMetrics m = t.trainStep();
        if (s == 0) {
          first = m.loss();
        }
        last = m.loss();
        if (s >= warmup) {
          rates.add(m.tokensPerSecond());
        }
      }
    } finally {
      Files.deleteIfExists(shard);
      Files.deleteIfExists(dir);
    }
    double median = Trainer.median(rates);
    double min = rates.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    double max = rates.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    System.out.printf("model: %,d parameters (vocab 256, ctx 128, d 128, 4 layers, 4 heads, ffn 352), batch 8 x 128, "
        + "%d threads%n", mc.parameterCount(), DjlRuntime.threads());
    System.out.printf("loss %.3f -> %.3f over %d steps%n", first, last, warmup + measured);
    System.out.printf("tokens/s median %.0f (min %.0f, max %.0f) over %d steps after %d warm-up; %.1f ms/step, "
        + "~%.1f GFLOP/s%n", median, min, max, measured, warmup, 1024 * 1000 / median,
        median * mc.trainFlopsPerToken(128) / 1e9);
  }
}
