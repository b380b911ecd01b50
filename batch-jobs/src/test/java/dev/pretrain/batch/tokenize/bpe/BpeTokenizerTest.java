package dev.pretrain.batch.tokenize.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BpeTokenizerTest {

  static final List<String> DOCS = List.of(
      "The quick brown fox jumps over the lazy dog. The dog didn't care; it's lazy.\n",
      "In the beginning God created the heaven and the earth.\r\nAnd the earth was without form.\n",
      "def f(x):\n    return x * 1234567  # comment\n",
      "Ünïcödé: naïve café, 日本語のテキスト, emoji 👍🏽 and more 👍🏽👍🏽.");

  static BpeTokenizer tokenizer() {
    return new BpeTokenizer(new BpeTrainer(400, List.of("<|endoftext|>"), 0).train(DOCS));
  }

  @Test
  void roundTripsArbitraryText() {
    BpeTokenizer t = tokenizer();
    List<String> texts = new ArrayList<>(DOCS);
    texts.add("");
    texts.add("e\u0301\u0302\u0303 combining marks, Z\u0351\u0352\u0353algo");
    texts.add("👨‍👩‍👧‍👦 🇩🇪 \u0000\u0001\u007f \u00a0\u2028 trailing   ");
    texts.add("\r\n\r\n\t\t  mixed\r");
    Random random = new Random(5);
    for (int i = 0; i < 300; i++) {
      StringBuilder sb = new StringBuilder();
      for (int j = random.nextInt(50); j > 0; j--) {
        int cp;
        do {
          cp = random.nextInt(4) == 0 ? random.nextInt(0x110000) : random.nextInt(0x800);
        } while (cp >= 0xd800 && cp <= 0xdfff);
        sb.appendCodePoint(cp);
      }
      texts.add(sb.toString());
    }
    for (String text : texts) {
      int[] ids = t.encodeOrdinary(text);
      assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), t.decodeBytes(ids), text);
      assertEquals(text, t.decode(ids));
    }
  }

  @Test
  void usesMergesAndTheCache() {
    BpeTokenizer t = tokenizer();
    int[] the = t.encodeOrdinary(" the");
    assertEquals(1, the.length, "' the' is frequent in the training text");
    assertArrayEquals(" the".getBytes(StandardCharsets.UTF_8), t.vocabulary().bytes(the[0]));
    assertTrue(t.encodeOrdinary("The quick brown fox").length < "The quick brown fox".length());
    assertArrayEquals(t.encodeOrdinary(" lazy"), t.encodeOrdinary(" lazy"));
    // text never seen: bytes only, one id per byte
    assertArrayEquals(new int[] {'Q', 'Q'}, t.encodeOrdinary("QQ"));
  }

  @Test
  void mergesByRankNotLeftToRight() {
    // merges: (b,c) first, then (a,b): "abc" must become [a, bc], not [ab, c]
    BpeVocabulary v = new BpeVocabulary(
        List.of(new BpeVocabulary.Merge('b', 'c'), new BpeVocabulary.Merge('a', 'b')), List.of());
    assertArrayEquals(new int[] {'a', 256}, new BpeTokenizer(v).encodeOrdinary("abc"));
    assertArrayEquals(new int[] {257, 257}, new BpeTokenizer(v).encodeOrdinary("abab"));
  }

  @Test
  void onlyMergesOfTheVocabularyJoinPartsAndAWholeTokenPieceStaysWhole() {
    // bc, ab, then abc made as (ab, c): in "abcd", bc merges first, and (a, bc) is not a merge even though
    // its bytes are the token abc (tiktoken's rule would join them); the piece "abc" itself is one token
    BpeVocabulary v = new BpeVocabulary(List.of(new BpeVocabulary.Merge('b', 'c'), new BpeVocabulary.Merge('a', 'b'),
        new BpeVocabulary.Merge(257, 'c')), List.of());
    assertArrayEquals(new int[] {'a', 256, 'd'}, new BpeTokenizer(v).encodeOrdinary("abcd"));
    assertArrayEquals(new int[] {258}, new BpeTokenizer(v).encodeOrdinary("abc"));
  }

  @Test
  void specialTokens() {
    BpeTokenizer t = tokenizer();
    int eot = t.vocabulary().specialTokenId("<|endoftext|>");
    assertEquals(399, eot);
    int[] ids = t.encode("the end<|endoftext|>next");
    assertEquals(1, java.util.Arrays.stream(ids).filter(i -> i == eot).count());
    assertEquals("the end<|endoftext|>next", t.decode(ids));
    assertTrue(java.util.Arrays.stream(t.encodeOrdinary("<|endoftext|>")).noneMatch(i -> i == eot));
  }
}
