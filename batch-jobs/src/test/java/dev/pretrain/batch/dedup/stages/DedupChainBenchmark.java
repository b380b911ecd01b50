package dev.pretrain.batch.dedup.stages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.batch.BatchJobRunner;
import dev.pretrain.batch.dedup.DedupJobConfig;
import dev.pretrain.batch.shards.ShardTestStack;
import dev.pretrain.batch.testing.S3ProxyFixture;
import dev.pretrain.db.Database;
import dev.pretrain.db.storage.ObjectStore;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Times the whole partitioned dedup chain (hash -> exact -> buckets -> verify -> components -> filter)
 * in one thread over S3Proxy (the S3 API over HTTP, in this JVM) and an H2 file database, on any
 * JSONL corpus: per stage its wall time, bytes read and written, and the heap's peak; then the
 * chain's MB/s of text per core. With {@code --reference} the same run times datatrove's four MinHash
 * stages on the same corpus ({@code batch-jobs/src/test/python/datatrove_minhash.py --chain}).
 *
 * <p>Args: {@code --corpus DIR [--partitions P] [--shard-mb N] [--rounds N] [--reference]
 * [--reference-rounds N] [--work DIR]}. Run from the repository root, with the heap it is to be held
 * to ({@code -Xmx}): the stages must fit in it.
 */
public final class DedupChainBenchmark {

  public static void main(String[] args) throws Exception {
    Path corpus = null;
    Path work = Path.of("batch-jobs/target/dedup-chain-benchmark");
    int partitions = 4;
    int shardMb = 16;
    int rounds = 1;
    boolean reference = false;
    int referenceRounds = 1;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--corpus" -> corpus = Path.of(args[++i]);
        case "--partitions" -> partitions = Integer.parseInt(args[++i]);
        case "--shard-mb" -> shardMb = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--reference" -> reference = true;
        case "--reference-rounds" -> referenceRounds = Integer.parseInt(args[++i]);
        case "--work" -> work = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (corpus == null) {
      throw new IllegalArgumentException("--corpus DIR is required");
    }
    org.apache.commons.io.file.PathUtils.deleteDirectory(Files.createDirectories(work));
    Files.createDirectories(work);
    try (S3ProxyFixture s3 = S3ProxyFixture.start(work.resolve("s3"));
        Database db = Database.open("jdbc:h2:file:" + work.toAbsolutePath().resolve("db/bench")
            + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE", "sa", "")) {
      ObjectStore store = s3.objectStore();
      store.ensureBucket(ShardTestStack.BUCKET);
      BatchJobRunner runner = new BatchJobRunner(db, store, Files.createDirectories(work.resolve("batch")),
          DedupJobConfig.class);
      long[] totals = new long[2]; // documents, text bytes
      List<ObjectStore.Stored> shards = upload(corpus, store, work, shardMb, totals);
      // the filter records its outputs' lineage edges to the input shards, which must be recorded artifacts
      var artifacts = new dev.pretrain.db.artifacts.ArtifactRepository(db.jdbc());
      for (ObjectStore.Stored sh : shards) {
        artifacts.record(new dev.pretrain.db.artifacts.ArtifactRepository.Artifact(sh.uri(), sh.sha256(), sh.sizeBytes(),
            "documents", "bench-input", "ingest", store.endpoint(), store.region(), java.time.Instant.now()), List.of());
      }
      System.out.printf(Locale.ROOT, "dedup chain: %,d documents, %.1f MB of text in %d shards from %s; %d partitions,"
          + " max heap %d MB, 1 thread%n", totals[0], totals[1] / 1e6, shards.size(), corpus, partitions,
          Runtime.getRuntime().maxMemory() >> 20);
      DedupSettings s = new DedupSettings(partitions, List.of(), true, 0.8, 14, 8, 0x5EED_0F_D0C5L, true, Set.of());
      List<Double> chainMbs = new ArrayList<>();
      for (int r = 1; r <= rounds; r++) {
        StageChain.Outcome o = new StageChain(store, runner, ShardTestStack.BUCKET, work.resolve("scratch"))
            .run("bench-" + r, shards, s);
        long ms = 0;
        for (StageChain.StageFigures f : o.stages()) {
          ms += f.millis();
          System.out.printf(Locale.ROOT, "  round %d %-10s %5d activities %8.1f s  read %8.1f MB  wrote %8.1f MB"
              + "  peak heap %6.0f MB%n", r, f.stage(), f.activities(), f.millis() / 1e3, f.bytesRead() / 1e6,
              f.bytesWritten() / 1e6, f.peakHeap() / 1e6);
        }
        chainMbs.add(totals[1] / 1e6 / (ms / 1e3));
        System.out.printf(Locale.ROOT, "  round %d chain %.1f s, %.2f MB/s per core; kept %,d, exact %,d, near %,d%n", r,
            ms / 1e3, chainMbs.get(chainMbs.size() - 1), o.kept(), o.byKind().getOrDefault("exact", 0L),
            o.byKind().getOrDefault("fuzzy", 0L));
      }
      chainMbs.sort(null);
      double ours = chainMbs.get(chainMbs.size() / 2);
      System.out.printf(Locale.ROOT, "  chain median %.2f MB/s per core (%d rounds)%n", ours, rounds);
      if (reference) {
        JsonNode theirs = datatrove(corpus, referenceRounds);
        double mbs = theirs.get("mb_per_s").asDouble();
        System.out.printf(Locale.ROOT, "  datatrove 0.10.1 MinHash chain median %.2f MB/s per core (%d rounds): %s%n",
            mbs, referenceRounds, theirs.get("rounds"));
        System.out.printf(Locale.ROOT, "  ours / datatrove: %.1fx per core%n", ours / mbs);
      }
    }
    System.exit(0);
  }

  /** Copies the corpus into ingest-like shards of about {@code shardMb} MB (id, text, source, sha256). */
  private static List<ObjectStore.Stored> upload(Path corpus, ObjectStore store, Path work, int shardMb, long[] totals)
      throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<ObjectStore.Stored> shards = new ArrayList<>();
    Path file = work.resolve("shard.jsonl");
    BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    long inShard = 0;
    try (Stream<Path> files = Files.walk(corpus)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
        try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isBlank()) {
              continue;
            }
            JsonNode n = json.readTree(line);
            if (!n.hasNonNull("id") || !n.hasNonNull("text")) {
              continue; // e.g. a generator's ground-truth file beside the corpus
            }
            String text = n.get("text").asText();
            String l = ShardTestStack.line(new ShardTestStack.Doc(n.get("id").asText(), text,
                n.path("source").asText("corpus")));
            out.append(l).append('\n');
            inShard += l.length();
            totals[0]++;
            totals[1] += text.getBytes(StandardCharsets.UTF_8).length;
            if (inShard >= (long) shardMb << 20) {
              out.close();
              shards.add(store.putFile(ShardTestStack.BUCKET, String.format("input/shard-%05d.jsonl", shards.size()),
                  file, "application/x-ndjson"));
              out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
              inShard = 0;
            }
          }
        }
      }
    }
    out.close();
    if (inShard > 0) {
      shards.add(store.putFile(ShardTestStack.BUCKET, String.format("input/shard-%05d.jsonl", shards.size()), file,
          "application/x-ndjson"));
    }
    return shards;
  }

  private static JsonNode datatrove(Path corpus, int rounds) throws Exception {
    Process p = new ProcessBuilder("python3", "batch-jobs/src/test/python/datatrove_minhash.py", corpus.toString(),
        "--chain", "--rounds", Integer.toString(rounds)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("the datatrove reference failed (exit " + p.exitValue() + ")");
    }
    return new ObjectMapper().readTree(out.substring(out.lastIndexOf('\n') + 1));
  }
}
