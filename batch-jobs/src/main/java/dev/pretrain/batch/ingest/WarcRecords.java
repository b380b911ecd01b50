package dev.pretrain.batch.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.Channels;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jsoup.Jsoup;
import org.netpreserve.jwarc.HttpResponse;
import org.netpreserve.jwarc.MediaType;
import org.netpreserve.jwarc.ParsingException;
import org.netpreserve.jwarc.WarcReader;
import org.netpreserve.jwarc.WarcRecord;
import org.netpreserve.jwarc.WarcTargetRecord;

/**
 * The documents of a WARC file ({@code .warc}, or {@code .warc.gz} whose gzip members jwarc inflates
 * itself), one {@link RawRecord} per {@code response}, {@code resource} or {@code conversion} record:
 * the JSON object {@code {"id","text","url","fetched_at","content_type"}} that the processor then
 * validates like a JSONL line. {@code warcinfo}, {@code request}, {@code metadata}, {@code revisit}
 * and {@code continuation} records are WARC bookkeeping (or point at a payload stored elsewhere):
 * they are skipped, and no record is made for them.
 *
 * <p>A record's "line" is its number in the file (1-based, skipped records counted) and its byte
 * offset is where it starts in the stored file (for {@code .warc.gz}, where its gzip member starts),
 * the offset WARC indexes use.
 *
 * <p>Errors are kept apart by where they happen. A WARC block (HTTP headers and payload) is first
 * read whole, at most the job's record cap: a fault while reading it, or a WARC header that does not
 * parse, breaks the file, so it becomes one quarantined record there and the file ends, as for a cut
 * gzip stream. What follows works on those bytes in memory, so a bad HTTP message or content encoding
 * quarantines only its own record; a response that is not 2xx, or neither HTML nor plain text, is
 * rejected with the status or type as the reason.
 */
final class WarcRecords {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> SKIPPED = Set.of("warcinfo", "request", "metadata", "revisit", "continuation");
  private static final Set<String> DOCUMENTS = Set.of("response", "resource", "conversion");
  private static final Set<String> HTML = Set.of("text/html", "application/xhtml+xml");
  private static final String PLAIN = "text/plain";

  private final String uri;
  private final InputStream stored;
  private final int maxRecordBytes;
  private WarcReader reader;
  private long number;
  private boolean ended;

  /** @param stored the file's stored bytes, read by jwarc as they are (it detects and inflates gzip) */
  WarcRecords(String uri, InputStream stored, int maxRecordBytes) {
    this.uri = uri;
    this.stored = stored;
    this.maxRecordBytes = maxRecordBytes;
  }

  /** The next document record (or a bad one), or null when the file is done. */
  RawRecord next() {
    while (!ended) {
      WarcRecord record;
      try {
        if (reader == null) {
          reader = new WarcReader(stored);
        }
        Optional<WarcRecord> r = reader.next();
        if (r.isEmpty()) {
          ended = true;
          return null;
        }
        record = r.get();
      } catch (IOException | RuntimeException e) {
        if (e instanceof java.io.UncheckedIOException) {
          throw (java.io.UncheckedIOException) e; // storage, not the data: the job fails and is retried
        }
        // jwarc moves its position to the next record before parsing its header: where it broke
        long at = reader == null ? 0 : reader.position();
        return broken(number + 1, at, e instanceof java.io.EOFException ? "truncated WARC: " + message(e)
            : "WARC record cannot be read: " + message(e), new byte[0]);
      }
      number++;
      String type = record.type();
      if (DOCUMENTS.contains(type)) {
        return document(record);
      }
      // bookkeeping (and record types a later WARC version may add) carries no document of its own
    }
    return null;
  }

  private RawRecord document(WarcRecord record) {
    long at = record.position();
    long blockSize;
    try {
      blockSize = record.body().size();
    } catch (IOException e) {
      return broken(number, at, "WARC record cannot be read: " + message(e), new byte[0]);
    }
    if (blockSize > maxRecordBytes) {
      // not read: jwarc skips the rest of the record when asked for the next one
      return RawRecord.fault(uri, InputFormat.WARC, number, at, "WARC record content longer than " + maxRecordBytes
          + " bytes (" + blockSize + " bytes); skipped to the next record", new byte[0]);
    }
    byte[] block = new byte[(int) blockSize];
    int read = 0;
    try (InputStream in = record.body().stream()) {
      for (int n; read < block.length && (n = in.read(block, read, block.length - read)) >= 0; ) {
        read += n;
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof java.io.UncheckedIOException) {
        throw (java.io.UncheckedIOException) e;
      }
      return broken(number, at, "WARC record cut after " + read + " of its " + blockSize + " content bytes: "
          + message(e), Arrays.copyOf(block, Math.min(read, BoundedLineReader.HEAD_BYTES)));
    }
    if (read < block.length) {
      return broken(number, at, "truncated WARC: the record ends after " + read + " of its " + blockSize
          + " content bytes", Arrays.copyOf(block, Math.min(read, BoundedLineReader.HEAD_BYTES)));
    }
    return fromBlock(record, at, block);
  }

  /** The record's block is in memory: every fault from here on is the record's own, not the file's. */
  private RawRecord fromBlock(WarcRecord record, long at, byte[] block) {
    byte[] head = Arrays.copyOf(block, Math.min(block.length, BoundedLineReader.HEAD_BYTES));
    MediaType blockType = record.contentType();
    boolean http = record.type().equals("response") && blockType.base().equals(MediaType.HTTP)
        || blockType.base().equals(MediaType.HTTP_RESPONSE);
    String type;
    String charset;
    byte[] payload;
    if (http) {
      HttpResponse response;
      try {
        response = HttpResponse.parse(Channels.newChannel(new ByteArrayInputStream(block)));
      } catch (IOException | RuntimeException e) {
        return RawRecord.fault(uri, InputFormat.WARC, number, at, "HTTP response cannot be parsed: " + message(e), head);
      }
      if (response.status() < 200 || response.status() > 299) {
        return RawRecord.rejected(uri, InputFormat.WARC, number, at, "HTTP status " + response.status()
            + (response.reason() == null || response.reason().isBlank() ? "" : " " + response.reason().strip())
            + ": not a 2xx response, no document", head);
      }
      Optional<String> declared = response.headers().first("Content-Type");
      Optional<MediaType> identified = record instanceof WarcTargetRecord t ? t.identifiedPayloadType()
          : Optional.empty();
      if (declared.isEmpty() && identified.isEmpty()) {
        return RawRecord.rejected(uri, InputFormat.WARC, number, at,
            "HTTP response has no Content-Type (and the record no WARC-Identified-Payload-Type)", head);
      }
      MediaType media = declared.map(MediaType::parseLeniently).orElseGet(identified::get);
      type = media.base().toString().toLowerCase(Locale.ROOT);
      charset = media.parameters().get("charset");
      if (!HTML.contains(type) && !type.equals(PLAIN)) {
        return rejectedType(at, type, head);
      }
      try (InputStream in = response.bodyDecoded().stream()) {
        payload = in.readNBytes(maxRecordBytes + 1);
      } catch (IOException | RuntimeException e) {
        return RawRecord.fault(uri, InputFormat.WARC, number, at, "HTTP payload cannot be decoded (Content-Encoding "
            + response.headers().first("Content-Encoding").orElse("none") + "): " + message(e), head);
      }
      if (payload.length > maxRecordBytes) {
        return RawRecord.fault(uri, InputFormat.WARC, number, at, "decoded HTTP payload longer than " + maxRecordBytes
            + " bytes; skipped to the next record", head);
      }
    } else {
      type = blockType.base().toString().toLowerCase(Locale.ROOT);
      charset = blockType.parameters().get("charset");
      if (!HTML.contains(type) && !type.equals(PLAIN)) {
        return rejectedType(at, type, head);
      }
      payload = block;
    }
    String text;
    if (HTML.contains(type)) {
      text = htmlText(payload, charset, targetOf(record));
    } else {
      Charset cs = charsetOr(charset, StandardCharsets.UTF_8);
      try {
        text = decodeStrict(payload, cs);
      } catch (MalformedAt e) {
        return RawRecord.fault(uri, InputFormat.WARC, number, at, "invalid " + cs.name() + " at byte " + e.offset
            + " of the text/plain payload: " + hex(payload, e.offset, e.length) + " (encoding not guessed)", head);
      }
    }
    Map<String, String> doc = new LinkedHashMap<>();
    doc.put("id", record.id().toString());
    doc.put("text", text);
    doc.put("url", targetOf(record));
    doc.put("fetched_at", dateOf(record));
    doc.put("content_type", type);
    try {
      return RawRecord.data(uri, InputFormat.WARC, number, at, JSON.writeValueAsBytes(doc));
    } catch (JsonProcessingException e) {
      return RawRecord.fault(uri, InputFormat.WARC, number, at, "record cannot be written as JSON: "
          + e.getOriginalMessage(), head);
    }
  }

  private RawRecord rejectedType(long at, String type, byte[] head) {
    return RawRecord.rejected(uri, InputFormat.WARC, number, at, "content type " + type
        + " is neither HTML nor plain text: no document", head);
  }

  /**
   * Decoded as jsoup decides (a byte-order mark, else the HTTP charset, else a {@code <meta>} charset,
   * else UTF-8); bytes the charset cannot decode become U+FFFD, since HTML from the web is a lossy
   * source anyway (unlike a JSONL or text input, which is quarantined for one bad byte).
   */
  private static String htmlText(byte[] payload, String charset, String url) {
    String name = charset != null && charsetOr(charset, null) != null ? charset : null;
    try {
      return replaceLoneSurrogates(HtmlMainText.extract(Jsoup.parse(new ByteArrayInputStream(payload), name,
          url == null ? "" : url)));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e); // reading a byte array does not fail
    }
  }

  /** An unpaired surrogate (from a numeric character reference) as U+FFFD: it cannot be written as UTF-8. */
  private static String replaceLoneSurrogates(String s) {
    if (!IngestRecordProcessor.hasUnpairedSurrogate(s)) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        sb.append(c).append(s.charAt(++i));
      } else {
        sb.append(Character.isSurrogate(c) ? '\uFFFD' : c);
      }
    }
    return sb.toString();
  }

  private static Charset charsetOr(String name, Charset fallback) {
    if (name == null) {
      return fallback;
    }
    try {
      return Charset.forName(name.strip().replace("\"", ""));
    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
      return fallback;
    }
  }

  private static String targetOf(WarcRecord record) {
    return record instanceof WarcTargetRecord t ? t.headers().first("WARC-Target-URI").orElse(null) : null;
  }

  private static String dateOf(WarcRecord record) {
    try {
      Instant date = record.date();
      return date == null ? null : date.toString();
    } catch (RuntimeException e) {
      return null; // a missing or malformed WARC-Date: the document simply has no fetch time
    }
  }

  /** A fault of the WARC stream itself: the record is quarantined where it broke and the file ends there. */
  private RawRecord broken(long line, long at, String why, byte[] head) {
    ended = true;
    return RawRecord.fault(uri, InputFormat.WARC, line, at, why + " (records before it are kept, the rest of the"
        + " file is not read)", head);
  }

  private static String message(Throwable e) {
    if (e instanceof ParsingException p) {
      // jwarc quotes the bytes around the error (raw HTML, CR LF): the position is what an operator needs
      String m = p.getBaseMessage();
      int quote = m.indexOf(": ...");
      return (quote < 0 ? m : m.substring(0, quote)) + " of the record's header";
    }
    if (e.getMessage() == null) {
      return e instanceof java.io.EOFException ? "unexpected end of input" : e.getClass().getSimpleName();
    }
    return e.getMessage();
  }

  private static String hex(byte[] b, int from, int length) {
    StringBuilder sb = new StringBuilder();
    for (int i = from; i < Math.min(b.length, from + Math.max(1, length)); i++) {
      sb.append(sb.length() == 0 ? "" : " ").append(String.format("%02X", b[i] & 0xff));
    }
    return sb.toString();
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

  private static String decodeStrict(byte[] bytes, Charset charset) throws MalformedAt {
    CharsetDecoder decoder = charset.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate((int) Math.ceil(bytes.length * (double) decoder.maxCharsPerByte()) + 1);
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
}
