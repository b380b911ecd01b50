package dev.pretrain.activities.cache;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.activities.ActivityInterceptor;
import dev.pretrain.db.cache.StepCacheRepository;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.db.storage.ObjectStore;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The step cache, around every cached activity of a worker (see {@link CachedSteps}): before the
 * activity runs, a stored result under the same key is returned instead, but only after every
 * artifact it names is read back from storage and matches its recorded size and SHA-256; a missing
 * or altered artifact makes it a miss and the activity computes again. Each execution (computed,
 * cache hit, failed with its attempt) is recorded, which is how a step's record shows what ran.
 *
 * <p>Because the cache sits below the workflow, it also makes a Reset from the Temporal UI safe:
 * the replayed upstream activities are answered from the cache.
 */
public final class StepCacheInterceptor extends ActivityInterceptor {

  private static final Logger log = LoggerFactory.getLogger(StepCacheInterceptor.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final StepCacheRepository cache;
  private final RunRepository runs;
  private final ObjectStore store;
  private final String workerRegion;
  private final String workerHost = hostName();

  public StepCacheInterceptor(StepCacheRepository cache, RunRepository runs, ObjectStore store) {
    this(cache, runs, store, null);
  }

  /** @param workerRegion the region this worker declares (recorded as where steps were processed), or null */
  public StepCacheInterceptor(StepCacheRepository cache, RunRepository runs, ObjectStore store, String workerRegion) {
    this.cache = cache;
    this.runs = runs;
    this.store = store;
    this.workerRegion = workerRegion;
  }

  @Override
  protected ActivityInboundCallsInterceptor.ActivityOutput execute(ActivityExecutionContext context,
      ActivityInboundCallsInterceptor.ActivityInput input,
      java.util.function.Supplier<ActivityInboundCallsInterceptor.ActivityOutput> proceed) {
    ActivityInfo info = context.getInfo();
    Optional<CachedSteps.Spec> spec = CachedSteps.forActivityType(info.getActivityType());
    if (spec.isEmpty() || input.getArguments().length == 0) {
      return proceed.get();
    }
    return cached(spec.get(), info, input, proceed);
  }

  private ActivityInboundCallsInterceptor.ActivityOutput cached(CachedSteps.Spec spec, ActivityInfo info,
      ActivityInboundCallsInterceptor.ActivityInput input,
      java.util.function.Supplier<ActivityInboundCallsInterceptor.ActivityOutput> compute) {
    JsonNode request = JSON.valueToTree(input.getArguments()[0]);
    String runId = request.path("runId").asText(null);
    String step = spec.stepOf().apply(request);
    String key = CacheKey.of(spec.activityType(), spec.codeVersion(), input.getArguments());
    StepCacheRepository.Provenance provenance = new StepCacheRepository.Provenance(spec.codeVersion(),
        request.toString(), info.getActivityTaskQueue(), workerHost, workerRegion);
    Instant started = Instant.now();
    if (runId != null && !noCache(runId, step)) {
      Optional<Hit> hit = lookup(key, spec);
      if (hit.isPresent()) {
        cache.recordExecution(new StepCacheRepository.Execution(runId, step, spec.activityType(), info.getAttempt(),
            StepCacheRepository.CACHE_HIT, key, hit.get().entry().runId(), null, started, millisSince(started)), provenance);
        for (JsonNode artifact : CacheKey.artifactsIn(hit.get().tree())) {
          cache.recordReuse(new StepCacheRepository.Reuse(runId, step, artifact.get("uri").asText(),
              hit.get().entry().runId(), Instant.now()));
        }
        log.info("run {} {} {}: cache hit (computed by run {})", runId, step, spec.activityType(),
            hit.get().entry().runId());
        return new ActivityInboundCallsInterceptor.ActivityOutput(hit.get().result());
      }
    }
    ActivityInboundCallsInterceptor.ActivityOutput output;
    try {
      output = compute.get();
    } catch (RuntimeException | Error e) {
      if (runId != null) {
        cache.recordExecution(new StepCacheRepository.Execution(runId, step, spec.activityType(), info.getAttempt(),
            StepCacheRepository.FAILED, key, null, messageOf(e), started, millisSince(started)), provenance);
      }
      throw e;
    }
    if (runId != null && output.getResult() != null) {
      cache.put(new StepCacheRepository.Entry(key, step, spec.activityType(), spec.codeVersion(),
          JSON.valueToTree(output.getResult()).toString(), runId, Instant.now()));
      cache.recordExecution(new StepCacheRepository.Execution(runId, step, spec.activityType(), info.getAttempt(),
          StepCacheRepository.COMPUTED, key, null, null, started, millisSince(started)), provenance);
    }
    return output;
  }

  private record Hit(StepCacheRepository.Entry entry, JsonNode tree, Object result) {}

  private Optional<Hit> lookup(String key, CachedSteps.Spec spec) {
    Optional<StepCacheRepository.Entry> entry = cache.find(key);
    if (entry.isEmpty()) {
      return Optional.empty();
    }
    try {
      JsonNode tree = JSON.readTree(entry.get().resultJson());
      for (JsonNode artifact : CacheKey.artifactsIn(tree)) {
        String problem = problemWith(artifact);
        if (problem != null) {
          log.warn("cache entry {} of {} not used: {}; computing again", key, spec.activityType(), problem);
          return Optional.empty();
        }
      }
      return Optional.of(new Hit(entry.get(), tree, JSON.treeToValue(tree, spec.resultType())));
    } catch (Exception e) {
      log.warn("cache entry {} of {} unreadable ({}); computing again", key, spec.activityType(), e.toString());
      return Optional.empty();
    }
  }

  /** Null when the artifact exists with its recorded size and SHA-256 (read back in full), else why not. */
  private String problemWith(JsonNode artifact) {
    String uri = artifact.get("uri").asText();
    if (!uri.startsWith("s3://")) {
      return uri + " is not in object storage";
    }
    String rest = uri.substring("s3://".length());
    int slash = rest.indexOf('/');
    if (slash < 0) {
      return uri + " names no object";
    }
    String bucket = rest.substring(0, slash);
    String objectKey = rest.substring(slash + 1);
    Optional<ObjectStore.Stored> stored = store.stat(bucket, objectKey);
    if (stored.isEmpty()) {
      return uri + " is missing";
    }
    if (stored.get().sizeBytes() != artifact.get("sizeBytes").asLong()) {
      return uri + " has " + stored.get().sizeBytes() + " bytes, not " + artifact.get("sizeBytes").asLong();
    }
    String sha = store.sha256Of(bucket, objectKey);
    if (!sha.equals(artifact.get("sha256").asText())) {
      return uri + " has SHA-256 " + sha + ", not the recorded " + artifact.get("sha256").asText();
    }
    return null;
  }

  private boolean noCache(String runId, String step) {
    return runs.find(runId).map(run -> {
      try {
        JsonNode list = JSON.readTree(run.requestJson()).path("noCache");
        for (JsonNode s : list) {
          if (step.equals(s.asText())) {
            return true;
          }
        }
        return false;
      } catch (Exception e) {
        return false;
      }
    }).orElse(false);
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  private static long millisSince(Instant start) {
    return Duration.between(start, Instant.now()).toMillis();
  }

  private static String messageOf(Throwable e) {
    if (e instanceof ApplicationFailure af) {
      return af.getOriginalMessage();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
