package dev.pretrain.batch.tokenize.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BpeTrainerTest {

  static final List<String> EOT = List.of("<|endoftext|>");

  @Test
  void mergesTheMostFrequentPairFirst() {
    // words: "aaa" x1, " ab" x3 ... counts decide; ties go to the smaller ids
    BpeVocabulary v = new BpeTrainer(256 + 3 + 1, EOT, 0).train(List.of("ab ab ab ab cd cd"));
    // pieces: "ab" x1, " ab" x3, " cd" x2; pairs: (a,b) 4, (' ',a) 3, (' ',c) 2, (c,d) 2
    assertEquals(new BpeVocabulary.Merge('a', 'b'), v.merges().get(0));
    assertEquals(new BpeVocabulary.Merge(' ', 256), v.merges().get(1)); // " ab" x3
    assertEquals(new BpeVocabulary.Merge(' ', 'c'), v.merges().get(2)); // tie with (c,d) at 2: ' ' < 'c'
    assertEquals(260, v.size());
    assertEquals(259, v.specialTokenId("<|endoftext|>"));
    assertArrayEquals(" ab".getBytes(StandardCharsets.UTF_8), v.bytes(257));
  }

  @Test
  void stopsWhenNoPairIsLeftOrBelowMinFrequency() {
    BpeVocabulary all = new BpeTrainer(10_000, List.of(), 0).train(List.of("abcd"));
    assertEquals(3, all.merges().size()); // ab, abc, abcd
    BpeVocabulary frequent = new BpeTrainer(10_000, List.of(), 2).train(List.of("xy xy xy ab"));
    assertEquals(List.of(new BpeVocabulary.Merge('x', 'y'), new BpeVocabulary.Merge(' ', 256)), frequent.merges());
  }

  @Test
  void incrementalCountsGiveTheSameMergesAsRecountingEveryStep() {
    Random random = new Random(7);
    String[] syllables = {"a", "b", "ab", "ba", "aa", "bb", "c", " ", "  ", "the", "he", "e", "é", "\n", "1", "22", "!"};
    for (int round = 0; round < 30; round++) {
      List<String> docs = new ArrayList<>();
      for (int d = 0; d < 20; d++) {
        StringBuilder sb = new StringBuilder();
        for (int i = random.nextInt(60); i > 0; i--) {
          sb.append(syllables[random.nextInt(syllables.length)]);
        }
        docs.add(sb.toString());
      }
      int vocab = 256 + 1 + random.nextInt(120);
      BpeVocabulary fast = new BpeTrainer(vocab, EOT, 0).train(docs);
      assertEquals(naiveMerges(BpeTrainer.countWords(docs), vocab - 257), fast.merges(), "round " + round);
    }
  }

  /** The reference: recount every pair of every word before each merge. */
  static List<BpeVocabulary.Merge> naiveMerges(Map<String, int[]> wordCounts, int maxMerges) {
    List<int[]> words = new ArrayList<>();
    List<Integer> counts = new ArrayList<>();
    wordCounts.forEach((w, c) -> {
      byte[] b = w.getBytes(StandardCharsets.UTF_8);
      int[] s = new int[b.length];
      for (int i = 0; i < b.length; i++) {
        s[i] = b[i] & 0xff;
      }
      words.add(s);
      counts.add(c[0]);
    });
    List<byte[]> tokens = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int b = 0; b < 256; b++) {
      tokens.add(new byte[] {(byte) b});
      seen.add(ByteLevel.encode(new byte[] {(byte) b}));
    }
    Set<List<Integer>> skipped = new HashSet<>();
    List<BpeVocabulary.Merge> merges = new ArrayList<>();
    while (merges.size() < maxMerges) {
      Map<List<Integer>, Long> pairs = new HashMap<>();
      for (int w = 0; w < words.size(); w++) {
        int[] s = words.get(w);
        for (int i = 0; i + 1 < s.length; i++) {
          pairs.merge(List.of(s[i], s[i + 1]), (long) counts.get(w), Long::sum);
        }
      }
      List<Integer> best = null;
      long bestCount = 0;
      for (Map.Entry<List<Integer>, Long> e : pairs.entrySet()) {
        List<Integer> p = e.getKey();
        if (skipped.contains(p)) {
          continue;
        }
        long c = e.getValue();
        if (c > bestCount || (c == bestCount && (p.get(0) < best.get(0)
            || (p.get(0).equals(best.get(0)) && p.get(1) < best.get(1))))) {
          best = p;
          bestCount = c;
        }
      }
      if (best == null) {
        break;
      }
      ByteArrayOutputStream joined = new ByteArrayOutputStream();
      joined.writeBytes(tokens.get(best.get(0)));
      joined.writeBytes(tokens.get(best.get(1)));
      if (!seen.add(ByteLevel.encode(joined.toByteArray()))) {
        skipped.add(best);
        continue;
      }
      int id = tokens.size();
      tokens.add(joined.toByteArray());
      merges.add(new BpeVocabulary.Merge(best.get(0), best.get(1)));
      for (int w = 0; w < words.size(); w++) {
        int[] s = words.get(w);
        int[] t = new int[s.length];
        int k = 0;
        for (int i = 0; i < s.length; ) {
          if (i + 1 < s.length && s[i] == best.get(0) && s[i + 1] == best.get(1)) {
            t[k++] = id;
            i += 2;
          } else {
            t[k++] = s[i++];
          }
        }
        words.set(w, Arrays.copyOf(t, k));
      }
    }
    return merges;
  }

  @Test
  void sameDocumentsInAnyOrderGiveTheSameTokenizerJsonByteForByte() throws Exception {
    List<String> docs = new ArrayList<>();
    Random random = new Random(3);
    String[] words = {"the", " cat", " sat", " on", " mat", "'s", " 12345", "\n", " naïve", " 日本", " 👍", ".", "  "};
    for (int d = 0; d < 200; d++) {
      StringBuilder sb = new StringBuilder();
      for (int i = random.nextInt(80); i > 0; i--) {
        sb.append(words[random.nextInt(words.length)]);
      }
      docs.add(sb.toString());
    }
    List<String> shuffled = new ArrayList<>(docs);
    Collections.shuffle(shuffled, new Random(4));
    byte[] a = json(new BpeTrainer(600, EOT, 0).train(docs));
    byte[] b = json(new BpeTrainer(600, EOT, 0).train(shuffled));
    assertArrayEquals(a, b);
    assertTrue(a.length > 1000);
  }

  static byte[] json(BpeVocabulary v) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    HfTokenizerJson.write(v, out);
    return out.toByteArray();
  }

  @Test
  void everyTokenHasDistinctBytes() {
    List<String> docs = new ArrayList<>();
    Random random = new Random(11);
    for (int d = 0; d < 300; d++) {
      StringBuilder sb = new StringBuilder();
      for (int i = random.nextInt(40); i > 0; i--) {
        sb.append("abc".charAt(random.nextInt(3)));
      }
      docs.add(sb.toString());
    }
    BpeVocabulary v = new BpeTrainer(2000, EOT, 0).train(docs);
    Set<String> strings = new HashSet<>(v.tokenStrings());
    assertEquals(v.size(), strings.size());
  }
}
