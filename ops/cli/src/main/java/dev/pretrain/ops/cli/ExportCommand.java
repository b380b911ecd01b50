package dev.pretrain.ops.cli;

import ai.djl.ndarray.NDManager;
import dev.pretrain.activities.export.GgufExport;
import dev.pretrain.activities.export.SafetensorsExport;
import dev.pretrain.activities.train.Checkpoint;
import dev.pretrain.activities.train.DjlRuntime;
import dev.pretrain.activities.train.LlamaModel;
import dev.pretrain.batch.tokenize.bpe.BpeVocabulary;
import dev.pretrain.batch.tokenize.bpe.HfTokenizerJson;
import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.artifacts.ArtifactRepository.Artifact;
import dev.pretrain.db.audit.LineageSeal;
import dev.pretrain.db.audit.SealAnchor;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.StepNames;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Writes the model of an earlier run for other runtimes, with the run's own tokenizer:",
        "  --format gguf (llama.cpp; --type f32, f16, q8_0, q4_0) or safetensors (Hugging Face Llama names",
        "  and config.json; --type f32, f16, bf16).",
        "The files go to --out and to s3://<bucket>/runs/<RUN_ID>/export/, recorded as artifacts made from the",
        "model and the tokenizer, so lineage and audit work on them; a finished run is sealed again.",
        "Example: ./pretrain export RUN_ID --format gguf --type q4_0 --out exports/"})
public final class ExportCommand extends BaseCommand {

  @Parameters(index = "0", paramLabel = "RUN_ID|MODEL_URI",
      description = "a run id, or the s3:// URI of its model (train/model.pt)")
  String model;

  @Option(names = "--format", defaultValue = "gguf", description = "gguf or safetensors (default ${DEFAULT-VALUE})")
  String format;

  @Option(names = "--type", defaultValue = "q8_0", description = "gguf: f32, f16, q8_0, q4_0; safetensors: f32, f16,"
      + " bf16 (default ${DEFAULT-VALUE} for gguf, f32 for safetensors)")
  String type;

  @Option(names = "--out", defaultValue = "exports", description = "local directory (default ${DEFAULT-VALUE})")
  Path out;

  @Override
  public Integer call() throws IOException {
    boolean gguf = format.equalsIgnoreCase("gguf");
    if (!gguf && !format.equalsIgnoreCase("safetensors")) {
      throw new UserError("--format is gguf or safetensors, not '" + format + "'");
    }
    String t = type.toLowerCase(Locale.ROOT);
    if (!gguf && t.equals("q8_0")) {
      t = "f32"; // the default type is gguf's
    }
    GgufExport.FileType ggufType = null;
    SafetensorsExport.DType dtype = null;
    try {
      if (gguf) {
        ggufType = GgufExport.FileType.parse(t);
      } else {
        dtype = SafetensorsExport.DType.valueOf(t.toUpperCase(Locale.ROOT));
      }
    } catch (IllegalArgumentException e) {
      throw new UserError("--type " + type + " is not a " + format + " type (gguf: f32, f16, q8_0, q4_0; safetensors:"
          + " f32, f16, bf16)");
    }
    ObjectStore store = config().objectStore();
    try (Database db = openDatabase()) {
      ArtifactRepository artifacts = new ArtifactRepository(db.jdbc());
      Artifact modelArtifact = model.startsWith("s3://")
          ? artifacts.find(model).orElseThrow(() -> new UserError("no artifact " + model + " in our database"))
          : artifacts.byRun(model).stream().filter(a -> a.kind().equals("model")).findFirst()
              .orElseThrow(() -> new UserError("run " + model + " has no trained model (did it run the train step?)"));
      String runId = modelArtifact.runId();
      Artifact tokenizer = artifacts.byRun(runId).stream().filter(a -> a.kind().equals("tokenizer")).findFirst()
          .orElseThrow(() -> new UserError("run " + runId + " has no tokenizer of its own (it used r50k_base):"
              + " the export carries the run's tokenizer.json"));
      Path work = Files.createTempDirectory("pretrain-export");
      try {
        Path modelFile = download(store, modelArtifact, work.resolve("model.pt"));
        Path tokenizerFile = download(store, tokenizer, work.resolve("tokenizer.json"));
        byte[] tokenizerJson = Files.readAllBytes(tokenizerFile);
        BpeVocabulary vocabulary = HfTokenizerJson.read(new ByteArrayInputStream(tokenizerJson), tokenizer.uri());
        int eot = vocabulary.specialTokenId(GgufExport.END_OF_TEXT);
        // libtorch is unpacked where workers of this data directory unpack it (or where this process has it)
        Path loaded = DjlRuntime.cacheDir();
        DjlRuntime.init(loaded != null ? loaded : config().dataDir().resolve("cache").resolve("djl"),
            Runtime.getRuntime().availableProcessors());
        Files.createDirectories(out);
        List<Path> written = new ArrayList<>();
        try (NDManager manager = DjlRuntime.engine().newBaseManager();
            LlamaModel m = Checkpoint.loadModel(modelFile, manager)) {
          if (gguf) {
            String name = ggufType.name().toLowerCase(Locale.ROOT);
            Path file = out.resolve(runId + "-" + name + ".gguf");
            GgufExport.write(file, m, vocabulary, ggufType, "pretrain " + runId);
            written.add(file);
          } else {
            Path dir = out.resolve(runId + "-safetensors-" + dtype.name().toLowerCase(Locale.ROOT));
            SafetensorsExport.Result r = SafetensorsExport.write(dir, m, dtype, eot, eot, tokenizerJson);
            written.add(r.weights());
            written.add(r.config());
            written.add(r.tokenizer());
          }
        }
        List<Map<String, Object>> files = new ArrayList<>();
        for (Path f : written) {
          String key = gguf ? RunObjectKeys.exportGguf(runId, ggufType.name().toLowerCase(Locale.ROOT))
              : RunObjectKeys.exportSafetensors(runId, dtype.name().toLowerCase(Locale.ROOT), f.getFileName().toString());
          ObjectStore.Stored s = store.putFile(new ArtifactRef(modelArtifact.uri(), null, 0).bucket(), key,
              f, gguf || f.toString().endsWith(".safetensors") ? "application/octet-stream" : "application/json");
          artifacts.record(new Artifact(s.uri(), s.sha256(), s.sizeBytes(), gguf ? "gguf" : "safetensors", runId,
              StepNames.EXPORT, store.endpoint(), store.region(), Instant.now()),
              List.of(modelArtifact.uri(), tokenizer.uri()));
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("file", f.toString());
          row.put("uri", s.uri());
          row.put("bytes", s.sizeBytes());
          row.put("sha256", s.sha256());
          files.add(row);
        }
        String resealed = reseal(db, store, runId, new ArtifactRef(modelArtifact.uri(), null, 0).bucket());
        StringBuilder text = new StringBuilder();
        for (Map<String, Object> f : files) {
          text.append(String.format(Locale.ROOT, "%s  %,d bytes  sha256 %s%n  -> %s%n", f.get("file"), f.get("bytes"),
              f.get("sha256"), f.get("uri")));
        }
        if (resealed != null) {
          text.append(resealed).append('\n');
        }
        emit(text.toString(), Map.of("run", runId, "model", modelArtifact.uri(), "tokenizer", tokenizer.uri(),
            "format", format.toLowerCase(Locale.ROOT), "type", t, "files", files));
        return 0;
      } finally {
        dev.pretrain.batch.BatchJobRunner.deleteRecursively(work);
      }
    }
  }

  /**
   * A finished run was sealed: the export's artifacts are new lineage rows, so the run is sealed again
   * (the new seal supersedes the old and is anchored like it), and {@code audit verify} still holds.
   */
  private static String reseal(Database db, ObjectStore store, String runId, String bucket) {
    LineageSeal seals = new LineageSeal(db.dataSource());
    if (seals.latest(runId).isEmpty()) {
      return null; // not finished yet: the run seals itself when it ends
    }
    LineageSeal.Seal seal = seals.seal(runId, Instant.now());
    if (seal.anchorUri() == null) {
      new SealAnchor(store, SealAnchor.retentionFromEnv(System.getenv())).write(bucket, seal, seals.seals(runId), seals);
    }
    return "run " + runId + " sealed again: seal " + seal.sealNo() + ", root " + seal.root();
  }

  private static Path download(ObjectStore store, Artifact a, Path target) {
    ArtifactRef ref = new ArtifactRef(a.uri(), a.sha256(), a.sizeBytes());
    String sha = store.download(ref.bucket(), ref.key(), target);
    if (!sha.equals(a.sha256())) {
      throw new UserError(a.uri() + " has SHA-256 " + sha + ", but " + a.sha256() + " was recorded: the object changed");
    }
    return target;
  }
}
