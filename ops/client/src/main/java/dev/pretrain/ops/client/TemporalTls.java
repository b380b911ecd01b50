package dev.pretrain.ops.client;

import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TLS towards a Temporal frontend (a cluster or Temporal Cloud): a CA bundle to trust, and for
 * mutual TLS a client certificate chain and its PKCS#8 key, all PEM files. Off when nothing is set.
 *
 * @param certChain  client certificate chain (PEM), or null
 * @param privateKey the client key (PKCS#8 PEM), or null; must come with certChain
 * @param caCert     CA bundle to trust (PEM), or null for the JVM's trust store
 * @param serverName name to check the server's certificate against, or null for the host of the address
 */
public record TemporalTls(Path certChain, Path privateKey, Path caCert, String serverName) {

  public static TemporalTls off() {
    return new TemporalTls(null, null, null, null);
  }

  /** From config values; empty strings mean unset. */
  public static TemporalTls of(String cert, String key, String ca, String serverName) {
    return new TemporalTls(path(cert), path(key), path(ca), serverName == null || serverName.isBlank() ? null : serverName);
  }

  public boolean enabled() {
    return certChain != null || privateKey != null || caCert != null || serverName != null;
  }

  /** The gRPC SSL context, or IllegalArgumentException naming the file that is missing or unreadable. */
  public SslContext sslContext() {
    if ((certChain == null) != (privateKey == null)) {
      throw new IllegalArgumentException("Temporal TLS: a client certificate needs its key and a key its certificate"
          + " (temporal.tls-cert and temporal.tls-key)");
    }
    try {
      SimpleSslContextBuilder builder = certChain == null
          ? SimpleSslContextBuilder.noKeyOrCertChain()
          : SimpleSslContextBuilder.forPKCS8(open(certChain), open(privateKey));
      if (caCert != null) {
        builder.setTrustManager(trustManager(caCert));
      }
      return builder.build();
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw new IllegalArgumentException("Temporal TLS: " + e.getMessage(), e);
    }
  }

  private static javax.net.ssl.TrustManager trustManager(Path ca) throws IOException,
      java.security.GeneralSecurityException {
    java.security.KeyStore store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
    store.load(null, null);
    int i = 0;
    try (InputStream in = open(ca)) {
      for (java.security.cert.Certificate c
          : java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + i++, c);
      }
    }
    if (i == 0) {
      throw new IOException("no certificate in " + ca);
    }
    javax.net.ssl.TrustManagerFactory tmf =
        javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    return tmf.getTrustManagers()[0];
  }

  private static InputStream open(Path file) throws IOException {
    if (!Files.isReadable(file)) {
      throw new IOException("cannot read " + file);
    }
    return Files.newInputStream(file);
  }

  private static Path path(String s) {
    return s == null || s.isBlank() ? null : Path.of(s);
  }
}
