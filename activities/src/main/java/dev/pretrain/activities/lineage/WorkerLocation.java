package dev.pretrain.activities.lineage;

import java.io.IOException;
import java.net.InetAddress;

/**
 * Where this worker process runs, as the processing-location facet reports it.
 *
 * @param region   the region the worker serves, or {@value #UNASSIGNED}
 * @param host     the machine's host name
 * @param identity the worker's Temporal identity ({@code pretrain-worker-<pid>@<host>})
 */
public record WorkerLocation(String region, String host, String identity) {

  /** The region of a worker that was given none. */
  public static final String UNASSIGNED = "unassigned";

  /**
   * This process, in {@code region}: the region the worker serves under the sovereignty policy
   * ({@code worker --region}, docs/sovereignty.md), or null for none ({@value #UNASSIGNED}).
   */
  public static WorkerLocation of(String identity, String region) {
    return new WorkerLocation(region == null || region.isBlank() ? UNASSIGNED : region.trim(), hostName(), identity);
  }

  static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
