package dev.pretrain.activities.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WindowSamplerTest {

  @Test
  void eachEpochIsAPermutationOfWindowsThatNeverCrossShards(@TempDir Path dir) throws Exception {
    // token value = position within its shard + 1000 * shard, so a window's origin is visible
    int[] lengths = {1, 50, 17, 33, 129, 8};
    Path[] files = new Path[lengths.length];
    for (int s = 0; s < lengths.length; s++) {
      int[] t = new int[lengths[s]];
      for (int i = 0; i < t.length; i++) {
        t[i] = 1000 * s + i;
      }
      files[s] = TestData.shard(dir, s + ".bin", t);
    }
    TokenShards data = TokenShards.open(List.of(files));
    WindowSampler sampler = new WindowSampler(data, 8, 99);
    long w = sampler.windowsPerEpoch();
    assertEquals(0 + 6 + 2 + 4 + 16 + 0, w);
    for (int epoch = 0; epoch < 3; epoch++) {
      long[] in = new long[(int) w * 8];
      long[] out = new long[(int) w * 8];
      sampler.fill(epoch * w, (int) w, in, out);
      int[] targetsSeen = new int[6000];
      for (int b = 0; b < w; b++) {
        long first = in[b * 8];
        assertEquals(0, first % 1000 % 8, "windows start every seqLen tokens");
        for (int i = 0; i < 8; i++) {
          assertEquals(first + i, in[b * 8 + i], "contiguous, within one shard");
          assertEquals(first + i + 1, out[b * 8 + i], "targets are the inputs shifted by one");
          targetsSeen[(int) out[b * 8 + i]]++;
        }
      }
      // every target of every whole window once per epoch
      assertEquals(w * 8, Arrays.stream(targetsSeen).filter(x -> x == 1).count());
      assertEquals(0, Arrays.stream(targetsSeen).filter(x -> x > 1).count());
    }
    // epochs are shuffled differently, the stream is a pure function of the position
    assertNotEquals(Arrays.toString(sampler.locate(0)) + Arrays.toString(sampler.locate(1)),
        Arrays.toString(sampler.locate(w)) + Arrays.toString(sampler.locate(w + 1)));
    long[] a = new long[3 * 8];
    long[] b = new long[3 * 8];
    long[] ta = new long[3 * 8];
    long[] tb = new long[3 * 8];
    sampler.fill(41, 3, a, ta);
    new WindowSampler(data, 8, 99).fill(41, 3, b, tb);
    assertArrayEquals(a, b);
    assertArrayEquals(ta, tb);
  }

  @Test
  void permutationIsABijectionForManySizes(@TempDir Path dir) throws Exception {
    for (int windows : new int[] {1, 2, 3, 5, 64, 65, 1000, 4097}) {
      TokenShards data = TokenShards.open(List.of(TestData.shard(dir, "p" + windows + ".bin", new int[windows + 1])));
      WindowSampler s = new WindowSampler(data, 1, 7);
      assertEquals(windows, s.windowsPerEpoch());
      boolean[] hit = new boolean[windows];
      int fixed = 0;
      for (int i = 0; i < windows; i++) {
        long p = s.permute(i, 3);
        assertTrue(p >= 0 && p < windows);
        assertTrue(!hit[(int) p], "duplicate " + p);
        hit[(int) p] = true;
        fixed += p == i ? 1 : 0;
      }
      if (windows >= 64) {
        assertTrue(fixed < windows / 8, "looks shuffled");
      }
    }
  }

  @Test
  void refusesDataWithoutAWholeWindowAndBadShards(@TempDir Path dir) throws Exception {
    TokenShards tiny = TokenShards.open(List.of(TestData.shard(dir, "t.bin", new int[] {1, 2, 3})));
    assertThrows(IllegalArgumentException.class, () -> new WindowSampler(tiny, 8, 1));
    Path bad = dir.resolve("bad.bin");
    java.nio.file.Files.write(bad, new byte[2000]); // magic 0
    assertThrows(IllegalArgumentException.class, () -> TokenShards.open(List.of(bad)));
  }
}
