package dev.pretrain.batch.tokenize.fast;

import java.util.Arrays;

/** A growable list of token ids that encodes append to; reuse it (clear) to avoid allocation. */
public final class TokenBuffer {

  private int[] ids;
  private int size;

  public TokenBuffer() {
    this(1024);
  }

  public TokenBuffer(int capacity) {
    ids = new int[Math.max(16, capacity)];
  }

  public int size() {
    return size;
  }

  public int get(int i) {
    if (i >= size) {
      throw new IndexOutOfBoundsException(i + " >= " + size);
    }
    return ids[i];
  }

  public void clear() {
    size = 0;
  }

  public int[] toArray() {
    return Arrays.copyOf(ids, size);
  }

  int[] raw() {
    return ids;
  }

  public void add(int id) {
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, size * 2);
    }
    ids[size++] = id;
  }

  void add(int[] src, int off, int len) {
    if (size + len > ids.length) {
      ids = Arrays.copyOf(ids, Math.max(ids.length * 2, size + len));
    }
    System.arraycopy(src, off, ids, size, len);
    size += len;
  }
}
