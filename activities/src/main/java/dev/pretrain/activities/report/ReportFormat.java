package dev.pretrain.activities.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reading and formatting helpers shared by the report renderers. Every reader tolerates a null, missing or JSON-null
 * node; number formats use {@link Locale#ROOT} so a report reads the same on every machine.
 */
final class ReportFormat {

  /** Shown for a value the JSON does not have. */
  static final String NONE = "—";
  /** Shown for a value that is there but not a finite number (NaN, infinity). */
  static final String NA = "n/a";

  private ReportFormat() {}

  static boolean present(JsonNode value) {
    return value != null && !value.isNull() && !value.isMissingNode();
  }

  static JsonNode get(JsonNode node, String name) {
    return node == null ? null : node.get(name);
  }

  /** The field as text, or null when it is missing or null. */
  static String text(JsonNode node, String name) {
    JsonNode value = get(node, name);
    if (!present(value)) {
      return null;
    }
    return value.isValueNode() ? value.asText() : value.toString();
  }

  static String textOr(JsonNode node, String name, String fallback) {
    String value = text(node, name);
    return value == null || value.isBlank() ? fallback : value;
  }

  /** The elements of an array field that are objects; empty when the field is missing or not an array. */
  static List<JsonNode> objects(JsonNode node, String name) {
    List<JsonNode> result = new ArrayList<>();
    JsonNode array = get(node, name);
    if (array != null && array.isArray()) {
      for (JsonNode element : array) {
        if (element != null && element.isObject()) {
          result.add(element);
        }
      }
    }
    return result;
  }

  /** The value as a double: NaN when it is missing or not a number (numeric strings such as "NaN" are read). */
  static double number(JsonNode value) {
    if (!present(value)) {
      return Double.NaN;
    }
    if (value.isNumber()) {
      return value.doubleValue();
    }
    if (value.isTextual()) {
      try {
        return Double.parseDouble(value.asText().trim());
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }
    return Double.NaN;
  }

  static double number(JsonNode node, String name) {
    return number(get(node, name));
  }

  /** Fixed decimals, e.g. {@code 1.2346}; {@link #NONE} when missing, {@link #NA} when not finite. */
  static String decimal(JsonNode value, int decimals) {
    return format(value, "%,." + decimals + "f");
  }

  /** Fixed decimals with the sign always shown, e.g. {@code +0.0017}, {@code -0.0200}. */
  static String signed(JsonNode value, int decimals) {
    return format(value, "%+,." + decimals + "f");
  }

  /** A whole count with digit grouping, e.g. {@code 6,917,376}. */
  static String count(JsonNode value) {
    return format(value, "%,.0f");
  }

  /** A byte count in binary units, e.g. {@code 3.98 MiB}; plain bytes under 1 KiB. */
  static String bytes(JsonNode value) {
    if (!present(value)) {
      return NONE;
    }
    double bytes = number(value);
    if (!Double.isFinite(bytes)) {
      return value.isTextual() && !isNonFinite(value.asText()) ? value.asText() : NA;
    }
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double scaled = Math.abs(bytes);
    int unit = 0;
    while (scaled >= 1024 && unit < units.length - 1) {
      scaled /= 1024;
      unit++;
    }
    double shown = Math.copySign(scaled, bytes);
    return unit == 0
        ? String.format(Locale.ROOT, "%.0f B", shown)
        : String.format(Locale.ROOT, "%.2f %s", shown, units[unit]);
  }

  private static String format(JsonNode value, String pattern) {
    if (!present(value)) {
      return NONE;
    }
    double number = number(value);
    if (Double.isFinite(number)) {
      return String.format(Locale.ROOT, pattern, number + 0.0); // + 0.0 turns -0.0 into 0.0
    }
    // a string that is no number at all is shown as written, a NaN or an infinity as n/a
    return value.isTextual() && !isNonFinite(value.asText()) ? value.asText() : NA;
  }

  private static boolean isNonFinite(String text) {
    try {
      return !Double.isFinite(Double.parseDouble(text.trim()));
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** The row of {@code source} in an evaluation's {@code bySource}, or null. */
  static JsonNode bySource(JsonNode evaluation, String source) {
    for (JsonNode row : objects(evaluation, "bySource")) {
      if (source.equals(text(row, "source"))) {
        return row;
      }
    }
    return null;
  }

  /** An evaluation's label, or its position when it has none. */
  static String label(JsonNode evaluation, int index) {
    return textOr(evaluation, "label", "#" + (index + 1));
  }
}
