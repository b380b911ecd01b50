package dev.pretrain.activities.dedup;

import dev.pretrain.batch.dedup.DropListProcessor;
import dev.pretrain.batch.dedup.decontam.DecontaminationIndex;
import dev.pretrain.batch.shards.DocumentLineParser;
import dev.pretrain.batch.shards.ShardDocument;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.activities.ArtifactRefs;
import dev.pretrain.workflows.dedup.DedupActivities.StageResult;
import dev.pretrain.workflows.dedup.DedupParams;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Decontamination for the dedup step: the n-gram index of the held-out evaluation documents (built
 * once from the hash stage's held-out files, stored in S3) and the check the filter runs on every
 * training document against it.
 */
final class Decontamination {

  private Decontamination() {}

  static StageResult buildIndex(ObjectStore store, Path scratch, String bucket, String keyPrefix,
      List<ObjectStore.Stored> heldOutFiles, DedupParams params, LongConsumer progress) throws IOException {
    DecontaminationIndex.Builder builder = DecontaminationIndex.builder(params.decontaminationNgram());
    DocumentLineParser parser = new DocumentLineParser(true);
    long docs = 0;
    for (ObjectStore.Stored f : heldOutFiles) {
      try (InputStream raw = store.open(f.bucket(), f.key());
          BufferedReader in = new BufferedReader(new InputStreamReader(raw, StandardCharsets.UTF_8), 1 << 16)) {
        long line = 0;
        for (String json; (json = in.readLine()) != null; ) {
          ShardDocument d = parser.parse(0, ++line, json, f.uri() + " line " + line);
          builder.add(d.id(), d.text());
          if (++docs % 1000 == 0) {
            progress.accept(docs);
          }
        }
      }
    }
    DecontaminationIndex index = builder.build();
    Path file = scratch.resolve("decontamination-index.bin");
    try (OutputStream out = Files.newOutputStream(file)) {
      index.writeTo(out);
    }
    ObjectStore.Stored stored = store.putFile(bucket, keyPrefix + "index.bin", file, "application/octet-stream");
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("evaluation_documents", docs);
    counts.put("distinct_ngrams", (long) index.distinctNgrams());
    counts.put("bytes_written", stored.sizeBytes());
    return new StageResult(List.of(ArtifactRefs.ref(stored)), counts);
  }

  static DropListProcessor.ContaminationCheck check(ObjectStore store, ObjectStore.Stored indexFile, DedupParams params) {
    DecontaminationIndex index;
    try (InputStream in = store.open(indexFile.bucket(), indexFile.key())) {
      index = DecontaminationIndex.readFrom(in);
    } catch (IOException e) {
      throw new IllegalStateException(indexFile.uri() + ": decontamination index unreadable: " + e.getMessage(), e);
    }
    int min = params.decontaminationMinOverlap();
    return text -> index.check(text, min).map(o -> new DropListProcessor.Contamination(o.evalDocId(), o.sharedNgrams(),
        index.n()));
  }
}
