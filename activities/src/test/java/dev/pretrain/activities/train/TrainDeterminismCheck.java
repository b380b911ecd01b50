package dev.pretrain.activities.train;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Trains the same small model twice from the same seed, for each thread count given, and compares
 * the two runs step by step: every loss and gradient norm must be finite and, with one libtorch
 * thread, bit-identical between the runs. Prints one line per thread count and exits 1 on any
 * difference. Run it with a small young generation so that garbage collections fall inside steps,
 * between forward and backward passes, where a tensor freed too early would show:
 *
 * <pre>
 * mvn -q -B test-compile -pl activities -am
 * mvn -q -B dependency:build-classpath -pl activities -Dmdep.outputFile=target/act.cp -Dmdep.includeScope=test
 * java -Xmn4m -cp activities/target/test-classes:activities/target/classes:$(cat activities/target/act.cp) \
 *   -Dpretrain.djl.cache=activities/target/djl-cache \
 *   dev.pretrain.activities.train.TrainDeterminismCheck --steps 1000 --threads 1,2
 * </pre>
 */
public final class TrainDeterminismCheck {

  public static void main(String[] args) throws Exception {
    int steps = 1000;
    String threadList = "1,2";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--steps" -> steps = Integer.parseInt(args[++i]);
        case "--threads" -> threadList = args[++i];
        default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (--steps N, --threads 1,2)");
      }
    }
    TestData.djl();
    byte[] text = TestData.TEXT.getBytes(StandardCharsets.UTF_8);
    int[] tokens = new int[64 * 1024];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = text[(i * 7) % text.length] & 0xFF;
    }
    Path dir = Files.createTempDirectory("train-determinism");
    Path shard = TestData.shard(dir, "bytes.bin", tokens);
    ModelConfig mc = new ModelConfig(256, 64, 64, 2, 4, 176, 10000, 3);
    TrainConfig tc = new TrainConfig(steps, 4, 64, 3e-3, 3e-4, 20, 0.1, 0.9, 0.95, 1e-8, 1.0, 1_000_000, 11);
    boolean ok = true;
    try {
      for (String n : threadList.split(",")) {
        int threads = Integer.parseInt(n.trim());
        DjlRuntime.setThreads(threads);
        long gc0 = collections();
        long t0 = System.nanoTime();
        Trajectory a = train(mc, tc, shard);
        Trajectory b = train(mc, tc, shard);
        double seconds = (System.nanoTime() - t0) / 1e9;
        int firstDifference = -1;
        for (int s = 0; s < steps && firstDifference < 0; s++) {
          if (a.loss[s] != b.loss[s] || a.norm[s] != b.norm[s]) {
            firstDifference = s + 1;
          }
        }
        // with several intra-op threads libtorch may sum in another order: equal up to rounding
        boolean exact = threads == 1;
        double maxRelative = 0;
        for (int s = 0; s < steps; s++) {
          maxRelative = Math.max(maxRelative, Math.abs(a.loss[s] - b.loss[s]) / Math.abs(a.loss[s]));
        }
        boolean pass = a.nonFinite + b.nonFinite == 0 && (exact ? firstDifference < 0 : maxRelative < 1e-3);
        ok &= pass;
        System.out.printf("threads %d: 2 runs x %d steps in %.0f s, %d GCs; non-finite loss or gradient norm: %d;"
                + " runs %s (max relative loss difference %.2e); loss %.4f -> %.4f: %s%n",
            threads, steps, seconds, collections() - gc0, a.nonFinite + b.nonFinite,
            firstDifference < 0 ? "bit-identical" : "first differ at step " + firstDifference, maxRelative,
            a.loss[0], a.loss[steps - 1], pass ? "PASS" : "FAIL");
      }
    } finally {
      Files.deleteIfExists(shard);
      Files.deleteIfExists(dir);
    }
    System.exit(ok ? 0 : 1);
  }

  private record Trajectory(double[] loss, double[] norm, int nonFinite) {}

  private static Trajectory train(ModelConfig mc, TrainConfig tc, Path shard) throws Exception {
    double[] loss = new double[tc.steps()];
    double[] norm = new double[tc.steps()];
    int nonFinite = 0;
    try (Trainer t = Trainer.start(mc, tc, TokenShards.open(List.of(shard)))) {
      for (int s = 0; s < tc.steps(); s++) {
        Trainer.StepMetrics m = t.trainStep();
        loss[s] = m.loss();
        norm[s] = m.gradNorm();
        if (!Double.isFinite(m.loss()) || !Double.isFinite(m.gradNorm())) {
          nonFinite++;
        }
      }
    } catch (Trainer.TrainingDivergedException e) {
      System.out.println("diverged: " + e.getMessage());
      nonFinite++;
    }
    return new Trajectory(loss, norm, nonFinite);
  }

  private static long collections() {
    long n = 0;
    for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
      n += Math.max(0, b.getCollectionCount());
    }
    return n;
  }
}
