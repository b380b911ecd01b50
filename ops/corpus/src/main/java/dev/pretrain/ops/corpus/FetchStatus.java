package dev.pretrain.ops.corpus;

import java.util.Locale;

/** What a fetch did for a source, or for the whole corpus; {@link #word()} is how results and logs say it. */
enum FetchStatus {
  /** downloaded and built */
  FETCHED,
  /** built again from the download cache */
  REBUILT,
  /** S3 objects restored from the local parts */
  REUPLOADED,
  /** nothing to do */
  CACHED,
  /** built or found locally, no upload asked for */
  LOCAL;

  String word() {
    return name().toLowerCase(Locale.ROOT);
  }
}
