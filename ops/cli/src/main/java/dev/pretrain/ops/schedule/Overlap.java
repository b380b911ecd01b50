package dev.pretrain.ops.schedule;

import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a schedule does when an action is due while its previous run is still going, by the names
 * the command line uses (Temporal's {@link ScheduleOverlapPolicy} without the prefix, in kebab case).
 */
public enum Overlap {
  SKIP("skip", ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP),
  BUFFER_ONE("buffer-one", ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE),
  BUFFER_ALL("buffer-all", ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL),
  CANCEL_OTHER("cancel-other", ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER),
  TERMINATE_OTHER("terminate-other", ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER),
  ALLOW_ALL("allow-all", ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL);

  private final String cliName;
  private final ScheduleOverlapPolicy policy;

  Overlap(String cliName, ScheduleOverlapPolicy policy) {
    this.cliName = cliName;
    this.policy = policy;
  }

  public String cliName() {
    return cliName;
  }

  public ScheduleOverlapPolicy policy() {
    return policy;
  }

  /** The names, comma-separated, for help and error messages. */
  public static String names() {
    return Arrays.stream(values()).map(Overlap::cliName).collect(Collectors.joining(", "));
  }

  /** Accepts the CLI name, or Temporal's enum name with or without its prefix, in any case. */
  public static Overlap parse(String text) {
    String s = text == null ? "" : text.strip().toLowerCase(Locale.ROOT).replace('_', '-')
        .replaceFirst("^schedule-overlap-policy-", "");
    for (Overlap o : values()) {
      if (o.cliName.equals(s)) {
        return o;
      }
    }
    throw new IllegalArgumentException("unknown overlap policy '" + text + "' (one of: " + names() + ")");
  }

  /** The CLI name of a policy the server reports; "default" for unspecified (the server then uses skip). */
  public static String nameOf(ScheduleOverlapPolicy policy) {
    if (policy == null || policy == ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED) {
      return "default (skip)";
    }
    for (Overlap o : values()) {
      if (o.policy == policy) {
        return o.cliName;
      }
    }
    return policy.name();
  }
}
