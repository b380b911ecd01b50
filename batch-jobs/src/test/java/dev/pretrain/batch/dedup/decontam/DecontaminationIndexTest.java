package dev.pretrain.batch.dedup.decontam;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.batch.dedup.decontam.DecontaminationIndex.Overlap;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DecontaminationIndexTest {

  /** Words {@code prefix + from .. prefix + (to - 1)}: all different, so n-grams repeat only where planted. */
  private static String words(String prefix, int from, int to) {
    StringBuilder sb = new StringBuilder();
    for (int i = from; i < to; i++) {
      sb.append(i == from ? "" : " ").append(prefix).append(i);
    }
    return sb.toString();
  }

  private static final String EVAL_A = words("a", 0, 300);
  private static final String EVAL_B = words("b", 0, 300);

  private static DecontaminationIndex twoEvalDocs() {
    DecontaminationIndex.Builder b = DecontaminationIndex.builder();
    assertEquals(0, b.add("eval/a", EVAL_A));
    assertEquals(1, b.add("eval/b", EVAL_B));
    return b.build();
  }

  @Test
  void aPlantedRunOfKWordsSharesKMinus12ThirteenGrams() {
    DecontaminationIndex index = twoEvalDocs();
    assertEquals(2 * 288, index.distinctNgrams(), "300 distinct words give 288 13-grams each");
    for (int k : new int[] {13, 14, 20, 100}) {
      String train = words("t", 0, 50) + " " + words("a", 100, 100 + k) + " " + words("t", 50, 90);
      Overlap o = index.check(train, 1).orElseThrow();
      assertEquals(new Overlap("eval/a", k - 12, k - 12, 90 + k - 12), o, "a run of " + k + " words");
    }
    String twelve = words("t", 0, 50) + " " + words("a", 100, 112) + " " + words("t", 50, 90);
    assertEquals(Optional.empty(), index.check(twelve, 1), "12 shared words are no 13-gram");
    assertEquals(Optional.empty(), index.check(words("t", 0, 500), 1));
  }

  @Test
  void theEvalDocumentWithTheMostSharedNgramsIsReported() {
    DecontaminationIndex index = twoEvalDocs();
    // 17 words of A (5 n-grams) and 21 words of B (9 n-grams), apart.
    String train = words("a", 10, 27) + " x y z " + words("b", 200, 221) + " " + words("a", 10, 27);
    Overlap o = index.check(train, 1).orElseThrow();
    assertEquals("eval/b", o.evalDocId());
    assertEquals(9, o.sharedNgrams());
    assertEquals(14, o.sharedNgramsAny(), "the repeated run of A counts once");
    assertEquals(9, index.check(train, 9).orElseThrow().sharedNgrams());
    assertEquals(Optional.empty(), index.check(train, 10), "no eval document shares 10");
  }

  @Test
  void anNgramInSeveralEvalDocumentsCountsForEach() {
    DecontaminationIndex.Builder b = DecontaminationIndex.builder();
    String passage = words("p", 0, 20); // 8 n-grams
    b.add("e0", words("x", 0, 40));
    b.add("e1", words("y", 0, 30) + " " + passage);
    b.add("e2", passage + " " + passage + " " + words("z", 0, 30)); // repeated within a document
    b.add("e3", words("y", 0, 30) + " " + passage + " " + words("w", 0, 5)); // one more than e1 with the train text
    DecontaminationIndex index = b.build();
    Overlap o = index.check("q q " + passage + " q q", 1).orElseThrow();
    assertEquals(new Overlap("e1", 8, 8, 12), o, "a tie goes to the document added first");
    Overlap more = index.check(words("y", 29, 30) + " " + passage + " " + words("w", 0, 1), 1).orElseThrow();
    assertEquals(new Overlap("e3", 10, 10, 10), more, "e1 shares 9 of them, e2 8");
  }

  @Test
  void textsShorterThanNHaveNoNgrams() {
    DecontaminationIndex.Builder b = DecontaminationIndex.builder();
    String twelve = words("s", 0, 12);
    assertEquals(0, b.add("short", twelve));
    assertEquals(1, b.add("long", EVAL_A));
    assertEquals(2, b.add("punctuation only", "... --- !!!"));
    DecontaminationIndex index = b.build();
    assertEquals(3, index.evalDocuments(), "short documents have an ordinal");
    assertEquals(288, index.distinctNgrams(), "but no n-gram");
    assertEquals("short", index.evalDocumentId(0));
    assertEquals(Optional.empty(), index.check(twelve, 1), "identical to a short eval document, still no n-gram");
    assertEquals(Optional.empty(), index.check(words("a", 0, 12), 1), "the first 12 words of an eval document");
    assertEquals(Optional.empty(), index.check("", 1));
    DecontaminationIndex n3 = DecontaminationIndex.builder(3).build();
    assertEquals(3, n3.n());
    assertEquals(Optional.empty(), n3.check(EVAL_A, 1), "an empty index flags nothing");
  }

  @Test
  void caseWhitespaceAndPunctuationDoNotHideAnOverlap() {
    String eval = "Everyone has the right to education. Education shall be free, at least in the elementary and "
        + "fundamental stages. Elementary education shall be compulsory.";
    DecontaminationIndex.Builder b = DecontaminationIndex.builder();
    b.add("udhr/26", eval);
    DecontaminationIndex index = b.build();
    String train = "As article 26 puts it:\n\n  \"EVERYONE has the right to education -- education shall be FREE "
        + "(at least in the\telementary and fundamental stages); elementary   education shall be compulsory!\" "
        + "That was 1948.";
    Overlap o = index.check(train, 1).orElseThrow();
    assertEquals("udhr/26", o.evalDocId());
    int evalWords = eval.split("[^A-Za-z]+").length;
    assertEquals(evalWords - 12, o.sharedNgrams(), "every 13-gram of the eval text");
    assertTrue(index.check(train.replace("compulsory", "optional"), 1).orElseThrow().sharedNgrams() < o.sharedNgrams());
  }

  @Test
  void theDefaultMinimumOverlapIsTwoNgrams() {
    DecontaminationIndex index = twoEvalDocs();
    String one = "t0 t1 " + words("a", 50, 63) + " t2 t3";
    assertEquals(1, index.check(one, 1).orElseThrow().sharedNgrams());
    assertEquals(Optional.empty(), index.check(one), "one shared 13-gram is below the default");
    String two = "t0 t1 " + words("a", 50, 64) + " t2 t3";
    assertEquals(2, index.check(two).orElseThrow().sharedNgrams());
    assertThrows(IllegalArgumentException.class, () -> index.check(two, 0));
  }

  @Test
  void everyEvalDocumentFindsItselfWithAllItsNgrams() throws Exception {
    java.util.SplittableRandom random = new java.util.SplittableRandom(7);
    DecontaminationIndex.Builder b = DecontaminationIndex.builder();
    String[] texts = new String[400];
    for (int d = 0; d < texts.length; d++) {
      StringBuilder sb = new StringBuilder();
      for (int w = 0, words = 13 + random.nextInt(300); w < words; w++) {
        sb.append(" w").append(random.nextInt(60));
      }
      texts[d] = sb.toString();
      b.add("d" + d, texts[d]);
    }
    DecontaminationIndex index = b.build();
    DecontaminationIndex back = DecontaminationIndex.fromBytes(index.toBytes());
    for (int d = 0; d < texts.length; d++) {
      Overlap o = back.check(texts[d], 1).orElseThrow();
      assertEquals("d" + d, o.evalDocId(), "a random text shares nothing with the others");
      assertEquals(o.textNgrams(), o.sharedNgrams());
      assertEquals(index.check(texts[d], 1), Optional.of(o));
    }
  }

  @Test
  void aBuilderBuildsOnce() {
    DecontaminationIndex.Builder b = DecontaminationIndex.builder();
    b.add("x", EVAL_A);
    b.build();
    assertThrows(IllegalStateException.class, () -> b.add("y", EVAL_B));
    assertThrows(IllegalStateException.class, b::build);
    assertThrows(IllegalArgumentException.class, () -> DecontaminationIndex.builder(0));
  }

  @Test
  void aSerializedIndexReadsBackTheSame() throws Exception {
    DecontaminationIndex.Builder b = DecontaminationIndex.builder(7);
    b.add("eval/é/1", EVAL_A);
    b.add("short", "too short");
    b.add("eval/2", words("c", 0, 5000) + " " + words("a", 0, 100));
    DecontaminationIndex index = b.build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {1, 2, 3});
    index.writeTo(out);
    int written = out.size() - 3;
    out.write(new byte[] {9, 9});
    ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
    in.skip(3);
    DecontaminationIndex back = DecontaminationIndex.readFrom(in);
    assertEquals(2, in.available(), "reads exactly the index's bytes");
    assertEquals(index.toBytes().length, written);
    assertTrue(written < 11 * index.distinctNgrams() + 100, written + " bytes for " + index.distinctNgrams());

    assertEquals(7, back.n());
    assertEquals(3, back.evalDocuments());
    assertEquals("eval/é/1", back.evalDocumentId(0));
    assertEquals("short", back.evalDocumentId(1));
    assertEquals(index.distinctNgrams(), back.distinctNgrams());
    String[] probes = {words("a", 0, 300), words("a", 30, 80) + " " + words("c", 10, 4000), "too short", words("c", 9, 20),
        words("t", 0, 100)};
    for (String probe : probes) {
      for (int min : new int[] {1, 2, 50}) {
        assertEquals(index.check(probe, min), back.check(probe, min));
      }
    }
    assertEquals(new Overlap("eval/é/1", 294, 294, 294), back.check(EVAL_A, 1).orElseThrow(),
        "A shares all its 294 7-grams, eval/2 94 of them");
    assertArrayEquals(index.toBytes(), back.toBytes(), "the same table gives the same bytes");
    assertEquals(DecontaminationIndex.builder().build().distinctNgrams(),
        DecontaminationIndex.fromBytes(DecontaminationIndex.builder().build().toBytes()).distinctNgrams());
  }

  @Test
  void corruptInputIsRejectedWithAClearError() {
    byte[] good = twoEvalDocs().toBytes();

    byte[] magic = good.clone();
    magic[0] = 'X';
    assertTrue(message(magic).contains("not a decontamination index"), message(magic));

    byte[] version = good.clone();
    version[7] = 9;
    assertTrue(message(version).contains("format version 9"), message(version));

    assertTrue(message(Arrays.copyOf(good, good.length / 2)).contains("truncated"));
    assertTrue(message(Arrays.copyOf(good, good.length - 1)).contains("truncated"));
    assertTrue(message(new byte[0]).contains("truncated"));

    byte[] flipped = good.clone();
    flipped[good.length - 100] ^= 0x10; // inside a hash: only the checksum can tell
    assertTrue(message(flipped).contains("checksum"), message(flipped));

    byte[] badDocCount = good.clone();
    badDocCount[12] = (byte) 0x80; // a negative number of documents
    assertTrue(message(badDocCount).contains("documents"), message(badDocCount));
  }

  private static String message(byte[] bytes) {
    return assertThrows(CorruptIndexException.class, () -> DecontaminationIndex.fromBytes(bytes)).getMessage();
  }
}
