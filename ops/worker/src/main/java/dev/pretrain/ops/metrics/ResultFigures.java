package dev.pretrain.ops.metrics;

import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Throughput figures read from an activity's result record by component name, so that the metrics
 * interceptor needs no knowledge of each step's result type: any result with {@code documents},
 * {@code kept}, {@code trainTokens}, {@code tokensSeen}, ... is counted, others are skipped.
 *
 * @param documents documents (or input records) the activity processed
 * @param kept      documents it kept, where the result says so
 * @param tokens    tokens it produced or consumed
 */
public record ResultFigures(OptionalLong documents, OptionalLong kept, OptionalLong tokens) {

  // First name present wins: the input count, not an output count, measures how fast a step reads.
  static final List<String> DOCUMENT_NAMES = List.of("documentsIn", "recordsIn", "documents", "documentsSeen");
  static final List<String> KEPT_NAMES = List.of("kept");
  static final List<String> TOKEN_NAMES = List.of("tokensSeen", "tokens");
  // tokenize reports its output by split
  static final List<String> TOKEN_PARTS = List.of("trainTokens", "valTokens");

  static final ResultFigures NONE = new ResultFigures(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty());

  private static final Map<Class<?>, RecordComponent[]> COMPONENTS = new ConcurrentHashMap<>();

  /** The figures of {@code result}, all empty when it is not a record or has none of the names. */
  public static ResultFigures of(Object result) {
    if (result == null || !result.getClass().isRecord()) {
      return NONE;
    }
    Map<String, Long> numbers = numbers(result);
    if (numbers.isEmpty()) {
      return NONE;
    }
    OptionalLong tokens = first(numbers, TOKEN_NAMES);
    if (tokens.isEmpty() && TOKEN_PARTS.stream().anyMatch(numbers::containsKey)) {
      tokens = OptionalLong.of(TOKEN_PARTS.stream().mapToLong(n -> numbers.getOrDefault(n, 0L)).sum());
    }
    return new ResultFigures(first(numbers, DOCUMENT_NAMES), first(numbers, KEPT_NAMES), tokens);
  }

  public boolean isEmpty() {
    return documents.isEmpty() && kept.isEmpty() && tokens.isEmpty();
  }

  /** The integral number components of a record, by name. */
  private static Map<String, Long> numbers(Object record) {
    RecordComponent[] components = COMPONENTS.computeIfAbsent(record.getClass(), Class::getRecordComponents);
    Map<String, Long> out = new LinkedHashMap<>();
    for (RecordComponent c : components) {
      Class<?> t = c.getType();
      if (t != long.class && t != int.class && t != Long.class && t != Integer.class) {
        continue;
      }
      try {
        Object v = c.getAccessor().invoke(record);
        if (v != null) {
          out.put(c.getName(), ((Number) v).longValue());
        }
      } catch (ReflectiveOperationException | RuntimeException e) {
        // a record we may not read (not public): no figures from this component
      }
    }
    return out;
  }

  private static OptionalLong first(Map<String, Long> numbers, List<String> names) {
    for (String n : names) {
      Long v = numbers.get(n);
      if (v != null) {
        return OptionalLong.of(v);
      }
    }
    return OptionalLong.empty();
  }
}
