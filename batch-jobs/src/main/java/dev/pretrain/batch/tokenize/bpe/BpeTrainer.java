package dev.pretrain.batch.tokenize.bpe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Trains a byte-level BPE vocabulary (GPT-2 style) on a sample of documents.
 *
 * <ol>
 *   <li>Each document is split by {@link Cl100kPreTokenizer}; each distinct piece ("word") is counted.
 *   <li>Every word starts as its UTF-8 bytes (ids 0..255). The most frequent adjacent pair of tokens,
 *       counted over all words weighted by their counts, becomes a new token (id 256, 257, ...) and is
 *       merged everywhere (left to right, not overlapping); this repeats until the vocabulary has
 *       {@code vocabSize - specialTokens} tokens or no pair occurs at least {@code minFrequency} times.
 * </ol>
 *
 * <p>When the pairs run out (or fall below {@code minFrequency}) first, the vocabulary is smaller than
 * {@code vocabSize}; the special tokens still follow the last merge ({@link BpeVocabulary}).
 *
 * <p><b>Tie-break</b>: among pairs with the same count the one with the smallest left token id wins,
 * then the smallest right token id. Since byte ids are byte values and merged ids follow merge order,
 * the result depends only on the multiset of words: the same documents give the same vocabulary, byte
 * for byte, whatever the order of the documents or of hash maps.
 *
 * <p>A merge whose bytes equal a token made before (the same string reached by another split) is not
 * taken; the pair is skipped for good, so every token has distinct bytes (tokenizer.json needs that).
 *
 * <p><b>Cost</b>: pair counts are kept incrementally. Each pair knows the words it occurs in (an index
 * that may list a word more than once or after the pair left it; both are harmless), so a merge only
 * visits the words that hold its pair and only updates the pairs next to its occurrences. The most
 * frequent pair comes from a priority queue with lazy updates: an entry whose count is stale is
 * re-queued with the current count when it surfaces; pairs whose count grows get a new entry.
 * Single-threaded.
 */
public final class BpeTrainer {

  private final int vocabSize;
  private final List<String> specialTokens;
  private final long minFrequency;

  /**
   * @param vocabSize all ids: 256 bytes + merges + special tokens
   * @param specialTokens e.g. {@code <|endoftext|>}; they get the last ids
   * @param minFrequency a pair occurring fewer times is not merged (0 or 1: any pair that occurs)
   */
  public BpeTrainer(int vocabSize, List<String> specialTokens, long minFrequency) {
    if (vocabSize < 256 + specialTokens.size()) {
      throw new IllegalArgumentException("vocabSize " + vocabSize + " < 256 + " + specialTokens.size() + " special tokens");
    }
    this.vocabSize = vocabSize;
    this.specialTokens = List.copyOf(specialTokens);
    this.minFrequency = Math.max(1, minFrequency);
  }

  /** Counts the pre-tokenizer pieces of {@code documents}: piece to number of occurrences. */
  public static Map<String, int[]> countWords(Iterable<String> documents) {
    Map<String, int[]> counts = new HashMap<>();
    for (String doc : documents) {
      Cl100kPreTokenizer.split(doc, (s, e) -> {
        int[] c = counts.computeIfAbsent(doc.substring(s, e), k -> new int[1]);
        c[0]++;
      });
    }
    return counts;
  }

  /** Trains on {@code documents} (iterated once). */
  public BpeVocabulary train(Iterable<String> documents) {
    return trainOnWords(countWords(documents));
  }

  /** Trains on counted words ({@link #countWords}). */
  public BpeVocabulary trainOnWords(Map<String, int[]> wordCounts) {
    return new Run(wordCounts).train();
  }

  private static long key(int a, int b) {
    return ((long) a << 32) | (b & 0xffffffffL);
  }

  /** Count of one pair and the words it occurs in. */
  private static final class PairStat {
    long count;
    int[] words = new int[4];
    int nWords;
    boolean skipped;

    void addWord(int w) {
      if (nWords == words.length) {
        words = Arrays.copyOf(words, nWords * 2);
      }
      words[nWords++] = w;
    }
  }

  private record Entry(long count, int left, int right) {}

  private final class Run {
    final int[][] syms;
    final int[] lens;
    final int[] counts;
    final int[] visited;
    final Map<Long, PairStat> pairs = new HashMap<>();
    final PriorityQueue<Entry> queue = new PriorityQueue<>((x, y) -> {
      int c = Long.compare(y.count, x.count);
      if (c != 0) {
        return c;
      }
      c = Integer.compare(x.left, y.left);
      return c != 0 ? c : Integer.compare(x.right, y.right);
    });
    final List<byte[]> tokenBytes = new ArrayList<>();
    final Set<String> tokenStrings = new HashSet<>();

    Run(Map<String, int[]> wordCounts) {
      int n = wordCounts.size();
      syms = new int[n][];
      lens = new int[n];
      counts = new int[n];
      visited = new int[n];
      Arrays.fill(visited, -1);
      int w = 0;
      for (Map.Entry<String, int[]> e : wordCounts.entrySet()) {
        byte[] b = e.getKey().getBytes(StandardCharsets.UTF_8);
        int[] s = new int[b.length];
        for (int i = 0; i < b.length; i++) {
          s[i] = b[i] & 0xff;
        }
        syms[w] = s;
        lens[w] = s.length;
        counts[w] = e.getValue()[0];
        w++;
      }
      for (int b = 0; b < 256; b++) {
        byte[] one = {(byte) b};
        tokenBytes.add(one);
        tokenStrings.add(ByteLevel.encode(one));
      }
    }

    PairStat stat(int a, int b) {
      return pairs.computeIfAbsent(key(a, b), k -> new PairStat());
    }

    BpeVocabulary train() {
      for (int w = 0; w < syms.length; w++) {
        int[] s = syms[w];
        for (int i = 0; i + 1 < lens[w]; i++) {
          PairStat p = stat(s[i], s[i + 1]);
          p.count += counts[w];
          if (p.nWords == 0 || p.words[p.nWords - 1] != w) {
            p.addWord(w);
          }
        }
      }
      for (Map.Entry<Long, PairStat> e : pairs.entrySet()) {
        long k = e.getKey();
        queue.add(new Entry(e.getValue().count, (int) (k >>> 32), (int) k));
      }
      int targetMerges = vocabSize - 256 - specialTokens.size();
      List<BpeVocabulary.Merge> merges = new ArrayList<>(targetMerges);
      Set<Long> grown = new HashSet<>();
      while (merges.size() < targetMerges) {
        Entry top = queue.poll();
        if (top == null) {
          break;
        }
        PairStat p = pairs.get(key(top.left, top.right));
        if (p == null || p.skipped || p.count <= 0) {
          continue;
        }
        if (p.count != top.count) {
          if (p.count < top.count) {
            queue.add(new Entry(p.count, top.left, top.right));
          }
          continue;
        }
        if (p.count < minFrequency) {
          break;
        }
        byte[] a = tokenBytes.get(top.left);
        byte[] b = tokenBytes.get(top.right);
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        if (!tokenStrings.add(ByteLevel.encode(c))) {
          p.skipped = true;
          continue;
        }
        int newId = tokenBytes.size();
        tokenBytes.add(c);
        merges.add(new BpeVocabulary.Merge(top.left, top.right));
        grown.clear();
        apply(top.left, top.right, newId, p, merges.size(), grown);
        for (long k : grown) {
          PairStat g = pairs.get(k);
          if (g.count > 0) {
            queue.add(new Entry(g.count, (int) (k >>> 32), (int) k));
          }
        }
      }
      return new BpeVocabulary(merges, specialTokens);
    }

    /** Merges (a, b) into c in every word of p's index; updates the counts and index of the pairs around. */
    void apply(int a, int b, int c, PairStat p, int stamp, Set<Long> grown) {
      int[] list = p.words;
      int nList = p.nWords;
      pairs.remove(key(a, b));
      boolean[] oldMerged = new boolean[16];
      boolean[] newMerged = new boolean[16];
      for (int li = 0; li < nList; li++) {
        int w = list[li];
        if (visited[w] == stamp) {
          continue;
        }
        visited[w] = stamp;
        int[] s = syms[w];
        int n = lens[w];
        if (oldMerged.length < n) {
          oldMerged = new boolean[n * 2];
          newMerged = new boolean[n * 2];
        }
        int[] t = new int[n];
        int k = 0;
        boolean any = false;
        for (int i = 0; i < n; ) {
          if (i + 1 < n && s[i] == a && s[i + 1] == b) {
            oldMerged[i] = true;
            oldMerged[i + 1] = true;
            newMerged[k] = true;
            t[k++] = c;
            i += 2;
            any = true;
          } else {
            oldMerged[i] = false;
            newMerged[k] = false;
            t[k++] = s[i++];
          }
        }
        if (!any) {
          continue;
        }
        long wc = counts[w];
        for (int i = 0; i + 1 < n; i++) {
          if (oldMerged[i] || oldMerged[i + 1]) { // (a, b) itself is gone from the map
            PairStat q = pairs.get(key(s[i], s[i + 1]));
            if (q != null) {
              q.count -= wc;
            }
          }
        }
        for (int j = 0; j + 1 < k; j++) {
          if (newMerged[j] || newMerged[j + 1]) {
            long key = key(t[j], t[j + 1]);
            PairStat q = stat(t[j], t[j + 1]);
            q.count += wc;
            if (q.nWords == 0 || q.words[q.nWords - 1] != w) {
              q.addWord(w);
            }
            grown.add(key);
          }
        }
        syms[w] = t;
        lens[w] = k;
      }
    }
  }
}
