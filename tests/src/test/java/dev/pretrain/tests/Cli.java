package dev.pretrain.tests;

import dev.pretrain.ops.PretrainCli;
import dev.pretrain.ops.config.PretrainConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Runs the real {@code pretrain} command line in this JVM against a stack's endpoints, capturing stdout. */
final class Cli {

  record Result(int exitCode, String stdout) {}

  private Cli() {}

  static synchronized Result run(PretrainConfig cfg, String... args) {
    List<String> all = new ArrayList<>(List.of(
        "--data-dir", cfg.dataDir().toString(),
        "--temporal", cfg.temporalAddress(), "--namespace", cfg.namespace(),
        "--temporal-ui", cfg.temporalUi(),
        "--s3-endpoint", cfg.s3Endpoint(), "--s3-access-key", cfg.s3AccessKey(), "--s3-secret-key", cfg.s3SecretKey(),
        "--jdbc-url", cfg.jdbcUrl(), "--jdbc-user", cfg.jdbcUser(), "--jdbc-password", cfg.jdbcPassword(),
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
}
