package dev.pretrain.ops.corpus;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/** Bytes of a packaged file to document text: gunzip, binary check, charset, HTML and OSIS markup removal. */
public final class TextExtractor {

  /** Decoded text, and whether it needed the ISO-8859-1 fallback (recorded per source, not silent). */
  public record Decoded(String text, boolean latin1) {}

  private TextExtractor() {}

  /** Packaged docs are often gzip'd by Debian's tooling: decompress {@code *.gz}, else return as is. */
  public static byte[] gunzipIfNeeded(String path, byte[] raw) throws IOException {
    if (!path.endsWith(".gz")) {
      return raw;
    }
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
      return in.readAllBytes();
    }
  }

  /**
   * Binary if it has a NUL byte, or is not UTF-8 and more than 5 % of its bytes are control characters
   * other than tab, newline, form feed and carriage return. Text encodings in our sources never have NULs.
   */
  public static boolean looksBinary(byte[] bytes) {
    int controls = 0;
    for (byte b : bytes) {
      if (b == 0) {
        return true;
      }
      if ((b >= 1 && b < 9) || (b > 13 && b < 32) || b == 11) {
        controls++;
      }
    }
    return controls > bytes.length / 20 && !isUtf8(bytes);
  }

  static boolean isUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  /** Strict UTF-8; text that is not valid UTF-8 is read as ISO-8859-1 (old docs), and says so. */
  public static Decoded decode(byte[] bytes) {
    try {
      String s = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
      return new Decoded(normalize(s), false);
    } catch (CharacterCodingException e) {
      return new Decoded(normalize(new String(bytes, StandardCharsets.ISO_8859_1)), true);
    }
  }

  /** Drops a byte-order mark and turns CRLF/CR line ends into LF; the text is otherwise kept as written. */
  public static String normalize(String s) {
    String t = s.startsWith("\uFEFF") ? s.substring(1) : s;
    if (t.indexOf('\r') >= 0) {
      t = t.replace("\r\n", "\n").replace('\r', '\n');
    }
    return t;
  }

  private static final Pattern HTML_DROP = Pattern.compile(
      "<!--.*?-->|<(script|style|head|template)\\b[^>]*>.*?</\\1\\s*>", Pattern.DOTALL | Pattern.CASE_INSENSITIVE);
  private static final Pattern HTML_BLOCK = Pattern.compile(
      "</?(p|div|br|h[1-6]|li|ul|ol|dl|dt|dd|tr|table|thead|tbody|header|footer|section|article|aside|nav|main"
          + "|blockquote|pre|hr|figure|figcaption|caption|title|body|html)\\b[^>]*>",
      Pattern.CASE_INSENSITIVE);
  private static final Pattern HTML_CELL = Pattern.compile("</?(td|th)\\b[^>]*>", Pattern.CASE_INSENSITIVE);
  private static final Pattern TAG = Pattern.compile("<[!?/]?[A-Za-z][^>]*>|<!doctype[^>]*>",
      Pattern.CASE_INSENSITIVE);

  /** HTML to plain text: block elements become line breaks, other tags vanish, entities are decoded. */
  public static String htmlToText(String html) {
    String s = HTML_DROP.matcher(html).replaceAll(" ");
    s = HTML_BLOCK.matcher(s).replaceAll("\n");
    s = HTML_CELL.matcher(s).replaceAll("\t");
    s = TAG.matcher(s).replaceAll("");
    s = decodeEntities(s);
    return tidyLines(s);
  }

  /** Trims each line, collapses runs of blanks inside lines, and drops empty lines. */
  static String tidyLines(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (String line : s.split("\n")) {
      String l = line.replace('\u00A0', ' ').replaceAll("[ \\t\\x0B\\f]+", " ").strip();
      if (!l.isEmpty()) {
        if (out.length() > 0) {
          out.append('\n');
        }
        out.append(l);
      }
    }
    return out.toString();
  }

  private static final Pattern ENTITY = Pattern.compile("&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});");
  private static final Map<String, String> NAMED = Map.ofEntries(
      Map.entry("amp", "&"), Map.entry("lt", "<"), Map.entry("gt", ">"), Map.entry("quot", "\""),
      Map.entry("apos", "'"), Map.entry("nbsp", "\u00A0"), Map.entry("shy", "\u00AD"), Map.entry("ndash", "\u2013"),
      Map.entry("mdash", "\u2014"), Map.entry("lsquo", "\u2018"), Map.entry("rsquo", "\u2019"),
      Map.entry("ldquo", "\u201C"), Map.entry("rdquo", "\u201D"), Map.entry("hellip", "\u2026"),
      Map.entry("laquo", "\u00AB"), Map.entry("raquo", "\u00BB"), Map.entry("copy", "\u00A9"),
      Map.entry("zwj", "\u200D"), Map.entry("zwnj", "\u200C"), Map.entry("lrm", "\u200E"), Map.entry("rlm", "\u200F"));

  static String decodeEntities(String s) {
    if (s.indexOf('&') < 0) {
      return s;
    }
    Matcher m = ENTITY.matcher(s);
    StringBuilder out = new StringBuilder(s.length());
    while (m.find()) {
      String e = m.group(1);
      String rep;
      if (e.startsWith("#")) {
        int cp = e.length() > 1 && (e.charAt(1) == 'x' || e.charAt(1) == 'X')
            ? Integer.parseInt(e.substring(2), 16) : Integer.parseInt(e.substring(1));
        rep = Character.isValidCodePoint(cp) && cp != 0 ? new String(Character.toChars(cp)) : "\uFFFD";
      } else {
        rep = NAMED.get(e);
        if (rep == null) {
          rep = NAMED.get(e.toLowerCase(Locale.ROOT));
        }
      }
      m.appendReplacement(out, Matcher.quoteReplacement(rep == null ? m.group() : rep));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static final Pattern HTML_START = Pattern.compile("<html\\b([^>]*)>", Pattern.CASE_INSENSITIVE);

  /** The value of an attribute of the {@code <html>} element (e.g. {@code lang}, {@code data-iso6393}). */
  public static Optional<String> htmlAttribute(String html, String attribute) {
    Matcher m = HTML_START.matcher(html);
    if (!m.find()) {
      return Optional.empty();
    }
    Matcher a = Pattern.compile("(?:^|\\s)" + Pattern.quote(attribute) + "\\s*=\\s*(?:\"([^\"]*)\"|'([^']*)'|([^\\s>]+))",
        Pattern.CASE_INSENSITIVE).matcher(m.group(1));
    if (!a.find()) {
      return Optional.empty();
    }
    String v = a.group(1) != null ? a.group(1) : a.group(2) != null ? a.group(2) : a.group(3);
    return v.isBlank() ? Optional.empty() : Optional.of(v.strip());
  }

  private static final Pattern OSIS_NOTE = Pattern.compile("<note\\b[^>]*>.*?</note>", Pattern.DOTALL);
  private static final Pattern OSIS_TITLE_END = Pattern.compile("</title>");
  private static final Pattern OSIS_LINE = Pattern.compile("<(?:lb|l|lg)\\b[^>]*/>");

  /** One OSIS verse (or heading) to text: footnotes dropped, titles kept on their own line, tags removed. */
  public static String osisToText(String osis) {
    String s = OSIS_NOTE.matcher(osis).replaceAll("");
    s = OSIS_TITLE_END.matcher(s).replaceAll("\n");
    s = OSIS_LINE.matcher(s).replaceAll(" ");
    s = s.replaceAll("<[^>]*>", "");
    return tidyLines(decodeEntities(s));
  }
}
