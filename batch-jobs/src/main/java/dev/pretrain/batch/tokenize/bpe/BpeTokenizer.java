package dev.pretrain.batch.tokenize.bpe;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes text with a {@link BpeVocabulary} and decodes ids back to bytes.
 *
 * <p>Encoding: {@link Cl100kPreTokenizer} splits the text; each piece starts as its UTF-8 bytes, and the
 * adjacent pair with the lowest merge rank is merged (all its occurrences, left to right) until no
 * adjacent pair has a merge. Since a merge's parts are always older than the merge, this is the same as
 * merging one occurrence at a time, lowest rank then leftmost (what tokenizer.json's BPE model does).
 * Pieces are cached (piece to ids; the cache is cleared when it reaches {@code cacheLimit} entries).
 *
 * <p>Not thread-safe (the cache); use one instance per thread.
 */
public final class BpeTokenizer {

  private final BpeVocabulary vocabulary;
  private final Map<Long, Integer> mergeIds = new HashMap<>();
  private final Map<String, int[]> cache = new HashMap<>();
  private final int cacheLimit;

  public BpeTokenizer(BpeVocabulary vocabulary) {
    this(vocabulary, 1 << 16);
  }

  public BpeTokenizer(BpeVocabulary vocabulary, int cacheLimit) {
    this.vocabulary = vocabulary;
    this.cacheLimit = cacheLimit;
    List<BpeVocabulary.Merge> merges = vocabulary.merges();
    for (int r = 0; r < merges.size(); r++) {
      BpeVocabulary.Merge m = merges.get(r);
      mergeIds.putIfAbsent(key(m.left(), m.right()), 256 + r);
    }
  }

  public BpeVocabulary vocabulary() {
    return vocabulary;
  }

  /** The ids of {@code text}; special-token strings in it are encoded as ordinary text. */
  public int[] encodeOrdinary(String text) {
    IntList out = new IntList();
    Cl100kPreTokenizer.split(text, (s, e) -> out.addAll(encodePiece(text.substring(s, e))));
    return out.toArray();
  }

  /** The ids of {@code text}, where each occurrence of a special token's string becomes that token's id. */
  public int[] encode(String text) {
    List<String> specials = vocabulary.specialTokens();
    if (specials.isEmpty()) {
      return encodeOrdinary(text);
    }
    IntList out = new IntList();
    int from = 0;
    while (from <= text.length()) {
      int best = -1;
      String bestToken = null;
      for (String sp : specials) {
        int at = text.indexOf(sp, from);
        if (at >= 0 && (best < 0 || at < best || (at == best && sp.length() > bestToken.length()))) {
          best = at;
          bestToken = sp;
        }
      }
      int end = best < 0 ? text.length() : best;
      out.addAll(encodeOrdinary(text.substring(from, end)));
      if (best < 0) {
        break;
      }
      out.add(vocabulary.specialTokenId(bestToken));
      from = best + bestToken.length();
    }
    return out.toArray();
  }

  /** The ids of one pre-tokenizer piece. */
  public int[] encodePiece(String piece) {
    int[] cached = cache.get(piece);
    if (cached != null) {
      return cached;
    }
    byte[] b = piece.getBytes(StandardCharsets.UTF_8);
    int[] s = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      s[i] = b[i] & 0xff;
    }
    int n = s.length;
    while (n > 1) {
      int bestId = Integer.MAX_VALUE;
      for (int i = 0; i + 1 < n; i++) {
        Integer id = mergeIds.get(key(s[i], s[i + 1]));
        if (id != null && id < bestId) {
          bestId = id;
        }
      }
      if (bestId == Integer.MAX_VALUE) {
        break;
      }
      BpeVocabulary.Merge m = vocabulary.merges().get(bestId - 256);
      int k = 0;
      for (int i = 0; i < n; ) {
        if (i + 1 < n && s[i] == m.left() && s[i + 1] == m.right()) {
          s[k++] = bestId;
          i += 2;
        } else {
          s[k++] = s[i++];
        }
      }
      n = k;
    }
    int[] ids = Arrays.copyOf(s, n);
    if (cache.size() >= cacheLimit) {
      cache.clear();
    }
    cache.put(piece, ids);
    return ids;
  }

  /** The bytes of {@code ids} (a special token gives its string's UTF-8 bytes). */
  public byte[] decodeBytes(int[] ids) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
    int merged = vocabulary.mergedSize();
    for (int id : ids) {
      if (id < 0 || id >= vocabulary.size()) {
        throw new IllegalArgumentException("id out of range: " + id);
      }
      if (id < merged) {
        out.writeBytes(vocabulary.bytesUnsafe(id));
      } else {
        out.writeBytes(vocabulary.specialTokens().get(id - merged).getBytes(StandardCharsets.UTF_8));
      }
    }
    return out.toByteArray();
  }

  /** The text of {@code ids}; a cut through a UTF-8 sequence becomes U+FFFD. */
  public String decode(int[] ids) {
    return new String(decodeBytes(ids), StandardCharsets.UTF_8);
  }

  private static long key(int a, int b) {
    return ((long) a << 32) | (b & 0xffffffffL);
  }

  private static final class IntList {
    int[] a = new int[64];
    int n;

    void add(int v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = v;
    }

    void addAll(int[] v) {
      if (n + v.length > a.length) {
        a = Arrays.copyOf(a, Math.max(a.length * 2, n + v.length));
      }
      System.arraycopy(v, 0, a, n, v.length);
      n += v.length;
    }

    int[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }
}
