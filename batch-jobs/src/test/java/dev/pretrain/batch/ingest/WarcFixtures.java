package dev.pretrain.batch.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.netpreserve.jwarc.HttpRequest;
import org.netpreserve.jwarc.HttpResponse;
import org.netpreserve.jwarc.MediaType;
import org.netpreserve.jwarc.WarcCompression;
import org.netpreserve.jwarc.WarcRecord;
import org.netpreserve.jwarc.WarcRequest;
import org.netpreserve.jwarc.WarcResource;
import org.netpreserve.jwarc.WarcResponse;
import org.netpreserve.jwarc.WarcWriter;
import org.netpreserve.jwarc.Warcinfo;

/** WARC records and files for tests, written with jwarc's writer (never downloaded). */
final class WarcFixtures {

  static final Instant DATE = Instant.parse("2024-03-05T10:15:30Z");

  /** A page with navigation, a header, a sidebar and a footer around its article. */
  static final String BOILERPLATE_PAGE = """
      <!DOCTYPE html>
      <html><head><title>Growing Tomatoes on a Balcony</title>
      <script>var tracking = "do not keep me";</script><style>body { color: red }</style></head>
      <body>
      <header><a href="/">Garden Notes</a> <span>Tips for small spaces</span></header>
      <nav><ul><li><a href="/">Home</a></li><li><a href="/herbs">Herbs</a></li><li><a href="/contact">Contact us</a></li></ul></nav>
      <div class="layout">
        <aside><h3>Popular posts</h3><ul><li><a href="/p1">Ten Herbs for Shade</a></li></ul></aside>
        <article>
          <h1>Growing Tomatoes on a Balcony</h1>
          <p>Cherry tomatoes grow well in pots of at least twenty litres, placed where they get six hours of sun.</p>
          <p>Water them in the morning, deeply and evenly, and feed them every two weeks once the first flowers open.</p>
          <div class="share-buttons"><a href="/share/x">Share</a> <a href="/share/y">Post</a></div>
        </article>
      </div>
      <footer><p>Copyright 2024 Garden Notes. All rights reserved.</p><a href="/privacy">Privacy policy</a></footer>
      </body></html>
      """;

  /** What ingest keeps of {@link #BOILERPLATE_PAGE}. */
  static final String BOILERPLATE_PAGE_TEXT = "Growing Tomatoes on a Balcony\n\n"
      + "Cherry tomatoes grow well in pots of at least twenty litres, placed where they get six hours of sun.\n\n"
      + "Water them in the morning, deeply and evenly, and feed them every two weeks once the first flowers open.";

  private WarcFixtures() {}

  static URI id(int n) {
    return URI.create(String.format("urn:uuid:00000000-0000-4000-8000-%012d", n));
  }

  static WarcResponse response(int n, String url, int status, String reason, String contentType, byte[] body)
      throws IOException {
    HttpResponse.Builder http = new HttpResponse.Builder(status, reason);
    if (contentType != null) {
      http.body(MediaType.parse(contentType), body);
    } else {
      http.body(null, body);
    }
    return new WarcResponse.Builder(url).recordId(id(n)).date(DATE).body(http.build()).build();
  }

  static WarcResponse html(int n, String url, String html) throws IOException {
    return response(n, url, 200, "OK", "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
  }

  static WarcRequest request(int n, String url) throws IOException {
    HttpRequest http = new HttpRequest.Builder("GET", URI.create(url).getRawPath()).addHeader("Host",
        URI.create(url).getHost()).build();
    return new WarcRequest.Builder(url).recordId(id(n)).date(DATE).body(http).build();
  }

  static Warcinfo warcinfo(int n) {
    Map<String, List<String>> fields = new LinkedHashMap<>(); // ordered: the file's bytes are the same every run
    fields.put("software", List.of("pretrain tests"));
    fields.put("format", List.of("WARC File Format 1.1"));
    return new Warcinfo.Builder().recordId(id(n)).date(DATE).fields(fields).build();
  }

  static WarcResource resource(int n, String url, String contentType, String text) {
    return new WarcResource.Builder(URI.create(url)).recordId(id(n)).date(DATE)
        .body(MediaType.parse(contentType), text.getBytes(StandardCharsets.UTF_8)).build();
  }

  /** The records written one after the other; with gzip, one gzip member per record. */
  static Written warc(boolean gzip, WarcRecord... records) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<Long> offsets = new ArrayList<>();
    WarcWriter writer = new WarcWriter(Channels.newChannel(out), gzip ? WarcCompression.GZIP : WarcCompression.NONE);
    for (WarcRecord r : records) {
      offsets.add(writer.position());
      writer.write(r);
    }
    writer.close();
    return new Written(out.toByteArray(), offsets);
  }

  /** A WARC file's bytes and where each record starts in them. */
  record Written(byte[] bytes, List<Long> offsets) {
    long offset(int recordNumber) {
      return offsets.get(recordNumber - 1);
    }
  }
}
