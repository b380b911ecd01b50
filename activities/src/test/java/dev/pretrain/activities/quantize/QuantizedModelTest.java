package dev.pretrain.activities.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.activities.train.ModelConfig;
import dev.pretrain.activities.train.TestData;
import dev.pretrain.activities.train.TokenShards;
import dev.pretrain.activities.train.TrainConfig;
import dev.pretrain.activities.train.Trainer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuantizedModelTest {

  @Test
  void q8ModelIsAQuarterOfTheSizeAndLosesLittle(@TempDir Path dir) throws Exception {
    TestData.djl();
    int[] tokens = TestData.compact(TestData.repeat(TestData.r50k(TestData.TEXT), 16));
    int vocab = TestData.vocabOf(tokens);
    Path train = TestData.shard(dir, "train.bin", tokens);
    Path val = TestData.shard(dir, "val.bin", Arrays.copyOf(tokens, 600));
    ModelConfig mc = new ModelConfig(vocab, 32, 64, 2, 4, 192, 10000, 11);
    TrainConfig tc = new TrainConfig(30, 8, 32, 3e-3, 3e-4, 5, 0.1, 0.9, 0.95, 1e-8, 1.0, 100, 5);
    try (Trainer t = Trainer.start(mc, tc, TokenShards.open(List.of(train)))) {
      for (int i = 0; i < 30; i++) {
        t.trainStep();
      }
      QuantizedModel q = QuantizedModel.quantize(t.model());
      // every 2-D matrix in Q8_0, norms in fp32
      assertEquals(1 + 7 * mc.layers(), q.tensors().values().stream().filter(QuantizedModel.Tensor::quantized).count());
      assertEquals(2 * mc.layers() + 1, q.tensors().values().stream().filter(x -> !x.quantized()).count());
      long expected = 34L * mc.parameterCount() / 32 - 34L * (2 * mc.layers() + 1) * mc.dModel() / 32
          + 4L * (2 * mc.layers() + 1) * mc.dModel();
      assertEquals(expected, q.quantizedBytes());

      Map<String, float[]> w = t.model().weights();
      Map<String, float[]> back = q.dequantizedWeights();
      for (String name : w.keySet()) {
        float[] a = w.get(name);
        float[] b = back.get(name);
        float amax = 0;
        float err = 0;
        for (int i = 0; i < a.length; i++) {
          amax = Math.max(amax, Math.abs(a[i]));
          err = Math.max(err, Math.abs(a[i] - b[i]));
        }
        assertTrue(err <= amax / 127 * 0.5625f, name + ": error " + err + " for max " + amax);
      }

      // a byte per token id: the test vocabulary is renumbered, so bits/byte here is only arithmetic
      int[] oneByte = new int[vocab];
      Arrays.fill(oneByte, 1);
      QuantizedModel.Report r = QuantizedModel.compare(t.model(), TokenShards.open(List.of(val)), 32, 8, oneByte,
          n -> {});
      System.out.printf("Q8_0: %d -> %d bytes (ratio %.4f); val loss fp32 %.5f, q8 %.5f, delta %+.5f%n",
          r.fp32Bytes(), r.quantizedBytes(), r.sizeRatio(), r.fp32().loss(), r.quantized().loss(), r.lossDelta());
      assertEquals(4 * mc.parameterCount(), r.fp32Bytes());
      assertTrue(r.sizeRatio() > 34.0 / 128 && r.sizeRatio() < 0.28, "ratio " + r.sizeRatio());
      assertTrue(r.fp32().loss() < Math.log(vocab) / 2, "the model has learned something");
      assertTrue(Math.abs(r.lossDelta()) < 0.01, "Q8_0 barely changes the loss: delta " + r.lossDelta());
      assertEquals(r.fp32().tokens(), r.quantized().tokens());
    }
  }
}
