package dev.pretrain.tests;

import dev.pretrain.ops.PretrainCli;
import dev.pretrain.ops.config.PretrainConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the real {@code pretrain} command line in this JVM against a stack's endpoints, capturing
 * stdout. Endpoints go as flags; the secrets go as a user would give them, in a config file that only
 * its owner can read (there are no flags for secrets).
 */
public final class Cli {

  public record Result(int exitCode, String stdout) {}

  private Cli() {}

  public static synchronized Result run(PretrainConfig cfg, String... args) {
    List<String> all = new ArrayList<>(List.of(
        "--data-dir", cfg.dataDir().toString(),
        "--config", secretsFile(cfg).toString(),
        "--temporal", cfg.temporalAddress(), "--namespace", cfg.namespace(),
        "--temporal-ui", cfg.temporalUi(),
        "--s3-endpoint", cfg.s3Endpoint(), "--s3-access-key", cfg.s3AccessKey(),
        "--jdbc-url", cfg.jdbcUrl(), "--jdbc-user", cfg.jdbcUser(),
        "--bucket", cfg.bucket()));
    all.addAll(List.of(args));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream old = System.out;
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      code = PretrainCli.commandLine().execute(all.toArray(String[]::new));
    } finally {
      System.setOut(old);
    }
    String stdout = out.toString(StandardCharsets.UTF_8);
    System.err.println("$ pretrain " + String.join(" ", args) + "  -> exit " + code + "\n" + stdout);
    return new Result(code, stdout);
  }

  /** {@code <data-dir>/cli-secrets.yaml}, mode 600, with the S3 secret key and the database password. */
  public static Path secretsFile(PretrainConfig cfg) {
    Path file = cfg.dataDir().resolve("cli-secrets.yaml");
    try {
      Files.createDirectories(cfg.dataDir());
      Files.deleteIfExists(file);
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, "s3:\n  secret-key: \"" + cfg.s3SecretKey() + "\"\njdbc:\n  password: \""
          + cfg.jdbcPassword() + "\"\n");
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
