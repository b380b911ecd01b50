package dev.pretrain.ops.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.workflows.ingest.CurateParams;
import dev.pretrain.workflows.run.RunRequest;
import dev.pretrain.workflows.train.TrainParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeTest {

  @TempDir
  Path dir;

  @Test
  void readsARecipeIntoARunRequest() throws Exception {
    Path f = dir.resolve("r.yaml");
    Files.writeString(f, """
        name: My Corpus
        inputs:
          - s3://corpus/demo/
          - local/data.jsonl
        ingest:
          target-partition-bytes: 8MiB
          shardTargetBytes: 1000000
          defaultJurisdiction: EU
        tokenize:
          valFraction: 0.1
          heldOutSources: [kjv]
        """);
    Recipe r = Recipe.load(f, "pretrain");
    RunRequest req = r.toRequest("run-1");
    assertEquals("My Corpus", req.recipe());
    assertEquals(List.of("s3://corpus/demo/", dir.resolve("local/data.jsonl").toString()), req.inputs());
    assertEquals("pretrain", req.bucket());
    assertEquals(8L << 20, req.ingest().targetPartitionBytes());
    assertEquals(1_000_000L, req.ingest().shardTargetBytes());
    assertEquals("EU", req.ingest().defaultJurisdiction());
    assertEquals("bpe", req.tokenize().encoding(), "the run's own vocabulary unless r50k_base is asked for");
    assertEquals(0.1, req.tokenize().valFraction());
    assertEquals(List.of("kjv"), req.tokenize().heldOutSources());
  }

  @Test
  void driftSourcesAreHeldOutButDoNotDecontaminateAndExportTypesAreChecked() throws Exception {
    Path f = dir.resolve("drift.yaml");
    Files.writeString(f, """
        name: drift
        inputs: s3://corpus/demo/
        tokenize:
          heldOutSources: [fortunes]
          driftSources: [linux-doc-6.12]
        export:
          types: [q4_0, f32]
        """);
    RunRequest req = Recipe.load(f, "pretrain").toRequest("run-d");
    assertEquals(List.of("fortunes", "linux-doc-6.12"), req.tokenize().heldOutSources(), "a drift source is held out");
    assertEquals(List.of("linux-doc-6.12"), req.tokenize().driftSources());
    assertEquals(List.of("fortunes"), req.tokenize().decontaminatingSources());
    assertEquals(List.of("q4_0", "f32"), req.exportTypesOrDefaults());
    assertEquals(RunRequest.DEFAULT_EXPORT_TYPES,
        Recipe.load(dir.resolve("r.yaml").getParent().resolve(write("plain.yaml", "name: p\ninputs: s3://b/p/\n")),
            "pretrain").toRequest("run-p").exportTypesOrDefaults());
    Path bad = dir.resolve(write("bad.yaml", "name: b\ninputs: s3://b/p/\nexport:\n  types: [q5_k]\n"));
    Recipe.RecipeException e = assertThrows(Recipe.RecipeException.class, () -> Recipe.load(bad, "pretrain"));
    assertTrue(e.getMessage().contains("q5_k"), e.getMessage());
  }

  private String write(String name, String yaml) throws Exception {
    Files.writeString(dir.resolve(name), yaml);
    return name;
  }

  @Test
  void theTokenizeSectionChoosesTheRunsOwnVocabularyOrGpt2sAndSizesTheModelForIt() throws Exception {
    Path f = dir.resolve("tok.yaml");
    Files.writeString(f, """
        name: x
        inputs: s3://b/p/
        tokenize:
          vocabSize: 4096
          sampleBytes: 8MB
          minFrequency: 2
          seed: 7
        train:
          preset: quick
        """);
    RunRequest own = Recipe.load(f, "pretrain").toRequest("id");
    assertEquals(new RunRequest.TokenizeParams("bpe", 0.01, List.of(), 4096, 8_000_000L, 2, 7), own.tokenize());
    assertEquals(TrainParams.quick().forOwnVocabulary(4096), own.train());
    assertEquals(256, own.train().dModel());
    assertEquals(6, own.train().layers());

    Files.writeString(f, "name: x\ninputs: s3://b/p/\ntokenize:\n  encoding: r50k_base\n");
    RunRequest gpt2 = Recipe.load(f, "pretrain").toRequest("id");
    assertEquals(RunRequest.TokenizeParams.defaults(), gpt2.tokenize());
    assertEquals(TrainParams.defaults(), gpt2.train());

    for (String bad : new String[] {"encoding: r50k_base\n  vocabSize: 4096", "vocabSize: 70000", "vocabSize: 100",
        "encoding: cl100k_base", "minFrequency: -1", "seed: x"}) {
      Files.writeString(f, "name: x\ninputs: s3://b/p/\ntokenize:\n  " + bad + "\n");
      Recipe.RecipeException e = assertThrows(Recipe.RecipeException.class, () -> Recipe.load(f, "pretrain"), bad);
      assertTrue(e.getMessage().contains("tokenize."), e.getMessage());
    }
  }

  @Test
  void defaultsAndErrors() throws Exception {
    Path f = dir.resolve("min.yaml");
    Files.writeString(f, "name: x\ninputs: s3://b/p/\nbucket: out\n");
    Recipe r = Recipe.load(f, "pretrain");
    assertEquals("out", r.bucket());
    assertEquals(RunRequest.IngestParams.defaults(), r.ingest());
    assertEquals(RunRequest.TokenizeParams.ownVocabulary(0.01, List.of()), r.tokenize());
    assertEquals(TrainParams.defaults().forOwnVocabulary(8192), r.train());

    Files.writeString(f, "name: x\ninputs: [s3://b/p/]\ningest:\n  partitionBytes: 3\n");
    assertThrows(Recipe.RecipeException.class, () -> Recipe.load(f, "b"));
    Files.writeString(f, "inputs: [s3://b/p/]\n");
    assertThrows(Recipe.RecipeException.class, () -> Recipe.load(f, "b"));
    Files.writeString(f, "name: x\ninputs: [http://web/]\n");
    assertThrows(Recipe.RecipeException.class, () -> Recipe.load(f, "b"));
    Files.writeString(f, "name: x\ninputs: [s3://b/]\ntokenize:\n  valFraction: 1.5\n");
    assertThrows(Recipe.RecipeException.class, () -> Recipe.load(f, "b"));
  }

  @Test
  void untilNamesTheLastStepOfADataOnlyRun() throws Exception {
    Path f = dir.resolve("data-only.yaml");
    Files.writeString(f, "name: x\ninputs: s3://b/p/\nuntil: tokenize\n");
    Recipe r = Recipe.load(f, "pretrain");
    assertEquals("tokenize", r.toRequest("id").until());
    assertEquals("dedup", r.withUntil("dedup").toRequest("id").until());
    Path all = dir.resolve("all.yaml");
    Files.writeString(all, "name: x\ninputs: s3://b/p/\n");
    assertEquals(null, Recipe.load(all, "pretrain").toRequest("id").until(), "no until: every step");
    Files.writeString(f, "name: x\ninputs: s3://b/p/\nuntil: tokenise\n");
    Recipe.RecipeException e = assertThrows(Recipe.RecipeException.class, () -> Recipe.load(f, "pretrain"));
    assertTrue(e.getMessage().contains("unknown step 'tokenise'"), e.getMessage());
    assertThrows(Recipe.RecipeException.class, () -> r.withUntil("fly"));
  }

  @Test
  void theDedupSectionSetsPartitionsKeepRuleAndNearDuplicateParameters() throws Exception {
    Path f = dir.resolve("dedup.yaml");
    Files.writeString(f, "name: x\ninputs: s3://b/p/\n");
    assertNull(Recipe.load(f, "pretrain").dedup(), "absent: the defaults");
    assertEquals(dev.pretrain.workflows.dedup.DedupParams.defaults(),
        Recipe.load(f, "pretrain").toRequest("id").dedupOrDefaults());

    Files.writeString(f, """
        name: x
        inputs: s3://b/p/
        dedup:
          partitions: 16
          keep: [linux-doc-6.12, kjv]
          threshold: 0.7
          check: false
          decontamination: {ngram: 8, minOverlap: 3}
          index: nightly
        """);
    var d = Recipe.load(f, "pretrain").toRequest("id").dedup();
    assertEquals(16, d.partitions());
    assertEquals(java.util.List.of("linux-doc-6.12", "kjv"), d.keep());
    assertEquals(0.7, d.threshold());
    // bands fitted to the threshold (recall weighed 9:1), at most 112 hashes
    var fitted = dev.pretrain.batch.dedup.near.LshBands.forThreshold(0.7, 112, 0.1, 0.9);
    assertEquals(fitted.bands(), d.bands());
    assertEquals(fitted.rows(), d.rows());
    assertFalse(d.check());
    assertEquals(8, d.decontaminationNgram());
    assertEquals(3, d.decontaminationMinOverlap());
    assertEquals("nightly", d.index());
    Files.writeString(f, "name: x\ninputs: s3://b/p/\ndedup:\n  index: ../up\n");
    assertTrue(assertThrows(Recipe.RecipeException.class, () -> Recipe.load(f, "pretrain")).getMessage()
        .contains("dedup index name '../up'"));

    Files.writeString(f, "name: x\ninputs: s3://b/p/\ndedup:\n  bands: 20\n");
    assertTrue(assertThrows(Recipe.RecipeException.class, () -> Recipe.load(f, "pretrain")).getMessage()
        .contains("dedup.bands and dedup.rows go together"));
    Files.writeString(f, "name: x\ninputs: s3://b/p/\ndedup:\n  partitions: 0\n");
    assertTrue(assertThrows(Recipe.RecipeException.class, () -> Recipe.load(f, "pretrain")).getMessage()
        .contains("dedup partitions must be an integer from 1"));
    Files.writeString(f, "name: x\ninputs: s3://b/p/\ndedup:\n  treshold: 0.5\n");
    assertTrue(assertThrows(Recipe.RecipeException.class, () -> Recipe.load(f, "pretrain")).getMessage().contains("treshold"));
  }

  @Test
  void unknownLicenseIsKeepOrQuarantine() throws Exception {
    Path f = dir.resolve("license.yaml");
    Files.writeString(f, "name: x\ninputs: s3://b/p/\ningest:\n  unknownLicense: quarantine\n");
    assertTrue(Recipe.load(f, "pretrain").toRequest("id").ingest().quarantineUnknownLicense());
    Files.writeString(f, "name: x\ninputs: s3://b/p/\n");
    assertEquals("keep", Recipe.load(f, "pretrain").ingest().unknownLicense());
    Files.writeString(f, "name: x\ninputs: s3://b/p/\ningest:\n  unknownLicense: drop\n");
    Recipe.RecipeException e = assertThrows(Recipe.RecipeException.class, () -> Recipe.load(f, "pretrain"));
    assertTrue(e.getMessage().contains("unknownLicense is keep or quarantine, not 'drop'"), e.getMessage());
  }

  @Test
  void curationIsOnByDefaultAndConfigurable() throws Exception {
    Path f = dir.resolve("curate.yaml");
    Files.writeString(f, "name: x\ninputs: s3://b/p/\n");
    assertEquals(CurateParams.defaults(), Recipe.load(f, "pretrain").ingest().curate());
    Files.writeString(f, "name: x\ninputs: s3://b/p/\ncurate: off\n");
    assertNull(Recipe.load(f, "pretrain").ingest().curate());
    Files.writeString(f, "name: x\ninputs: s3://b/p/\ncurate:\n  pii: false\n  minLanguageConfidence: 0.8\n"
        + "  languages: [en]\n  docsSources: [linux-doc-6.1]\n");
    CurateParams c = Recipe.load(f, "pretrain").toRequest("id").ingest().curate();
    assertEquals(new CurateParams(true, true, false, 0.8, List.of("en"), List.of("linux-doc-6.1")), c);
    Files.writeString(f, "name: x\ninputs: s3://b/p/\ncurate:\n  minLanguageConfidence: 2\n");
    Recipe.RecipeException e = assertThrows(Recipe.RecipeException.class, () -> Recipe.load(f, "pretrain"));
    assertTrue(e.getMessage().contains("minLanguageConfidence is in [0, 1]"), e.getMessage());
    Files.writeString(f, "name: x\ninputs: s3://b/p/\ncurate:\n  filter: false\n");
    e = assertThrows(Recipe.RecipeException.class, () -> Recipe.load(f, "pretrain"));
    assertTrue(e.getMessage().contains("unknown key 'filter'"), e.getMessage());
  }

  @Test
  void sizes() {
    assertEquals(4096, Recipe.parseSize("4096"));
    assertEquals(64L << 10, Recipe.parseSize("64KiB"));
    assertEquals(16_000_000L, Recipe.parseSize("16 MB"));
    assertEquals(3L << 29, Recipe.parseSize("1.5GiB"));
    assertThrows(Recipe.RecipeException.class, () -> Recipe.parseSize("lots"));
  }

  @Test
  void runIdsAreSortableAndUnique() {
    Instant t = Instant.parse("2026-01-02T03:04:05Z");
    String a = Recipe.newRunId("My Corpus!", t);
    assertTrue(a.matches("my-corpus-20260102T030405Z-[0-9a-f]{4}"), a);
    assertNotEquals(Recipe.newRunId("x", t), Recipe.newRunId("x", t) + "?");
    assertTrue(Recipe.newRunId("a".repeat(100), t).length() <= 64);
  }
}
