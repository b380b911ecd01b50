package dev.pretrain.activities.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

/**
 * key = SHA-256(activity type, step code version, canonical JSON of the request). In the request,
 * every artifact reference stands for its SHA-256 alone (the same bytes under another run's key are
 * the same input), run ids are dropped (a rerun is the same work), and object keys are sorted.
 */
public final class CacheKey {

  private static final ObjectMapper JSON = new ObjectMapper();

  private CacheKey() {}

  public static String of(String activityType, String codeVersion, Object[] arguments) {
    StringBuilder text = new StringBuilder(activityType).append('\n').append(codeVersion).append('\n');
    for (Object argument : arguments) {
      canonical(JSON.valueToTree(argument), text);
      text.append('\n');
    }
    return sha256(text.toString());
  }

  /** True for a JSON object shaped like an ArtifactRef: uri, sha256, sizeBytes. */
  static boolean isArtifact(JsonNode node) {
    return node.isObject() && node.hasNonNull("uri") && node.hasNonNull("sha256") && node.has("sizeBytes");
  }

  private static void canonical(JsonNode node, StringBuilder out) {
    if (isArtifact(node)) {
      out.append("sha256:").append(node.get("sha256").asText());
    } else if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      Collections.sort(names);
      out.append('{');
      for (String name : names) {
        if (name.equals("runId")) {
          continue;
        }
        out.append(JSON.getNodeFactory().textNode(name).toString()).append(':');
        canonical(node.get(name), out);
        out.append(',');
      }
      out.append('}');
    } else if (node.isArray()) {
      out.append('[');
      for (JsonNode item : (ArrayNode) node) {
        canonical(item, out);
        out.append(',');
      }
      out.append(']');
    } else {
      out.append(node.toString());
    }
  }

  /** Every artifact reference in a result, wherever it sits. */
  static List<JsonNode> artifactsIn(JsonNode node) {
    List<JsonNode> found = new ArrayList<>();
    collect(node, found);
    return found;
  }

  private static void collect(JsonNode node, List<JsonNode> found) {
    if (isArtifact(node)) {
      found.add(node);
    } else if (node instanceof ObjectNode || node instanceof ArrayNode) {
      node.forEach(child -> collect(child, found));
    }
  }

  static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
