package dev.pretrain.batch.tokenize.fast;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * A BPE vocabulary as tiktoken defines it: byte sequence to rank (the rank is the token id, and a
 * lower rank merges first). Lookups take a byte range and allocate nothing: the token bytes live in
 * one array and an open-addressing table of entry indices is keyed by a hash of the bytes.
 *
 * <p>Load with {@link #read(InputStream)} (the {@code .tiktoken} text format: one "base64 rank" per
 * line) or {@link #jtokkit(String)}, which reads the files jtokkit bundles, so ids match jtokkit's.
 * {@link #ofMerges} builds the ranks of a vocabulary we trained: there a merged token also
 * records where its merge splits it, and {@link #pairRank} admits a pair only when it is that merge
 * (Hugging Face's and llama.cpp's rule: a pair of parts merges when the pair is in the merge list, not
 * merely when the joined bytes are some token). Immutable once built; safe to share between threads.
 */
public final class MergeableRanks {

  private final byte[] pool;
  /** Open addressing, 4 ints a slot so a probe touches one cache line: hash, rank, pool offset, length (0 = empty). */
  private final int[] table;
  private final int mask;
  private final int[] byteRank = new int[256];
  private final int maxTokenLength;
  private final int maxRank;
  private final int size;
  /** By rank: the byte length of the merge's left part; null when any split of a token may merge (tiktoken). */
  private final int[] leftLength;

  private MergeableRanks(byte[] pool, int[] offset, int[] length, int[] rank, int n, int[] leftLength) {
    this.pool = pool;
    this.size = n;
    this.leftLength = leftLength;
    int cap = Integer.highestOneBit(Math.max(16, n * 2 - 1)) << 1;
    this.table = new int[cap * 4];
    this.mask = cap - 1;
    Arrays.fill(byteRank, -1);
    int maxLen = 0;
    int maxR = -1;
    for (int e = 0; e < n; e++) {
      if (length[e] == 0) {
        throw new IllegalArgumentException("empty token at rank " + rank[e]);
      }
      int h = hash(pool, offset[e], length[e]);
      int s = h & mask;
      while (table[s * 4 + 3] != 0) {
        int t = s * 4;
        if (table[t] == h && equal(pool, table[t + 2], table[t + 3], pool, offset[e], length[e])) {
          throw new IllegalArgumentException("duplicate token bytes at ranks " + table[t + 1] + " and " + rank[e]);
        }
        s = (s + 1) & mask;
      }
      int t = s * 4;
      table[t] = h;
      table[t + 1] = rank[e];
      table[t + 2] = offset[e];
      table[t + 3] = length[e];
      if (length[e] == 1) {
        byteRank[pool[offset[e]] & 0xFF] = rank[e];
      }
      maxLen = Math.max(maxLen, length[e]);
      maxR = Math.max(maxR, rank[e]);
    }
    for (int b = 0; b < 256; b++) {
      if (byteRank[b] < 0) {
        throw new IllegalArgumentException("byte " + b + " has no rank: not a byte-level BPE vocabulary");
      }
    }
    this.maxTokenLength = maxLen;
    this.maxRank = maxR;
  }

  /** Reads the {@code .tiktoken} format: lines of "base64(token bytes) SPACE rank". */
  public static MergeableRanks read(InputStream in) throws IOException {
    Base64.Decoder b64 = Base64.getDecoder();
    byte[] pool = new byte[1 << 20];
    int[] offset = new int[1 << 16];
    int[] length = new int[1 << 16];
    int[] rank = new int[1 << 16];
    int n = 0;
    int used = 0;
    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
    for (String line; (line = r.readLine()) != null; ) {
      if (line.isEmpty()) {
        continue;
      }
      int sp = line.indexOf(' ');
      if (sp <= 0) {
        throw new IOException("not a tiktoken line: " + line);
      }
      byte[] token = b64.decode(line.substring(0, sp));
      if (n == offset.length) {
        offset = Arrays.copyOf(offset, n * 2);
        length = Arrays.copyOf(length, n * 2);
        rank = Arrays.copyOf(rank, n * 2);
      }
      if (used + token.length > pool.length) {
        pool = Arrays.copyOf(pool, Math.max(pool.length * 2, used + token.length));
      }
      System.arraycopy(token, 0, pool, used, token.length);
      offset[n] = used;
      length[n] = token.length;
      rank[n] = Integer.parseInt(line.substring(sp + 1).trim());
      used += token.length;
      n++;
    }
    return new MergeableRanks(Arrays.copyOf(pool, used), offset, length, rank, n, null);
  }

  /**
   * The ranks of a vocabulary built by merges, rank = id: {@code tokens[id]} are the token's bytes and
   * {@code leftLength[id]} the byte length of the left part of the merge that made it (0 for the 256
   * single bytes, which must be ids 0..255 in byte order). Pairs merge only as those merges say (see
   * {@link #pairRank}); lower ids must be older merges.
   */
  public static MergeableRanks ofMerges(byte[][] tokens, int[] leftLength) {
    int n = tokens.length;
    if (leftLength.length != n) {
      throw new IllegalArgumentException(n + " tokens but " + leftLength.length + " split lengths");
    }
    int[] offset = new int[n];
    int[] length = new int[n];
    int[] rank = new int[n];
    int total = 0;
    for (byte[] t : tokens) {
      total += t.length;
    }
    byte[] pool = new byte[total];
    int used = 0;
    for (int id = 0; id < n; id++) {
      byte[] t = tokens[id];
      if (t.length > 1 && (leftLength[id] <= 0 || leftLength[id] >= t.length)) {
        throw new IllegalArgumentException("token " + id + " of " + t.length + " bytes cannot split at " + leftLength[id]);
      }
      System.arraycopy(t, 0, pool, used, t.length);
      offset[id] = used;
      length[id] = t.length;
      rank[id] = id;
      used += t.length;
    }
    return new MergeableRanks(pool, offset, length, rank, n, leftLength.clone());
  }

  /**
   * The ranks jtokkit bundles for an encoding ({@code "r50k_base"}, {@code "p50k_base"},
   * {@code "cl100k_base"}, {@code "o200k_base"}): the same {@code .tiktoken} files its encodings load.
   */
  public static MergeableRanks jtokkit(String encodingName) {
    String resource = "/com/knuddels/jtokkit/" + encodingName + ".tiktoken";
    try (InputStream in = com.knuddels.jtokkit.Encodings.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("jtokkit has no " + resource);
      }
      return read(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The rank of {@code b[off, off+len)}, or -1 when that byte sequence is not a token. */
  public int rank(byte[] b, int off, int len) {
    if (len == 1) {
      return byteRank[b[off] & 0xFF];
    }
    if (len > maxTokenLength) {
      return -1;
    }
    int h = hash(b, off, len);
    int[] tb = table;
    int s = h & mask;
    while (true) {
      int t = s * 4;
      int l = tb[t + 3];
      if (l == 0) {
        return -1;
      }
      if (tb[t] == h && l == len && equal(pool, tb[t + 2], b, off, len)) {
        return tb[t + 1];
      }
      s = (s + 1) & mask;
    }
  }

  /**
   * The rank of the token that joining the parts {@code b[off, off+leftLen)} and
   * {@code b[off+leftLen, off+len)} makes, or -1 when they do not merge: when the joined bytes are no
   * token, or (for a trained vocabulary) when that token's merge splits it elsewhere.
   */
  public int pairRank(byte[] b, int off, int leftLen, int len) {
    int r = rank(b, off, len);
    if (r >= 0 && leftLength != null && leftLength[r] != leftLen) {
      return -1;
    }
    return r;
  }

  /** The rank of a single byte (every byte is a token in a byte-level vocabulary). */
  public int byteRank(int b) {
    return byteRank[b & 0xFF];
  }

  /** Number of tokens. */
  public int size() {
    return size;
  }

  /** The largest rank. */
  public int maxRank() {
    return maxRank;
  }

  /** The longest token, in bytes. */
  public int maxTokenLength() {
    return maxTokenLength;
  }

  static int hash(byte[] b, int off, int len) {
    int h = len * 0x9E3779B9;
    int i = off;
    int end = off + len;
    for (; i + 4 <= end; i += 4) {
      int k = (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
      h = (h ^ k) * 0x85EBCA6B;
      h ^= h >>> 15;
    }
    for (; i < end; i++) {
      h = (h ^ (b[i] & 0xFF)) * 0xC2B2AE35;
    }
    h ^= h >>> 16;
    h *= 0x7FEB352D;
    h ^= h >>> 15;
    return h;
  }

  private static boolean equal(byte[] a, int ao, int al, byte[] b, int bo, int bl) {
    return al == bl && equal(a, ao, b, bo, bl);
  }

  private static boolean equal(byte[] a, int ao, byte[] b, int bo, int len) {
    for (int i = 0; i < len; i++) {
      if (a[ao + i] != b[bo + i]) {
        return false;
      }
    }
    return true;
  }
}
