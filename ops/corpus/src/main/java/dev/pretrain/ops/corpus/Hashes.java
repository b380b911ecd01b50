package dev.pretrain.ops.corpus;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/** Digests in the forms the registries publish them: hex SHA-256/MD5 (apt, md5sums), SRI sha512 (npm). */
final class Hashes {

  private Hashes() {}

  static MessageDigest digest(String algo) {
    try {
      return MessageDigest.getInstance(algo);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] digestFile(Path file, String algo) throws IOException {
    MessageDigest md = digest(algo);
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return md.digest();
  }

  static String sha256(Path file) throws IOException {
    return HexFormat.of().formatHex(digestFile(file, "SHA-256"));
  }

  static String sri512(Path file) throws IOException {
    return "sha512-" + Base64.getEncoder().encodeToString(digestFile(file, "SHA-512"));
  }

  static String md5(byte[] bytes) {
    return HexFormat.of().formatHex(digest("MD5").digest(bytes));
  }

  static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(digest("SHA-256").digest(bytes));
  }
}
