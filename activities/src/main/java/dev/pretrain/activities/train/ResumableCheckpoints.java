package dev.pretrain.activities.train;

import dev.pretrain.activities.ArtifactCache;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import dev.pretrain.workflows.ArtifactRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the checkpoint a train attempt resumes from: the newest {@code ckpt-<step>.pt} of the run,
 * known from the failed attempt's heartbeat, our database or storage (a checkpoint may be uploaded
 * but not yet recorded), whose model, schedule and data match the request. Others (a run restarted
 * with other parameters, a missing or corrupt file) are skipped with a warning.
 */
final class ResumableCheckpoints {

  private static final Logger log = LoggerFactory.getLogger(ResumableCheckpoints.class);

  /** A checkpoint found in the heartbeat details, the database or storage. */
  record Candidate(long step, String uri, String sha256, long sizeBytes, boolean recorded) {
    ArtifactRef ref() {
      return new ArtifactRef(uri, sha256, sizeBytes);
    }
  }

  private final ObjectStore store;
  private final ArtifactRepository artifacts;
  private final ArtifactCache cache;

  ResumableCheckpoints(ObjectStore store, ArtifactRepository artifacts, ArtifactCache cache) {
    this.store = store;
    this.artifacts = artifacts;
    this.cache = cache;
  }

  /**
   * The newest checkpoint of the run that this request can continue: same model, schedule and
   * data. The one returned has its stored digest and size, and its header read through the cache.
   *
   * @param fromHeartbeat checkpoint URI in the failed attempt's heartbeat details, or null
   * @param shardTokens   token counts of the train shards, in order
   */
  Optional<Candidate> newest(String bucket, String runId, String fromHeartbeat, ModelConfig mc, TrainConfig tc,
      long[] shardTokens) {
    Map<String, Candidate> found = new LinkedHashMap<>();
    for (ArtifactRepository.Artifact a : artifacts.byRun(runId)) {
      long step = RunObjectKeys.checkpointStep(a.uri());
      if (TrainActivitiesImpl.CHECKPOINT_KIND.equals(a.kind()) && step >= 0) {
        found.put(a.uri(), new Candidate(step, a.uri(), a.sha256(), a.sizeBytes(), true));
      }
    }
    for (ObjectStore.Stored s : store.list(bucket, RunObjectKeys.trainCheckpointPrefix(runId))) {
      long step = RunObjectKeys.checkpointStep(s.uri());
      if (step >= 0 && !found.containsKey(s.uri())) {
        found.put(s.uri(), new Candidate(step, s.uri(), null, s.sizeBytes(), false));
      }
    }
    long heartbeatStep = fromHeartbeat == null ? -1 : RunObjectKeys.checkpointStep(fromHeartbeat);
    if (heartbeatStep >= 0 && !found.containsKey(fromHeartbeat)) {
      found.put(fromHeartbeat, new Candidate(heartbeatStep, fromHeartbeat, null, -1, false));
    }
    List<Candidate> newestFirst = new ArrayList<>(found.values());
    newestFirst.sort(Comparator.comparingLong(Candidate::step).reversed());
    for (Candidate c : newestFirst) {
      if (c.step() > tc.steps()) {
        log.warn("run {}: checkpoint {} is past the requested {} steps; not resuming from it", runId, c.uri(),
            tc.steps());
        continue;
      }
      ArtifactRef where = c.ref();
      Optional<ObjectStore.Stored> stat = store.stat(where.bucket(), where.key());
      if (stat.isEmpty() || stat.get().sha256() == null
          || (c.sha256() != null && !c.sha256().equals(stat.get().sha256()))) {
        log.warn("run {}: checkpoint {} is missing or differs from its record; not resuming from it", runId, c.uri());
        continue;
      }
      Candidate stored = new Candidate(c.step(), c.uri(), stat.get().sha256(), stat.get().sizeBytes(), c.recorded());
      ArtifactRef at = stored.ref();
      Checkpoint.Header h;
      try {
        h = Checkpoint.readHeader(cache.fetch(at));
      } catch (IOException | ArtifactCache.DigestMismatchException | UncheckedIOException e) {
        cache.evict(at);
        log.warn("run {}: checkpoint {} cannot be read ({}); not resuming from it", runId, c.uri(), e.getMessage());
        continue;
      }
      if (!h.model().equals(mc) || !h.train().equals(tc) || !Arrays.equals(h.shardTokens(), shardTokens)
          || h.step() != c.step()) {
        cache.evict(at);
        log.warn("run {}: checkpoint {} was written with other parameters or data ({}); not resuming from it", runId,
            c.uri(), h);
        continue;
      }
      return Optional.of(stored);
    }
    return Optional.empty();
  }
}
