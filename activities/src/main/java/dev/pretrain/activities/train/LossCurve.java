package dev.pretrain.activities.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The training loss of every step, one JSON line per step ({@code step, loss, lr, gradNorm}), stored
 * as {@code runs/<id>/train/loss-curve.jsonl}. It is uploaded with each
 * checkpoint, so an attempt that resumes from a checkpoint reads it back and continues it from that
 * step; the final one is recorded as an artifact (kind {@code loss-curve}) made from the last checkpoint.
 */
public final class LossCurve {

  public static final String KIND = "loss-curve";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<String> lines;

  private LossCurve(List<String> lines) {
    this.lines = lines;
  }

  /** An empty curve (a run that starts at step 0). */
  public static LossCurve empty() {
    return new LossCurve(new ArrayList<>());
  }

  /** The steps up to {@code step} of the curve an earlier attempt stored, or an empty curve. */
  public static LossCurve resumed(ObjectStore store, String bucket, String runId, long step) {
    if (step <= 0) {
      return empty();
    }
    Optional<byte[]> stored = store.readBytes(bucket, RunObjectKeys.trainLossCurve(runId));
    List<String> kept = new ArrayList<>();
    stored.ifPresent(bytes -> {
      for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        try {
          JsonNode n = JSON.readTree(line);
          if (n.path("step").asLong(Long.MAX_VALUE) <= step) {
            kept.add(line);
          }
        } catch (IOException e) {
          throw new UncheckedIOException("loss curve of run " + runId + ": unreadable line '" + line + "'", e);
        }
      }
    });
    return new LossCurve(kept);
  }

  public void add(Trainer.StepMetrics m) {
    // no timings: the curve is as reproducible as the checkpoints (a resumed run writes the same bytes)
    lines.add(String.format(Locale.ROOT, "{\"step\":%d,\"loss\":%s,\"lr\":%s,\"gradNorm\":%s}", m.step(),
        number(m.loss()), number(m.lr()), number(m.gradNorm())));
  }

  public int size() {
    return lines.size();
  }

  /** Writes the curve so far to {@code file} and stores it (not recorded: checkpoints come and go). */
  ObjectStore.Stored upload(ObjectStore store, String bucket, String runId, Path file) {
    try {
      Files.write(file, (String.join("\n", lines) + (lines.isEmpty() ? "" : "\n")).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("write " + file, e);
    }
    return store.putFile(bucket, RunObjectKeys.trainLossCurve(runId), file, "application/x-ndjson");
  }

  /** Stores the final curve and records it, made from {@code inputs} (the last checkpoint). */
  void publish(ObjectStore store, String bucket, String runId, Path file, TrainLineage lineage, List<String> inputs) {
    ObjectStore.Stored s = upload(store, bucket, runId, file);
    lineage.record(s.uri(), s.sha256(), s.sizeBytes(), KIND, runId, inputs);
  }

  /** JSON has no NaN: a diverged step's loss is written as null. */
  private static String number(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "null";
  }
}
