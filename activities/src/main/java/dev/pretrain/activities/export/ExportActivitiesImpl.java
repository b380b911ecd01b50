package dev.pretrain.activities.export;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.pretrain.activities.ActivityFailures;
import dev.pretrain.activities.ArtifactCache;
import dev.pretrain.activities.ArtifactRefs;
import dev.pretrain.activities.PipelineServices;
import dev.pretrain.activities.WorkDirs;
import dev.pretrain.activities.evaluate.Evaluator;
import dev.pretrain.activities.evaluate.HeldOut;
import dev.pretrain.activities.report.RunReport;
import dev.pretrain.activities.train.Checkpoint;
import dev.pretrain.activities.train.LlamaModel;
import dev.pretrain.activities.train.ModelRuntime;
import dev.pretrain.activities.train.TrainConfig;
import dev.pretrain.batch.tokenize.bpe.BpeTokenizer;
import dev.pretrain.batch.tokenize.bpe.BpeVocabulary;
import dev.pretrain.batch.tokenize.bpe.HfTokenizerJson;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import dev.pretrain.workflows.StepNames;
import dev.pretrain.workflows.export.ExportActivities;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The export step: the trained model and the run's tokenizer as GGUF files ({@link GgufExport}). */
public class ExportActivitiesImpl implements ExportActivities {

  private static final Logger log = LoggerFactory.getLogger(ExportActivitiesImpl.class);

  public static final String KIND = "gguf";
  /** Label of an exported type's evaluation: {@code gguf-q4_0}. */
  public static final String EVAL_PREFIX = "gguf-";

  private final PipelineServices services;

  public ExportActivitiesImpl(PipelineServices services) {
    this.services = services;
  }

  @Override
  public ExportResult exportGguf(ExportRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    Path scratch = services.workDir().resolve("export").resolve(request.runId());
    try {
      return ActivityFailures.translated(() -> run(request, ctx, scratch));
    } finally {
      WorkDirs.deleteQuietly(scratch);
    }
  }

  private ExportResult run(ExportRequest request, ActivityExecutionContext ctx, Path scratch) throws IOException {
    if (request.model() == null || request.tokenizer() == null) {
      throw new IllegalArgumentException("export needs the trained model and the run's own tokenizer");
    }
    List<GgufExport.FileType> types = new ArrayList<>();
    for (String t : request.types()) {
      types.add(GgufExport.FileType.parse(t)); // an unknown type fails before anything is written
    }
    Engine engine = ModelRuntime.init(services);
    ArtifactCache cache = ArtifactCache.of(services);
    BpeVocabulary vocabulary;
    try (InputStream in = Files.newInputStream(cache.fetch(request.tokenizer()))) {
      vocabulary = HfTokenizerJson.read(in, request.tokenizer().uri());
    }
    Files.createDirectories(scratch);
    boolean evaluate = request.valShards() != null && !request.valShards().isEmpty() && request.params() != null;
    HeldOut.Data data = evaluate ? HeldOut.prepare(services, cache, request.valShards(), request.params(),
        scratch.resolve("val"), () -> ctx.heartbeat("download"), request.tokenizer()) : null;
    ArtifactRepository artifacts = new ArtifactRepository(services.database().jdbc());
    List<ExportedFile> files = new ArrayList<>();
    List<RunReport.Exported> exported = new ArrayList<>();
    RunReport.Published report = null;
    try (NDManager manager = engine.newBaseManager();
        LlamaModel model = Checkpoint.loadModel(cache.fetch(request.model()), manager)) {
      for (GgufExport.FileType type : types) {
        String name = type.name().toLowerCase(Locale.ROOT);
        Path file = scratch.resolve("model-" + name + ".gguf");
        GgufExport.Result r = GgufExport.write(file, model, vocabulary, type, "pretrain " + request.runId());
        ObjectStore.Stored stored = services.store().putFile(request.bucket(),
            RunObjectKeys.exportGguf(request.runId(), name), file, "application/octet-stream");
        artifacts.record(new ArtifactRepository.Artifact(stored.uri(), stored.sha256(), stored.sizeBytes(), KIND,
            request.runId(), StepNames.EXPORT, services.store().endpoint(), services.store().region(), Instant.now()),
            List.of(request.model().uri(), request.tokenizer().uri()));
        int quantized = (int) r.tensors().stream().filter(t -> t.shape().length == 2 && t.type() == type.matrixType)
            .count();
        Double loss = null;
        Double bitsPerByte = null;
        Double delta = null;
        if (evaluate) {
          // what a runtime computes from this file: the model over the weights as the file holds them
          try (LlamaModel restored = LlamaModel.fromWeights(model.config(), manager,
              GgufExport.asStored(model.config(), model.weights(), type))) {
            Evaluator.Result e = HeldOut.evaluate(restored, data, request.params(), n -> ctx.heartbeat(name));
            loss = e.loss();
            bitsPerByte = e.bitsPerByte();
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("format", "gguf");
            extra.put("type", name);
            extra.put("fileBytes", stored.sizeBytes());
            if (request.reference() != null && request.reference().tokens() == e.tokens()) {
              delta = e.loss() - request.reference().loss();
              extra.put("lossDelta", delta);
              extra.put("bitsPerByteDelta", e.bitsPerByte() - request.reference().bitsPerByte());
            }
            List<String> inputs = new ArrayList<>(List.of(stored.uri()));
            data.shards().forEach(s -> inputs.add(s.uri()));
            HeldOut.publish(services, request.runId(), request.bucket(), StepNames.EXPORT, EVAL_PREFIX + name,
                RunObjectKeys.exportEvaluation(request.runId(), name), stored.uri(), inputs, data, request.params(), e,
                extra, scratch.resolve("reports"));
            log.info("run {} {}: {}", request.runId(), name, e);
          }
        }
        files.add(new ExportedFile(name, ArtifactRefs.ref(stored), r.tensors().size(), quantized, loss, bitsPerByte,
            delta));
        exported.add(new RunReport.Exported("gguf", name, stored));
        log.info("run {} exported {} ({} bytes, {} tensors)", request.runId(), stored.uri(), stored.sizeBytes(),
            r.tensors().size());
        Files.deleteIfExists(file);
        ctx.heartbeat(name);
      }
      if (request.params() != null) {
        // in a run, every model is evaluated now (when there are held-out documents): the report and the card
        ctx.heartbeat("report");
        Checkpoint.Header h = Checkpoint.readHeader(cache.fetch(request.model()));
        TrainConfig t = h.train();
        report = new RunReport(services).publish(request.runId(), request.bucket(), request.model(), model,
            request.tokenizer(), new BpeTokenizer(vocabulary), t.steps(), h.tokensSeen(), t.batch(), t.seqLen(),
            t.lr(), t.seed(), exported, scratch.resolve("report"));
        log.info("run {} report {} and model card {}", request.runId(), report.evaluationHtml().uri(),
            report.cardMarkdown().uri());
      }
    }
    return new ExportResult(files, report == null ? null : report.evaluationJson(),
        report == null ? null : report.evaluationHtml(), report == null ? null : report.cardJson(),
        report == null ? null : report.cardMarkdown());
  }
}
