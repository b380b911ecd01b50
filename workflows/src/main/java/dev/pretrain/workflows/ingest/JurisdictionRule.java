package dev.pretrain.workflows.ingest;

import java.util.List;
import java.util.Locale;

/**
 * Which record jurisdictions the sovereignty policy lets a run's region store and process. The plan
 * checks the jurisdictions sources declare before any data moves; ingest checks each record's own
 * (a file of one source may hold records of another jurisdiction) and quarantines the ones the
 * region may not hold, before they reach a shard.
 *
 * @param region        the run's region
 * @param allowed       jurisdictions the policy names and allows there (upper case)
 * @param refused       jurisdictions the policy names and does not allow there (upper case)
 * @param othersAllowed whether the policy's {@code "*"} rule allows the region for every other one
 * @param policySha256  the policy file that decided
 */
public record JurisdictionRule(String region, List<String> allowed, List<String> refused, boolean othersAllowed,
    String policySha256) {

  public JurisdictionRule {
    allowed = List.copyOf(allowed);
    refused = List.copyOf(refused);
  }

  /** Null when a record of {@code jurisdiction} may be kept in the region, else why not. */
  public String refusal(String jurisdiction) {
    String named = jurisdiction == null || jurisdiction.isBlank() ? "unknown" : jurisdiction;
    String j = named.toUpperCase(Locale.ROOT);
    if (allowed.contains(j) || (othersAllowed && !refused.contains(j))) {
      return null;
    }
    return "jurisdiction " + named + " may not be stored and processed in region " + region
        + " (sovereignty policy " + policySha256.substring(0, Math.min(12, policySha256.length())) + ")";
  }
}
