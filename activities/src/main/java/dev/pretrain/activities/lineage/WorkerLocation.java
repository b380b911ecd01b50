package dev.pretrain.activities.lineage;

import java.io.IOException;
import java.net.InetAddress;

/**
 * Where this worker process runs, as the processing-location facet reports it.
 *
 * @param region   the worker's region ({@link #configuredRegion()})
 * @param host     the machine's host name
 * @param identity the worker's Temporal identity ({@code pretrain-worker-<pid>@<host>})
 */
public record WorkerLocation(String region, String host, String identity) {

  public static final String REGION_ENV = "PRETRAIN_WORKER_REGION";
  public static final String REGION_PROPERTY = "pretrain.workerRegion";
  /** The region of a worker that was given none. */
  public static final String UNASSIGNED = "unassigned";

  /** This process, with {@link #configuredRegion()}. */
  public static WorkerLocation of(String identity) {
    return new WorkerLocation(configuredRegion(), hostName(), identity);
  }

  /**
   * The worker's region: {@code $PRETRAIN_WORKER_REGION}, else the system property
   * {@code pretrain.workerRegion}, else {@value #UNASSIGNED}. The one place to rewire once worker
   * regions are part of the configuration.
   */
  public static String configuredRegion() {
    String region = System.getenv(REGION_ENV);
    if (region == null || region.isBlank()) {
      region = System.getProperty(REGION_PROPERTY);
    }
    return region == null || region.isBlank() ? UNASSIGNED : region.trim();
  }

  static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
