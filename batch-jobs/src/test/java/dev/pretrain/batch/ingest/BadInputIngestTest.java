package dev.pretrain.batch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import blue.strategic.parquet.ParquetWriter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.Zstd;
import dev.pretrain.batch.shards.ShardTestStack;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.storage.ObjectStore;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPOutputStream;
import java.util.zip.Inflater;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One bad input per case, each run through the real ingest job (S3Proxy, H2 with the JDBC job
 * repository): the bad record is named by file, line, byte offset and reason, has its quarantine row,
 * the good records before and after it are kept, and {@code records_in = kept + rejected + quarantined}.
 * Prints the table of docs/bad-input.md and fails when the doc shows another one.
 */
class BadInputIngestTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final int CAP = IngestJob.DEFAULT_MAX_RECORD_BYTES;
  static final AtomicInteger RUNS = new AtomicInteger();

  static Path tmp;
  static ShardTestStack stack;
  static final Map<String, String> TABLE = new LinkedHashMap<>();

  /** An expected bad record: its line, byte offset, disposition and how its reason starts. */
  record Bad(long line, long offset, String disposition, String reasonStart) {}

  /** Writes the case's input file. */
  @FunctionalInterface
  interface Content {
    void write(OutputStream out) throws IOException;
  }

  /**
   * @param keptIds     ids of the records that must be kept, in order (the generated id of a text file is "*")
   * @param bad         the expected bad records; null when only their kind is known (random bytes)
   * @param nextFile    a good text file read after the case's file: the job goes on
   * @param keptTexts   normalized texts that kept records must have
   */
  record Case(String name, String fileName, Content content, List<String> keptIds, List<Bad> bad, boolean nextFile,
      Map<String, String> keptTexts) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  static void up() throws Exception {
    tmp = Files.createTempDirectory("bad-input");
    stack = new ShardTestStack(tmp, IngestJobConfig.class);
  }

  @AfterAll
  static void down() throws IOException {
    try {
      checkTheDocumentedTable();
    } finally {
      if (stack != null) {
        stack.close();
      }
      deleteTree(tmp);
    }
  }

  /**
   * docs/bad-input.md shows the table these cases produce; it must be exactly what the code does
   * now. With {@code -Dpretrain.updateDocs=true} the test writes the new table into the doc instead.
   * Skipped when only some cases ran ({@code -Dtest=BadInputIngestTest#...}).
   */
  static void checkTheDocumentedTable() throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append("| input | message | records_in | kept | rejected | quarantined |\n");
    sb.append("|---|---|---|---|---|---|\n");
    TABLE.values().forEach(row -> sb.append(row).append('\n'));
    String table = sb.toString();
    System.out.println("=== bad input table ===\n" + table);
    long cases = cases().count();
    if (TABLE.size() != cases) {
      System.out.println("only " + TABLE.size() + " of " + cases + " cases ran: docs/bad-input.md not compared");
      return;
    }
    Path doc = Path.of("").toAbsolutePath().getParent().resolve("docs/bad-input.md");
    String text = Files.readString(doc);
    int start = text.indexOf("| input | message |");
    int end = text.indexOf("\n\n", start);
    if (start < 0 || end < 0) {
      throw new AssertionError(doc + " has no table starting with '| input | message |'");
    }
    String documented = text.substring(start, end + 1);
    if (Boolean.getBoolean("pretrain.updateDocs")) {
      Files.writeString(doc, text.substring(0, start) + table + text.substring(end + 1));
      System.out.println("wrote the table into " + doc);
    } else if (!documented.equals(table)) {
      throw new AssertionError(doc + " does not show what ingest does now; update it with"
          + " -Dpretrain.updateDocs=true (see the doc's last section)\nexpected:\n" + table + "\ndocumented:\n"
          + documented);
    }
  }

  static Stream<Case> cases() throws IOException {
    List<Case> cases = new ArrayList<>();

    // --- bytes that are not UTF-8: quarantined, the bad byte named, no encoding guessed
    cases.add(oneBadLine("invalid UTF-8 (FF)", "utf8-ff.jsonl",
        concat(utf8("{\"text\":\"ab"), bytes(0xFF), utf8("\"}")), "quarantined",
        off -> "invalid UTF-8 at byte 11 of line (byte " + (off + 11) + " of file): FF is not valid UTF-8"));
    cases.add(oneBadLine("overlong encoding (C0 AF)", "overlong.jsonl",
        concat(utf8("{\"text\":\"a"), bytes(0xC0, 0xAF), utf8("b\"}")), "quarantined",
        off -> "invalid UTF-8 at byte 10 of line (byte " + (off + 10) + " of file): C0 is not valid UTF-8"));
    cases.add(oneBadLine("UTF-8-encoded lone surrogate (ED A0 80)", "surrogate.jsonl",
        concat(utf8("{\"text\":\"a"), bytes(0xED, 0xA0, 0x80), utf8("b\"}")), "quarantined",
        off -> "invalid UTF-8 at byte 10 of line (byte " + (off + 10) + " of file): ED A0 80 is not valid UTF-8"));
    cases.add(oneBadLine("Latin-1 text (caf\\xE9)", "latin1.jsonl",
        concat(utf8("{\"text\":\"caf"), bytes(0xE9), utf8("\"}")), "quarantined",
        off -> "invalid UTF-8 at byte 12 of line (byte " + (off + 12) + " of file): E9 is not valid UTF-8"));
    cases.add(new Case("Latin-1 plain text file (caf\\xE9 au lait)", "latin1.txt",
        out -> out.write(concat(utf8("caf"), bytes(0xE9), utf8(" au lait\n"))), List.of(),
        List.of(new Bad(1, 0, "quarantined", "invalid UTF-8 at byte 3 of file: E9 is not valid UTF-8")), true, Map.of()));

    // --- gzip
    StringBuilder plain = new StringBuilder();
    List<String> gzIds = new ArrayList<>();
    Random random = new Random(7);
    for (int i = 0; i < 300; i++) {
      gzIds.add("gz-" + i);
      plain.append(goodLine("gz-" + i, randomWords(random, 20))).append('\n');
    }
    byte[] fullGz = gzip(plain.toString());
    byte[] cutGz = Arrays.copyOf(fullGz, fullGz.length * 6 / 10);
    byte[] prefix = decodablePrefix(cutGz);
    int whole = count(prefix, (byte) '\n');
    long cutLineStart = lastIndexOf(prefix, (byte) '\n') + 1;
    cases.add(new Case("truncated gzip (cut at 60 %)", "cut.jsonl.gz", out -> out.write(cutGz), gzIds.subList(0, whole),
        List.of(new Bad(whole + 1, cutLineStart, "quarantined",
            "truncated gzip input: gzip member 1 ends early at compressed byte " + cutGz.length)), true, Map.of()));

    String member1 = goodLine("crc-1", "first") + "\n" + goodLine("crc-2", "second") + "\n";
    byte[] badCrc = gzip(member1);
    badCrc[badCrc.length - 8] ^= 0x01; // first byte of the trailer's CRC-32
    cases.add(new Case("gzip CRC mismatch (trailer byte flipped)", "crc.jsonl.gz", out -> out.write(badCrc),
        List.of("crc-1", "crc-2"), List.of(new Bad(3, utf8(member1).length, "quarantined",
            "gzip CRC mismatch in member 1 (trailer at compressed byte " + (badCrc.length - 8) + " says ")),
        true, Map.of()));

    String member2 = goodLine("crc2-3", "member two") + "\n";
    byte[] badFirstOfTwo = concat(badCrc, gzip(member2));
    cases.add(new Case("gzip CRC mismatch in member 1 of 2", "crc2.jsonl.gz", out -> out.write(badFirstOfTwo),
        List.of("crc-1", "crc-2"), List.of(new Bad(3, utf8(member1).length, "quarantined",
            "gzip CRC mismatch in member 1")), true, Map.of()));

    byte[] multi = concat(gzip(goodLine("mm-1", "member one") + "\n" + goodLine("mm-2", "member one, again") + "\n"),
        gzip(""), gzip(goodLine("mm-3", "after an empty member") + "\n"), gzip(goodLine("mm-4", "last")));
    cases.add(new Case("multi-member gzip (4 members, one empty; valid)", "multi.jsonl.gz", out -> out.write(multi),
        List.of("mm-1", "mm-2", "mm-3", "mm-4"), List.of(), false, Map.of("mm-4", "good last")));

    // --- zstd: frames one after the other are one stream; a cut ends the file where it broke
    StringBuilder frame1 = new StringBuilder();
    StringBuilder frame2 = new StringBuilder();
    List<String> zstIds = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      zstIds.add("zst-" + i);
      (i < 30 ? frame1 : frame2).append(goodLine("zst-" + i, randomWords(random, 20))).append('\n');
    }
    byte[] twoFrames = concat(zstd(frame1.toString()), zstd(frame2.toString()));
    cases.add(new Case("zstd, two frames (valid)", "frames.jsonl.zst", out -> out.write(twoFrames), zstIds, List.of(),
        false, Map.of()));
    byte[] firstFrame = zstd(frame1.toString());
    byte[] cutZst = Arrays.copyOf(twoFrames, firstFrame.length + (twoFrames.length - firstFrame.length) / 2);
    cases.add(new Case("truncated zstd (cut inside frame 2 of 2)", "cut.jsonl.zst", out -> out.write(cutZst),
        zstIds.subList(0, 30), List.of(new Bad(31, utf8(frame1.toString()).length, "quarantined",
            "truncated zstd input: zstd frame 2 ends early at compressed byte " + cutZst.length)),
        true, Map.of()));

    // --- Parquet: a row is a record, its columns the fields; the file is checked before its rows
    String docSchema = "message doc { optional int64 id; optional binary text (STRING); optional binary license (STRING); }";
    byte[] goodParquet = parquet(docSchema, List.of(
        Map.of("id", 1L, "text", "first row", "license", "CC0-1.0"),
        Map.of("id", 2L, "license", "CC0-1.0"), // a null text: quarantined as for JSONL
        Map.of("id", 3L, "text", "third row")));
    cases.add(new Case("Parquet rows (int64 id, a row without text)", "rows.parquet", out -> out.write(goodParquet),
        List.of("1", "3"), List.of(new Bad(2, 0, "quarantined", "field 'text' is null")), false,
        Map.of("1", "first row", "3", "third row")));
    byte[] cutParquet = Arrays.copyOf(goodParquet, goodParquet.length / 2);
    cases.add(new Case("truncated Parquet (cut in half)", "cut.parquet", out -> out.write(cutParquet), List.of(),
        List.of(new Bad(1, 0, "quarantined", "not a readable Parquet file: ")), true, Map.of()));

    // --- WARC: one record per response/resource/conversion; bookkeeping skipped; offsets in the stored file
    WarcFixtures.Written crawl = WarcFixtures.warc(true, WarcFixtures.warcinfo(1),
        WarcFixtures.request(2, "https://garden.example/tomatoes"),
        WarcFixtures.html(3, "https://garden.example/tomatoes", WarcFixtures.BOILERPLATE_PAGE),
        WarcFixtures.response(4, "https://garden.example/robots.txt", 200, "OK", "text/plain", utf8("User-agent: *\n")));
    cases.add(new Case("WARC: an HTML page (boilerplate removed) and a plain-text response; warcinfo and request"
        + " records skipped (valid)", "crawl.warc.gz", out -> out.write(crawl.bytes()),
        List.of(WarcFixtures.id(3).toString(), WarcFixtures.id(4).toString()), List.of(), false,
        Map.of(WarcFixtures.id(3).toString(), WarcFixtures.BOILERPLATE_PAGE_TEXT)));
    WarcFixtures.Written notDocs = WarcFixtures.warc(false,
        WarcFixtures.html(1, "https://a.example/", "<p>a page before</p>"),
        WarcFixtures.response(2, "https://a.example/report.pdf", 200, "OK", "application/pdf", utf8("%PDF-1.7\n")),
        WarcFixtures.response(3, "https://a.example/gone", 404, "Not Found", "text/html", utf8("<p>not here</p>")),
        WarcFixtures.html(4, "https://a.example/after", "<p>a page after</p>"));
    cases.add(new Case("WARC: a PDF response and a 404 between two pages", "not-docs.warc",
        out -> out.write(notDocs.bytes()), List.of(WarcFixtures.id(1).toString(), WarcFixtures.id(4).toString()),
        List.of(new Bad(2, notDocs.offset(2), "rejected", "content type application/pdf is neither HTML nor plain text"),
            new Bad(3, notDocs.offset(3), "rejected", "HTTP status 404 Not Found: not a 2xx response")), false,
        Map.of()));
    byte[] cp1252Page = ("<html><head><meta charset=\"windows-1252\"><title>Caf\u00e9</title></head><body><p>cr\u00e8me"
        + " br\u00fbl\u00e9e \u2013 \u20ac4</p></body></html>").getBytes(java.nio.charset.Charset.forName("windows-1252"));
    WarcFixtures.Written cp1252 = WarcFixtures.warc(false,
        WarcFixtures.response(1, "https://cafe.example/", 200, "OK", "text/html", cp1252Page));
    cases.add(new Case("WARC: a windows-1252 page declared in its meta charset (valid)", "cp1252.warc",
        out -> out.write(cp1252.bytes()), List.of(WarcFixtures.id(1).toString()), List.of(), false,
        Map.of(WarcFixtures.id(1).toString(), "Caf\u00e9\n\ncr\u00e8me br\u00fbl\u00e9e \u2013 \u20ac4")));
    WarcFixtures.Written fullWarc = WarcFixtures.warc(true, WarcFixtures.warcinfo(1),
        WarcFixtures.html(2, "https://b.example/1", "<p>first page</p>"),
        WarcFixtures.html(3, "https://b.example/2", "<p>second page</p>"),
        WarcFixtures.html(4, "https://b.example/3", "<p>third page " + randomWords(random, 300) + "</p>"));
    byte[] cutWarc = Arrays.copyOf(fullWarc.bytes(), (int) (fullWarc.offset(4)
        + (fullWarc.bytes().length - fullWarc.offset(4)) / 2));
    cases.add(new Case("truncated .warc.gz (cut inside the gzip member of record 4)", "cut.warc.gz",
        out -> out.write(cutWarc), List.of(WarcFixtures.id(2).toString(), WarcFixtures.id(3).toString()),
        List.of(new Bad(4, fullWarc.offset(4), "quarantined", "truncated WARC: ")), true, Map.of()));
    byte[] badHeader = notDocs.bytes().clone();
    byte[] garbage = utf8("WARC/9.9 not a record\r\n");
    System.arraycopy(garbage, 0, badHeader, (int) notDocs.offset(2), garbage.length);
    cases.add(new Case("WARC record header overwritten (record 2 of 4)", "bad-header.warc", out -> out.write(badHeader),
        List.of(WarcFixtures.id(1).toString()),
        List.of(new Bad(2, notDocs.offset(2), "quarantined", "WARC record cannot be read: ")), true, Map.of()));

    byte[] zstWarc = Zstd.compress(crawl.bytes(), 3);
    cases.add(new Case("WARC compressed with zstd (.warc.zst): not read", "crawl.warc.zst", out -> out.write(zstWarc),
        List.of(), List.of(new Bad(1, 0, "quarantined", "WARC compressed with zstd")), true, Map.of()));

    // --- JSON that is not a document: quarantined; content rules: rejected
    cases.add(oneBadLine("JSON array", "array.jsonl", utf8("[{\"text\":\"in an array\"}]"), "quarantined",
        off -> "not a JSON object (got array)"));
    cases.add(oneBadLine("JSON number", "number.jsonl", utf8("42"), "quarantined", off -> "not a JSON object (got number)"));
    cases.add(oneBadLine("JSON string", "string.jsonl", utf8("\"just a string\""), "quarantined",
        off -> "not a JSON object (got string)"));
    cases.add(oneBadLine("not JSON", "notjson.jsonl", utf8("this is not json"), "quarantined",
        off -> "invalid JSON at column 1: Unrecognized token 'this'"));
    cases.add(oneBadLine("not JSON, a bare token with a raw NUL", "nultoken.jsonl", concat(utf8("abc"), bytes(0), utf8("def")),
        "quarantined", off -> "invalid JSON at column 1: Unrecognized token 'abc\\u0000def'"));
    cases.add(oneBadLine("missing text", "notext.jsonl", utf8("{\"id\":\"nt\",\"title\":\"no text here\"}"),
        "quarantined", off -> "missing field 'text'"));
    cases.add(oneBadLine("text is a number", "textnum.jsonl", utf8("{\"text\":42}"), "quarantined",
        off -> "field 'text' is not a string (got number)"));
    cases.add(oneBadLine("text is an object", "textobj.jsonl", utf8("{\"text\":{\"body\":\"x\"}}"), "quarantined",
        off -> "field 'text' is not a string (got object)"));
    cases.add(oneBadLine("text is null", "textnull.jsonl", utf8("{\"text\":null}"), "quarantined",
        off -> "field 'text' is null"));
    cases.add(oneBadLine("empty text", "empty-text.jsonl", utf8("{\"text\":\"\"}"), "rejected", off -> "empty text"));
    cases.add(oneBadLine("whitespace-only text", "blank-text.jsonl", utf8("{\"text\":\" \\t\\r\\n \"}"), "rejected",
        off -> "whitespace-only text"));

    // --- control characters
    cases.add(oneBadLine("NUL in text (\\u0000 escape)", "nul.jsonl", utf8("{\"text\":\"ab\\u0000c\"}"), "rejected",
        off -> "text contains NUL (U+0000) at character 2: binary or UTF-16 data, not text"));
    cases.add(oneBadLine("raw NUL byte in the line", "nulbyte.jsonl", concat(utf8("{\"text\":\"ab"), bytes(0), utf8("c\"}")),
        "quarantined", off -> "invalid JSON at column 12: Illegal unquoted character ((CTRL-CHAR, code 0))"));
    Lines controls = new Lines().good("ctl-before")
        .line(utf8("{\"id\":\"ctl\",\"text\":\"page one\\fpage two \\u001b[1mbold\\u001b[0m\\u0007\"}")).good("ctl-after");
    cases.add(new Case("C0 controls in text (\\f ESC BEL)", "controls.jsonl", out -> out.write(controls.bytes()),
        List.of("ctl-before", "ctl", "ctl-after"), List.of(), false, Map.of("ctl", "page onepage two [1mbold[0m")));

    cases.add(oneBadLine("only C0 controls in text", "only-controls.jsonl", utf8("{\"text\":\"\\u0007\\u0007\"}"),
        "rejected", off -> "empty text (after removing 2 control characters (U+0007 x2))"));

    Lines c1 = new Lines().good("c1-before")
        .line(utf8("{\"id\":\"c1\",\"text\":\"caf\u00e9\u007f \u0092quoted\u0093 \u0085end\"}")).good("c1-after");
    cases.add(new Case("DEL and C1 controls in text (U+007F U+0092 U+0093 U+0085)", "c1.jsonl", out -> out.write(c1.bytes()),
        List.of("c1-before", "c1", "c1-after"), List.of(), false, Map.of("c1", "caf\u00e9 quoted end")));
    cases.add(oneBadLine("only Unicode spaces in text (NBSP, EM SPACE, ideographic space, ZWSP)", "nbsp.jsonl",
        utf8("{\"text\":\"\u00a0\u2003\u3000\u200b\"}"), "rejected", off -> "whitespace-only text"));

    // --- valid: BOM at the start, CRLF line ends, no final newline
    byte[] bomCrlf = concat(bytes(0xEF, 0xBB, 0xBF), utf8(goodLine("bom-1", "first") + "\r\n"
        + "{\"id\":\"bom-2\",\"text\":\"two\\r\\nlines\"}\r\n"));
    cases.add(new Case("BOM + CRLF line ends (valid)", "bom-crlf.jsonl", out -> out.write(bomCrlf),
        List.of("bom-1", "bom-2"), List.of(), false, Map.of("bom-1", "good first", "bom-2", "two\nlines")));
    byte[] noFinal = utf8(goodLine("nf-1", "one") + "\n" + goodLine("nf-2", "last, no newline"));
    cases.add(new Case("no final newline (valid)", "nofinal.jsonl", out -> out.write(noFinal), List.of("nf-1", "nf-2"),
        List.of(), false, Map.of("nf-2", "good last, no newline")));

    // --- size: a 20 MB line is over the 8 MiB cap; the reader buffers at most the cap, then skips
    byte[] before = utf8(goodLine("big-before", "before") + "\n");
    int bigLength = 20_000_000;
    cases.add(new Case("20 MB single line", "big.jsonl", out -> {
      out.write(before);
      out.write(utf8("{\"text\":\""));
      byte[] x = new byte[1 << 16];
      Arrays.fill(x, (byte) 'x');
      for (int left = bigLength - 11; left > 0; left -= x.length) {
        out.write(x, 0, Math.min(left, x.length));
      }
      out.write(utf8("\"}\n"));
      out.write(utf8(goodLine("big-after", "after") + "\n"));
    }, List.of("big-before", "big-after"), List.of(new Bad(2, before.length, "quarantined",
        "line longer than " + CAP + " bytes (" + bigLength + " bytes); skipped to the next newline")), false, Map.of()));

    // --- empty and binary files
    cases.add(new Case("empty .jsonl (0 bytes)", "empty.jsonl", out -> {}, List.of(), List.of(), false, Map.of()));
    cases.add(new Case("empty .txt (0 bytes)", "empty.txt", out -> {}, List.of(), List.of(), false, Map.of()));
    byte[] noise = new byte[64 << 10];
    new Random(42).nextBytes(noise);
    cases.add(new Case("64 KiB random bytes under .jsonl", "random.jsonl",
        out -> out.write(new Lines().good("rnd-before").line(noise).good("rnd-after").bytes()),
        List.of("rnd-before", "rnd-after"), null, false, Map.of()));
    byte[] png = concat(bytes(0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 'I', 'H', 'D', 'R',
        0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89));
    Lines pngLines = new Lines().good("png-before").line(png).good("png-after");
    long pngAt = pngLines.offset(2);
    cases.add(new Case("PNG header under .jsonl", "image.jsonl", out -> out.write(pngLines.bytes()),
        List.of("png-before", "png-after"), List.of(
            // the signature's own CR LF splits it: 89 'PNG' CR | 1A | the IHDR chunk (its C4 89 happens to be UTF-8)
            new Bad(2, pngAt, "quarantined", "invalid UTF-8 at byte 0 of line (byte " + pngAt + " of file): 89 is not valid UTF-8"),
            new Bad(3, pngAt + 6, "quarantined", "invalid JSON"),
            new Bad(4, pngAt + 8, "quarantined", "invalid JSON")), false, Map.of()));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachBadInputIsNamedQuarantinedAndTheGoodOnesBesideItKept(Case c) throws Exception {
    String runId = "bad-input-" + RUNS.incrementAndGet();
    Path dir = Files.createDirectories(tmp.resolve(runId));
    Path file = dir.resolve(c.fileName());
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      c.content().write(out);
    }
    List<IngestJob.Input> inputs = new ArrayList<>(List.of(input(file)));
    Path next = dir.resolve("zz-next.txt");
    if (c.nextFile()) {
      Files.writeString(next, "the job goes on with the next file\n");
      inputs.add(input(next));
    }

    // the default cap (the 7-argument request is what the ingest activity sends)
    IngestJob.Result r = IngestJob.run(stack.runner,
        new IngestJob.Request(runId, 0, 1, ShardTestStack.BUCKET, inputs, 1 << 20, null), null);

    String uri = file.toUri().toString();
    List<DocumentRepository.Quarantined> rows = stack.documents.quarantine(runId);
    assertEquals(r.recordsIn(), r.kept() + r.rejected() + r.quarantined(), "counts are conserved: " + r);
    assertEquals(r.rejected() + r.quarantined(), rows.size(), "one quarantine row per bad record: " + rows);
    assertEquals(r.rejected(), rows.stream().filter(q -> q.disposition().equals("rejected")).count());
    for (DocumentRepository.Quarantined q : rows) {
      assertTrue(q.reason().chars().noneMatch(ch -> ch < 0x20), "a reason is printable (PostgreSQL refuses NUL): " + q);
    }

    // the bad records: where, why, in which counter
    if (c.bad() != null) {
      assertEquals(c.bad().size(), rows.size(), rows.toString());
      for (Bad b : c.bad()) {
        DocumentRepository.Quarantined q = rows.stream().filter(x -> x.inputUri().equals(uri) && x.line() == b.line())
            .findFirst().orElseThrow(() -> new AssertionError("no quarantine row for line " + b.line() + " in " + rows));
        assertEquals(b.disposition(), q.disposition(), q.toString());
        assertEquals(b.offset(), q.byteOffset(), q.toString());
        assertTrue(q.reason().startsWith(b.reasonStart()), "reason '" + q.reason() + "' should start with '"
            + b.reasonStart() + "'");
      }
    } else {
      assertFalse(rows.isEmpty(), "random bytes give bad records");
      for (DocumentRepository.Quarantined q : rows) {
        assertEquals(uri, q.inputUri());
        assertTrue(q.reason().startsWith("invalid UTF-8 at byte ") || q.reason().startsWith("invalid JSON")
            || q.reason().equals("blank line"), q.toString());
      }
    }
    if (!rows.isEmpty()) {
      assertNotNull(r.quarantine(), "a quarantine shard holds the bad records");
      assertEquals(rows.size(), new String(stack.get(r.quarantine()), StandardCharsets.UTF_8).split("\n").length);
    } else {
      assertNull(r.quarantine());
    }

    // every good record is kept, in order, with its normalized text
    List<String> keptIds = new ArrayList<>();
    Map<String, String> texts = new LinkedHashMap<>();
    for (ObjectStore.Stored shard : r.documentShards()) {
      for (String line : new String(stack.get(shard), StandardCharsets.UTF_8).split("\n")) {
        JsonNode n = JSON.readTree(line);
        keptIds.add(n.get("id").asText());
        texts.put(n.get("id").asText(), n.get("text").asText());
      }
    }
    List<String> expected = new ArrayList<>(c.keptIds());
    if (c.nextFile()) {
      expected.add("zz-next.txt:" + next.toUri() + "#1");
    }
    assertEquals(expected, keptIds);
    assertEquals(expected.size(), r.kept());
    c.keptTexts().forEach((id, text) -> assertEquals(text, texts.get(id), id));

    // every input is recorded with the digest of its bytes, an empty one included
    ArtifactRepository.Artifact recorded = stack.artifacts.find(uri).orElseThrow();
    assertEquals(Files.size(file), recorded.sizeBytes());
    assertEquals(IngestShardWriter.KIND_INPUT_FILE, recorded.kind());

    if (c.name().startsWith("C0 controls")) {
      // the removal is a recorded change to the document
      List<DocumentRepository.Decision> decisions = stack.documents.decisions(runId, IngestJob.STEP);
      assertEquals(List.of(new DocumentRepository.Decision("ctl", IngestShardWriter.DECISION_NORMALIZED,
          "removed 4 control characters (U+000C x1, U+001B x2, U+0007 x1) from the text", null)), decisions);
    }

    TABLE.put(c.name(), row(c, rows, stack.documents.decisions(runId, IngestJob.STEP), r));
  }

  private static String row(Case c, List<DocumentRepository.Quarantined> rows,
      List<DocumentRepository.Decision> decisions, IngestJob.Result r) {
    List<String> messages = new ArrayList<>();
    for (DocumentRepository.Decision d : decisions) {
      messages.add("kept `" + d.docId() + "`, decision " + d.decision() + ": " + d.reason());
    }
    for (DocumentRepository.Quarantined q : rows) {
      String name = q.inputUri().substring(q.inputUri().lastIndexOf('/') + 1);
      messages.add(name + ":" + q.line() + " (byte " + q.byteOffset() + "): " + q.disposition() + ": " + q.reason());
    }
    String message;
    if (messages.isEmpty()) {
      message = "(none)";
    } else if (messages.size() > 3) {
      message = messages.get(0) + "<br>" + messages.get(1) + "<br>(+" + (messages.size() - 2) + " more like these)";
    } else {
      message = String.join("<br>", messages);
    }
    String input = c.name() + " — `" + c.fileName() + "`" + (c.nextFile() ? " + a good `zz-next.txt`" : "");
    return "| " + input.replace("|", "\\|") + " | " + message.replace("|", "\\|") + " | " + r.recordsIn() + " | "
        + r.kept() + " | " + r.rejected() + " | " + r.quarantined() + " |";
  }

  /** A JSONL file: a good line, the bad line, a good line; the expected bad record is line 2. */
  private static Case oneBadLine(String name, String fileName, byte[] badLine, String disposition,
      java.util.function.LongFunction<String> reason) {
    String id = fileName.substring(0, fileName.indexOf('.'));
    Lines lines = new Lines().good(id + "-before").line(badLine).good(id + "-after");
    long offset = lines.offset(2);
    return new Case(name, fileName, out -> out.write(lines.bytes()), List.of(id + "-before", id + "-after"),
        List.of(new Bad(2, offset, disposition, reason.apply(offset))), false, Map.of());
  }

  /** Lines of a file, remembering where each starts. */
  static final class Lines {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final List<Long> offsets = new ArrayList<>();

    Lines line(byte[] b) {
      offsets.add((long) out.size());
      out.writeBytes(b);
      out.write('\n');
      return this;
    }

    Lines good(String id) {
      return line(utf8(goodLine(id, id)));
    }

    long offset(int lineNumber) {
      return offsets.get(lineNumber - 1);
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }

  static String goodLine(String id, String text) {
    return "{\"id\":\"" + id + "\",\"text\":\"good " + text + "\"}";
  }

  /** What an independent inflater (the JDK's) can decode of a cut gzip stream. */
  static byte[] decodablePrefix(byte[] gz) {
    Inflater inflater = new Inflater(true);
    inflater.setInput(gz, 10, gz.length - 10); // a plain 10-byte header, as GZIPOutputStream writes it
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[1 << 16];
    try {
      for (int n; (n = inflater.inflate(buf)) > 0 || !inflater.needsInput(); ) {
        out.write(buf, 0, n);
        if (inflater.finished()) {
          break;
        }
      }
    } catch (DataFormatException e) {
      throw new IllegalStateException(e);
    } finally {
      inflater.end();
    }
    return out.toByteArray();
  }

  static int count(byte[] b, byte v) {
    int n = 0;
    for (byte x : b) {
      n += x == v ? 1 : 0;
    }
    return n;
  }

  static int lastIndexOf(byte[] b, byte v) {
    for (int i = b.length - 1; i >= 0; i--) {
      if (b[i] == v) {
        return i;
      }
    }
    return -1;
  }

  static IngestJob.Input input(Path p) throws IOException {
    return new IngestJob.Input(p.toUri().toString(), Files.size(p));
  }

  static byte[] gzip(String s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(utf8(s));
    }
    return out.toByteArray();
  }

  /** A Parquet file of {@code rows} (column name to value) written with parquet-floor's writer. */
  static byte[] parquet(String schema, List<Map<String, Object>> rows) throws IOException {
    Path f = Files.createTempFile("bad-input-", ".parquet");
    Files.delete(f); // the writer creates it
    try {
      try (ParquetWriter<Map<String, Object>> w = ParquetWriter.writeFile(MessageTypeParser.parseMessageType(schema),
          f.toFile(), (row, out) -> row.forEach(out::write))) {
        for (Map<String, Object> row : rows) {
          w.write(row);
        }
      }
      return Files.readAllBytes(f);
    } finally {
      Files.deleteIfExists(f);
    }
  }

  static byte[] zstd(String s) {
    return Zstd.compress(utf8(s), 3);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static String randomWords(Random random, int words) {
    StringBuilder sb = new StringBuilder();
    for (int w = 0; w < words; w++) {
      sb.append(w > 0 ? " " : "");
      int len = 2 + random.nextInt(8);
      for (int c = 0; c < len; c++) {
        sb.append((char) ('a' + random.nextInt(26)));
      }
    }
    return sb.toString();
  }

  /** Removes the test's temporary files (the 20 MB input among them). */
  static void deleteTree(Path root) throws IOException {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
