package dev.pretrain.ops.client;

import com.google.protobuf.Duration;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.namespace.v1.NamespaceConfig;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.taskqueue.v1.PollerInfo;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.UpdateNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** A connection to a Temporal frontend (local dev server or a real cluster) and the admin calls we make. */
public final class TemporalService implements AutoCloseable {

  /** Custom search attributes the workflow sets, by type; registered on every start of the stack. */
  public static final Map<String, IndexedValueType> SEARCH_ATTRIBUTES = searchAttributes();

  private static Map<String, IndexedValueType> searchAttributes() {
    Map<String, IndexedValueType> m = new java.util.LinkedHashMap<>();
    dev.pretrain.workflows.run.PipelineSearchAttributes.ALL.forEach(k -> m.put(k.getName(), k.getValueType()));
    return java.util.Collections.unmodifiableMap(m);
  }

  /** The attributes as {@code temporal server start-dev --search-attribute} takes them: {@code Name=Type}. */
  public static List<String> searchAttributeSpecs() {
    List<String> specs = new ArrayList<>();
    SEARCH_ATTRIBUTES.forEach((name, type) -> specs.add(name + "=" + switch (type) {
      case INDEXED_VALUE_TYPE_KEYWORD -> "Keyword";
      case INDEXED_VALUE_TYPE_INT -> "Int";
      case INDEXED_VALUE_TYPE_TEXT -> "Text";
      case INDEXED_VALUE_TYPE_DOUBLE -> "Double";
      case INDEXED_VALUE_TYPE_BOOL -> "Bool";
      case INDEXED_VALUE_TYPE_DATETIME -> "Datetime";
      default -> throw new IllegalStateException("no CLI name for " + type);
    }));
    return specs;
  }

  public static final long RETENTION_DAYS = 30;

  private final String address;
  private final String namespace;
  private final WorkflowServiceStubs stubs;

  private TemporalService(String address, String namespace, com.uber.m3.tally.Scope metricsScope, TemporalTls tls) {
    this.address = address;
    this.namespace = namespace;
    WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder().setTarget(address);
    if (metricsScope != null) {
      options.setMetricsScope(metricsScope);
    }
    if (tls != null && tls.enabled()) {
      options.setSslContext(tls.sslContext());
      if (tls.serverName() != null) {
        options.setChannelInitializer(channel -> channel.overrideAuthority(tls.serverName()));
      }
    }
    this.stubs = WorkflowServiceStubs.newServiceStubs(options.validateAndBuildWithDefaults());
  }

  /** Creates the stubs; nothing is sent until the first call. */
  public static TemporalService connect(String address, String namespace) {
    return new TemporalService(address, namespace, null, null);
  }

  /** A frontend of a cluster, with TLS when {@code tls} sets any of its parts. */
  public static TemporalService connect(String address, String namespace, com.uber.m3.tally.Scope metricsScope,
      TemporalTls tls) {
    return new TemporalService(address, namespace, metricsScope, tls);
  }

  /**
   * As {@link #connect(String, String)}, with the SDK's metrics (requests, polls, task latencies of
   * workers built on these stubs) reported to {@code metricsScope}; null: no SDK metrics.
   */
  public static TemporalService connect(String address, String namespace, com.uber.m3.tally.Scope metricsScope) {
    return new TemporalService(address, namespace, metricsScope, null);
  }

  public String address() {
    return address;
  }

  public String namespace() {
    return namespace;
  }

  public WorkflowServiceStubs stubs() {
    return stubs;
  }

  public WorkflowClient client(String identity) {
    WorkflowClientOptions.Builder options = WorkflowClientOptions.newBuilder().setNamespace(namespace);
    if (identity != null) {
      options.setIdentity(identity);
    }
    return WorkflowClient.newInstance(stubs, options.build());
  }

  /**
   * Waits until the frontend answers a describe-namespace call.
   *
   * @param stillStarting false once the server process has died, to stop waiting early
   */
  public DescribeNamespaceResponse awaitReady(java.time.Duration timeout, BooleanSupplier stillStarting) {
    long deadline = System.nanoTime() + timeout.toNanos();
    StatusRuntimeException last = null;
    while (System.nanoTime() < deadline && stillStarting.getAsBoolean()) {
      try {
        return describeNamespace(2);
      } catch (StatusRuntimeException e) {
        last = e;
        if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
          throw new IllegalStateException("Temporal at " + address + " has no namespace '" + namespace + "'");
        }
      }
      sleep(250);
    }
    throw new IllegalStateException("Temporal at " + address + " did not answer within " + timeout.toSeconds() + " s"
        + (last == null ? "" : " (last error: " + last.getStatus().getCode() + " "
            + (last.getCause() != null ? last.getCause().getMessage() : last.getStatus().getDescription()) + ")"));
  }

  /** True if the frontend answers within a second or two. */
  public boolean reachable() {
    try {
      describeNamespace(3);
      return true;
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  public DescribeNamespaceResponse describeNamespace(long timeoutSeconds) {
    return stubs.blockingStub().withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)
        .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(namespace).build());
  }

  /**
   * Registers our search attributes that the namespace lacks. {@code start-dev
   * --search-attribute} only registers them when its DB file is new, so an older file needs this.
   *
   * @return the attributes added
   */
  public List<String> ensureSearchAttributes() {
    // Shares the workflow stubs' channel, so it is not shut down here.
    OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(
        OperatorServiceStubsOptions.newBuilder().setChannel(stubs.getRawChannel()).validateAndBuildWithDefaults());
    Map<String, IndexedValueType> existing;
    try {
      existing = operator.blockingStub().withDeadlineAfter(10, TimeUnit.SECONDS)
          .listSearchAttributes(ListSearchAttributesRequest.newBuilder().setNamespace(namespace).build())
          .getCustomAttributesMap();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
        throw e;
      }
      existing = Map.of(); // the SDK test server cannot list, but can add
    }
    List<String> added = new ArrayList<>();
    for (Map.Entry<String, IndexedValueType> attribute : SEARCH_ATTRIBUTES.entrySet()) {
      String name = attribute.getKey();
      if (existing.containsKey(name)) {
        continue;
      }
      try {
        operator.blockingStub().withDeadlineAfter(10, TimeUnit.SECONDS).addSearchAttributes(
            AddSearchAttributesRequest.newBuilder().setNamespace(namespace)
                .putSearchAttributes(name, attribute.getValue()).build());
        added.add(name);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
          throw e;
        }
      }
    }
    return added;
  }

  /**
   * Sets the namespace's retention of closed workflows (the dev server creates namespaces with 24 h);
   * our database keeps the long-term record either way.
   *
   * @return true if it was changed
   */
  public boolean ensureRetentionDays(long days) {
    Duration current = describeNamespace(10).getConfig().getWorkflowExecutionRetentionTtl();
    long want = TimeUnit.DAYS.toSeconds(days);
    if (current.getSeconds() == want) {
      return false;
    }
    stubs.blockingStub().withDeadlineAfter(10, TimeUnit.SECONDS).updateNamespace(UpdateNamespaceRequest.newBuilder()
        .setNamespace(namespace)
        .setConfig(NamespaceConfig.newBuilder()
            .setWorkflowExecutionRetentionTtl(Duration.newBuilder().setSeconds(want).build()).build())
        .build());
    return true;
  }

  /**
   * Identities of workers that polled the task queue recently. The server remembers pollers for some
   * minutes after they stop, so only those seen within {@code recentSeconds} count (a live worker's
   * long poll is renewed at least every ~70 s).
   */
  public List<String> recentPollers(String taskQueue, TaskQueueType type, long recentSeconds) {
    List<PollerInfo> pollers = stubs.blockingStub().withDeadlineAfter(10, TimeUnit.SECONDS).describeTaskQueue(
            DescribeTaskQueueRequest.newBuilder().setNamespace(namespace)
                .setTaskQueue(TaskQueue.newBuilder().setName(taskQueue).build())
                .setTaskQueueType(type).build())
        .getPollersList();
    long cutoff = Instant.now().getEpochSecond() - recentSeconds;
    List<String> out = new ArrayList<>();
    for (PollerInfo p : pollers) {
      if (!p.hasLastAccessTime() || p.getLastAccessTime().getSeconds() >= cutoff) {
        out.add(p.getIdentity());
      }
    }
    return out;
  }

  @Override
  public void close() {
    stubs.shutdown();
    stubs.awaitTermination(5, TimeUnit.SECONDS);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }
}
