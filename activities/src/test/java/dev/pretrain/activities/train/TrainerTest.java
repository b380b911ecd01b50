package dev.pretrain.activities.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {

  static int[] tokens;
  static int vocab;

  @BeforeAll
  static void setUp() {
    TestData.djl();
    // real text through the real tokenizer, renumbered densely so the test model stays tiny
    tokens = TestData.compact(TestData.repeat(TestData.r50k(TestData.TEXT), 16));
    vocab = TestData.vocabOf(tokens);
  }

  static ModelConfig model() {
    return new ModelConfig(vocab, 32, 64, 2, 4, 192, 10000, 11);
  }

  static TrainConfig train(int steps, int checkpointEvery) {
    return new TrainConfig(steps, 8, 32, 3e-3, 3e-4, 5, 0.1, 0.9, 0.95, 1e-8, 1.0, checkpointEvery, 5);
  }

  @Test
  void lossDecreasesOnRealText(@TempDir Path dir) throws IOException {
    Path shard = TestData.shard(dir, "train.bin", tokens);
    List<Trainer.StepMetrics> steps = new ArrayList<>();
    Trainer.Result result;
    try (Trainer t = Trainer.start(model(), train(60, 100), TokenShards.open(List.of(shard)))) {
      int[] arraysAfterFirstStep = {-1};
      result = t.run(dir.resolve("ckpt"), new Trainer.Listener() {
        @Override
        public void onStep(Trainer.StepMetrics m) {
          steps.add(m);
          if (m.step() == 1) {
            arraysAfterFirstStep[0] = t.model().manager().getManagedArrays().size();
          }
        }
      });
      // every step's temporaries are freed: no native arrays pile up
      assertEquals(arraysAfterFirstStep[0], t.model().manager().getManagedArrays().size());
    }
    assertEquals(60, steps.size());
    assertEquals(60, result.step());
    double first = steps.get(0).loss();
    double last = steps.subList(55, 60).stream().mapToDouble(Trainer.StepMetrics::loss).average().orElseThrow();
    System.out.printf("tiny run: vocab %d, %d params, loss %.3f -> %.3f in 60 steps, median %.0f tokens/s%n", vocab,
        model().parameterCount(), first, last, result.medianTokensPerSecond());
    assertEquals(Math.log(vocab), first, 0.5, "an untrained model starts near ln(V)");
    assertTrue(last < first / 3, "loss should fall well below its start: first " + first + ", last " + last);
    // the schedule: warmup reaches the peak at step 5, then decays toward minLr
    assertEquals(3e-3 / 5, steps.get(0).lr(), 1e-12);
    assertEquals(3e-3, steps.get(4).lr(), 1e-12);
    assertTrue(steps.get(59).lr() < 4e-4);
    assertEquals(60L * 8 * 32, result.tokensSeen());
    assertTrue(result.medianTokensPerSecond() > 0);
    assertTrue(Files.exists(result.checkpoint()), "a checkpoint is written after the last step");
    assertEquals(60, Checkpoint.readHeader(result.checkpoint()).step());
  }

  @Test
  void resumeContinuesExactlyLikeAnUninterruptedRun(@TempDir Path dir) throws Exception {
    Path shard = TestData.shard(dir, "train.bin", tokens);
    Path saved = dir.resolve("at-step-6.ckpt");
    List<Double> straight = new ArrayList<>();
    Map<String, float[]> straightWeights;
    ConsumedTokens straightConsumed;
    try (Trainer t = Trainer.start(model(), train(12, 6), TokenShards.open(List.of(shard)))) {
      t.run(dir.resolve("a"), new Trainer.Listener() {
        @Override
        public void onStep(Trainer.StepMetrics m) {
          straight.add(m.loss());
        }

        @Override
        public void onCheckpoint(Path file, long step) {
          if (step == 6) {
            try {
              Files.copy(file, saved, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
              throw new RuntimeException(e);
            }
          }
        }
      });
      assertFalse(Files.exists(dir.resolve("a/step-00000006.ckpt")), "older local checkpoints are removed");
      assertTrue(Files.exists(dir.resolve("a/step-00000012.ckpt")));
      straightWeights = t.model().weights();
      straightConsumed = t.consumed();
    }
    assertEquals(12 * 8, straightConsumed.windowsConsumed());

    Checkpoint.Header h = Checkpoint.readHeader(saved);
    assertEquals(6, h.step());
    assertEquals(6 * 8, h.dataPosition());

    // resume on another thread, as a retried activity would (libtorch's grad mode is per thread)
    List<Long> resumedSteps = new ArrayList<>();
    List<Double> resumed = new ArrayList<>();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    Map<String, float[]> resumedWeights;
    List<ConsumedTokens> resumedConsumed = new ArrayList<>();
    try {
      resumedWeights = pool.submit(() -> {
        try (Trainer t = Trainer.resume(saved, TokenShards.open(List.of(shard)))) {
          assertEquals(6, t.step());
          assertEquals(48, t.dataPosition());
          t.run(dir.resolve("b"), new Trainer.Listener() {
            @Override
            public void onStep(Trainer.StepMetrics m) {
              resumedSteps.add(m.step());
              resumed.add(m.loss());
            }
          });
          assertEquals(12, t.step());
          resumedConsumed.add(t.consumed());
          return t.model().weights();
        }
      }).get();
    } finally {
      pool.shutdown();
    }
    assertEquals(List.of(7L, 8L, 9L, 10L, 11L, 12L), resumedSteps);
    double maxDiff = 0;
    for (int i = 0; i < 6; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(straight.get(6 + i) - resumed.get(i)));
    }
    System.out.printf("resume: steps 7-12 losses %s, max |difference| from the uninterrupted run %.3g%n",
        resumed, maxDiff);
    for (int i = 0; i < 6; i++) {
      assertEquals(straight.get(6 + i), resumed.get(i), 1e-4 * straight.get(6 + i),
          "loss at step " + (7 + i) + ": uninterrupted " + straight.get(6 + i) + ", resumed " + resumed.get(i));
    }
    // the resumed trainer reports the whole run's windows, not only the ones it read itself
    assertEquals(ranges(straightConsumed), ranges(resumedConsumed.get(0)));
    for (String name : straightWeights.keySet()) {
      assertArrayEquals(straightWeights.get(name), resumedWeights.get(name), 1e-5f, name);
    }
  }

  private static List<String> ranges(ConsumedTokens c) {
    List<String> out = new ArrayList<>();
    for (ConsumedTokens.Shard s : c.shards()) {
      for (long[] r : s.ranges()) {
        out.add(s.index() + ":" + r[0] + "-" + r[1]);
      }
    }
    return out;
  }

  @Test
  void resumeRefusesOtherDataAndBrokenFiles(@TempDir Path dir) throws IOException {
    Path shard = TestData.shard(dir, "train.bin", tokens);
    Path ckpt = dir.resolve("c.ckpt");
    try (Trainer t = Trainer.start(model(), train(2, 1), TokenShards.open(List.of(shard)))) {
      t.trainStep();
      t.saveCheckpoint(ckpt);
    }
    Path other = TestData.shard(dir, "other.bin", java.util.Arrays.copyOf(tokens, tokens.length - 1));
    assertThrows(IllegalArgumentException.class, () -> Trainer.resume(ckpt, TokenShards.open(List.of(other))));
    try (RandomAccessFile f = new RandomAccessFile(ckpt.toFile(), "rw")) {
      f.setLength(f.length() - 100);
    }
    assertThrows(IOException.class, () -> Trainer.resume(ckpt, TokenShards.open(List.of(shard))));
    try (Trainer t = Trainer.start(new ModelConfig(2, 32, 64, 2, 4, 192, 10000, 1), train(1, 1),
        TokenShards.open(List.of(shard)))) {
      assertThrows(IllegalArgumentException.class, t::trainStep, "tokens outside the vocabulary are refused");
    }
  }

  @Test
  void learningRateSchedule() {
    TrainConfig c = new TrainConfig(110, 1, 1, 1.0, 0.1, 10, 0, 0.9, 0.95, 1e-8, 0, 10, 0);
    assertEquals(0.1, c.learningRate(0), 1e-12);
    assertEquals(1.0, c.learningRate(9), 1e-12);
    assertEquals(1.0, c.learningRate(10), 1e-12);
    assertEquals(0.55, c.learningRate(60), 1e-12); // half way through the cosine
    assertEquals(0.1, c.learningRate(110), 1e-12);
    assertEquals(0.1, c.learningRate(500), 1e-12);
  }
}
