package dev.pretrain.workflows.run;

/**
 * Where a run's steps go, as {@link RoutingActivities#plan} decided it from the sovereignty policy
 * before any data moved. Null fields mean "as without a policy": the default task queues and the
 * request's bucket.
 *
 * @param region         the region the run was placed in; null when no policy is configured
 * @param dataTaskQueue  task queue of ingest, dedup and tokenize
 * @param modelTaskQueue task queue of train, evaluate and quantize
 * @param bucket         bucket that receives the run's artifacts
 * @param refusal        why the run cannot comply with the policy (it then fails with
 *                       {@code PolicyViolation} before ingest), or null when it may run
 * @param jurisdictions  which records ingest may keep in the region (null: any; and in placements
 *                       recorded before records were checked)
 */
public record Placement(String region, String dataTaskQueue, String modelTaskQueue, String bucket, String refusal,
    dev.pretrain.workflows.ingest.JurisdictionRule jurisdictions) {

  public Placement(String region, String dataTaskQueue, String modelTaskQueue, String bucket, String refusal) {
    this(region, dataTaskQueue, modelTaskQueue, bucket, refusal, null);
  }

  /** No policy configured: everything goes where it went before policies existed. */
  public static Placement unrestricted() {
    return new Placement(null, null, null, null, null);
  }

  public static Placement refused(String region, String reason) {
    return new Placement(region, null, null, null, reason);
  }

  // not isRefused(): a bean-style name would become a JSON property of the payload
  public boolean hasRefusal() {
    return refusal != null;
  }
}
