package dev.pretrain.activities.train;

import static dev.pretrain.activities.ArtifactRefs.ref;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.activities.ActivityFailures;
import dev.pretrain.activities.ArtifactCache;
import dev.pretrain.activities.PipelineServices;
import dev.pretrain.activities.WorkDirs;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.lineage.AuditQueries;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.train.TrainActivities;
import dev.pretrain.workflows.train.TrainParams;
import dev.pretrain.workflows.train.TrainProgress;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The train step: downloads the train token shards (verified, cached per worker), resumes from the
 * newest usable checkpoint of the run or starts from the seeded initial model, and trains to the
 * configured step count, uploading a checkpoint every {@code checkpointEvery} steps and after the
 * last one.
 *
 * <p>Objects, all under {@code runs/<runId>/train/}:
 * <ul>
 *   <li>{@code ckpt-<step, 7 digits>.pt}: a {@link Checkpoint} (weights, AdamW moments, step, data
 *       position), kind {@code checkpoint}, made from the train token shards and the previous
 *       checkpoint;
 *   <li>{@code model.pt}: the final weights ({@link Checkpoint#writeModel}: the last checkpoint
 *       without the optimizer state), kind {@code model}, made from the last checkpoint and
 *       {@code token-ranges.json};
 *   <li>{@code token-ranges.json}: the exact shards and token ranges the windows of the run covered
 *       (kind {@code token-ranges}, made from those shards). The documents overlapping them are
 *       recorded as the model's {@code artifact_documents} rows, so lineage answers "which documents
 *       has this model seen" directly, and through the shards' token maps.
 * </ul>
 *
 * <p>A retry looks for checkpoints in the heartbeat details of the failed attempt, in our database
 * and in storage (a checkpoint may be uploaded but not yet recorded), and resumes from the newest
 * one whose model, schedule and data match the request ({@link ResumableCheckpoints}); the step
 * counter and data stream continue from it. Keys are deterministic, so a retry overwrites what an earlier attempt wrote.
 */
public class TrainActivitiesImpl implements TrainActivities {

  private static final Logger log = LoggerFactory.getLogger(TrainActivitiesImpl.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  public static final String CHECKPOINT_KIND = "checkpoint";
  public static final String MODEL_KIND = "model";
  public static final String TOKEN_RANGES_KIND = "token-ranges";

  private final PipelineServices services;
  private final ArtifactRepository artifacts;
  private final TrainLineage lineage;

  public TrainActivitiesImpl(PipelineServices services) {
    this.services = services;
    this.artifacts = new ArtifactRepository(services.database().jdbc());
    this.lineage = new TrainLineage(artifacts, new DocumentRepository(services.database().jdbc()), services.store(),
        new AuditQueries(services.database().jdbc()));
  }

  @Override
  public TrainResult train(TrainRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    return ActivityFailures.translated(() -> run(request, ctx));
  }

  private TrainResult run(TrainRequest request, ActivityExecutionContext ctx) throws IOException {
    TrainParams p = request.params();
    ModelConfig mc = ModelRuntime.modelConfig(p);
    TrainConfig tc = ModelRuntime.trainConfig(p);
    if (request.trainShards() == null || request.trainShards().isEmpty()) {
      throw new IllegalArgumentException("no train token shards to train on");
    }
    String runId = request.runId();
    int attempt = ctx.getInfo().getAttempt();
    TrainProgress previous = ctx.getHeartbeatDetails(TrainProgress.class).orElse(null);
    String knownCheckpoint = previous == null ? null : previous.checkpointUri();

    Engine engine = ModelRuntime.init(services);
    ArtifactCache cache = ArtifactCache.of(services);
    // re-send the failed attempt's details while downloading, so they survive another failure
    TrainProgress waiting = previous != null ? previous : new TrainProgress(0, tc.steps(), 0, 0, null);
    List<Path> shards = cache.fetchAll(request.trainShards(), () -> ctx.heartbeat(waiting));
    // opened once: checkpoint matching, the trainer and the consumed token ranges all read this
    TokenShards data = TokenShards.open(shards);
    long[] shardTokens = data.tokenCounts();
    List<String> shardUris = request.trainShards().stream().map(ArtifactRef::uri).toList();

    Path dir = services.workDir().resolve("train").resolve(runId);
    WorkDirs.deleteQuietly(dir);
    Files.createDirectories(dir);
    Optional<ResumableCheckpoints.Candidate> from = new ResumableCheckpoints(services.store(), artifacts, cache)
        .newest(request.bucket(), runId, knownCheckpoint, mc, tc, shardTokens);
    Trainer trainer;
    if (from.isPresent()) {
      ResumableCheckpoints.Candidate c = from.get();
      if (!c.recorded()) {
        // uploaded by an attempt that died before recording it
        lineage.record(c.uri(), c.sha256(), c.sizeBytes(), CHECKPOINT_KIND, runId, shardUris);
      }
      log.info("run {} train attempt {}: resuming from checkpoint {} at step {} of {}", runId, attempt, c.uri(),
          c.step(), tc.steps());
      // a private copy: the trainer may hand it back as the last checkpoint, and the cache copy is deleted below
      Path local = dir.resolve("resume.ckpt");
      ArtifactRef at = c.ref();
      Files.copy(cache.fetch(at), local);
      cache.evict(at);
      trainer = Trainer.resume(local, data);
    } else {
      log.info("run {} train attempt {}: starting at step 0 of {} ({} parameters, {} train tokens in {} shards)",
          runId, attempt, tc.steps(), mc.parameterCount(), Arrays.stream(shardTokens).sum(), shards.size());
      trainer = Trainer.start(mc, tc, data);
    }
    String device = engine.defaultDevice().toString();
    long resumedFrom = trainer.step();
    try (trainer) {
      Progress progress = new Progress(ctx, request, shardUris,
          from.map(ResumableCheckpoints.Candidate::ref).orElse(null), tc,
          LossCurve.resumed(services.store(), request.bucket(), runId, resumedFrom), dir.resolve("loss-curve.jsonl"));
      Trainer.Result r = trainer.run(dir.resolve("ckpt"), progress);
      ArtifactRef last = progress.lastCheckpoint;
      progress.curve.publish(services.store(), request.bucket(), runId, dir.resolve("loss-curve.jsonl"), lineage,
          last == null ? List.of() : List.of(last.uri()));
      ConsumedTokens consumed = trainer.consumed();
      ArtifactRef ranges = publishTokenRanges(request, tc, consumed, trainer.tokensSeen(),
          dir.resolve("token-ranges.json"));
      Path modelFile = dir.resolve("model.pt");
      trainer.saveModel(modelFile);
      ObjectStore.Stored model = services.store().putFile(request.bucket(), RunObjectKeys.trainModel(runId),
          modelFile, "application/octet-stream");
      lineage.record(model.uri(), model.sha256(), model.sizeBytes(), MODEL_KIND, runId,
          List.of(last.uri(), ranges.uri()));
      long seen = lineage.recordDocumentsSeen(model.uri(), request.trainShards(), consumed);
      // an attempt that resumed at the last step trains nothing: the loss is the failed attempt's, if known
      Double lastLoss = finite(r.lastLoss());
      if (lastLoss == null && previous != null && previous.step() == r.step()) {
        lastLoss = finite(previous.loss());
      }
      Double rate = finite(r.medianTokensPerSecond());
      log.info("run {} trained: step {} loss {} median {} tokens/s on {}; model {}", runId, r.step(), lastLoss, rate,
          device, model.uri());
      return new TrainResult(ref(model), last, ranges, r.step(), resumedFrom, checkpointCount(tc), r.tokensSeen(),
          mc.parameterCount(), lastLoss, rate, seen, device);
    } finally {
      WorkDirs.deleteQuietly(dir);
    }
  }

  /** Heartbeats every step and uploads every checkpoint the trainer writes. */
  private final class Progress implements Trainer.Listener {
    private final ActivityExecutionContext ctx;
    private final TrainRequest request;
    private final List<String> shardUris;
    private final TrainConfig tc;
    private final long logEvery;
    private ArtifactRef lastCheckpoint;
    private Trainer.StepMetrics lastStep;
    private final LossCurve curve;
    private final Path curveFile;

    Progress(ActivityExecutionContext ctx, TrainRequest request, List<String> shardUris, ArtifactRef resumed,
        TrainConfig tc, LossCurve curve, Path curveFile) {
      this.curve = curve;
      this.curveFile = curveFile;
      this.ctx = ctx;
      this.request = request;
      this.shardUris = shardUris;
      this.tc = tc;
      this.lastCheckpoint = resumed;
      this.logEvery = Math.max(1, tc.steps() / 20);
    }

    @Override
    public void onStep(Trainer.StepMetrics m) {
      lastStep = m;
      curve.add(m);
      // the SDK throttles heartbeats to the server; the latest details win
      ctx.heartbeat(new TrainProgress(m.step(), m.totalSteps(), m.loss(), m.tokensPerSecond(),
          lastCheckpoint == null ? null : lastCheckpoint.uri()));
      if (m.step() % logEvery == 0 || m.step() == 1) {
        log.info(String.format(Locale.ROOT, "run %s step %d/%d loss %.4f lr %.2e grad-norm %.3f %.0f tokens/s",
            request.runId(), m.step(), m.totalSteps(), m.loss(), m.lr(), m.gradNorm(), m.tokensPerSecond()));
      }
    }

    @Override
    public void onCheckpoint(Path file, long step) {
      ObjectStore.Stored s = services.store().putFile(request.bucket(),
          RunObjectKeys.trainCheckpoint(request.runId(), step), file, "application/octet-stream");
      List<String> inputs = new ArrayList<>(shardUris);
      if (lastCheckpoint != null && !lastCheckpoint.uri().equals(s.uri())) {
        inputs.add(lastCheckpoint.uri());
      }
      lineage.record(s.uri(), s.sha256(), s.sizeBytes(), CHECKPOINT_KIND, request.runId(), inputs);
      lastCheckpoint = ref(s);
      // the curve so far goes with each checkpoint, so a resumed attempt continues it
      curve.upload(services.store(), request.bucket(), request.runId(), curveFile);
      double loss = lastStep == null ? 0 : lastStep.loss();
      double rate = lastStep == null ? 0 : lastStep.tokensPerSecond();
      ctx.heartbeat(new TrainProgress(step, tc.steps(), loss, rate, s.uri()));
      log.info("run {} checkpoint at step {}: {}", request.runId(), step, s.uri());
    }
  }

  /** The shards and token ranges the run's windows covered, as JSON in storage. */
  private ArtifactRef publishTokenRanges(TrainRequest request, TrainConfig tc, ConsumedTokens consumed,
      long tokensSeen, Path file) throws IOException {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("runId", request.runId());
    doc.put("note", "token ranges [start, end) of each train shard that training windows covered; a window is seqLen "
        + "input tokens plus one more target token; positions are token indexes in the shard");
    doc.put("seqLen", tc.seqLen());
    doc.put("batch", tc.batch());
    doc.put("seed", tc.seed());
    doc.put("windowsPerEpoch", consumed.windowsPerEpoch());
    doc.put("windowsConsumed", consumed.windowsConsumed());
    doc.put("tokensSeen", tokensSeen);
    List<Map<String, Object>> perShard = new ArrayList<>();
    List<String> inputs = new ArrayList<>();
    for (ConsumedTokens.Shard c : consumed.shards()) {
      if (c.windows() == 0) {
        continue;
      }
      ArtifactRef shard = request.trainShards().get(c.index());
      inputs.add(shard.uri());
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("uri", shard.uri());
      m.put("sha256", shard.sha256());
      m.put("tokens", c.tokens());
      m.put("windows", c.windows());
      m.put("tokensCovered", c.tokensCovered());
      m.put("ranges", c.ranges());
      perShard.add(m);
    }
    doc.put("shards", perShard);
    JSON.writeValue(file.toFile(), doc);
    ObjectStore.Stored s = services.store().putFile(request.bucket(),
        RunObjectKeys.trainTokenRanges(request.runId()), file, "application/json");
    lineage.record(s.uri(), s.sha256(), s.sizeBytes(), TOKEN_RANGES_KIND, request.runId(), inputs);
    return ref(s);
  }

  private static int checkpointCount(TrainConfig tc) {
    return tc.steps() / tc.checkpointEvery() + (tc.steps() % tc.checkpointEvery() == 0 ? 0 : 1);
  }

  private static Double finite(Double v) {
    return v != null && Double.isFinite(v) ? v : null;
  }
}
