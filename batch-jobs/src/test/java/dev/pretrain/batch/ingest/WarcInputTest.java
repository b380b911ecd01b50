package dev.pretrain.batch.ingest;

import static dev.pretrain.batch.ingest.WarcFixtures.BOILERPLATE_PAGE;
import static dev.pretrain.batch.ingest.WarcFixtures.BOILERPLATE_PAGE_TEXT;
import static dev.pretrain.batch.ingest.WarcFixtures.html;
import static dev.pretrain.batch.ingest.WarcFixtures.id;
import static dev.pretrain.batch.ingest.WarcFixtures.request;
import static dev.pretrain.batch.ingest.WarcFixtures.resource;
import static dev.pretrain.batch.ingest.WarcFixtures.response;
import static dev.pretrain.batch.ingest.WarcFixtures.warc;
import static dev.pretrain.batch.ingest.WarcFixtures.warcinfo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WARC inputs read by {@link InputFileCursor} and validated by {@link IngestRecordProcessor}, record by record. */
class WarcInputTest {

  @TempDir
  Path tmp;

  record Read(List<IngestOutcome> outcomes, InputFileCursor.Digest digest) {
    IngestOutcome.Kept kept(int i) {
      return assertInstanceOf(IngestOutcome.Kept.class, outcomes.get(i), outcomes.toString());
    }

    IngestOutcome.Bad bad(int i) {
      return assertInstanceOf(IngestOutcome.Bad.class, outcomes.get(i), outcomes.toString());
    }
  }

  Read read(String name, byte[] bytes, int cap) throws IOException {
    Path file = tmp.resolve(name);
    Files.write(file, bytes);
    IngestRecordProcessor processor = new IngestRecordProcessor("unknown");
    List<IngestOutcome> outcomes = new ArrayList<>();
    try (InputFileCursor cursor = InputFileCursor.open(file.toUri().toString(), null, cap, tmp.resolve("scratch"))) {
      for (RawRecord r; (r = cursor.next()) != null; ) {
        outcomes.add(processor.process(r));
      }
      return new Read(outcomes, cursor.finish());
    }
  }

  Read read(String name, byte[] bytes) throws IOException {
    return read(name, bytes, IngestJob.DEFAULT_MAX_RECORD_BYTES);
  }

  @Test
  void namesEndingInWarcAreWarc() {
    assertEquals(InputFormat.WARC, InputFormat.of("s3://b/crawl/CC-MAIN-00001.warc.gz"));
    assertEquals(InputFormat.WARC, InputFormat.of("file:///data/site.WARC"));
    assertEquals(InputFormat.TEXT, InputFormat.of("file:///data/warc-notes.txt"));
  }

  @Test
  void anHtmlPageKeepsItsMainTextWithoutTheBoilerplate() throws IOException {
    Read r = read("page.warc", warc(false, html(1, "https://garden.example/tomatoes", BOILERPLATE_PAGE)).bytes());
    assertEquals(1, r.outcomes().size());
    IngestOutcome.Kept k = r.kept(0);
    assertEquals(BOILERPLATE_PAGE_TEXT, k.text());
    for (String boilerplate : List.of("Home", "Contact us", "Popular posts", "Copyright", "Privacy", "Share",
        "tracking", "color: red", "Tips for small spaces")) {
      assertFalse(k.text().contains(boilerplate), boilerplate + " should be gone: " + k.text());
    }
    assertEquals(id(1).toString(), k.id());
    assertEquals("https://garden.example/tomatoes", k.url());
    assertEquals("2024-03-05T10:15:30Z", k.fetchedAt());
    assertEquals("page.warc", k.source());
  }

  @Test
  void plainTextIsKeptAsItIsAndBookkeepingRecordsAreSkipped() throws IOException {
    WarcFixtures.Written w = warc(true, warcinfo(1), request(2, "https://example.org/notes.txt"),
        response(3, "https://example.org/notes.txt", 200, "OK", "text/plain", "line one\r\nline two\n".getBytes(
            StandardCharsets.UTF_8)),
        resource(4, "https://example.org/readme", "text/plain; charset=utf-8", "a resource record"));
    Read r = read("notes.warc.gz", w.bytes());
    assertEquals(2, r.outcomes().size(), "warcinfo and request give no record: " + r.outcomes());
    assertEquals("line one\nline two\n", r.kept(0).text());
    assertEquals(3, r.kept(0).line(), "a record's line is its number in the file, skipped records counted");
    assertEquals("a resource record", r.kept(1).text());
    assertEquals("https://example.org/readme", r.kept(1).url());
  }

  @Test
  void aPdfAndA404AreRejectedWithTheirTypeAndStatus() throws IOException {
    WarcFixtures.Written w = warc(false,
        response(1, "https://example.org/report.pdf", 200, "OK", "application/pdf", "%PDF-1.7 ...".getBytes(
            StandardCharsets.US_ASCII)),
        response(2, "https://example.org/gone", 404, "Not Found", "text/html", "<p>no such page</p>".getBytes(
            StandardCharsets.UTF_8)),
        html(3, "https://example.org/ok", "<title>Fine</title><p>A page that is kept.</p>"));
    Read r = read("mixed.warc", w.bytes());
    assertEquals(3, r.outcomes().size());
    IngestOutcome.Bad pdf = r.bad(0);
    assertEquals(IngestOutcome.REJECTED, pdf.disposition());
    assertEquals("content type application/pdf is neither HTML nor plain text: no document", pdf.reason());
    assertEquals(w.offset(1), pdf.byteOffset());
    IngestOutcome.Bad gone = r.bad(1);
    assertEquals(IngestOutcome.REJECTED, gone.disposition());
    assertEquals("HTTP status 404 Not Found: not a 2xx response, no document", gone.reason());
    assertEquals(2, gone.line());
    assertEquals(w.offset(2), gone.byteOffset());
    assertTrue(gone.preview().startsWith("HTTP/1.1 404 Not Found"), gone.preview());
    assertEquals("Fine\n\nA page that is kept.", r.kept(2).text());
  }

  @Test
  void aPageInWindows1252DeclaredInItsMetaIsDecodedRight() throws IOException {
    String page = "<html><head><meta charset=\"windows-1252\"><title>Caf\u00e9 menu</title></head>"
        + "<body><p>Cr\u00e8me br\u00fbl\u00e9e \u2013 \u20ac4.50, na\u00efve \u201cclassics\u201d.</p></body></html>";
    byte[] cp1252 = page.getBytes(Charset.forName("windows-1252"));
    Read r = read("cp1252.warc", warc(false, response(1, "https://cafe.example/", 200, "OK", "text/html",
        cp1252)).bytes());
    assertEquals("Caf\u00e9 menu\n\nCr\u00e8me br\u00fbl\u00e9e \u2013 \u20ac4.50, na\u00efve \u201cclassics\u201d.",
        r.kept(0).text());
  }

  @Test
  void theHttpCharsetWinsAndBadBytesInHtmlAreReplaced() throws IOException {
    byte[] latin1 = "<p>Gr\u00fc\u00dfe aus K\u00f6ln</p>".getBytes(StandardCharsets.ISO_8859_1);
    byte[] broken = concat("<p>ok ".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xFF},
        " then more</p>".getBytes(StandardCharsets.UTF_8));
    Read r = read("charsets.warc", warc(false,
        response(1, "https://a.example/", 200, "OK", "text/html; charset=ISO-8859-1", latin1),
        response(2, "https://b.example/", 200, "OK", "text/html", broken),
        response(3, "https://c.example/", 200, "OK", "text/plain", broken)).bytes());
    assertEquals("Gr\u00fc\u00dfe aus K\u00f6ln", r.kept(0).text());
    assertEquals("ok \ufffd then more", r.kept(1).text(), "HTML is a lossy source: a bad byte becomes U+FFFD");
    IngestOutcome.Bad plain = r.bad(2);
    assertEquals(IngestOutcome.QUARANTINED, plain.disposition());
    assertEquals("invalid UTF-8 at byte 6 of the text/plain payload: FF (encoding not guessed)", plain.reason());
  }

  @Test
  void aCutWarcGzKeepsTheRecordsBeforeTheCutAndQuarantinesWhereItBroke() throws IOException {
    WarcFixtures.Written w = warc(true, warcinfo(1), html(2, "https://a.example/", "<p>first page, kept</p>"),
        html(3, "https://b.example/", "<p>second page, kept</p>"),
        html(4, "https://c.example/", "<p>third page, cut " + "x".repeat(2000) + "</p>"));
    byte[] cut = Arrays.copyOf(w.bytes(), (int) (w.offset(4) + (w.bytes().length - w.offset(4)) / 2));
    Read r = read("cut.warc.gz", cut);
    assertEquals(3, r.outcomes().size(), r.outcomes().toString());
    assertEquals("first page, kept", r.kept(0).text());
    assertEquals("second page, kept", r.kept(1).text());
    IngestOutcome.Bad bad = r.bad(2);
    assertEquals(IngestOutcome.QUARANTINED, bad.disposition());
    assertEquals(4, bad.line());
    assertEquals(w.offset(4), bad.byteOffset(), "the cut record's gzip member starts there");
    assertTrue(bad.reason().startsWith("truncated WARC: "), bad.reason());
    assertTrue(bad.reason().endsWith("(records before it are kept, the rest of the file is not read)"), bad.reason());
    // the digest is of the stored (compressed) bytes, all of them
    assertEquals(cut.length, r.digest().sizeBytes());
    assertEquals(sha256(cut), r.digest().sha256());
  }

  @Test
  void aBadWarcHeaderEndsTheFileThere() throws IOException {
    WarcFixtures.Written w = warc(false, html(1, "https://a.example/", "<p>kept before the damage</p>"),
        html(2, "https://b.example/", "<p>never reached</p>"));
    byte[] damaged = w.bytes().clone();
    byte[] garbage = "WARC/9.9 garbage\r\n".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(garbage, 0, damaged, (int) w.offset(2), garbage.length);
    Read r = read("damaged.warc", damaged);
    assertEquals(2, r.outcomes().size(), r.outcomes().toString());
    assertEquals("kept before the damage", r.kept(0).text());
    IngestOutcome.Bad bad = r.bad(1);
    assertEquals(IngestOutcome.QUARANTINED, bad.disposition());
    assertEquals(2, bad.line());
    assertEquals(w.offset(2), bad.byteOffset());
    assertEquals("WARC record cannot be read: invalid WARC record at position 8 of the record's header (records before"
        + " it are kept, the rest of the file is not read)", bad.reason());
    assertEquals(damaged.length, r.digest().sizeBytes());
  }

  @Test
  void aRecordOverTheCapIsQuarantinedAndTheNextOneRead() throws IOException {
    WarcFixtures.Written w = warc(true, html(1, "https://a.example/big", "<p>" + "y".repeat(5000) + "</p>"),
        html(2, "https://b.example/", "<p>small and kept</p>"));
    Read r = read("cap.warc.gz", w.bytes(), 4096);
    IngestOutcome.Bad big = r.bad(0);
    assertEquals(IngestOutcome.QUARANTINED, big.disposition());
    assertTrue(big.reason().startsWith("WARC record content longer than 4096 bytes ("), big.reason());
    assertEquals("small and kept", r.kept(1).text());
  }

  @Test
  void anEmptyWarcHasNoRecords() throws IOException {
    Read r = read("empty.warc.gz", new byte[0]);
    assertEquals(List.of(), r.outcomes());
    assertEquals(0, r.digest().sizeBytes());
  }

  @Test
  void jsonlRecordsMayCarryUrlAndFetchedAtToo() {
    IngestRecordProcessor p = new IngestRecordProcessor("unknown");
    IngestOutcome.Kept k = assertInstanceOf(IngestOutcome.Kept.class, p.process(RawRecord.data("file:///x.jsonl",
        InputFormat.JSONL, 1, 0, ("{\"id\":\"w1\",\"text\":\"t\",\"url\":\"https://e.example/\","
            + "\"fetched_at\":\"2020-01-01T00:00:00Z\"}").getBytes(StandardCharsets.UTF_8))));
    assertEquals("https://e.example/", k.url());
    assertEquals("2020-01-01T00:00:00Z", k.fetchedAt());
    IngestOutcome.Bad longUrl = assertInstanceOf(IngestOutcome.Bad.class, p.process(RawRecord.data("file:///x.jsonl",
        InputFormat.JSONL, 2, 0, ("{\"id\":\"w2\",\"text\":\"t\",\"url\":\"https://e.example/" + "a".repeat(4096)
            + "\"}").getBytes(StandardCharsets.UTF_8))));
    assertEquals("field 'url' longer than 4096 characters", longUrl.reason());
    IngestOutcome.Kept plain = assertInstanceOf(IngestOutcome.Kept.class, p.process(RawRecord.data("file:///x.jsonl",
        InputFormat.JSONL, 3, 0, "{\"id\":\"w3\",\"text\":\"t\"}".getBytes(StandardCharsets.UTF_8))));
    assertEquals(null, plain.url());
    assertEquals(null, plain.fetchedAt());
  }

  static byte[] concat(byte[]... parts) {
    return BadInputIngestTest.concat(parts);
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
