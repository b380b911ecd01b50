package dev.pretrain.batch.tokenize.bpe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pretrain.batch.tokenize.bpe.TokenizerCompression.Doc;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TokenizerCompressionTest {

  @Test
  void sampleKeyIsHexSha256OfSeedColonIdInUtf8() {
    // expected values from python: hashlib.sha256(b"1337:a").hexdigest(), and "1337:doc-ü" encoded UTF-8
    assertEquals("7642eb405907dc1ed23fe7730cf7d82c6ef52a931b31894a4870e2ac9cab4eaa",
        TokenizerCompression.sampleKey(1337, "a"));
    assertEquals("0bdf392cc42bfb9d551a65c3bfc570f4b81ab2ef1b9d7e9c3f8791eec29813f8",
        TokenizerCompression.sampleKey(1337, "doc-ü"));
  }

  @Test
  void takesDocumentsInKeyOrderUntilTheBudgetIsReached() {
    // key order for seed 1337: c (08ad..), doc-ü (0bdf..), a (7642..), b (e50d..), d (e650..)
    List<Doc> docs = List.of(doc("a", 4), doc("b", 10), doc("c", 5), doc("d", 1), doc("doc-ü", 3));
    assertEquals(List.of(), ids(TokenizerCompression.trainingSample(docs, 1337, 0)));
    assertEquals(List.of("c"), ids(TokenizerCompression.trainingSample(docs, 1337, 1)));
    // exactly reached: stop
    assertEquals(List.of("c", "doc-ü"), ids(TokenizerCompression.trainingSample(docs, 1337, 8)));
    // the document that crosses the budget is taken
    assertEquals(List.of("c", "doc-ü", "a"), ids(TokenizerCompression.trainingSample(docs, 1337, 9)));
    assertEquals(List.of("c", "doc-ü", "a", "b", "d"), ids(TokenizerCompression.trainingSample(docs, 1337, 1000)));
    // another seed, another order
    List<String> other = ids(TokenizerCompression.trainingSample(docs, 1338, 1000));
    assertEquals(5, other.size());
    assertEquals(other.stream().sorted((x, y) -> TokenizerCompression.sampleKey(1338, x)
        .compareTo(TokenizerCompression.sampleKey(1338, y))).toList(), other);
  }

  @Test
  void sampleDoesNotDependOnInputOrder() {
    List<Doc> docs = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      docs.add(doc("doc-" + i, 1 + i % 7));
    }
    List<String> expected = ids(TokenizerCompression.trainingSample(docs, 42, 300));
    Random rnd = new Random(7);
    for (int t = 0; t < 5; t++) {
      Collections.shuffle(docs, rnd);
      assertEquals(expected, ids(TokenizerCompression.trainingSample(docs, 42, 300)));
    }
  }

  private static Doc doc(String id, long bytes) {
    return new Doc(id, "src", "x".repeat((int) bytes), bytes);
  }

  private static List<String> ids(List<Doc> docs) {
    return docs.stream().map(Doc::id).toList();
  }
}
