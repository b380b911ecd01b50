package dev.pretrain.batch.tokenize.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our tokenizer.json loaded by Hugging Face {@code tokenizers} (through DJL's JNI binding) gives the
 * same ids as {@link BpeTokenizer}, on text of every kind. (The demo-corpus comparison is
 * {@link BpeCorpusCheck}, through Python.)
 */
class BpeTokenizerHfTest {

  @Test
  void huggingFaceTokenizersEncodesLikeOurs(@TempDir Path dir) throws Exception {
    Random random = new Random(22);
    String[] words = {"the", " The", " cat", "'s", " don't", " WE'LL", " 1234567", "\r\n", "\n\n", "   ", " naïve",
        " café", " 日本語", " 👍🏽", "!!", " (x)", "\t", " Ωμέγα", " привет", " x\u0301"};
    List<String> docs = new ArrayList<>();
    for (int d = 0; d < 400; d++) {
      StringBuilder sb = new StringBuilder();
      for (int i = random.nextInt(100); i > 0; i--) {
        sb.append(words[random.nextInt(words.length)]);
      }
      docs.add(sb.toString());
    }
    BpeTokenizer ours = new BpeTokenizer(new BpeTrainer(1000, List.of("<|endoftext|>"), 0).train(docs));
    Path json = dir.resolve("tokenizer.json");
    HfTokenizerJson.write(ours.vocabulary(), json);

    List<String> texts = new ArrayList<>(docs.subList(0, 50));
    texts.addAll(List.of("", " ", "trailing spaces   ", "CRLF\r\n\r\nlines\r", "digits 1234567890 ²³ ٠١٢٣",
        "I'M YOU'RE it'S", "emoji 👨‍👩‍👧‍👦🇩🇪 and ZWJ", "combining e\u0301\u0302 Z\u0351algo", "\u00a0nbsp\u3000ideographic",
        "tab\tand\u000bvertical\fform", "中文，标点。"));
    for (int i = 0; i < 200; i++) {
      StringBuilder sb = new StringBuilder();
      for (int j = random.nextInt(40); j > 0; j--) {
        int cp;
        do {
          cp = random.nextInt(3) == 0 ? random.nextInt(0x110000) : random.nextInt(0x3000);
        } while (cp >= 0xd800 && cp <= 0xdfff);
        sb.appendCodePoint(cp);
      }
      texts.add(sb.toString());
    }
    int same = 0;
    // no truncation: DJL cuts at 512 tokens unless told otherwise
    try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.builder().optTokenizerPath(json).optTruncation(false)
        .optAddSpecialTokens(false).build()) {
      for (String text : texts) {
        Encoding e = hf.encode(text, false, false);
        int[] theirs = Arrays.stream(e.getIds()).mapToInt(Math::toIntExact).toArray();
        assertArrayEquals(ours.encodeOrdinary(text), theirs, () -> "text: " + Cl100kPreTokenizerTest.escape(text));
        same++;
      }
    }
    assertEquals(texts.size(), same);
  }
}
