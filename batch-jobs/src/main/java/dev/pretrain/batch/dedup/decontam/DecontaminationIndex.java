package dev.pretrain.batch.dedup.decontam;

import dev.pretrain.batch.dedup.near.Shingler;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * Which held-out evaluation documents contain a word n-gram (13 words by default), to find training
 * documents that overlap evaluation data (test-set contamination, as GPT-3 and datatrove check it).
 *
 * <p><b>Words.</b> The same normalization as {@link Shingler}: a word is a maximal run of Unicode
 * letters and digits, lower-cased; spaces, line breaks, punctuation and symbols only separate words,
 * so case, whitespace and punctuation edits do not hide an overlap. An n-gram is {@code n}
 * consecutive words, hashed to 64 bits ({@link Shingler#ngramHashes}). A document of fewer than
 * {@code n} words has no n-gram: as an evaluation document it is indexed (it has an ordinal) but can
 * never be matched, and as a checked text it is never flagged.
 *
 * <p><b>Structure.</b> An open-addressing table (linear probing, at most half full) of the distinct
 * n-gram hashes, each with the ordinal of the one evaluation document that contains it, or a
 * reference to a sorted list of ordinals when several do: 25 to 49 bytes per distinct n-gram in
 * memory (12 bytes a slot, a byte of filter), about 10 bytes serialized. Built incrementally with
 * {@link #builder()}, one evaluation document at a time; written with {@link #writeTo} and read back
 * with {@link #readFrom}. Immutable once built: {@link #check} is thread-safe. A bit filter of about 8
 * bits per distinct n-gram answers most lookups of absent n-grams from cache before the table is
 * probed (it doubles the checking speed on the demo corpus). Hash collisions (64-bit) are negligible
 * at these sizes: about {@code m^2 / 2^65} pairs for {@code m} distinct n-grams.
 *
 * <p><b>Flagging.</b> {@link #check} finds the evaluation document that shares the most distinct
 * n-grams with the text and reports it when that count is at least the minimum overlap.
 * {@link #DEFAULT_MIN_OVERLAP} is 2 shared 13-grams with one evaluation document, chosen on the demo
 * corpus (docs/near-dedup.md, "Decontamination"). A single shared 13-gram there is mostly not a copy:
 * a degenerate run (thirteen zeros, "x x x ...", counting from 1 to 13), a URL whose path splits into
 * 13 words, or one boilerplate sentence (device-tree bindings, licence headers). With perl-doc held
 * out, 17 of the 100 training documents flagged at 1 share only such a run; with a 1 % random
 * validation split, about a fifth of the flagged documents share a single n-gram, URLs and
 * boilerplate in the examples looked at. Two distinct n-grams need 14 shared words in a row or two
 * separate passages; a run of one repeated word counts once however long, since counts are of
 * distinct n-grams. The cost: a shared passage of exactly 13 words is no longer flagged (2 such on
 * the demo corpus: a verse of Revelation in a fortune file, a Monty Python line in the Python
 * tutorial). Pass 1 to {@link #check(CharSequence, int)} to flag any shared 13-gram, as GPT-3's
 * decontamination does.
 *
 * <p><b>Serialized form</b> (big-endian): magic {@code "PDCX"}, format version (int, 1), n (int),
 * the number of evaluation documents (int) and each one's id (int byte length, UTF-8 bytes), the
 * number of distinct n-grams (int), then per n-gram its hash (long), the number of documents holding
 * it and their ordinals as delta-coded unsigned varints, and last the CRC-32 (int) of all the bytes
 * before it. {@link #readFrom} throws {@link CorruptIndexException} for anything else.
 */
public final class DecontaminationIndex {

  public static final int DEFAULT_N = 13;
  public static final int DEFAULT_MIN_OVERLAP = 2;
  public static final int FORMAT_VERSION = 1;

  private static final int MAGIC = 0x50444358; // "PDCX"
  private static final int MAX_N = 1 << 10;
  private static final int MAX_CAPACITY = 1 << 30;

  private final int n;
  private final Shingler shingler;
  private final String[] evalIds;
  private final Table table;

  private DecontaminationIndex(int n, String[] evalIds, Table table) {
    this.n = n;
    this.shingler = new Shingler(n);
    this.evalIds = evalIds;
    this.table = table;
  }

  /** A builder of 13-gram indexes. */
  public static Builder builder() {
    return new Builder(DEFAULT_N);
  }

  /** A builder of word {@code n}-gram indexes. */
  public static Builder builder(int n) {
    return new Builder(n);
  }

  /** Words per n-gram. */
  public int n() {
    return n;
  }

  /** The number of evaluation documents added, short ones included. */
  public int evalDocuments() {
    return evalIds.length;
  }

  /** The id of evaluation document {@code ordinal} (its order of addition, from 0). */
  public String evalDocumentId(int ordinal) {
    return evalIds[ordinal];
  }

  /** The number of distinct n-grams over all evaluation documents. */
  public int distinctNgrams() {
    return table.size;
  }

  /**
   * What a checked text shares with the evaluation set.
   *
   * @param evalDocId the evaluation document sharing the most distinct n-grams with the text (on a
   *     tie, the one added first)
   * @param sharedNgrams the distinct n-grams the text shares with that document
   * @param sharedNgramsAny the distinct n-grams of the text found in any evaluation document
   * @param textNgrams the distinct n-grams of the text
   */
  public record Overlap(String evalDocId, int sharedNgrams, int sharedNgramsAny, int textNgrams) {}

  /** {@link #check(CharSequence, int)} with {@link #DEFAULT_MIN_OVERLAP}. */
  public Optional<Overlap> check(CharSequence text) {
    return check(text, DEFAULT_MIN_OVERLAP);
  }

  /**
   * The evaluation document that shares the most distinct n-grams with {@code text}, when it shares at
   * least {@code minOverlap}; empty otherwise (always for a text of fewer than n words).
   */
  public Optional<Overlap> check(CharSequence text, int minOverlap) {
    if (minOverlap < 1) {
      throw new IllegalArgumentException("the minimum overlap is at least one n-gram, not " + minOverlap);
    }
    long[] grams = shingler.ngramHashes(text);
    int[] hitSlots = null;
    int hits = 0;
    for (long g : grams) {
      if (!table.mightContain(g)) {
        continue;
      }
      int slot = table.find(g);
      if (slot >= 0) {
        if (hitSlots == null) {
          hitSlots = new int[Math.min(grams.length, 64)];
        } else if (hits == hitSlots.length) {
          hitSlots = Arrays.copyOf(hitSlots, Math.min(grams.length, hits * 2));
        }
        hitSlots[hits++] = slot;
      }
    }
    if (hits < minOverlap) {
      return Optional.empty();
    }
    // Rare from here on: most training documents share nothing.
    Arrays.sort(hitSlots, 0, hits);
    int distinct = 0;
    for (int i = 0; i < hits; i++) {
      if (i == 0 || hitSlots[i] != hitSlots[i - 1]) {
        hitSlots[distinct++] = hitSlots[i];
      }
    }
    if (distinct < minOverlap) {
      return Optional.empty();
    }
    int[] docs = new int[distinct];
    int count = 0;
    for (int i = 0; i < distinct; i++) {
      int v = table.values[hitSlots[i]];
      if (v >= 0) {
        if (count == docs.length) {
          docs = Arrays.copyOf(docs, count * 2);
        }
        docs[count++] = v;
      } else {
        int list = ~v;
        int size = table.listSizes[list];
        if (count + size > docs.length) {
          docs = Arrays.copyOf(docs, Math.max(count + size, count * 2));
        }
        System.arraycopy(table.lists[list], 0, docs, count, size);
        count += size;
      }
    }
    Arrays.sort(docs, 0, count);
    int best = -1;
    int bestShared = 0;
    for (int i = 0; i < count; ) {
      int j = i;
      while (j < count && docs[j] == docs[i]) {
        j++;
      }
      if (j - i > bestShared) {
        bestShared = j - i;
        best = docs[i];
      }
      i = j;
    }
    if (bestShared < minOverlap) {
      return Optional.empty();
    }
    long[] sorted = grams.clone();
    Arrays.sort(sorted);
    int textDistinct = 0;
    for (int i = 0; i < sorted.length; i++) {
      if (i == 0 || sorted[i] != sorted[i - 1]) {
        textDistinct++;
      }
    }
    return Optional.of(new Overlap(evalIds[best], bestShared, distinct, textDistinct));
  }

  /** Writes the serialized form (see the class comment); flushes {@code out} but leaves it open. */
  public void writeTo(OutputStream out) throws IOException {
    CRC32 crc = new CRC32();
    BufferedOutputStream buffered = new BufferedOutputStream(out, 1 << 16);
    DataOutputStream data = new DataOutputStream(new CheckedOutputStream(buffered, crc));
    data.writeInt(MAGIC);
    data.writeInt(FORMAT_VERSION);
    data.writeInt(n);
    data.writeInt(evalIds.length);
    for (String id : evalIds) {
      byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
      data.writeInt(utf8.length);
      data.write(utf8);
    }
    data.writeInt(table.size);
    for (int slot = 0; slot < table.keys.length; slot++) {
      long key = table.keys[slot];
      if (key == 0) {
        continue;
      }
      data.writeLong(key);
      int v = table.values[slot];
      if (v >= 0) {
        writeVarint(data, 1);
        writeVarint(data, v);
      } else {
        int[] list = table.lists[~v];
        int size = table.listSizes[~v];
        writeVarint(data, size);
        int previous = 0;
        for (int i = 0; i < size; i++) {
          writeVarint(data, list[i] - previous);
          previous = list[i];
        }
      }
    }
    data.flush();
    // The checksum itself goes past the checked stream.
    new DataOutputStream(buffered).writeInt((int) crc.getValue());
    buffered.flush();
  }

  /** The serialized form as bytes. */
  public byte[] toBytes() {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(16 + table.size * 10);
    try {
      writeTo(out);
    } catch (IOException e) {
      throw new IllegalStateException(e); // not from memory
    }
    return out.toByteArray();
  }

  /**
   * Reads an index written by {@link #writeTo}, consuming exactly its bytes (it reads small pieces:
   * hand it a buffered stream).
   *
   * @throws CorruptIndexException when the bytes are not such an index (wrong magic or version,
   *     implausible sizes, truncated, or a checksum that does not match)
   */
  public static DecontaminationIndex readFrom(InputStream in) throws IOException {
    CRC32 crc = new CRC32();
    DataInputStream raw = new DataInputStream(in);
    DataInputStream data = new DataInputStream(new CheckedInputStream(in, crc));
    try {
      int magic = data.readInt();
      if (magic != MAGIC) {
        throw new CorruptIndexException(String.format("not a decontamination index: magic 0x%08x, expected 0x%08x "
            + "(\"PDCX\")", magic, MAGIC));
      }
      int version = data.readInt();
      if (version != FORMAT_VERSION) {
        throw new CorruptIndexException("decontamination index format version " + version + ", this code reads "
            + FORMAT_VERSION);
      }
      int n = data.readInt();
      if (n < 1 || n > MAX_N) {
        throw new CorruptIndexException("corrupt decontamination index: n = " + n);
      }
      int documents = data.readInt();
      if (documents < 0) {
        throw new CorruptIndexException("corrupt decontamination index: " + documents + " documents");
      }
      List<String> ids = new ArrayList<>(Math.min(documents, 1 << 16));
      var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
      for (int d = 0; d < documents; d++) {
        int length = data.readInt();
        if (length < 0 || length > 1 << 20) {
          throw new CorruptIndexException("corrupt decontamination index: document " + d + " has an id of " + length
              + " bytes");
        }
        byte[] utf8 = data.readNBytes(length);
        if (utf8.length != length) {
          throw new EOFException();
        }
        try {
          ids.add(decoder.decode(java.nio.ByteBuffer.wrap(utf8)).toString());
        } catch (CharacterCodingException e) {
          throw new CorruptIndexException("corrupt decontamination index: document " + d + "'s id is not UTF-8", e);
        }
      }
      int entries = data.readInt();
      if (entries < 0 || entries > MAX_CAPACITY / 2) {
        throw new CorruptIndexException("corrupt decontamination index: " + entries + " n-grams");
      }
      Table table = new Table(Math.min(entries, 1 << 20)); // grows as needed; at most 24 MB up front
      int[] list = new int[16];
      for (int e = 0; e < entries; e++) {
        long key = data.readLong();
        int size = readVarint(data);
        if (key == 0 || size < 1 || size > documents) {
          throw new CorruptIndexException("corrupt decontamination index: n-gram " + e + " (hash " + key + ", in "
              + size + " documents)");
        }
        if (size > list.length) {
          list = new int[Math.max(size, list.length * 2)];
        }
        int ordinal = 0;
        for (int i = 0; i < size; i++) {
          int delta = readVarint(data);
          ordinal += delta; // past 2^31 it turns negative, which the check below catches
          if ((i > 0 && delta == 0) || ordinal < 0 || ordinal >= documents) {
            throw new CorruptIndexException("corrupt decontamination index: n-gram " + e + " lists document "
                + ordinal + " of " + documents);
          }
          list[i] = ordinal;
        }
        if (!table.putNew(key, list, size)) {
          throw new CorruptIndexException("corrupt decontamination index: n-gram hash " + key + " twice");
        }
      }
      int expected = (int) crc.getValue();
      int stored = raw.readInt();
      if (stored != expected) {
        throw new CorruptIndexException(String.format("corrupt decontamination index: checksum 0x%08x, computed "
            + "0x%08x", stored, expected));
      }
      table.buildFilter();
      return new DecontaminationIndex(n, ids.toArray(String[]::new), table);
    } catch (EOFException e) {
      throw new CorruptIndexException("truncated decontamination index", e);
    }
  }

  /** Reads {@link #toBytes()}'s form. */
  public static DecontaminationIndex fromBytes(byte[] bytes) throws CorruptIndexException {
    try {
      return readFrom(new java.io.ByteArrayInputStream(bytes));
    } catch (CorruptIndexException e) {
      throw e;
    } catch (IOException e) {
      throw new IllegalStateException(e); // not from memory
    }
  }

  private static void writeVarint(DataOutputStream out, int v) throws IOException {
    while ((v & ~0x7F) != 0) {
      out.writeByte((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.writeByte(v);
  }

  private static int readVarint(DataInputStream in) throws IOException {
    int v = 0;
    for (int shift = 0; shift < 32; shift += 7) {
      int b = in.readUnsignedByte();
      v |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (v < 0) {
          throw new CorruptIndexException("corrupt decontamination index: a varint past 2^31");
        }
        return v;
      }
    }
    throw new CorruptIndexException("corrupt decontamination index: a varint longer than 5 bytes");
  }

  /** Adds evaluation documents one at a time; {@link #build()} hands the table over to the index. */
  public static final class Builder {

    private final int n;
    private final Shingler shingler;
    private final List<String> ids = new ArrayList<>();
    private Table table = new Table(1 << 10);

    private Builder(int n) {
      if (n < 1 || n > MAX_N) {
        throw new IllegalArgumentException("n-grams of 1 to " + MAX_N + " words, not " + n);
      }
      this.n = n;
      this.shingler = new Shingler(n);
    }

    /**
     * Indexes an evaluation document's n-grams and returns its ordinal (0, 1, ...). A document of fewer
     * than n words gets an ordinal but no n-grams. Ids are not checked for uniqueness: a repeated id
     * is a second document.
     */
    public int add(String id, CharSequence text) {
      if (table == null) {
        throw new IllegalStateException("already built");
      }
      int ordinal = ids.size();
      ids.add(id);
      for (long g : shingler.ngramHashes(text)) {
        table.add(g, ordinal);
      }
      return ordinal;
    }

    /** Evaluation documents added so far. */
    public int documents() {
      return ids.size();
    }

    /** The index of the documents added; the builder cannot be used afterwards. */
    public DecontaminationIndex build() {
      if (table == null) {
        throw new IllegalStateException("already built");
      }
      Table t = table;
      table = null;
      t.trimLists();
      t.buildFilter();
      return new DecontaminationIndex(n, ids.toArray(String[]::new), t);
    }
  }

  /**
   * Open addressing, linear probing, key 0 marks an empty slot (a hash of 0 is stored as 1). A value
   * {@code >= 0} is the one document's ordinal, {@code ~i} the list {@code lists[i]} of
   * {@code listSizes[i]} ascending ordinals.
   */
  private static final class Table {

    long[] keys;
    int[] values;
    int mask;
    int size;
    int[][] lists = new int[16][];
    int[] listSizes = new int[16];
    int listCount;
    /** One bit per 8 n-grams or so, set where a key's top bits point: a cache-resident first check. */
    long[] filter = new long[1];
    int filterShift = 63;

    Table(int expected) {
      int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
      keys = new long[capacity];
      values = new int[capacity];
      mask = capacity - 1;
    }

    private static long nonZero(long key) {
      return key == 0 ? 1 : key;
    }

    private static int spread(long key) {
      return (int) (key ^ (key >>> 32)); // the hashes are mixed already
    }

    /** The slot holding {@code key}, or -1. */
    int find(long key) {
      key = nonZero(key);
      long[] k = keys;
      int m = mask;
      for (int slot = spread(key) & m; ; slot = (slot + 1) & m) {
        long here = k[slot];
        if (here == key) {
          return slot;
        }
        if (here == 0) {
          return -1;
        }
      }
    }

    /** Records that document {@code ordinal} (the highest so far) contains {@code key}. */
    void add(long key, int ordinal) {
      key = nonZero(key);
      int slot = spread(key) & mask;
      while (keys[slot] != 0 && keys[slot] != key) {
        slot = (slot + 1) & mask;
      }
      if (keys[slot] == 0) {
        keys[slot] = key;
        values[slot] = ordinal;
        if (++size > keys.length / 2) {
          grow();
        }
        return;
      }
      int v = values[slot];
      if (v >= 0) {
        if (v != ordinal) {
          values[slot] = ~newList(v, ordinal);
        }
        return;
      }
      int list = ~v;
      int count = listSizes[list];
      if (lists[list][count - 1] != ordinal) { // ordinals arrive in order: a repeat is the last one
        if (count == lists[list].length) {
          lists[list] = Arrays.copyOf(lists[list], count * 2);
        }
        lists[list][count] = ordinal;
        listSizes[list] = count + 1;
      }
    }

    /** Inserts a key not present yet with these ordinals; false when it is present. */
    boolean putNew(long key, int[] ordinals, int count) {
      key = nonZero(key);
      int slot = spread(key) & mask;
      while (keys[slot] != 0) {
        if (keys[slot] == key) {
          return false;
        }
        slot = (slot + 1) & mask;
      }
      keys[slot] = key;
      if (count == 1) {
        values[slot] = ordinals[0];
      } else {
        int list = newList(ordinals[0], ordinals[1]);
        lists[list] = Arrays.copyOf(ordinals, count);
        listSizes[list] = count;
        values[slot] = ~list;
      }
      if (++size > keys.length / 2) {
        grow();
      }
      return true;
    }

    private int newList(int first, int second) {
      if (listCount == lists.length) {
        lists = Arrays.copyOf(lists, listCount * 2);
        listSizes = Arrays.copyOf(listSizes, listCount * 2);
      }
      lists[listCount] = new int[] {first, second, 0, 0};
      listSizes[listCount] = 2;
      return listCount++;
    }

    private void grow() {
      if (keys.length >= MAX_CAPACITY) {
        throw new IllegalStateException("more than " + MAX_CAPACITY / 2 + " distinct n-grams");
      }
      long[] oldKeys = keys;
      int[] oldValues = values;
      keys = new long[oldKeys.length * 2];
      values = new int[oldKeys.length * 2];
      mask = keys.length - 1;
      for (int i = 0; i < oldKeys.length; i++) {
        long key = oldKeys[i];
        if (key != 0) {
          int slot = spread(key) & mask;
          while (keys[slot] != 0) {
            slot = (slot + 1) & mask;
          }
          keys[slot] = key;
          values[slot] = oldValues[i];
        }
      }
    }

    /** Sizes and fills the filter from the keys: 8 bits per key, a power of two, at least 64. */
    void buildFilter() {
      int bits = Math.max(6, 64 - Long.numberOfLeadingZeros(Math.max(1L, (long) size * 8 - 1)));
      filter = new long[1 << (bits - 6)];
      filterShift = 64 - bits;
      for (long key : keys) {
        if (key != 0) {
          int bit = (int) (key >>> filterShift);
          filter[bit >>> 6] |= 1L << bit;
        }
      }
    }

    /** False when the key is surely absent (about 7 in 8 absent keys); true otherwise. */
    boolean mightContain(long key) {
      int bit = (int) (nonZero(key) >>> filterShift);
      return (filter[bit >>> 6] & (1L << bit)) != 0;
    }

    void trimLists() {
      for (int i = 0; i < listCount; i++) {
        if (lists[i].length != listSizes[i]) {
          lists[i] = Arrays.copyOf(lists[i], listSizes[i]);
        }
      }
    }
  }
}
