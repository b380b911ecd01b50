package dev.pretrain.batch.tokenize.fast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FastBpeEncoderTest {

  static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
  static final Encoding JT_R50K = REGISTRY.getEncoding(EncodingType.R50K_BASE);
  static final Encoding JT_CL100K = REGISTRY.getEncoding(EncodingType.CL100K_BASE);

  /**
   * jtokkit's cl100k parser rejects text with an unpaired surrogate (a Java assert, on under tests);
   * there we check instead that the surrogate encodes as '?', as String.getBytes and jtokkit's r50k do.
   */
  static void assertSameAsJtokkit(Encoding jt, FastBpeEncoder ours, String text) {
    String valid = new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    if (!valid.equals(text) && jt == JT_CL100K) {
      assertArrayEquals(ours.encodeOrdinary(text.replaceAll("\\p{Cs}", "?")), ours.encodeOrdinary(text));
      return;
    }
    assertArrayEquals(jt.encodeOrdinary(text).toArray(), ours.encodeOrdinary(text),
        jt.getName() + " on " + PreTokenizerTest.escape(text.length() > 200 ? text.substring(0, 200) + "..." : text));
  }

  @Test
  void knownIds() {
    // "hello world" in GPT-2 and cl100k
    assertArrayEquals(new int[] {31373, 995}, FastBpeEncoder.r50kBase().encodeOrdinary("hello world"));
    assertArrayEquals(new int[] {15339, 1917}, FastBpeEncoder.cl100kBase().encodeOrdinary("hello world"));
    assertArrayEquals(new int[0], FastBpeEncoder.cl100kBase().encodeOrdinary(""));
  }

  @Test
  void specialTokenTextIsOrdinaryText() {
    int[] ids = FastBpeEncoder.r50kBase().encodeOrdinary("<|endoftext|>");
    assertTrue(ids.length > 1);
    for (int id : ids) {
      assertTrue(id != 50256);
    }
  }

  @Test
  void trickyCasesMatchJtokkit() {
    FastBpeEncoder r50k = FastBpeEncoder.r50kBase();
    FastBpeEncoder cl100k = FastBpeEncoder.cl100kBase();
    for (int round = 0; round < 2; round++) { // second round: from the cache
      for (String t : PreTokenizerTest.TRICKY) {
        assertSameAsJtokkit(JT_R50K, r50k, t);
        assertSameAsJtokkit(JT_CL100K, cl100k, t);
      }
    }
  }

  @Test
  void unpairedSurrogateIsAQuestionMark() {
    assertArrayEquals(FastBpeEncoder.cl100kBase().encodeOrdinary("a?b"), FastBpeEncoder.cl100kBase().encodeOrdinary("a\uD83Db"));
    assertArrayEquals(JT_R50K.encodeOrdinary("x \uDE00 y").toArray(), FastBpeEncoder.r50kBase().encodeOrdinary("x \uDE00 y"));
  }

  @Test
  void longPiecesMatchJtokkit() {
    FastBpeEncoder r50k = FastBpeEncoder.r50kBase();
    FastBpeEncoder cl100k = FastBpeEncoder.cl100kBase();
    String[] texts = {
      " ".repeat(5000) + "x", "a".repeat(3000), "ab".repeat(2000), "\n".repeat(1000), "!?".repeat(700),
      "Supercalifragilisticexpialidocious".repeat(40), "😀".repeat(300), "日本語".repeat(200),
      "x" + " \t".repeat(400) + "y", "0123456789".repeat(100),
    };
    for (String t : texts) {
      assertSameAsJtokkit(JT_R50K, r50k, t);
      assertSameAsJtokkit(JT_CL100K, cl100k, t);
    }
  }

  /** Random words over mixed scripts; the heap merge (forced for every piece) and the scan merge agree with jtokkit. */
  @Test
  void randomTextMatchesJtokkitWithBothMergeLoopsAndWithoutCache() {
    String[] alphabet = {"a", "e", "t", "th", "ing", "ion", " ", " ", " the", "\n", "\t", "'s", "'", "1", "23", ".", ",",
        "!", "é", "ß", "日", "本", "😀", "ſ", "\u00A0", "-", "_", "(", ")", "Q", "x", "zz", "\uD83D"};
    Random rnd = new Random(7);
    FastBpeEncoder[] r50k = {FastBpeEncoder.r50kBase(),
        new FastBpeEncoder(MergeableRanks.jtokkit("r50k_base"), PreTokenizer.R50K, 0, 1)};
    FastBpeEncoder[] cl100k = {FastBpeEncoder.cl100kBase(),
        new FastBpeEncoder(MergeableRanks.jtokkit("cl100k_base"), PreTokenizer.CL100K, 0, 1)};
    for (int n = 0; n < 3000; n++) {
      StringBuilder sb = new StringBuilder();
      int len = rnd.nextInt(60);
      for (int i = 0; i < len; i++) {
        sb.append(alphabet[rnd.nextInt(alphabet.length)]);
      }
      String t = sb.toString();
      for (FastBpeEncoder e : r50k) {
        assertSameAsJtokkit(JT_R50K, e, t);
      }
      for (FastBpeEncoder e : cl100k) {
        assertSameAsJtokkit(JT_CL100K, e, t);
      }
    }
  }

  /** A tiny cache is emptied over and over; the ids do not change. */
  @Test
  void cacheThatFillsUpIsEmptiedAndStaysCorrect() {
    FastBpeEncoder small = new FastBpeEncoder(MergeableRanks.jtokkit("cl100k_base"), PreTokenizer.CL100K, 4);
    Random rnd = new Random(1);
    for (int n = 0; n < 200; n++) {
      String t = "word" + rnd.nextInt(50) + " other" + rnd.nextInt(50) + " and more words " + n;
      assertSameAsJtokkit(JT_CL100K, small, t);
    }
    assertTrue(small.cacheClears() > 10, "clears: " + small.cacheClears());
    FastBpeEncoder one = new FastBpeEncoder(MergeableRanks.jtokkit("cl100k_base"), PreTokenizer.CL100K, 1);
    for (int n = 0; n < 3; n++) { // pieces of more ids than a one-entry cache has room for
      assertSameAsJtokkit(JT_CL100K, one, "Supercalifragilisticexpialidocious zqxjzqxjzqxjzqxjzqxjzqxj a a");
    }
    assertThrows(IllegalArgumentException.class,
        () -> new FastBpeEncoder(MergeableRanks.jtokkit("r50k_base"), PreTokenizer.R50K, -1));
  }

  @Test
  void appendsToABuffer() {
    FastBpeEncoder e = FastBpeEncoder.cl100kBase();
    TokenBuffer buf = new TokenBuffer(2);
    assertEquals(2, e.encodeOrdinary("hello world", buf));
    assertEquals(2, e.encodeOrdinary(new StringBuilder("hello world"), buf));
    assertArrayEquals(new int[] {15339, 1917, 15339, 1917}, buf.toArray());
    assertThrows(IndexOutOfBoundsException.class, () -> buf.get(4));
  }

  @Test
  void ranksAreJtokkitsVocabulary() {
    MergeableRanks r50k = MergeableRanks.jtokkit("r50k_base");
    MergeableRanks cl100k = MergeableRanks.jtokkit("cl100k_base");
    assertEquals(50256, r50k.size());
    assertEquals(50255, r50k.maxRank());
    assertEquals(100256, cl100k.size());
    byte[] hello = " hello".getBytes(StandardCharsets.UTF_8);
    assertEquals(JT_CL100K.encodeOrdinary(" hello").get(0), cl100k.rank(hello, 0, hello.length));
    assertEquals(-1, cl100k.rank("zqxjzqxjzqxj".getBytes(StandardCharsets.UTF_8), 0, 12));
    assertThrows(IllegalArgumentException.class, () -> MergeableRanks.jtokkit("nope"));
  }

  @Test
  void readsTheTiktokenFormat() throws Exception {
    StringBuilder sb = new StringBuilder();
    for (int b = 0; b < 256; b++) {
      sb.append(java.util.Base64.getEncoder().encodeToString(new byte[] {(byte) b})).append(' ').append(b).append('\n');
    }
    sb.append("YWI= 256\n"); // "ab"
    sb.append("YWJj 257\n"); // "abc"
    MergeableRanks r = MergeableRanks.read(new ByteArrayInputStream(sb.toString().getBytes(StandardCharsets.US_ASCII)));
    assertEquals(258, r.size());
    FastBpeEncoder e = new FastBpeEncoder(r, PreTokenizer.R50K);
    assertArrayEquals(new int[] {257, 100}, e.encodeOrdinary("abcd"));
    assertArrayEquals(new int[] {32, 256, 256}, e.encodeOrdinary(" abab"));
    assertThrows(IllegalArgumentException.class,
        () -> MergeableRanks.read(new ByteArrayInputStream("YWI= 0\n".getBytes(StandardCharsets.US_ASCII))));
  }
}
