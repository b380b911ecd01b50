package dev.pretrain.batch.tokenize.bpe;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link BpeVocabulary} as a Hugging Face {@code tokenizer.json} (the format of the
 * {@code tokenizers} library): model BPE with {@code vocab} (byte-level strings to ids) and
 * {@code merges} (pairs of strings, rank order); pre-tokenizer a Sequence of Split on
 * {@link Cl100kPreTokenizer#PATTERN} (behavior Isolated) and ByteLevel without prefix space or its own
 * regex; decoder ByteLevel; the special tokens as added tokens. No normalizer and no post-processor.
 */
public final class HfTokenizerJson {

  private HfTokenizerJson() {}

  public static void write(BpeVocabulary vocabulary, Path file) throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      write(vocabulary, out);
    }
  }

  public static void write(BpeVocabulary vocabulary, OutputStream out) throws IOException {
    List<String> strings = vocabulary.tokenStrings();
    int merged = vocabulary.mergedSize();
    try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeStringField("version", "1.0");
      g.writeNullField("truncation");
      g.writeNullField("padding");
      g.writeArrayFieldStart("added_tokens");
      for (int id = merged; id < strings.size(); id++) {
        g.writeStartObject();
        g.writeNumberField("id", id);
        g.writeStringField("content", strings.get(id));
        g.writeBooleanField("single_word", false);
        g.writeBooleanField("lstrip", false);
        g.writeBooleanField("rstrip", false);
        g.writeBooleanField("normalized", false);
        g.writeBooleanField("special", true);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeNullField("normalizer");
      g.writeObjectFieldStart("pre_tokenizer");
      g.writeStringField("type", "Sequence");
      g.writeArrayFieldStart("pretokenizers");
      g.writeStartObject();
      g.writeStringField("type", "Split");
      g.writeObjectFieldStart("pattern");
      g.writeStringField("Regex", Cl100kPreTokenizer.PATTERN);
      g.writeEndObject();
      g.writeStringField("behavior", "Isolated");
      g.writeBooleanField("invert", false);
      g.writeEndObject();
      byteLevel(g, false, false);
      g.writeEndArray();
      g.writeEndObject();
      g.writeNullField("post_processor");
      g.writeFieldName("decoder");
      byteLevel(g, true, true);
      g.writeObjectFieldStart("model");
      g.writeStringField("type", "BPE");
      g.writeNullField("dropout");
      g.writeNullField("unk_token");
      g.writeNullField("continuing_subword_prefix");
      g.writeNullField("end_of_word_suffix");
      g.writeBooleanField("fuse_unk", false);
      g.writeBooleanField("byte_fallback", false);
      g.writeBooleanField("ignore_merges", true); // a piece that is a token stays whole, as our encoder does
      g.writeObjectFieldStart("vocab");
      for (int id = 0; id < merged; id++) {
        g.writeNumberField(strings.get(id), id);
      }
      g.writeEndObject();
      g.writeArrayFieldStart("merges");
      for (BpeVocabulary.Merge m : vocabulary.merges()) {
        g.writeStartArray();
        g.writeString(strings.get(m.left()));
        g.writeString(strings.get(m.right()));
        g.writeEndArray();
      }
      g.writeEndArray();
      g.writeEndObject();
      g.writeEndObject();
    }
  }

  /**
   * Reads a tokenizer.json that {@link #write} wrote back into the vocabulary: the merges in rank order
   * and the added tokens as specials. Refuses a file this encoder would not reproduce (another model
   * type, pre-tokenizer or id layout), naming what differs.
   *
   * @param name names the file in error messages
   */
  public static BpeVocabulary read(InputStream in, String name) throws IOException {
    JsonNode root = new ObjectMapper().readTree(in);
    JsonNode model = root.path("model");
    require(name, "BPE".equals(model.path("type").asText()), "model.type is not BPE");
    require(name, model.path("ignore_merges").asBoolean(false), "model.ignore_merges is not true");
    JsonNode split = root.path("pre_tokenizer").path("pretokenizers").path(0);
    require(name, Cl100kPreTokenizer.PATTERN.equals(split.path("pattern").path("Regex").asText()),
        "the pre-tokenizer is not the cl100k split");
    Map<String, Integer> ids = new HashMap<>();
    model.path("vocab").fields().forEachRemaining(e -> ids.put(e.getKey(), e.getValue().asInt()));
    for (int b = 0; b < 256; b++) {
      Integer id = ids.get(String.valueOf(ByteLevel.charOf(b)));
      require(name, id != null && id == b, "byte " + b + " is not id " + b);
    }
    List<BpeVocabulary.Merge> merges = new ArrayList<>();
    for (JsonNode m : model.path("merges")) {
      String left = m.isArray() ? m.path(0).asText() : m.asText().substring(0, m.asText().indexOf(' '));
      String right = m.isArray() ? m.path(1).asText() : m.asText().substring(m.asText().indexOf(' ') + 1);
      Integer l = ids.get(left);
      Integer r = ids.get(right);
      Integer made = ids.get(left + right);
      require(name, l != null && r != null, "merge " + merges.size() + " (" + left + " " + right + ") names a token not in vocab");
      require(name, made != null && made == 256 + merges.size(), "merge " + merges.size() + " does not make id " + (256 + merges.size()));
      merges.add(new BpeVocabulary.Merge(l, r));
    }
    require(name, ids.size() == 256 + merges.size(), "vocab has " + ids.size() + " entries for " + merges.size() + " merges");
    List<String> specials = new ArrayList<>();
    for (JsonNode t : root.path("added_tokens")) {
      require(name, t.path("id").asInt() == 256 + merges.size() + specials.size(), "added token '"
          + t.path("content").asText() + "' is not numbered after the merges");
      specials.add(t.path("content").asText());
    }
    return new BpeVocabulary(merges, specials);
  }

  private static void require(String name, boolean ok, String what) throws IOException {
    if (!ok) {
      throw new IOException(name + ": not a tokenizer.json of our byte-level BPE: " + what);
    }
  }

  private static void byteLevel(JsonGenerator g, boolean addPrefixSpace, boolean useRegex) throws IOException {
    g.writeStartObject();
    g.writeStringField("type", "ByteLevel");
    g.writeBooleanField("add_prefix_space", addPrefixSpace);
    g.writeBooleanField("trim_offsets", true);
    g.writeBooleanField("use_regex", useRegex);
    g.writeEndObject();
  }
}
