package dev.pretrain.batch.tokenize.bpe;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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

  private static void byteLevel(JsonGenerator g, boolean addPrefixSpace, boolean useRegex) throws IOException {
    g.writeStartObject();
    g.writeStringField("type", "ByteLevel");
    g.writeBooleanField("add_prefix_space", addPrefixSpace);
    g.writeBooleanField("trim_offsets", true);
    g.writeBooleanField("use_regex", useRegex);
    g.writeEndObject();
  }
}
