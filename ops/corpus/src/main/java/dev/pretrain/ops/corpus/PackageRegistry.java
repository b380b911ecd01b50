package dev.pretrain.ops.corpus;

import java.io.IOException;
import java.util.function.Predicate;

/**
 * Where the packages of a corpus come from, through the machine's own client for it: the version to
 * fetch, the verified download, and the files inside. One implementation per {@link CorpusSpec.Registry}.
 */
interface PackageRegistry {

  /** The version to fetch for a source: its pinned one, or what the spec allows instead. */
  String resolve(CorpusSpec.Source s);

  /** Downloads (or takes from the download cache) and verifies a package against the registry's checksum. */
  FetchedPackage fetch(String packageName, String version) throws IOException;

  /** The package's files that {@code keep} accepts, read as a stream. */
  PackageFiles files(FetchedPackage pkg, Predicate<String> keep);

  /** What {@link #fetch} verified the download against, for the log. */
  String checksumOrigin();

  /**
   * Whether a package ships a copyright file (DEP-5 where machine-readable) that licenses its files per
   * path; otherwise the package's declared license or the spec's applies.
   */
  boolean shipsCopyrightFile();
}
