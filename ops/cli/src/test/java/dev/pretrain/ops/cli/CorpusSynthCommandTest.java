package dev.pretrain.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.ops.PretrainCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code corpus synth --out DIR}: no stack needed; options reach the generator; mistakes are one-line errors. */
class CorpusSynthCommandTest {

  @TempDir Path tmp;

  record Run(int exit, String out, String err) {}

  @Test
  void writesADirectoryAndReportsWhatItPlanted() throws Exception {
    Path dir = tmp.resolve("synth");
    Run r = run("--json", "--data-dir", tmp.resolve("data").toString(), "corpus", "synth", "--docs", "400", "--out",
        dir.toString(), "--seed", "5", "--near-fraction", "0.2", "--exact-fraction", "0.1", "--sources", "2");
    assertEquals(0, r.exit(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(400, j.get("docs").asLong());
    assertEquals(5, j.get("seed").asLong());
    assertEquals(2, j.get("sources").asInt());
    long near = 0;
    for (JsonNode n : j.get("near")) {
      near += n.asLong();
    }
    assertEquals(400, j.get("originals").asLong() + j.get("exact").asLong() + near);
    assertTrue(near > 40 && j.get("exact").asLong() > 15, r.out());
    assertTrue(Files.isRegularFile(dir.resolve("synth-00/part-000.jsonl")));
    assertTrue(Files.isRegularFile(dir.resolve("synth-01/part-000.jsonl")));
    assertTrue(Files.isRegularFile(dir.resolve("manifest.json")));
    assertEquals(j.get("exact").asLong() + near, Files.readAllLines(dir.resolve("ground-truth.jsonl")).size());
    assertTrue(Files.notExists(tmp.resolve("data/corpus")), "a directory output touches nothing in the data dir");
  }

  @Test
  void mistakesAreOneLineErrors() {
    Run badName = run("corpus", "synth", "--docs", "10", "--out", "two words");
    assertEquals(ExitCodes.FAILED, badName.exit());
    assertTrue(badName.err().contains("neither a corpus name"), badName.err());
    Run badFraction = run("corpus", "synth", "--docs", "10", "--out", tmp.resolve("x").toString(), "--near-fraction",
        "0.95");
    assertEquals(ExitCodes.FAILED, badFraction.exit());
    assertTrue(badFraction.err().contains("sum to at most 0.9"), badFraction.err());
    assertTrue(Files.notExists(tmp.resolve("x")));
  }

  private static Run run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int exit = PretrainCli.commandLine().execute(args);
      return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }
}
