package dev.pretrain.batch.dedup.near;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DuplicateClustersTest {

  @Test
  void aChainOfPairsIsOneComponent() {
    DuplicateClusters c = new DuplicateClusters(6);
    assertTrue(c.union(0, 1));
    assertTrue(c.union(2, 1));
    assertTrue(c.union(3, 2));
    assertFalse(c.union(0, 3), "already joined through 1 and 2");
    assertEquals(3, c.components(), "{0,1,2,3}, {4}, {5}");
    assertEquals(c.find(0), c.find(3));
    assertEquals(4, c.sizeOf(2));
    assertEquals(1, c.sizeOf(5));
  }
}
