package dev.pretrain.ops.corpus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextExtractorTest {

  @Test
  void gunzipsOnlyGzFiles() throws Exception {
    byte[] text = "Kernel docs\n".getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(text);
    }
    assertArrayEquals(text, TextExtractor.gunzipIfNeeded("a/b.rst.gz", gz.toByteArray()));
    assertArrayEquals(text, TextExtractor.gunzipIfNeeded("a/b.rst", text));
    assertThrows(java.io.IOException.class, () -> TextExtractor.gunzipIfNeeded("bad.gz", text));
  }

  @Test
  void binaryDetection() {
    assertTrue(TextExtractor.looksBinary(new byte[] {'a', 0, 'b'}), "NUL byte: binary (fortune .dat index)");
    assertFalse(TextExtractor.looksBinary("plain\ttext\r\n\f".getBytes(StandardCharsets.US_ASCII)));
    assertFalse(TextExtractor.looksBinary("Grüße, 日本".getBytes(StandardCharsets.UTF_8)));
    byte[] controls = new byte[100];
    for (int i = 0; i < controls.length; i++) {
      controls[i] = (byte) (i % 3 == 0 ? 1 : 0xE9);
    }
    assertTrue(TextExtractor.looksBinary(controls), "many control bytes and not UTF-8");
  }

  @Test
  void decodesUtf8ElseLatin1AndNormalizesLineEnds() {
    TextExtractor.Decoded u = TextExtractor.decode("\uFEFFGrüße\r\nzwei\rdrei".getBytes(StandardCharsets.UTF_8));
    assertEquals("Grüße\nzwei\ndrei", u.text());
    assertFalse(u.latin1());
    TextExtractor.Decoded l = TextExtractor.decode("caf\u00e9".getBytes(StandardCharsets.ISO_8859_1));
    assertEquals("café", l.text());
    assertTrue(l.latin1(), "the fallback is reported, not silent");
  }

  @Test
  void htmlToTextAndLanguage() {
    String html = """
        <!doctype html>
        <html data-code="007" data-iso6393="cri" dir="ltr" lang="cri">
          <head>
            <title>Sãotomense</title>
            <style>p { color: red }</style>
          </head>
          <body>
            <h1>Declaraçón   Universal</h1>
            <!-- a comment -->
            <p>Punda dignidade &amp; dirêtu&nbsp;di &#72;ómé &#x263A; &lt;tag&gt;</p>
            <ol><li>Artigu 1</li><li>Artigu <b>2</b></li></ol>
            <script>var x = "<p>not text</p>";</script>
          </body>
        </html>
        """;
    assertEquals("Declaraçón Universal\nPunda dignidade & dirêtu di Hómé ☺ <tag>\nArtigu 1\nArtigu 2",
        TextExtractor.htmlToText(html));
    assertEquals(Optional.of("cri"), TextExtractor.htmlAttribute(html, "data-iso6393"));
    assertEquals(Optional.of("cri"), TextExtractor.htmlAttribute(html, "lang"));
    assertEquals(Optional.empty(), TextExtractor.htmlAttribute(html, "data-missing"));
    assertEquals(Optional.of("en"), TextExtractor.htmlAttribute("<html lang='en'><p>x", "lang"));
  }

  @Test
  void osisVerseToText() {
    String verse = "<div type=\"x-milestone\" subType=\"x-preverse\" sID=\"pv1\"/><title type=\"psalm\">A Psalm of"
        + " David.</title>The <w lemma=\"strong:H3068\">LORD</w> <transChange type=\"added\">is</transChange> my"
        + " shepherd<note placement=\"foot\"><reference>Ps 1:1</reference> a footnote</note>; I shall not want.";
    assertEquals("A Psalm of David.\nThe LORD is my shepherd; I shall not want.", TextExtractor.osisToText(verse));
  }

  @Test
  void swordZTextBooksFromBlocksAndVerseIndex() {
    // Two books in one zlib block and one in another, as osis2mod lays them out; heading entries empty.
    List<String> verses = List.of(
        "<milestone type=\"x-importer\"/>",
        "<div canonical=\"true\" osisID=\"Gen\" sID=\"g1\" type=\"book\"/><title type=\"main\">Genesis</title>",
        "<chapter n=\"1\" osisID=\"Gen.1\" sID=\"Gen.1\"/> ",
        "In the <w>beginning</w> God created.",
        "And the earth was without form.",
        "<chapter n=\"2\" osisID=\"Gen.2\" sID=\"Gen.2\"/> ",
        "Thus the heavens were finished.",
        "<div canonical=\"true\" osisID=\"Exod\" sID=\"g2\" type=\"book\"/><title type=\"main\">Exodus</title>",
        "Now these are the names.");
    int[] blockOf = {0, 0, 0, 0, 0, 0, 0, 1, 1};
    List<ByteArrayOutputStream> raw = List.of(new ByteArrayOutputStream(), new ByteArrayOutputStream());
    ByteBuffer bzv = ByteBuffer.allocate(10 * (verses.size() + 1)).order(ByteOrder.LITTLE_ENDIAN);
    bzv.putInt(0).putInt(0).putShort((short) 0); // empty module heading entry
    for (int i = 0; i < verses.size(); i++) {
      byte[] v = verses.get(i).getBytes(StandardCharsets.UTF_8);
      ByteArrayOutputStream b = raw.get(blockOf[i]);
      bzv.putInt(blockOf[i]).putInt(b.size()).putShort((short) v.length);
      b.writeBytes(v);
    }
    ByteArrayOutputStream bzz = new ByteArrayOutputStream();
    ByteBuffer bzs = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    for (ByteArrayOutputStream b : raw) {
      Deflater d = new Deflater();
      d.setInput(b.toByteArray());
      d.finish();
      byte[] buf = new byte[4096];
      int n = d.deflate(buf);
      d.end();
      bzs.putInt(bzz.size()).putInt(n).putInt(b.size());
      bzz.write(buf, 0, n);
    }
    List<SwordZText.Book> books = SwordZText.read(bzs.array(), bzv.array(), bzz.toByteArray());
    assertEquals(2, books.size());
    assertEquals("Gen", books.get(0).osisId());
    assertEquals("Genesis\n\nIn the beginning God created.\nAnd the earth was without form.\n\n"
        + "Thus the heavens were finished.\n", books.get(0).text());
    assertEquals("Exod", books.get(1).osisId());
    assertEquals("Exodus\nNow these are the names.\n", books.get(1).text());
  }

  @Test
  void globs() {
    var g = Glob.compile("usr/share/doc/linux-doc-6.1/Documentation/**/*.rst.gz");
    assertTrue(g.matcher("usr/share/doc/linux-doc-6.1/Documentation/a.rst.gz").matches(), "**/ matches no directory");
    assertTrue(g.matcher("usr/share/doc/linux-doc-6.1/Documentation/x/y/a.rst.gz").matches());
    assertFalse(g.matcher("usr/share/doc/linux-doc-6.1/Documentation/x/a.txt.gz").matches());
    var star = Glob.compile("usr/share/games/fortunes/*");
    assertTrue(star.matcher("usr/share/games/fortunes/art.dat").matches());
    assertFalse(star.matcher("usr/share/games/fortunes/off/art").matches(), "* stays in one segment");
    assertTrue(Glob.compile("a/**").matcher("a/b/c").matches());
    assertTrue(Glob.compile("usr/share/perl/*/pod/*.pod").matcher("usr/share/perl/5.36.0/pod/perl.pod").matches());
  }

  @Test
  void jsonlPartsSplitAndAreDeterministic(@TempDir Path dir) throws Exception {
    List<CorpusDocument> docs = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      docs.add(new CorpusDocument("src:f" + i, "text \"" + i + "\"\nline two é " + "x".repeat(i * 10), "src", "1.0",
          "f" + i, "MIT", "en", "US"));
    }
    List<JsonlParts.Part> a;
    List<JsonlParts.Part> b;
    try (JsonlParts out = new JsonlParts(dir.resolve("a"), 4000)) {
      for (CorpusDocument d : docs) {
        out.add(d);
      }
      a = out.finish();
    }
    try (JsonlParts out = new JsonlParts(dir.resolve("b"), 4000)) {
      for (CorpusDocument d : docs) {
        out.add(d);
      }
      b = out.finish();
    }
    assertEquals(a, b, "same documents, same parts and digests");
    assertTrue(a.size() > 3);
    assertEquals(50, a.stream().mapToLong(JsonlParts.Part::docs).sum());
    for (JsonlParts.Part p : a) {
      Path f = dir.resolve("a").resolve(p.file());
      assertTrue(p.bytes() <= 4000, p.file() + " stays under the part size");
      assertEquals(p.bytes(), Files.size(f));
      assertEquals(p.sha256(), Hashes.sha256(f));
    }
    List<String> lines = Files.readAllLines(dir.resolve("a/part-000.jsonl"));
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    assertEquals(List.of("id", "text", "source", "source_version", "path", "license", "language", "jurisdiction"),
        iterable(first.fieldNames()));
    assertEquals("text \"0\"\nline two é ", first.get("text").asText());
  }

  private static List<String> iterable(java.util.Iterator<String> it) {
    List<String> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
