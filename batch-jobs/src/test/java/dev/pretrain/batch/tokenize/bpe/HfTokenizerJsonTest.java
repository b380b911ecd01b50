package dev.pretrain.batch.tokenize.bpe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class HfTokenizerJsonTest {

  @Test
  void writesVocabMergesPreTokenizerDecoderAndSpecials() throws Exception {
    BpeVocabulary v = new BpeTrainer(300, List.of("<|endoftext|>"), 0)
        .train(List.of("the cat and the hat\nthe end", "then the theory"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    HfTokenizerJson.write(v, out);
    JsonNode root = new ObjectMapper().readTree(out.toByteArray());

    JsonNode model = root.path("model");
    assertEquals("BPE", model.path("type").asText());
    assertEquals(v.size() - 1, model.path("vocab").size());
    assertEquals(0, model.path("vocab").path("Ā").asInt()); // byte 0
    assertEquals(' ', model.path("vocab").path("Ġ").asInt());
    assertEquals('\n', model.path("vocab").path("Ċ").asInt());
    assertEquals(v.merges().size(), model.path("merges").size());
    List<String> strings = v.tokenStrings();
    for (int r = 0; r < v.merges().size(); r++) {
      JsonNode m = model.path("merges").get(r);
      assertEquals(strings.get(v.merges().get(r).left()), m.get(0).asText());
      assertEquals(strings.get(v.merges().get(r).right()), m.get(1).asText());
      assertEquals(256 + r, model.path("vocab").path(m.get(0).asText() + m.get(1).asText()).asInt());
    }
    assertTrue(model.path("vocab").has("Ġthe"));

    JsonNode pre = root.path("pre_tokenizer");
    assertEquals("Sequence", pre.path("type").asText());
    JsonNode split = pre.path("pretokenizers").get(0);
    assertEquals("Split", split.path("type").asText());
    assertEquals(Cl100kPreTokenizer.PATTERN, split.path("pattern").path("Regex").asText());
    assertEquals("Isolated", split.path("behavior").asText());
    JsonNode byteLevel = pre.path("pretokenizers").get(1);
    assertEquals("ByteLevel", byteLevel.path("type").asText());
    assertFalse(byteLevel.path("add_prefix_space").asBoolean());
    assertFalse(byteLevel.path("use_regex").asBoolean());
    assertEquals("ByteLevel", root.path("decoder").path("type").asText());

    JsonNode added = root.path("added_tokens");
    assertEquals(1, added.size());
    assertEquals("<|endoftext|>", added.get(0).path("content").asText());
    assertEquals(v.size() - 1, added.get(0).path("id").asInt()); // right after the merges (fewer than asked here)
    assertTrue(v.size() < 300);
    assertTrue(added.get(0).path("special").asBoolean());
  }

  @Test
  void readsBackWhatItWroteAndRefusesAnotherLayout() throws Exception {
    BpeVocabulary v = new BpeTrainer(300, List.of("<|endoftext|>"), 0)
        .train(List.of("the cat and the hat\nthe end", "then the theory"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    HfTokenizerJson.write(v, out);
    BpeVocabulary back = HfTokenizerJson.read(new java.io.ByteArrayInputStream(out.toByteArray()), "t.json");
    assertEquals(v.merges(), back.merges());
    assertEquals(v.specialTokens(), back.specialTokens());
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    HfTokenizerJson.write(back, again);
    assertEquals(out.toString(java.nio.charset.StandardCharsets.UTF_8), again.toString(java.nio.charset.StandardCharsets.UTF_8));

    String other = out.toString(java.nio.charset.StandardCharsets.UTF_8).replace("\"ignore_merges\" : true", "\"ignore_merges\" : false");
    java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
        () -> HfTokenizerJson.read(new java.io.ByteArrayInputStream(other.getBytes(java.nio.charset.StandardCharsets.UTF_8)), "t.json"));
    assertTrue(e.getMessage().contains("t.json") && e.getMessage().contains("ignore_merges"), e.getMessage());
  }
}
