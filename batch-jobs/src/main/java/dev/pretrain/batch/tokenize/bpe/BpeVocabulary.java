package dev.pretrain.batch.tokenize.bpe;

import dev.pretrain.batch.tokenize.fast.MergeableRanks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A trained byte-level BPE vocabulary. Ids: {@code 0..255} are the single bytes (id = byte value),
 * {@code 256 + r} is the token made by merge {@code r} (rank r, in training order), and the special
 * tokens follow the merges, in the order given.
 */
public final class BpeVocabulary {

  /** One merge: the token {@code left} followed by the token {@code right} becomes one token. */
  public record Merge(int left, int right) {}

  private final List<Merge> merges;
  private final List<String> specialTokens;
  private final byte[][] tokenBytes;

  public BpeVocabulary(List<Merge> merges, List<String> specialTokens) {
    this.merges = List.copyOf(merges);
    this.specialTokens = List.copyOf(specialTokens);
    int size = 256 + this.merges.size();
    tokenBytes = new byte[size][];
    for (int b = 0; b < 256; b++) {
      tokenBytes[b] = new byte[] {(byte) b};
    }
    for (int r = 0; r < this.merges.size(); r++) {
      Merge m = this.merges.get(r);
      int id = 256 + r;
      if (m.left() < 0 || m.left() >= id || m.right() < 0 || m.right() >= id) {
        throw new IllegalArgumentException("merge " + r + " refers to a token not made yet: " + m);
      }
      byte[] a = tokenBytes[m.left()];
      byte[] b = tokenBytes[m.right()];
      byte[] c = Arrays.copyOf(a, a.length + b.length);
      System.arraycopy(b, 0, c, a.length, b.length);
      tokenBytes[id] = c;
    }
  }

  public List<Merge> merges() {
    return merges;
  }

  public List<String> specialTokens() {
    return specialTokens;
  }

  /** Number of ids: 256 bytes + merges + special tokens. */
  public int size() {
    return 256 + merges.size() + specialTokens.size();
  }

  /** The id of special token {@code token}, or -1. */
  public int specialTokenId(String token) {
    int i = specialTokens.indexOf(token);
    return i < 0 ? -1 : 256 + merges.size() + i;
  }

  /** The bytes of a byte or merged token (not a special token). */
  public byte[] bytes(int id) {
    return tokenBytes[id].clone();
  }

  byte[] bytesUnsafe(int id) {
    return tokenBytes[id];
  }

  /** Number of byte and merged tokens (ids below it are not special). */
  public int mergedSize() {
    return tokenBytes.length;
  }

  /**
   * The byte and merged tokens as ranks for {@link dev.pretrain.batch.tokenize.fast.FastBpeEncoder}: a
   * pair of parts merges only when it is one of the merges (Hugging Face's rule), so the fast encoder
   * gives the ids tokenizer.json gives.
   */
  public MergeableRanks mergeableRanks() {
    int[] left = new int[tokenBytes.length];
    for (int r = 0; r < merges.size(); r++) {
      left[256 + r] = tokenBytes[merges.get(r).left()].length;
    }
    return MergeableRanks.ofMerges(tokenBytes, left);
  }

  /** The string form of every id, in id order (GPT-2's byte-to-unicode for byte and merged tokens). */
  public List<String> tokenStrings() {
    List<String> out = new ArrayList<>(size());
    for (byte[] b : tokenBytes) {
      out.add(ByteLevel.encode(b));
    }
    out.addAll(specialTokens);
    return Collections.unmodifiableList(out);
  }
}
