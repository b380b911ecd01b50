package dev.pretrain.workflows.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.workflows.train.TrainParams;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StepOverridesTest {

  private final RunRequest request = new RunRequest("r", "unit", List.of("s3://c/"), "pretrain",
      RunRequest.IngestParams.defaults(), RunRequest.TokenizeParams.defaults(), TrainParams.quick());

  @Test
  void parsesEachValueAsTheTypeOfTheParameter() {
    RunRequest t = StepOverrides.apply(request, "tokenize",
        Map.of("encoding", "cl100k_base", "valFraction", "0.25", "heldOutSources", "kjv, udhr"));
    assertEquals(new RunRequest.TokenizeParams("cl100k_base", 0.25, List.of("kjv", "udhr")), t.tokenize());

    RunRequest tr = StepOverrides.apply(request, "train", Map.of("steps", 120, "lr", "0.001"));
    assertEquals(120, tr.train().steps());
    assertEquals(0.001, tr.train().lr());
    assertEquals(TrainParams.quick().dModel(), tr.train().dModel(), "other fields kept");

    RunRequest in = StepOverrides.apply(request, "ingest", Map.of("defaultJurisdiction", "DE"));
    assertEquals("DE", in.ingest().defaultJurisdiction());
    assertTrue(StepOverrides.apply(request, "ingest", Map.of("unknownLicense", "quarantine")).ingest()
        .quarantineUnknownLicense());
    IllegalArgumentException policy = assertThrows(IllegalArgumentException.class,
        () -> StepOverrides.apply(request, "ingest", Map.of("unknownLicense", "drop")));
    assertTrue(policy.getMessage().contains("unknownLicense is keep or quarantine"), policy.getMessage());
  }

  @Test
  void aDottedKeySetsAFieldOfCuration() {
    RunRequest in = StepOverrides.apply(request, "ingest",
        Map.of("curate.minLanguageConfidence", "0.5", "curate.pii", "false", "curate.languages", "en,de"));
    assertEquals(0.5, in.ingest().curate().minLanguageConfidence());
    assertEquals(false, in.ingest().curate().pii());
    assertEquals(List.of("en", "de"), in.ingest().curate().languages());
    assertTrue(in.ingest().curate().filters(), "other fields kept");

    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> StepOverrides.apply(request, "ingest", Map.of("curate.nope", "1")));
    assertTrue(unknown.getMessage().contains("curate.minLanguageConfidence"), unknown.getMessage());
    RunRequest off = request.withIngest(new RunRequest.IngestParams(1, 1, "US"));
    IllegalArgumentException noCuration = assertThrows(IllegalArgumentException.class,
        () -> StepOverrides.apply(off, "ingest", Map.of("curate.pii", "true")));
    assertTrue(noCuration.getMessage().contains("curate is off in this run"), noCuration.getMessage());
  }

  @Test
  void namesTheBadKeyOrValue() {
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> StepOverrides.apply(request, "train", Map.of("stepz", "3")));
    assertTrue(unknown.getMessage().contains("unknown parameter 'stepz' for step train; known: "), unknown.getMessage());
    assertTrue(unknown.getMessage().contains("steps"), unknown.getMessage());
    IllegalArgumentException notNumber = assertThrows(IllegalArgumentException.class,
        () -> StepOverrides.apply(request, "train", Map.of("steps", "many")));
    assertEquals("parameter 'steps' of step train is a number, not 'many'", notNumber.getMessage());
    assertThrows(IllegalArgumentException.class, () -> StepOverrides.apply(request, "dedup", Map.of("x", "1")));
    assertEquals(request, StepOverrides.apply(request, "dedup", Map.of()));
  }
}
