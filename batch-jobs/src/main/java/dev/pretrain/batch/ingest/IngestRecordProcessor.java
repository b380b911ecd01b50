package dev.pretrain.batch.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * Turns a raw record into a document or a reasoned refusal: strict UTF-8, one JSON object with a
 * string {@code text}, metadata fields that fit their columns; then normalizes the text (leading BOM
 * removed, CRLF/CR to LF, Unicode NFC, C0 controls other than TAB/LF/CR removed) and hashes it. Never
 * returns null: every record is accounted for.
 *
 * <p>Dispositions: "quarantined" for a record that cannot be read as a document (bad bytes, bad JSON,
 * no string {@code text}); "rejected" for a readable record that fails a content rule (blank, NUL,
 * duplicate id). See docs/bad-input.md.
 */
public class IngestRecordProcessor implements ItemProcessor<RawRecord, IngestOutcome> {

  private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
          // the line cap bounds string sizes; Jackson's own 20 M-char default would refuse big documents
          .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
          .build())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION) // {"text":"a","text":"b"} is ambiguous
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  /** Column sizes of the documents table: a longer value would fail the whole chunk's insert. */
  private static final Map<String, Integer> FIELD_LIMITS = new LinkedHashMap<>();

  static {
    FIELD_LIMITS.put("id", 512);
    FIELD_LIMITS.put("source", 128);
    FIELD_LIMITS.put("source_version", 100);
    FIELD_LIMITS.put("path", 2048);
    FIELD_LIMITS.put("license", 256);
    FIELD_LIMITS.put("language", 32);
    FIELD_LIMITS.put("jurisdiction", 64);
    FIELD_LIMITS.put("url", 4096); // where a web document was fetched from (WARC-Target-URI)
    FIELD_LIMITS.put("fetched_at", 64); // when (WARC-Date, an ISO-8601 instant); kept as given
  }

  private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  private final String defaultJurisdiction;
  // null: a record of unknown license is kept; else the license its source declares, or null for none
  private final Function<String, String> sourceLicense;
  private final Map<String, Optional<String>> sourceLicenses = new HashMap<>();
  private final JurisdictionCheck jurisdictions;
  // id -> where it was first seen; one id is one document (artifact membership is keyed by it)
  private final Map<String, String> seenIds = new HashMap<>();

  /** Keeps records that declare no license (their license stays unknown). */
  public IngestRecordProcessor(String defaultJurisdiction) {
    this(defaultJurisdiction, null);
  }

  /**
   * Quarantines a record that declares no license unless its source declares one.
   *
   * @param sourceLicense the license a source declares, or null for none
   */
  public IngestRecordProcessor(String defaultJurisdiction, Function<String, String> sourceLicense) {
    this(defaultJurisdiction, sourceLicense, null);
  }

  /**
   * @param sourceLicense the license a source declares (a record without one is then quarantined unless
   *                      its source declares one), or null to keep records of unknown license
   * @param jurisdictions the sovereignty policy's rule for the run's region, or null for none
   */
  public IngestRecordProcessor(String defaultJurisdiction, Function<String, String> sourceLicense,
      JurisdictionCheck jurisdictions) {
    this.defaultJurisdiction = defaultJurisdiction;
    this.sourceLicense = sourceLicense;
    this.jurisdictions = jurisdictions;
  }

  @Override
  public IngestOutcome process(RawRecord r) {
    if (r.fault() != null) {
      return bad(r, r.faultDisposition(), r.fault(), r.head());
    }
    byte[] bytes = r.bytes();
    int skip = r.line() == 1 && startsWithBom(bytes) ? UTF8_BOM.length : 0;
    if (Utf8.isValid(bytes, skip)) { // the common case, checked fast; JSON is then parsed from the bytes
      return r.format().hasFields() ? fromJsonLine(r, bytes, skip)
          : fromTextFile(r, new String(bytes, skip, bytes.length - skip, StandardCharsets.UTF_8));
    }
    String decoded;
    try {
      decoded = decodeStrict(bytes, skip); // names the first bad byte
    } catch (MalformedAt e) {
      // no encoding is guessed (Latin-1, CP1252 ...): a wrong guess would silently corrupt the text
      String where = r.format() == InputFormat.JSONL
          ? "byte " + e.offset + " of line (byte " + (r.byteOffset() + e.offset) + " of "
              + (InputFormat.compression(r.fileUri()).compressed() ? "decompressed " : "") + "file)"
          : "byte " + e.offset + " of file";
      StringBuilder hex = new StringBuilder();
      for (int i = e.offset; i < Math.min(bytes.length, e.offset + Math.max(1, e.length)); i++) {
        hex.append(hex.length() == 0 ? "" : " ").append(String.format("%02X", bytes[i] & 0xff));
      }
      return bad(r, IngestOutcome.QUARANTINED,
          "invalid UTF-8 at " + where + ": " + hex + " is not valid UTF-8 (encoding not guessed)", bytes);
    }
    byte[] utf8 = decoded.getBytes(StandardCharsets.UTF_8); // not reached while Utf8 agrees with the JDK's decoder
    return r.format().hasFields() ? fromJsonLine(r, utf8, 0) : fromTextFile(r, decoded);
  }

  private IngestOutcome fromTextFile(RawRecord r, String decoded) {
    String name = truncate(fileName(r.fileUri()), FIELD_LIMITS.get("source"));
    return keep(r, null, decoded, name, null, r.fileUri(), null, null, null, null, null);
  }

  /** @param utf8 valid UTF-8 from {@code from} on */
  private IngestOutcome fromJsonLine(RawRecord r, byte[] utf8, int from) {
    if (isBlank(utf8, from)) {
      return bad(r, IngestOutcome.REJECTED, "blank line", r.bytes());
    }
    JsonNode node;
    try {
      // Jackson guesses UTF-16/32 from NUL bytes at the start; such a line is parsed as the UTF-8 text it is
      node = nulInFirstFour(utf8, from)
          ? JSON.readTree(new String(utf8, from, utf8.length - from, StandardCharsets.UTF_8))
          : JSON.readTree(utf8, from, utf8.length - from);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
      return bad(r, IngestOutcome.QUARANTINED, "invalid JSON" + where + ": " + e.getOriginalMessage(), r.bytes());
    } catch (IOException e) { // from a byte array: not an I/O failure, a parse one
      return bad(r, IngestOutcome.QUARANTINED, "invalid JSON: " + e.getMessage(), r.bytes());
    }
    if (node == null || !node.isObject()) {
      String got = node == null ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT);
      return bad(r, IngestOutcome.QUARANTINED, "not a JSON object (got " + got + ")", r.bytes());
    }
    JsonNode text = node.get("text");
    if (text == null) {
      return bad(r, IngestOutcome.QUARANTINED, "missing field 'text'", r.bytes());
    }
    if (text.isNull()) {
      return bad(r, IngestOutcome.QUARANTINED, "field 'text' is null", r.bytes());
    }
    if (!text.isTextual()) {
      return bad(r, IngestOutcome.QUARANTINED,
          "field 'text' is not a string (got " + text.getNodeType().name().toLowerCase(Locale.ROOT) + ")", r.bytes());
    }
    if (TextScan.of(text.asText()).surrogates() && hasUnpairedSurrogate(text.asText())) {
      // from a lone JSON surrogate escape: not encodable as UTF-8
      return bad(r, IngestOutcome.QUARANTINED, "field 'text' has an unpaired surrogate escape", r.bytes());
    }
    Map<String, String> meta = new HashMap<>();
    for (Map.Entry<String, Integer> field : FIELD_LIMITS.entrySet()) {
      JsonNode v = node.get(field.getKey());
      if (v == null || v.isNull()) {
        continue;
      }
      boolean integralId = field.getKey().equals("id") && v.isIntegralNumber(); // common in public data sets
      if (!v.isTextual() && !integralId) {
        return bad(r, IngestOutcome.QUARANTINED, "field '" + field.getKey() + "' is not a string", r.bytes());
      }
      String s = v.asText();
      if (s.isEmpty()) {
        return bad(r, IngestOutcome.QUARANTINED, "field '" + field.getKey() + "' is empty", r.bytes());
      }
      if (s.indexOf('\0') >= 0 || hasUnpairedSurrogate(s)) { // PostgreSQL text refuses both
        return bad(r, IngestOutcome.QUARANTINED,
            "field '" + field.getKey() + "' has a NUL or an unpaired surrogate escape", r.bytes());
      }
      if (s.length() > field.getValue()) {
        return bad(r, IngestOutcome.QUARANTINED,
            "field '" + field.getKey() + "' longer than " + field.getValue() + " characters", r.bytes());
      }
      meta.put(field.getKey(), s);
    }
    String source = meta.getOrDefault("source", truncate(fileName(r.fileUri()), FIELD_LIMITS.get("source")));
    return keep(r, meta.get("id"), text.asText(), source, meta.get("source_version"), meta.get("path"),
        meta.get("license"), meta.get("language"), meta.get("jurisdiction"), meta.get("url"), meta.get("fetched_at"));
  }

  private IngestOutcome keep(RawRecord r, String id, String rawText, String source, String sourceVersion, String path,
      String license, String language, String jurisdiction, String url, String fetchedAt) {
    TextScan scan = TextScan.of(rawText); // one pass decides which of the checks below need a pass of their own
    String text = normalize(rawText, scan);
    int nul = scan.nul() ? text.indexOf('\0') : -1;
    if (nul >= 0) {
      // NUL does not occur in text; it marks binary or UTF-16 data (and PostgreSQL text refuses it)
      return bad(r, IngestOutcome.REJECTED, "text contains NUL (U+0000) at character "
          + text.codePointCount(0, nul) + ": binary or UTF-16 data, not text", r.bytes());
    }
    String change = null;
    String stripped = scan.controls() ? stripControls(text) : text;
    if (stripped != text) {
      change = "removed " + describeControls(text) + " from the text";
      text = stripped;
    }
    if (!hasVisibleText(text)) {
      String what = text.isEmpty() ? "empty text" : "whitespace-only text";
      return bad(r, IngestOutcome.REJECTED, change == null ? what : what + " (after removing " + describeControls(rawText)
          + ")", r.bytes());
    }
    String refusal = jurisdictions == null ? null
        : jurisdictions.refusal(jurisdiction != null ? jurisdiction : defaultJurisdiction);
    if (refusal != null) { // the run's region may not hold it: it never reaches a shard
      return bad(r, IngestOutcome.QUARANTINED, refusal + ": not kept", r.bytes());
    }
    if (license == null && sourceLicense != null) {
      license = sourceLicenses.computeIfAbsent(source, s -> Optional.ofNullable(sourceLicense.apply(s))).orElse(null);
      if (license == null) {
        return bad(r, IngestOutcome.QUARANTINED, "no license: the record declares none and its source '" + source
            + "' declares none (ingest.unknownLicense: quarantine)", r.bytes());
      }
    }
    String docId = id != null ? id : generatedId(source, path != null ? path : r.fileUri(), r.line());
    String first = seenIds.putIfAbsent(docId, r.fileUri() + "#" + r.line());
    if (first != null) {
      return bad(r, IngestOutcome.REJECTED, "duplicate id '" + docId + "' (first at " + first + ")", r.bytes());
    }
    return new IngestOutcome.Kept(r.fileUri(), r.line(), docId, text, source, sourceVersion,
        path != null ? path : r.fileUri(), license, language, jurisdiction != null ? jurisdiction : defaultJurisdiction,
        sha256(text), change, url, fetchedAt, null);
  }

  /**
   * True when some character is neither a space of any kind (ASCII, no-break, em, ideographic ...)
   * nor an invisible format character (zero-width space, joiners, BOM): a text of NBSPs says nothing.
   */
  static boolean hasVisibleText(String s) {
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      if (!Character.isWhitespace(cp) && !Character.isSpaceChar(cp) && Character.getType(cp) != Character.FORMAT) {
        return true;
      }
      i += Character.charCount(cp);
    }
    return false;
  }

  /**
   * Control characters other than TAB, LF and CR (C0 such as form feed, escape, backspace; DEL; the C1
   * range U+0080..U+009F, which in text is mostly CP1252 bytes decoded as Latin-1) carry no text; they
   * are removed, and the removal is recorded as a decision on the document (see docs/bad-input.md).
   * Returns {@code s} itself when there is nothing to remove.
   */
  static String stripControls(String s) {
    int i = 0;
    while (i < s.length() && !isStrippedControl(s.charAt(i))) {
      i++;
    }
    if (i == s.length()) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length());
    sb.append(s, 0, i);
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!isStrippedControl(c)) {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  private static boolean isStrippedControl(char c) {
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || (c >= 0x7f && c <= 0x9f);
  }

  /** "2 control characters (U+0007 x1, U+001B x1)", first seen first. */
  private static String describeControls(String s) {
    Map<Character, Integer> counts = new LinkedHashMap<>();
    int total = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (isStrippedControl(c)) {
        counts.merge(c, 1, Integer::sum);
        total++;
      }
    }
    StringBuilder sb = new StringBuilder().append(total).append(total == 1 ? " control character (" : " control characters (");
    String sep = "";
    for (Map.Entry<Character, Integer> e : counts.entrySet()) {
      sb.append(sep).append(String.format("U+%04X x%d", (int) e.getKey(), e.getValue()));
      sep = ", ";
    }
    return sb.append(')').toString();
  }

  /** {@code <source>:<path>#<line>}; a path too long for the id column is replaced by its digest. */
  static String generatedId(String source, String path, long line) {
    String id = source + ":" + path + "#" + line;
    if (id.length() <= FIELD_LIMITS.get("id")) {
      return id;
    }
    return source + ":sha256-" + sha256(path) + "#" + line;
  }

  /** Leading BOM removed, CRLF and lone CR as LF, Unicode NFC. */
  static String normalize(String s) {
    return normalize(s, TextScan.of(s));
  }

  private static String normalize(String s, TextScan scan) {
    if (!s.isEmpty() && s.charAt(0) == '\uFEFF') {
      s = s.substring(1);
    }
    if (scan.carriageReturns()) {
      s = s.replace("\r\n", "\n").replace('\r', '\n');
    }
    // text below U+0300 (ASCII, Latin-1, most Latin Extended) has no combining marks: it is NFC as it is
    if (!scan.mayNeedNfc()) {
      return s;
    }
    return Normalizer.isNormalized(s, Normalizer.Form.NFC) ? s : Normalizer.normalize(s, Normalizer.Form.NFC);
  }

  /**
   * What one pass over a text finds, so that the rarely needed passes (control removal, NUL search,
   * surrogate pairing, NFC) run only on the texts that need them.
   */
  record TextScan(boolean carriageReturns, boolean nul, boolean controls, boolean surrogates, boolean mayNeedNfc) {
    static TextScan of(String s) {
      boolean cr = false, nul = false, controls = false, surrogates = false, nfc = false;
      for (int i = 0, n = s.length(); i < n; i++) {
        char c = s.charAt(i);
        if (c < 0x20) {
          if (c == '\r') {
            cr = true;
          } else if (c == 0) {
            nul = true;
          } else if (c != '\n' && c != '\t') {
            controls = true;
          }
        } else if (c >= 0x7f) {
          if (c <= 0x9f) {
            controls = true;
          } else if (c >= 0x300) {
            nfc = true;
            surrogates |= Character.isSurrogate(c);
          }
        }
      }
      return new TextScan(cr, nul, controls, surrogates, nfc);
    }
  }

  private static boolean nulInFirstFour(byte[] b, int from) {
    for (int i = from; i < Math.min(b.length, from + 4); i++) {
      if (b[i] == 0) {
        return true;
      }
    }
    return false;
  }

  /** A line of whitespace only (as String#isBlank sees it), checked on its UTF-8 bytes. */
  private static boolean isBlank(byte[] utf8, int from) {
    for (int i = from; i < utf8.length; i++) {
      int b = utf8[i];
      if (b < 0) { // a non-ASCII character: let the JDK decide whether it is whitespace
        return new String(utf8, from, utf8.length - from, StandardCharsets.UTF_8).isBlank();
      }
      if (!Character.isWhitespace(b)) {
        return false;
      }
    }
    return true;
  }

  static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String fileName(String uri) {
    if (uri.startsWith("file:")) {
      Path name = Path.of(URI.create(uri)).getFileName();
      return name == null ? uri : name.toString();
    }
    return uri.substring(uri.lastIndexOf('/') + 1);
  }

  static boolean hasUnpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }

  private static boolean startsWithBom(byte[] b) {
    return b.length >= 3 && b[0] == UTF8_BOM[0] && b[1] == UTF8_BOM[1] && b[2] == UTF8_BOM[2];
  }

  private static final class MalformedAt extends Exception {
    final int offset;
    final int length;

    MalformedAt(int offset, int length) {
      super(null, null, false, false);
      this.offset = offset;
      this.length = length;
    }
  }

  /** Decodes with REPORT, so that the first bad byte's offset (in the record) can be named. */
  private static String decodeStrict(byte[] bytes, int from) throws MalformedAt {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes, from, bytes.length - from);
    CharBuffer out = CharBuffer.allocate(bytes.length - from);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      throw new MalformedAt(in.position(), result.length());
    }
    result = decoder.flush(out);
    if (result.isError()) {
      throw new MalformedAt(in.position(), result.length());
    }
    return out.flip().toString();
  }

  private static IngestOutcome bad(RawRecord r, String disposition, String reason, byte[] head) {
    byte[] h = head == null ? new byte[0] : head;
    String preview = new String(h, 0, Math.min(h.length, BoundedLineReader.HEAD_BYTES), StandardCharsets.UTF_8);
    return new IngestOutcome.Bad(r.fileUri(), r.line(), r.byteOffset(), disposition, printable(reason), preview);
  }

  /**
   * Control characters written as {@code \\uXXXX}: a reason may quote the input (Jackson names the
   * token it did not understand), and a NUL would make PostgreSQL refuse the quarantine row.
   */
  static String printable(String reason) {
    StringBuilder sb = null;
    for (int i = 0; i < reason.length(); i++) {
      char c = reason.charAt(i);
      boolean control = c < 0x20 || c == 0x7f;
      if (control && sb == null) {
        sb = new StringBuilder(reason.length() + 16).append(reason, 0, i);
      }
      if (sb != null) {
        if (control) {
          sb.append(String.format("\\u%04X", (int) c));
        } else {
          sb.append(c);
        }
      }
    }
    return sb == null ? reason : sb.toString();
  }
}
