package dev.pretrain.ops.corpus;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the text file of the Bible Retrieval System (Debian's {@code bible-kjv-text},
 * {@code usr/lib/bible.data}): a text cut into windows of a fixed size, each compressed on its own with
 * Unix {@code compress} LZW, so that one window can be read without the others.
 *
 * <p>Layout (integers are unsigned 32-bit big-endian):
 * <pre>
 *   0  2   magic "EC"
 *   2  2   version "02"
 *   4  80  description, NUL-padded ("Compressed Data File")
 *   84 4   window size W (uncompressed bytes per window; 65536 in the package)
 *   88 4   window count N
 *   92 4(N+1)  file offset of each window's first code, then the end of the last window
 *   ..     a compress header (1F 9D, then flags: 0x80 block mode, low 5 bits the maximum code width),
 *          then the windows, back to back
 * </pre>
 * Each window is an LZW code stream as {@code compress} writes it: codes of 9 up to the maximum width,
 * least significant bit first, read in groups of eight codes; when the width grows, or after a clear
 * code (256, block mode), the rest of the current group is padding. Each window starts with an empty
 * dictionary; the compressor closes all but the last with a clear code. Every window but the last
 * holds exactly W bytes of text, the last at most W. Seen from the compress header on, the file is
 * an ordinary {@code .Z} stream.
 *
 * <p>The text is one line per verse, "{@code <book abbreviation><chapter>:<verse> <text>}"
 * ("{@code Ge1:1 In the beginning ...}"), in canonical order, after a one-line title
 * ("Holy Bible, Authorized (King James) Version.  Textfile 930105."), which is not part of any book.
 * Books come out under their OSIS ids, like {@link SwordZText}'s, with the same shape: one verse per
 * line with runs of spaces made one and the line stripped ({@link TextExtractor#tidyLines}), a blank
 * line between chapters, a final newline. The edition has no book titles; none are added.
 */
public final class BibleRetrievalText {

  /** One book of the text: its OSIS id (e.g. "Gen") and plain text, one verse per line. */
  public record Book(String osisId, String text) {}

  static final int HEADER_BYTES = 92;
  private static final int DESCRIPTION_BYTES = 80;
  private static final int CLEAR = 256;

  private static final Pattern VERSE = Pattern.compile("([1-3]?[A-Za-z]+)([0-9]+):([0-9]+)(?: (.*))?");

  /** The edition's book abbreviations, in its order, and their OSIS ids. */
  private static final String[][] BOOKS = {
      {"Ge", "Gen"}, {"Exo", "Exod"}, {"Lev", "Lev"}, {"Num", "Num"}, {"Deu", "Deut"}, {"Josh", "Josh"},
      {"Jdgs", "Judg"}, {"Ruth", "Ruth"}, {"1Sm", "1Sam"}, {"2Sm", "2Sam"}, {"1Ki", "1Kgs"}, {"2Ki", "2Kgs"},
      {"1Chr", "1Chr"}, {"2Chr", "2Chr"}, {"Ezra", "Ezra"}, {"Neh", "Neh"}, {"Est", "Esth"}, {"Job", "Job"},
      {"Psa", "Ps"}, {"Prv", "Prov"}, {"Eccl", "Eccl"}, {"SSol", "Song"}, {"Isa", "Isa"}, {"Jer", "Jer"},
      {"Lam", "Lam"}, {"Eze", "Ezek"}, {"Dan", "Dan"}, {"Hos", "Hos"}, {"Joel", "Joel"}, {"Amos", "Amos"},
      {"Obad", "Obad"}, {"Jonah", "Jonah"}, {"Mic", "Mic"}, {"Nahum", "Nah"}, {"Hab", "Hab"}, {"Zep", "Zeph"},
      {"Hag", "Hag"}, {"Zec", "Zech"}, {"Mal", "Mal"}, {"Mat", "Matt"}, {"Mark", "Mark"}, {"Luke", "Luke"},
      {"John", "John"}, {"Acts", "Acts"}, {"Rom", "Rom"}, {"1Cor", "1Cor"}, {"2Cor", "2Cor"}, {"Gal", "Gal"},
      {"Eph", "Eph"}, {"Phi", "Phil"}, {"Col", "Col"}, {"1Th", "1Thess"}, {"2Th", "2Thess"}, {"1Tim", "1Tim"},
      {"2Tim", "2Tim"}, {"Titus", "Titus"}, {"Phmn", "Phlm"}, {"Heb", "Heb"}, {"Jas", "Jas"}, {"1Pet", "1Pet"},
      {"2Pet", "2Pet"}, {"1Jn", "1John"}, {"2Jn", "2John"}, {"3Jn", "3John"}, {"Jude", "Jude"}, {"Rev", "Rev"}};
  private static final Map<String, String> OSIS = toMap();

  private BibleRetrievalText() {}

  /** The books of the data file {@code file} (named in errors), in its order. */
  public static List<Book> read(String file, byte[] data) {
    return books(file, text(file, data));
  }

  /** The whole uncompressed text of the data file, ISO-8859-1 decoded (the package's is ASCII). */
  static String text(String file, byte[] data) {
    if (data.length < HEADER_BYTES) {
      throw new CorpusException(file + ": " + data.length + " bytes, shorter than the " + HEADER_BYTES
          + "-byte header of a Bible Retrieval System text file");
    }
    if (data[0] != 'E' || data[1] != 'C') {
      throw new CorpusException(file + ": bad magic number at offset 0 (not \"EC\"): not a Bible Retrieval System"
          + " text file");
    }
    if (data[2] != '0' || data[3] != '2') {
      throw new CorpusException(file + ": version at offset 2 is \"" + printable(data, 2, 2) + "\", only \"02\" is"
          + " known");
    }
    long windowSize = u32(data, 4 + DESCRIPTION_BYTES);
    long windows = u32(data, 8 + DESCRIPTION_BYTES);
    if (windowSize == 0 || windowSize > (64L << 20)) {
      throw new CorpusException(file + ": window size " + windowSize + " at offset 84 is out of range");
    }
    long tableEnd = HEADER_BYTES + 4 * (windows + 1);
    if (windows == 0 || tableEnd > data.length) {
      throw new CorpusException(file + ": window count " + windows + " at offset 88 does not fit a "
          + data.length + "-byte file");
    }
    long[] offsets = new long[(int) windows + 1];
    for (int w = 0; w <= windows; w++) {
      offsets[w] = u32(data, HEADER_BYTES + 4 * w);
      long min = w == 0 ? tableEnd : offsets[w - 1];
      if (offsets[w] < min || offsets[w] > data.length) {
        throw new CorpusException(file + ": offset of window " + w + " (" + offsets[w] + ", at offset "
            + (HEADER_BYTES + 4 * w) + ") is outside " + min + ".." + data.length);
      }
    }
    // The compress header sits between the offset table and the first window.
    int maxBits = 16;
    boolean blockMode = true;
    int gap = (int) (offsets[0] - tableEnd);
    if (gap != 0) {
      int h = (int) tableEnd;
      if (gap != 3 || (data[h] & 0xFF) != 0x1F || (data[h + 1] & 0xFF) != 0x9D) {
        throw new CorpusException(file + ": " + gap + " bytes at offset " + h + " before the first window are not"
            + " a compress header (1F 9D flags)");
      }
      maxBits = data[h + 2] & 0x1F;
      blockMode = (data[h + 2] & 0x80) != 0;
      if (maxBits < 9 || maxBits > 16) {
        throw new CorpusException(file + ": compress header at offset " + h + " gives " + maxBits
            + "-bit codes, only 9 to 16 are known");
      }
    }
    ByteArrayOutputStream text = new ByteArrayOutputStream((int) Math.min(windowSize * windows, 1L << 26));
    Lzw lzw = new Lzw(file, maxBits, blockMode, (int) windowSize);
    for (int w = 0; w < windows; w++) {
      int n = lzw.decode(w, data, (int) offsets[w], (int) offsets[w + 1]);
      if (w < windows - 1 && n != windowSize) {
        throw new CorpusException(file + ": window " + w + " at offset " + offsets[w] + " holds " + n
            + " bytes of text, not the window size " + windowSize);
      }
      text.write(lzw.out, 0, n);
    }
    return text.toString(StandardCharsets.ISO_8859_1);
  }

  /** Splits the text into books; errors name the offset in the uncompressed text. */
  static List<Book> books(String file, String text) {
    List<Book> books = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    String abbreviation = null;
    int chapter = 0;
    int verse = 0;
    StringBuilder out = new StringBuilder();
    int lineNo = 0;
    for (int at = 0; at < text.length(); ) {
      int end = text.indexOf('\n', at);
      if (end < 0) {
        end = text.length();
      }
      String line = text.substring(at, end);
      lineNo++;
      Matcher m = VERSE.matcher(line);
      if (!m.matches()) {
        if (abbreviation == null) {
          at = end + 1; // the title before the first verse
          continue;
        }
        throw new CorpusException(file + ": line " + lineNo + " at text offset " + at + " is not a verse"
            + " (\"<book><chapter>:<verse> <text>\"): \"" + shorten(line) + "\"");
      }
      String b = m.group(1);
      int c = number(file, m.group(2), lineNo, at);
      int v = number(file, m.group(3), lineNo, at);
      if (!b.equals(abbreviation)) {
        if (!OSIS.containsKey(b)) {
          throw new CorpusException(file + ": line " + lineNo + " at text offset " + at + " names an unknown book \""
              + b + "\"");
        }
        if (!seen.add(b)) {
          throw new CorpusException(file + ": line " + lineNo + " at text offset " + at + ": book " + b
              + " starts again after " + abbreviation);
        }
        flush(books, abbreviation, out);
        abbreviation = b;
      } else if (c < chapter || (c == chapter && v <= verse)) {
        throw new CorpusException(file + ": line " + lineNo + " at text offset " + at + ": " + b + c + ":" + v
            + " comes after " + b + chapter + ":" + verse);
      } else if (c != chapter && out.length() > 0) {
        out.append('\n'); // blank line between chapters
      }
      chapter = c;
      verse = v;
      String t = m.group(4) == null ? "" : TextExtractor.tidyLines(m.group(4));
      if (!t.isEmpty()) {
        out.append(t).append('\n');
      }
      at = end + 1;
    }
    flush(books, abbreviation, out);
    return books;
  }

  private static void flush(List<Book> books, String abbreviation, StringBuilder text) {
    String t = text.toString().strip();
    if (abbreviation != null && !t.isEmpty()) {
      books.add(new Book(OSIS.get(abbreviation), t + "\n"));
    }
    text.setLength(0);
  }

  private static int number(String file, String digits, int lineNo, int at) {
    if (digits.length() > 4) {
      throw new CorpusException(file + ": line " + lineNo + " at text offset " + at + ": number " + digits
          + " is out of range");
    }
    return Integer.parseInt(digits);
  }

  /**
   * A Unix compress LZW decoder for one window at a time: dictionary entry {@code k >= 256} is entry
   * {@code prefix[k]} followed by byte {@code suffix[k]}.
   */
  private static final class Lzw {
    final String file;
    final int maxBits;
    final boolean blockMode;
    final int[] prefix;
    final byte[] suffix;
    final byte[] stack;
    final byte[] out;

    Lzw(String file, int maxBits, boolean blockMode, int windowSize) {
      this.file = file;
      this.maxBits = maxBits;
      this.blockMode = blockMode;
      this.prefix = new int[1 << maxBits];
      this.suffix = new byte[1 << maxBits];
      this.stack = new byte[1 << maxBits];
      this.out = new byte[windowSize];
    }

    /** Decodes window {@code w}, bytes {@code from..to} of {@code data}, into {@link #out}; returns its length. */
    int decode(int w, byte[] data, int from, int to) {
      long bits = 8L * (to - from);
      long pos = 0; // bit position in the window
      long group = 0; // where the current group of eight codes began
      int width = 9;
      int first = blockMode ? CLEAR + 1 : CLEAR;
      int free = first;
      int previous = -1;
      int finalByte = 0;
      int n = 0;
      while (pos + width <= bits) {
        int code = code(data, from, pos, width);
        long codeAt = pos;
        pos += width;
        if (blockMode && code == CLEAR) {
          pos = groupEnd(group, pos, width);
          group = pos;
          width = 9;
          free = first;
          previous = -1;
          continue;
        }
        int sp = 0;
        int c = code;
        if (previous < 0) {
          if (code > 255) {
            throw bad(w, from, codeAt, "starts with code " + code + ", not a byte");
          }
        } else if (code > free || (code == free && free >= (1 << maxBits))) {
          throw bad(w, from, codeAt, "has code " + code + " beyond the " + free + " defined");
        } else if (code == free) {
          stack[sp++] = (byte) finalByte; // the entry being defined: previous + its own first byte
          c = previous;
        }
        while (c > 255) {
          stack[sp++] = suffix[c];
          c = prefix[c];
        }
        finalByte = c;
        stack[sp++] = (byte) c;
        if (n + sp > out.length) {
          throw bad(w, from, codeAt, "decodes to more than the window size " + out.length);
        }
        while (sp > 0) {
          out[n++] = stack[--sp];
        }
        if (previous >= 0 && free < (1 << maxBits)) {
          prefix[free] = previous;
          suffix[free] = (byte) finalByte;
          free++;
        }
        previous = code;
        if (free > (1 << width) - 1 && width < maxBits) {
          pos = groupEnd(group, pos, width);
          group = pos;
          width++;
        }
      }
      return n;
    }

    /** The end of the group of eight {@code width}-bit codes that began at {@code group} and holds {@code pos}. */
    private static long groupEnd(long group, long pos, int width) {
      long size = 8L * width;
      long used = (pos - group) % size;
      return used == 0 ? pos : pos + size - used;
    }

    private static int code(byte[] data, int from, long pos, int width) {
      int at = from + (int) (pos >>> 3);
      int v = 0;
      for (int k = 0; k < 4 && at + k < data.length; k++) {
        v |= (data[at + k] & 0xFF) << (8 * k);
      }
      return (v >>> (int) (pos & 7)) & ((1 << width) - 1);
    }

    private CorpusException bad(int w, int from, long bitPos, String what) {
      return new CorpusException(file + ": window " + w + " (at offset " + from + ") " + what + " at byte offset "
          + (from + bitPos / 8) + ": corrupt compressed data");
    }
  }

  private static long u32(byte[] b, int at) {
    return ((b[at] & 0xFFL) << 24) | ((b[at + 1] & 0xFFL) << 16) | ((b[at + 2] & 0xFFL) << 8) | (b[at + 3] & 0xFFL);
  }

  private static String printable(byte[] b, int at, int n) {
    StringBuilder s = new StringBuilder();
    for (int k = at; k < at + n; k++) {
      int c = b[k] & 0xFF;
      s.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\x%02X", c));
    }
    return s.toString();
  }

  private static String shorten(String line) {
    return line.length() <= 60 ? line : line.substring(0, 60) + "...";
  }

  private static Map<String, String> toMap() {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    for (String[] b : BOOKS) {
      m.put(b[0], b[1]);
    }
    return Map.copyOf(m);
  }
}
