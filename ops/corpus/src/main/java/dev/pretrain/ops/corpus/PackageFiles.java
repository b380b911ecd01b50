package dev.pretrain.ops.corpus;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The files of a package that a source wants, read straight from the package's tar stream (no
 * unpacked tree on disk: a linux-doc package unpacks to ~230 MB and 10,000+ files, of which we use a
 * fraction). Paths have no leading "./" or "/"; sorted, so iteration order is deterministic.
 */
final class PackageFiles {

  enum Kind { FILE, SYMLINK, HARDLINK, OTHER }

  /** One tar entry; {@code data} only for regular files, {@code link} for links. */
  record Entry(String path, Kind kind, byte[] data, String link) {}

  private final NavigableMap<String, Entry> entries;

  private PackageFiles(NavigableMap<String, Entry> entries) {
    this.entries = Collections.unmodifiableNavigableMap(entries);
  }

  NavigableMap<String, Entry> entries() {
    return entries;
  }

  Entry get(String path) {
    return entries.get(path);
  }

  /** Reads the tar, keeping the non-directory entries whose normalized path {@code keep} accepts. */
  static PackageFiles read(InputStream tar, Predicate<String> keep) throws IOException {
    NavigableMap<String, Entry> out = new TreeMap<>();
    TarArchiveInputStream in = new TarArchiveInputStream(tar);
    for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
      if (e.isDirectory()) {
        continue;
      }
      String path = normalize(e.getName());
      if (path.isEmpty() || !keep.test(path)) {
        continue;
      }
      Entry entry;
      if (e.isSymbolicLink()) {
        entry = new Entry(path, Kind.SYMLINK, null, e.getLinkName());
      } else if (e.isLink()) {
        entry = new Entry(path, Kind.HARDLINK, null, normalize(e.getLinkName()));
      } else if (e.isFile()) {
        entry = new Entry(path, Kind.FILE, in.readAllBytes(), null);
      } else {
        entry = new Entry(path, Kind.OTHER, null, null);
      }
      out.put(path, entry);
    }
    // Hard links share a regular file's bytes: resolve those whose target we kept.
    for (Entry e : out.values()) {
      if (e.kind() == Kind.HARDLINK) {
        Entry target = out.get(e.link());
        if (target != null && target.kind() == Kind.FILE) {
          out.put(e.path(), new Entry(e.path(), Kind.FILE, target.data(), null));
        }
      }
    }
    return new PackageFiles(out);
  }

  static String normalize(String name) {
    String p = name;
    while (p.startsWith("./") || p.startsWith("/")) {
      p = p.startsWith("./") ? p.substring(2) : p.substring(1);
    }
    return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }
}
