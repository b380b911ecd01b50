package dev.pretrain.workflows.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pretrain.workflows.StepNames;
import dev.pretrain.workflows.train.TrainParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Applies {@code retryStep} parameter overrides ({@code set}) to a run request. Names are the
 * components of the step's parameter record (the same names as in a recipe); each value is parsed
 * as the type the current value has. Pure and deterministic: the workflow calls it in its update
 * validator and handler.
 */
public final class StepOverrides {

  private static final ObjectMapper JSON = new ObjectMapper();

  private StepOverrides() {}

  /** The request with the overrides applied, or IllegalArgumentException naming the bad key or value. */
  public static RunRequest apply(RunRequest request, String step, Map<String, Object> set) {
    if (set == null || set.isEmpty()) {
      return request;
    }
    switch (step) {
      case StepNames.INGEST:
        return request.withIngest(override(step, request.ingest(), RunRequest.IngestParams.class, set));
      case StepNames.TOKENIZER:
      case StepNames.TOKENIZE:
        return request.withTokenize(override(step, request.tokenize(), RunRequest.TokenizeParams.class, set));
      case StepNames.TRAIN:
      case StepNames.EVALUATE:
      case StepNames.QUANTIZE:
        return request.withTrain(override(step, request.trainOrDefaults(), TrainParams.class, set));
      default:
        throw new IllegalArgumentException("step " + step + " has no parameters to set (got " + set.keySet() + ")");
    }
  }

  private static <T> T override(String step, T current, Class<T> type, Map<String, Object> set) {
    ObjectNode node = JSON.valueToTree(current);
    for (Map.Entry<String, Object> e : set.entrySet()) {
      String key = e.getKey();
      // a dotted key names a field of a nested parameter record (ingest's curate.minLanguageConfidence)
      int dot = key.indexOf('.');
      ObjectNode target = node;
      String field = key;
      if (dot > 0) {
        JsonNode parent = node.get(key.substring(0, dot));
        if (parent == null || !parent.isObject()) {
          throw new IllegalArgumentException("unknown parameter '" + key + "' for step " + step
              + (parent != null && parent.isNull() ? " (" + key.substring(0, dot) + " is off in this run)" : "")
              + "; known: " + String.join(", ", names(node)));
        }
        target = (ObjectNode) parent;
        field = key.substring(dot + 1);
      }
      JsonNode old = target.get(field);
      if (old == null || old.isObject()) {
        throw new IllegalArgumentException("unknown parameter '" + key + "' for step " + step + "; known: "
            + String.join(", ", names(node)));
      }
      target.set(field, parse(step, key, old, e.getValue()));
    }
    try {
      return JSON.treeToValue(node, type);
    } catch (Exception ex) {
      throw new IllegalArgumentException("cannot apply " + set + " to step " + step + ": " + ex.getMessage());
    }
  }

  private static JsonNode parse(String step, String key, JsonNode old, Object value) {
    String text = value == null ? null : String.valueOf(value).trim();
    String where = "parameter '" + key + "' of step " + step;
    if (text == null) {
      throw new IllegalArgumentException(where + " needs a value");
    }
    try {
      if (old.isIntegralNumber()) {
        return JSON.getNodeFactory().numberNode(Long.parseLong(text));
      }
      if (old.isNumber()) {
        return JSON.getNodeFactory().numberNode(Double.parseDouble(text));
      }
      if (old.isBoolean()) {
        if (!text.equals("true") && !text.equals("false")) {
          throw new IllegalArgumentException(where + " is true or false, not '" + text + "'");
        }
        return JSON.getNodeFactory().booleanNode(Boolean.parseBoolean(text));
      }
      if (old.isArray() || old.isNull() && value instanceof List) {
        ArrayNode list = JSON.createArrayNode();
        List<String> items = new ArrayList<>();
        if (value instanceof List<?> l) {
          l.forEach(x -> items.add(String.valueOf(x).trim()));
        } else if (!text.isEmpty()) {
          for (String part : text.split(",")) {
            items.add(part.trim());
          }
        }
        items.stream().filter(x -> !x.isEmpty()).forEach(list::add);
        return list;
      }
    } catch (NumberFormatException ex) {
      throw new IllegalArgumentException(where + " is a number, not '" + text + "'");
    }
    return JSON.getNodeFactory().textNode(text);
  }

  private static TreeSet<String> names(ObjectNode node) {
    TreeSet<String> names = new TreeSet<>();
    node.fields().forEachRemaining(f -> {
      if (f.getValue().isObject()) {
        f.getValue().fieldNames().forEachRemaining(n -> names.add(f.getKey() + "." + n));
      } else {
        names.add(f.getKey());
      }
    });
    return names;
  }
}
