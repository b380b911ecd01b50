package dev.pretrain.batch.dedup.stages;

import dev.pretrain.db.storage.ObjectStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One drop file per filter group, so each filter activity reads only the drops of its own shards. */
final class DropWriters {

  private final List<EntryFiles.Writer<Entries.Drop>> writers = new ArrayList<>();
  private final int shards;
  private long drops;

  DropWriters(Path scratch, String name, int shards, int groups) {
    this.shards = shards;
    for (int g = 0; g < groups; g++) {
      writers.add(new EntryFiles.Writer<>(scratch.resolve(String.format("%s-group-%05d.bin", name, g)),
          Entries.DROP_KIND, Entries.DROP));
    }
  }

  void add(Entries.Drop drop) {
    if (drop.doc().shard() < 0 || drop.doc().shard() >= shards) {
      throw new IllegalStateException("drop of " + drop.doc().id() + " names input shard " + drop.doc().shard()
          + " of " + shards);
    }
    writers.get(DedupSettings.groupOf(drop.doc().shard(), shards, writers.size())).add(drop);
    drops++;
  }

  long drops() {
    return drops;
  }

  /** Uploads group g's file to {@code keyPrefix + "group-g.bin"}; returns them by group. */
  List<ObjectStore.Stored> upload(ObjectStore store, String bucket, String keyPrefix) {
    List<ObjectStore.Stored> out = new ArrayList<>();
    for (int g = 0; g < writers.size(); g++) {
      out.add(writers.get(g).upload(store, bucket, keyPrefix + String.format("group-%05d.bin", g)));
    }
    return out;
  }
}
