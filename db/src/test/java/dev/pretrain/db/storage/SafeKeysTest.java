package dev.pretrain.db.storage;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SafeKeysTest {

  @Test
  void keysThatClimbOutOfTheirPrefixAreRefusedBeforeAnyRequest() {
    for (String key : new String[] {"../etc/passwd", "runs/../../x", "runs/./x", "/abs/key", "a\\b", "a\u0000b", ""}) {
      StorageException e = assertThrows(StorageException.class, () -> ObjectStore.requireSafeKey("pretrain", key),
          key);
      assertTrue(e.getMessage().contains("key"), e.getMessage());
    }
    assertThrows(StorageException.class, () -> ObjectStore.requireSafeKey("../up", "k"));
    assertDoesNotThrow(() -> ObjectStore.requireSafeKey("pretrain", "runs/r-1/tokenize/train-00000.bin"));
    assertDoesNotThrow(() -> ObjectStore.requireSafeKey("corpus", "quick/kjv/part-000.jsonl"));
    assertDoesNotThrow(() -> ObjectStore.requireSafeKey("pretrain", "runs/sched-a-2026-11-25T020000Z/x..y"));
  }
}
