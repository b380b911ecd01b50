package dev.pretrain.batch.curate.pii;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The labeled sample in src/test/resources/curate/pii/labeled.jsonl: one snippet a line with every
 * PII span in it as [start, end, kind] (UTF-16 offsets, as String indices), the set it belongs to
 * (dev: corpus windows the matchers were tuned on; heldout: corpus windows drawn and labeled after
 * tuning; planted: written by hand) and where it came from.
 */
record LabeledSample(String set, String origin, String text, List<PiiSpan> spans) {

  static final String RESOURCE = "/curate/pii/labeled.jsonl";

  static List<LabeledSample> load() {
    ObjectMapper json = new ObjectMapper();
    List<LabeledSample> samples = new ArrayList<>();
    try (InputStream in = LabeledSample.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + RESOURCE);
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode node = json.readTree(line);
        List<PiiSpan> spans = new ArrayList<>();
        for (JsonNode span : node.get("spans")) {
          spans.add(new PiiSpan(span.get(0).asInt(), span.get(1).asInt(),
              PiiKind.valueOf(span.get(2).asText().toUpperCase(Locale.ROOT))));
        }
        samples.add(new LabeledSample(node.get("set").asText(), node.get("origin").asText(),
            node.get("text").asText(), List.copyOf(spans)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return samples;
  }
}
