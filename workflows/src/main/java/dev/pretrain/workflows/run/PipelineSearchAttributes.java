package dev.pretrain.workflows.run;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/**
 * Custom search attributes a run keeps up to date, so the Temporal UI's workflow list can filter
 * runs by status, step and recipe, and show why a run is parked. {@code ./pretrain up} (dev server)
 * and {@code ./pretrain namespace setup} (a cluster) register them.
 */
public final class PipelineSearchAttributes {
  public static final SearchAttributeKey<String> STATUS = SearchAttributeKey.forKeyword("PipelineStatus");
  public static final SearchAttributeKey<String> STEP = SearchAttributeKey.forKeyword("PipelineStep");
  public static final SearchAttributeKey<String> RECIPE = SearchAttributeKey.forKeyword("Recipe");
  /** Last error of a parked step, cut to {@link #ERROR_MAX_CHARS}; unset while the run moves. */
  public static final SearchAttributeKey<String> ERROR = SearchAttributeKey.forKeyword("PipelineError");
  /** Activity attempts the parked step made before it parked. */
  public static final SearchAttributeKey<Long> ATTEMPTS = SearchAttributeKey.forLong("PipelineAttempts");

  public static final int ERROR_MAX_CHARS = 200;

  public static final List<SearchAttributeKey<?>> ALL = List.of(STATUS, STEP, RECIPE, ERROR, ATTEMPTS);

  /** Set by the server on runs a Temporal Schedule started. */
  public static final SearchAttributeKey<String> SCHEDULED_BY_ID = SearchAttributeKey.forKeyword("TemporalScheduledById");
  public static final SearchAttributeKey<java.time.OffsetDateTime> SCHEDULED_START_TIME =
      SearchAttributeKey.forOffsetDateTime("TemporalScheduledStartTime");

  private PipelineSearchAttributes() {}
}
