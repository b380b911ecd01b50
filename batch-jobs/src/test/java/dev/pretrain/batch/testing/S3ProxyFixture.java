package dev.pretrain.batch.testing;

import dev.pretrain.db.storage.ObjectStore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

/**
 * A real S3 endpoint for tests: S3Proxy in-process, on a free localhost port, storing objects as
 * files under a directory (its filesystem backend). Talk to it through {@link #objectStore()}.
 *
 * <pre>{@code
 * @TempDir static Path tmp;
 * static S3ProxyFixture s3;
 * @BeforeAll static void up() throws Exception { s3 = S3ProxyFixture.start(tmp.resolve("s3")); }
 * @AfterAll static void down() { s3.close(); }
 * }</pre>
 */
public final class S3ProxyFixture implements AutoCloseable {

  public static final String ACCESS_KEY = "test-access";
  public static final String SECRET_KEY = "test-secret-key";
  public static final String REGION = "us-east-1";

  private final S3Proxy proxy;
  private final String endpoint;

  private S3ProxyFixture(S3Proxy proxy, String endpoint) {
    this.proxy = proxy;
    this.endpoint = endpoint;
  }

  /** Starts S3Proxy with its filesystem backend under {@code baseDir} (created if missing). */
  public static S3ProxyFixture start(Path baseDir) throws Exception {
    Files.createDirectories(baseDir);
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", baseDir.toAbsolutePath().toString());
    S3Proxy proxy = S3Proxy.builder()
        .blobStore(BlobStores.create("filesystem", props))
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
        .build();
    proxy.start();
    long deadline = System.currentTimeMillis() + 10_000;
    while (!"STARTED".equals(proxy.getState())) {
      if (System.currentTimeMillis() > deadline) {
        proxy.stop();
        throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
      }
      Thread.sleep(10);
    }
    return new S3ProxyFixture(proxy, "http://127.0.0.1:" + proxy.getPort());
  }

  public String endpoint() {
    return endpoint;
  }

  /** A client of this server, as the pipeline would configure it. */
  public ObjectStore objectStore() {
    return new ObjectStore(endpoint, ACCESS_KEY, SECRET_KEY, REGION);
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("stopping S3Proxy: " + e.getMessage(), e);
    }
  }
}
