package dev.pretrain.batch.dedup.stages;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/** The entry kinds the dedup stages exchange, with their codecs. */
public final class Entries {

  private Entries() {}

  /** A document's SHA-256 (of its normalized text) as four longs, routed by the first. */
  public record Exact(long a, long b, long c, long d, DocRef doc) {
    boolean sameDigest(Exact o) {
      return a == o.a && b == o.b && c == o.c && d == o.d;
    }
  }

  /** One LSH band bucket a document falls into; {@code digest} (the SHA-256's first long) folds copies. */
  public record Band(long bucket, long digest, DocRef doc) {}

  /**
   * A candidate pair; {@code first} precedes {@code second} in the keep order. {@code firstCopies}:
   * the first stands for exact copies of itself (folded in its bucket), likewise {@code secondCopies}.
   */
  public record Pair(DocRef first, DocRef second, boolean firstCopies, boolean secondCopies) {}

  /** A candidate pair that reached the threshold; {@code exact} is NaN when not checked. */
  public record Edge(DocRef first, DocRef second, double estimated, double exact, boolean firstCopies,
      boolean secondCopies) {
    double similarity() {
      return Double.isNaN(exact) ? estimated : exact;
    }
  }

  /** The kinds of drop a dedup decision records. */
  public enum Kind {
    EXACT("exact"), FUZZY("fuzzy");

    public final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  /**
   * A document to drop, its kept twin and how similar they are ({@code exact} NaN when not checked);
   * {@code note} adds how it was linked when that was through another member.
   */
  public record Drop(DocRef doc, String keptId, Kind kind, double estimated, double exact, String note) {}

  static final EntryFiles.Codec<Exact> EXACT = new EntryFiles.Codec<>() {
    @Override
    public void write(DataOutputStream out, Exact e) throws IOException {
      out.writeLong(e.a);
      out.writeLong(e.b);
      out.writeLong(e.c);
      out.writeLong(e.d);
      e.doc.write(out);
    }

    @Override
    public Exact read(DataInputStream in) throws IOException {
      return new Exact(in.readLong(), in.readLong(), in.readLong(), in.readLong(), DocRef.read(in));
    }
  };

  static final EntryFiles.Codec<Band> BAND = new EntryFiles.Codec<>() {
    @Override
    public void write(DataOutputStream out, Band e) throws IOException {
      out.writeLong(e.bucket);
      out.writeLong(e.digest);
      e.doc.write(out);
    }

    @Override
    public Band read(DataInputStream in) throws IOException {
      return new Band(in.readLong(), in.readLong(), DocRef.read(in));
    }
  };

  static final EntryFiles.Codec<Pair> PAIR = new EntryFiles.Codec<>() {
    @Override
    public void write(DataOutputStream out, Pair e) throws IOException {
      e.first.write(out);
      e.second.write(out);
      out.writeByte((e.firstCopies ? 1 : 0) | (e.secondCopies ? 2 : 0));
    }

    @Override
    public Pair read(DataInputStream in) throws IOException {
      DocRef a = DocRef.read(in);
      DocRef b = DocRef.read(in);
      int copies = in.readByte();
      return new Pair(a, b, (copies & 1) != 0, (copies & 2) != 0);
    }
  };

  static final EntryFiles.Codec<Edge> EDGE = new EntryFiles.Codec<>() {
    @Override
    public void write(DataOutputStream out, Edge e) throws IOException {
      e.first.write(out);
      e.second.write(out);
      out.writeDouble(e.estimated);
      out.writeDouble(e.exact);
      out.writeByte((e.firstCopies ? 1 : 0) | (e.secondCopies ? 2 : 0));
    }

    @Override
    public Edge read(DataInputStream in) throws IOException {
      DocRef a = DocRef.read(in);
      DocRef b = DocRef.read(in);
      double est = in.readDouble();
      double exact = in.readDouble();
      int copies = in.readByte();
      return new Edge(a, b, est, exact, (copies & 1) != 0, (copies & 2) != 0);
    }
  };

  public static final EntryFiles.Codec<Drop> DROP = new EntryFiles.Codec<>() {
    @Override
    public void write(DataOutputStream out, Drop e) throws IOException {
      e.doc.write(out);
      out.writeUTF(e.keptId);
      out.writeByte(e.kind.ordinal());
      out.writeDouble(e.estimated);
      out.writeDouble(e.exact);
      out.writeUTF(e.note == null ? "" : e.note);
    }

    @Override
    public Drop read(DataInputStream in) throws IOException {
      DocRef doc = DocRef.read(in);
      String kept = in.readUTF();
      int kind = in.readByte();
      if (kind < 0 || kind >= Kind.values().length) {
        throw new IOException("drop of " + doc.id() + ": unknown kind " + kind);
      }
      double est = in.readDouble();
      double exact = in.readDouble();
      String note = in.readUTF();
      return new Drop(doc, kept, Kind.values()[kind], est, exact, note.isEmpty() ? null : note);
    }
  };

  static final String EXACT_KIND = "exact-digests";
  static final String BAND_KIND = "band-buckets";
  static final String PAIR_KIND = "candidate-pairs";
  static final String EDGE_KIND = "similar-pairs";
  public static final String DROP_KIND = "drops";
  /** Near-duplicates dropped that had exact copies: their copies' drops are redirected to the kept one. */
  public static final String REDIRECT_KIND = "redirects";
}
