package dev.pretrain.ops.corpus;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads one testament of a SWORD zText module (driver "zText", CompressType=ZIP): {@code .bzs} lists
 * the zlib blocks in {@code .bzz} (offset, size, uncompressed size: 3 x uint32 LE); {@code .bzv} lists
 * the verses in canonical order (block, offset, size: uint32, uint32, uint16 LE). Verses are OSIS
 * markup; a book starts at a {@code <div type="book" osisID=...>} marker, a chapter at {@code <chapter>}.
 */
public final class SwordZText {

  /** One book of the text: its OSIS id (e.g. "Gen") and plain text, one verse per line. */
  public record Book(String osisId, String text) {}

  private static final Pattern BOOK_START = Pattern.compile("<div\\b(?=[^>]*\\btype=\"book\")(?=[^>]*\\bsID=)[^>]*\\bosisID=\"([^\"]+)\"");
  private static final Pattern CHAPTER_START = Pattern.compile("<chapter\\b(?=[^>]*\\bsID=)[^>]*>");

  private SwordZText() {}

  public static List<Book> read(byte[] bzs, byte[] bzv, byte[] bzz) {
    List<byte[]> blocks = blocks(bzs, bzz);
    ByteBuffer v = ByteBuffer.wrap(bzv).order(ByteOrder.LITTLE_ENDIAN);
    if (bzv.length % 10 != 0) {
      throw new CorpusException("zText verse index has " + bzv.length + " bytes, not a multiple of 10");
    }
    List<Book> books = new ArrayList<>();
    String book = null;
    StringBuilder text = new StringBuilder();
    while (v.remaining() >= 10) {
      long block = Integer.toUnsignedLong(v.getInt());
      long offset = Integer.toUnsignedLong(v.getInt());
      int size = Short.toUnsignedInt(v.getShort());
      if (size == 0) {
        continue;
      }
      if (block >= blocks.size() || offset + size > blocks.get((int) block).length) {
        throw new CorpusException("zText verse index points outside block " + block);
      }
      String osis = new String(blocks.get((int) block), (int) offset, size, StandardCharsets.UTF_8);
      Matcher bm = BOOK_START.matcher(osis);
      if (bm.find()) {
        flush(books, book, text);
        book = bm.group(1);
      }
      if (CHAPTER_START.matcher(osis).find() && text.length() > 0) {
        text.append('\n'); // blank line between chapters
      }
      String verse = TextExtractor.osisToText(osis);
      if (!verse.isEmpty() && book != null) {
        text.append(verse).append('\n');
      }
    }
    flush(books, book, text);
    return books;
  }

  private static void flush(List<Book> books, String book, StringBuilder text) {
    String t = text.toString().strip();
    if (book != null && !t.isEmpty()) {
      books.add(new Book(book, t + "\n"));
    }
    text.setLength(0);
  }

  static List<byte[]> blocks(byte[] bzs, byte[] bzz) {
    if (bzs.length % 12 != 0) {
      throw new CorpusException("zText block index has " + bzs.length + " bytes, not a multiple of 12");
    }
    ByteBuffer b = ByteBuffer.wrap(bzs).order(ByteOrder.LITTLE_ENDIAN);
    List<byte[]> out = new ArrayList<>();
    while (b.remaining() >= 12) {
      long offset = Integer.toUnsignedLong(b.getInt());
      long size = Integer.toUnsignedLong(b.getInt());
      long uncompressed = Integer.toUnsignedLong(b.getInt());
      if (offset + size > bzz.length) {
        throw new CorpusException("zText block index points past the end of the data file");
      }
      out.add(inflate(bzz, (int) offset, (int) size, uncompressed));
    }
    return out;
  }

  private static byte[] inflate(byte[] data, int offset, int size, long expected) {
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(data, offset, size);
      ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(expected, 64L << 20));
      byte[] buf = new byte[1 << 16];
      while (!inflater.finished()) {
        int n = inflater.inflate(buf);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
        out.write(buf, 0, n);
      }
      if (out.size() != expected) {
        throw new CorpusException("zText block at " + offset + " inflated to " + out.size() + " bytes, index says " + expected);
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      throw new CorpusException("zText block at " + offset + " is not zlib data: " + e.getMessage(), e);
    } finally {
      inflater.end();
    }
  }
}
