package dev.pretrain.batch.tokenize.fast;

import java.util.Arrays;

/**
 * Byte-level BPE encoder (tiktoken semantics, {@code encode_ordinary}: no special tokens): the text is
 * split into pre-tokens by a {@link PreTokenizer}, each pre-token's UTF-8 bytes are merged by rank
 * (repeatedly the lowest-ranked adjacent pair, leftmost first) and the ranks of the resulting parts
 * are the ids.
 *
 * <p>Speed comes from three things: the scanner allocates nothing; a bounded cache maps a pre-token's
 * chars to its ids (looked up on the char range, without building a String; emptied when full); and
 * on a miss the merge loop looks ranks up on byte ranges in {@link MergeableRanks}. Pieces over
 * {@value #HEAP_THRESHOLD} bytes are merged with a heap instead of the quadratic scan.
 *
 * <p>Not thread-safe (the cache and buffers are per instance): use one encoder per thread. The
 * vocabulary ({@link MergeableRanks}) may be shared.
 */
public final class FastBpeEncoder {

  /** Pre-tokens longer than this (in chars) bypass the cache. */
  static final int MAX_CACHED_CHARS = 64;
  /** Pieces longer than this (in bytes) are merged with a heap. */
  static final int HEAP_THRESHOLD = 128;
  public static final int DEFAULT_CACHE_ENTRIES = 1 << 17;
  public static final int MAX_CACHE_ENTRIES = 1 << 20;

  private final MergeableRanks ranks;
  private final PreTokenizer preTokenizer;
  private final int heapThreshold;

  // cache: open addressing, 4 ints a slot so a hit touches one line of the table and the key's chars:
  // hash, key offset in cKeys, key length (0 = empty), value: the id itself when the pre-token is one
  // token, else ~(offset in cVals << 8 | count)
  private final int cacheEntries;
  private final int[] cTable;
  private final int cMask;
  private final char[] cKeys;
  private final int[] cVals;
  private int cCount;
  private int cKeyUsed;
  private int cValUsed;
  private long cacheClears;

  // scratch
  private char[] chars = new char[1 << 16];
  private byte[] bytes = new byte[256];
  private int[] bounds = new int[HEAP_THRESHOLD + 2];
  private int[] pairRanks = new int[HEAP_THRESHOLD + 2];
  private int[] next = new int[0];
  private int[] prev = new int[0];
  private long[] heap = new long[0];

  public FastBpeEncoder(MergeableRanks ranks, PreTokenizer preTokenizer) {
    this(ranks, preTokenizer, DEFAULT_CACHE_ENTRIES);
  }

  /** @param cacheEntries the most pre-tokens the cache holds before it is emptied (0: no cache) */
  public FastBpeEncoder(MergeableRanks ranks, PreTokenizer preTokenizer, int cacheEntries) {
    this(ranks, preTokenizer, cacheEntries, HEAP_THRESHOLD);
  }

  FastBpeEncoder(MergeableRanks ranks, PreTokenizer preTokenizer, int cacheEntries, int heapThreshold) {
    this.ranks = ranks;
    this.preTokenizer = preTokenizer;
    this.heapThreshold = Math.min(heapThreshold, HEAP_THRESHOLD);
    if (cacheEntries < 0 || cacheEntries > MAX_CACHE_ENTRIES) {
      throw new IllegalArgumentException("cacheEntries must be in [0, " + MAX_CACHE_ENTRIES + "]: " + cacheEntries);
    }
    this.cacheEntries = cacheEntries;
    int cap = Integer.highestOneBit(Math.max(8, this.cacheEntries * 2 - 1)) << 1;
    this.cTable = new int[cap * 4];
    this.cMask = cap - 1;
    this.cKeys = new char[this.cacheEntries * 12];
    this.cVals = new int[this.cacheEntries * 4];
  }

  /** r50k_base (GPT-2) with jtokkit's bundled ranks; ids equal jtokkit's {@code encodeOrdinary}. */
  public static FastBpeEncoder r50kBase() {
    return new FastBpeEncoder(R50kRanks.RANKS, PreTokenizer.R50K);
  }

  /** cl100k_base with jtokkit's bundled ranks; ids equal jtokkit's {@code encodeOrdinary}. */
  public static FastBpeEncoder cl100kBase() {
    return new FastBpeEncoder(Cl100kRanks.RANKS, PreTokenizer.CL100K);
  }

  /** The vocabularies, each loaded once per process on first use and shared by every encoder. */
  private static final class R50kRanks {
    static final MergeableRanks RANKS = MergeableRanks.jtokkit("r50k_base");
  }

  private static final class Cl100kRanks {
    static final MergeableRanks RANKS = MergeableRanks.jtokkit("cl100k_base");
  }

  public MergeableRanks ranks() {
    return ranks;
  }

  public PreTokenizer preTokenizer() {
    return preTokenizer;
  }

  /** How often the cache has been emptied because it was full. */
  public long cacheClears() {
    return cacheClears;
  }

  /** The ids of {@code text}, special-token text encoded as ordinary text. */
  public int[] encodeOrdinary(String text) {
    TokenBuffer out = new TokenBuffer(Math.max(16, text.length() / 3));
    encodeOrdinary(text, out);
    return out.toArray();
  }

  /** Appends the ids of {@code text} to {@code out}; returns how many were appended. */
  public int encodeOrdinary(CharSequence text, TokenBuffer out) {
    int n = text.length();
    if (chars.length < n) {
      chars = new char[Math.max(n, chars.length * 2)];
    }
    char[] s = chars;
    if (text instanceof String str) {
      str.getChars(0, n, s, 0);
    } else {
      for (int i = 0; i < n; i++) {
        s[i] = text.charAt(i);
      }
    }
    int before = out.size();
    PreTokenizer pre = preTokenizer;
    int i = 0;
    while (i < n) {
      int j = pre.next(s, i, n);
      encodePiece(s, i, j, out);
      i = j;
    }
    return out.size() - before;
  }

  private void encodePiece(char[] s, int start, int end, TokenBuffer out) {
    int len = end - start;
    if (len > MAX_CACHED_CHARS || cacheEntries == 0) {
      bpe(s, start, end, out);
      return;
    }
    int h = len;
    for (int i = start; i < end; i++) {
      h = h * 31 + s[i];
    }
    h ^= h >>> 16;
    h *= 0x85EBCA6B;
    h ^= h >>> 13;
    int[] tb = cTable;
    int slot = h & cMask;
    while (true) {
      int t = slot * 4;
      int kl = tb[t + 2];
      if (kl == 0) {
        break;
      }
      if (tb[t] == h && kl == len) {
        int ko = tb[t + 1];
        if (Arrays.equals(cKeys, ko, ko + len, s, start, end)) {
          int v = tb[t + 3];
          if (v >= 0) {
            out.add(v);
          } else {
            out.add(cVals, ~v >>> 8, ~v & 0xFF);
          }
          return;
        }
      }
      slot = (slot + 1) & cMask;
    }
    int before = out.size();
    bpe(s, start, end, out);
    int vl = out.size() - before;
    if (len > cKeys.length || vl > cVals.length) {
      return; // a tiny cache cannot hold it
    }
    if (cCount == cacheEntries || cKeyUsed + len > cKeys.length || (vl > 1 && cValUsed + vl > cVals.length)) {
      clearCache();
      slot = h & cMask;
    }
    cCount++;
    int t = slot * 4;
    tb[t] = h;
    tb[t + 1] = cKeyUsed;
    tb[t + 2] = len;
    System.arraycopy(s, start, cKeys, cKeyUsed, len);
    cKeyUsed += len;
    if (vl == 1) {
      tb[t + 3] = out.raw()[before];
    } else {
      tb[t + 3] = ~(cValUsed << 8 | vl);
      System.arraycopy(out.raw(), before, cVals, cValUsed, vl);
      cValUsed += vl;
    }
  }

  private void clearCache() {
    Arrays.fill(cTable, 0);
    cCount = 0;
    cKeyUsed = 0;
    cValUsed = 0;
    cacheClears++;
  }

  /** UTF-8 bytes of the chars (an unpaired surrogate becomes '?', as String.getBytes does), then merge. */
  private void bpe(char[] s, int start, int end, TokenBuffer out) {
    int need = (end - start) * 3;
    if (bytes.length < need) {
      bytes = new byte[Math.max(need, bytes.length * 2)];
    }
    byte[] b = bytes;
    int m = 0;
    for (int i = start; i < end; i++) {
      char c = s[i];
      if (c < 0x80) {
        b[m++] = (byte) c;
      } else if (c < 0x800) {
        b[m++] = (byte) (0xC0 | (c >> 6));
        b[m++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s[i + 1])) {
          int cp = Character.toCodePoint(c, s[++i]);
          b[m++] = (byte) (0xF0 | (cp >> 18));
          b[m++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
          b[m++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
          b[m++] = (byte) (0x80 | (cp & 0x3F));
        } else {
          b[m++] = '?';
        }
      } else {
        b[m++] = (byte) (0xE0 | (c >> 12));
        b[m++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        b[m++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    mergeBytes(b, m, out);
  }

  /** Merges {@code b[0, m)} and appends the ranks of the parts. */
  void mergeBytes(byte[] b, int m, TokenBuffer out) {
    MergeableRanks r = ranks;
    if (m == 1) {
      out.add(r.byteRank(b[0]));
      return;
    }
    int whole = r.rank(b, 0, m);
    if (whole >= 0) {
      out.add(whole);
      return;
    }
    if (m > heapThreshold) {
      mergeWithHeap(b, m, out);
      return;
    }
    int[] bd = bounds;
    int[] pr = pairRanks;
    int parts = m;
    for (int k = 0; k <= m; k++) {
      bd[k] = k;
    }
    for (int k = 0; k < m - 1; k++) {
      int x = r.pairRank(b, k, 1, 2);
      pr[k] = x < 0 ? Integer.MAX_VALUE : x;
    }
    while (parts > 1) {
      int min = Integer.MAX_VALUE;
      int at = -1;
      for (int k = 0; k < parts - 1; k++) {
        if (pr[k] < min) {
          min = pr[k];
          at = k;
        }
      }
      if (at < 0) {
        break;
      }
      // parts at and at+1 become one: drop boundary at+1, and the pair rank at+1
      System.arraycopy(bd, at + 2, bd, at + 1, parts - at - 1);
      if (parts - at - 3 > 0) {
        System.arraycopy(pr, at + 2, pr, at + 1, parts - at - 3);
      }
      parts--;
      if (at < parts - 1) {
        int x = r.pairRank(b, bd[at], bd[at + 1] - bd[at], bd[at + 2] - bd[at]);
        pr[at] = x < 0 ? Integer.MAX_VALUE : x;
      }
      if (at > 0) {
        int x = r.pairRank(b, bd[at - 1], bd[at] - bd[at - 1], bd[at + 1] - bd[at - 1]);
        pr[at - 1] = x < 0 ? Integer.MAX_VALUE : x;
      }
    }
    for (int k = 0; k < parts; k++) {
      out.add(r.rank(b, bd[k], bd[k + 1] - bd[k]));
    }
  }

  /**
   * The same merges for long pieces in O(m log m): parts are a linked list keyed by their first byte,
   * candidate pairs sit in a min-heap ordered by (rank, position). A popped pair is current when the
   * recorded rank of the pair starting there still equals it (a pair only ever grows, so an old rank
   * never reappears at the same position).
   */
  private void mergeWithHeap(byte[] b, int m, TokenBuffer out) {
    MergeableRanks r = ranks;
    if (next.length < m + 1) {
      next = new int[m + 1];
      prev = new int[m + 1];
    }
    if (pairRanks.length < m + 1) {
      pairRanks = new int[m + 1];
    }
    if (heap.length < m) {
      heap = new long[m];
    }
    int[] nx = next;
    int[] pv = prev;
    int[] pr = pairRanks;
    int size = 0;
    for (int i = 0; i < m; i++) {
      nx[i] = i + 1;
      pv[i] = i - 1;
      pr[i] = i + 1 < m ? r.pairRank(b, i, 1, 2) : -1;
      if (pr[i] >= 0) {
        size = push(heap, size, ((long) pr[i] << 32) | i);
      }
    }
    while (size > 0) {
      long top = heap[0];
      size = pop(heap, size);
      int rank = (int) (top >>> 32);
      int i = (int) top;
      if (pr[i] != rank) {
        continue; // stale
      }
      int j = nx[i];
      int k = nx[j];
      nx[i] = k;
      if (k < m) {
        pv[k] = i;
      }
      pr[j] = -1;
      if (k < m) {
        pr[i] = r.pairRank(b, i, k - i, nx[k] - i);
        if (pr[i] >= 0) {
          if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
          }
          size = push(heap, size, ((long) pr[i] << 32) | i);
        }
      } else {
        pr[i] = -1;
      }
      int p = pv[i];
      if (p >= 0) {
        pr[p] = r.pairRank(b, p, i - p, k - p);
        if (pr[p] >= 0) {
          if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
          }
          size = push(heap, size, ((long) pr[p] << 32) | p);
        }
      }
    }
    for (int i = 0; i < m; i = nx[i]) {
      out.add(r.rank(b, i, nx[i] - i));
    }
  }

  private static int push(long[] h, int size, long v) {
    int i = size;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (h[parent] <= v) {
        break;
      }
      h[i] = h[parent];
      i = parent;
    }
    h[i] = v;
    return size + 1;
  }

  private static int pop(long[] h, int size) {
    size--;
    long v = h[size];
    int i = 0;
    while (true) {
      int c = 2 * i + 1;
      if (c >= size) {
        break;
      }
      if (c + 1 < size && h[c + 1] < h[c]) {
        c++;
      }
      if (h[c] >= v) {
        break;
      }
      h[i] = h[c];
      i = c;
    }
    if (size > 0) {
      h[i] = v;
    }
    return size;
  }
}
