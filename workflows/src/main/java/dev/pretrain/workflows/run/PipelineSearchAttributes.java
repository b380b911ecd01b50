package dev.pretrain.workflows.run;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/**
 * Custom search attributes a run keeps up to date, so the Temporal UI's workflow list can filter
 * runs by status, step and recipe. {@code ./pretrain up} registers them on the dev server.
 */
public final class PipelineSearchAttributes {
  public static final SearchAttributeKey<String> STATUS = SearchAttributeKey.forKeyword("PipelineStatus");
  public static final SearchAttributeKey<String> STEP = SearchAttributeKey.forKeyword("PipelineStep");
  public static final SearchAttributeKey<String> RECIPE = SearchAttributeKey.forKeyword("Recipe");

  public static final List<SearchAttributeKey<String>> ALL = List.of(STATUS, STEP, RECIPE);

  private PipelineSearchAttributes() {}
}
