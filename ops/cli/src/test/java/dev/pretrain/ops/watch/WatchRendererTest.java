package dev.pretrain.ops.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.ops.watch.RunSnapshot.PendingActivity;
import dev.pretrain.ops.watch.RunSnapshot.State;
import dev.pretrain.workflows.ingest.IngestProgress;
import dev.pretrain.workflows.tokenize.TokenizeProgress;
import dev.pretrain.workflows.train.TrainProgress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WatchRendererTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

  private static JsonNode json(String s) {
    try {
      return JSON.readTree(s);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static RunSnapshot snapshot(String execution, String progress, List<PendingActivity> activities,
      Instant at) {
    return RunSnapshot.of("r1", "pretrain-r1", execution, progress == null ? null : json(progress), null,
        activities, null, T0, "RUNNING".equals(execution) ? null : at, at);
  }

  private static PendingActivity activity(String id, String type, int attempt, Instant scheduled, Instant started,
      Instant heartbeat, Object details) {
    return new PendingActivity(id, type, "STARTED", attempt, 5, scheduled, started, heartbeat,
        details, attempt > 1 ? "connection reset" : null, "w1", null);
  }

  private static String lineWith(List<String> lines, String part) {
    return lines.stream().filter(l -> l.contains(part)).findFirst()
        .orElseThrow(() -> new AssertionError("no line with '" + part + "' in\n" + String.join("\n", lines)));
  }

  @Test
  void barsAndNumberFormats() {
    assertEquals("[>.........]", WatchRenderer.bar(0, 10));
    assertEquals("[=====>....]", WatchRenderer.bar(0.5, 10));
    assertEquals("[==========]", WatchRenderer.bar(1, 10));
    assertEquals("[==========]", WatchRenderer.bar(1.7, 10));
    assertEquals(" 37%", WatchRenderer.percent(0.375));
    assertEquals("12,345", WatchRenderer.count(12345));
    assertEquals("12.3k", WatchRenderer.compact(12_345));
    assertEquals("950", WatchRenderer.compact(950));
    assertEquals("1627", WatchRenderer.figure(1626.7));
    assertEquals("3.016", WatchRenderer.figure(3.01567));
    assertEquals("-7.2e-05", WatchRenderer.figure(-7.2014e-5));
  }

  @Test
  void ingestPartitionsShowRecordsBytesAndAnEtaFromTheFirstScheduledPartition() {
    Instant scheduled = T0.plusSeconds(10);
    Instant now = T0.plusSeconds(70); // 60 s into the step
    RunSnapshot s = snapshot("RUNNING", """
        {"runId":"r1","status":"running","currentStep":"ingest","partitionsDone":1,"partitionsTotal":4,
         "finished":[],"someFieldAddedLater":{"x":1}}""",
        List.of(
            activity("7", "IngestPartition", 1, scheduled, scheduled, now.minusSeconds(2),
                new IngestProgress(12345, 5_000_000, 10_000_000)),
            activity("8", "IngestPartition", 2, scheduled, now.minusSeconds(20), now.minusSeconds(1),
                new IngestProgress(100, 0, 10_000_000))),
        now);
    WatchRenderer r = new WatchRenderer();
    r.observe(s);
    List<String> lines = r.render(s);

    assertEquals("Run r1  RUNNING  1m10s  (workflow pretrain-r1)", lines.get(0));
    // (1 done + 0.5 + 0.0) / 4 = 37.5 % after 60 s: 100 s to go
    String step = lineWith(lines, "ingest ");
    assertTrue(step.contains("[=========>..............]  37%  1/4 partitions  ETA 1m40s"), step);
    String first = lineWith(lines, "records 12,345");
    assertTrue(first.contains("IngestPartition  hb 2s ago  [======>.....] records 12,345  5.0/10.0 MB"), first);
    // started from 0 at 10:00:10, half done at the heartbeat 58 s later: another 58 s
    assertTrue(first.endsWith("ETA 58s"), first);
    String retry = lineWith(lines, "records 100");
    assertTrue(retry.contains("attempt 2/5"), retry);
    assertTrue(retry.contains("(last error: connection reset)"), retry);
    assertFalse(retry.contains("ETA"), retry); // nothing read yet, no rate
    // steps still to come are listed
    assertEquals("  quantize   -", lines.get(lines.size() - 1));
  }

  @Test
  void trainingShowsStepLossRateAndEtaFromTwoHeartbeats() {
    Instant started = T0.plusSeconds(100);
    String finished = """
        [{"step":"ingest","millis":4100,"counts":{"records_in":150,"kept":148}},
         {"step":"dedup","millis":1000,"counts":{"documents_in":148,"kept":140},"cacheHits":1,"computed":0},
         {"step":"tokenize","millis":2500,"counts":{"documents":140,"train_tokens":120000}}]""";
    RunSnapshot first = snapshot("RUNNING", "{\"status\":\"running\",\"currentStep\":\"train\",\"partitionsDone\":0,"
        + "\"partitionsTotal\":0,\"finished\":" + finished + "}",
        List.of(activity("12", "Train", 2, started, started, T0.plusSeconds(200),
            new TrainProgress(300, 1000, 3.4123, 12345.6, null))),
        T0.plusSeconds(201));
    RunSnapshot second = snapshot("RUNNING", "{\"status\":\"running\",\"currentStep\":\"train\",\"partitionsDone\":0,"
        + "\"partitionsTotal\":0,\"finished\":" + finished + "}",
        List.of(activity("12", "Train", 2, started, started, T0.plusSeconds(210),
            new TrainProgress(400, 1000, 3.1, 12000, "s3://b/k"))),
        T0.plusSeconds(211));
    WatchRenderer r = new WatchRenderer();
    r.observe(first);
    // a retry (attempt 2) may have resumed from a checkpoint: no ETA from a single heartbeat
    assertFalse(lineWith(r.render(first), "train ").contains("ETA"));
    r.observe(second);
    List<String> lines = r.render(second);

    assertTrue(lineWith(lines, "ingest ").contains("done     4.1s  records_in 150, kept 148"), lines.toString());
    assertTrue(lineWith(lines, "dedup ").contains("(cached)"), lines.toString());
    // 100 steps in 10 s: 600 steps to go is 60 s
    String step = lineWith(lines, "train ");
    assertTrue(step.contains("[=========>..............]  40%  ETA 1m00s"), step);
    String act = lineWith(lines, "Train  attempt 2/5");
    assertTrue(act.contains("step 400/1,000  loss 3.100  12.0k tok/s  ETA 1m00s"), act);
    assertEquals(Duration.ofSeconds(60), r.stepEta(second));
  }

  @Test
  void dedupAndTokenizeShowDocumentsWithoutAnInventedTotal() {
    RunSnapshot s = snapshot("RUNNING", "{\"status\":\"running\",\"currentStep\":\"tokenize\",\"partitionsDone\":0,"
        + "\"partitionsTotal\":2,\"finished\":[]}",
        List.of(activity("3", "TokenizeShard", 1, T0, T0, T0.plusSeconds(5), new TokenizeProgress(1, 1234)),
            new PendingActivity("4", "TokenizeShard", "SCHEDULED", 1, 5, T0, null, null, null, null, null, null),
            new PendingActivity("5", "TokenizeShard", "SCHEDULED", 3, 5, T0, null, null, null, "disk full", null,
                T0.plusSeconds(10))),
        T0.plusSeconds(6));
    WatchRenderer r = new WatchRenderer();
    r.observe(s);
    List<String> lines = r.render(s);
    assertTrue(lineWith(lines, "TokenizeShard shard 1").endsWith("hb 1s ago  documents 1,234"), lines.toString());
    assertTrue(lineWith(lines, "waiting for a worker").contains("TokenizeShard"), lines.toString());
    // a retry waiting out its backoff says so, with the previous attempt's error
    assertTrue(lineWith(lines, "attempt 3/5").contains("retry in 4s  (last error: disk full)"), lines.toString());
    // no partition done and no fraction from the heartbeats: the bar stays at 0, no ETA
    String step = lineWith(lines, "tokenize ");
    assertTrue(step.contains("  0%  0/2 partitions"), step);
    assertFalse(step.contains("ETA"), step);
    assertTrue(r.line(s).contains("tokenize [>") && r.line(s).contains("| TokenizeShard shard 1"), r.line(s));
  }

  @Test
  void parkedRunEndsWithExitCode3AndTheRetryCommand() {
    RunSnapshot s = snapshot("RUNNING", """
        {"runId":"r1","status":"parked","currentStep":"tokenize","partitionsDone":1,"partitionsTotal":2,
         "finished":[{"step":"ingest","millis":1000,"counts":{}},{"step":"dedup","millis":500,"counts":{}}],
         "parked":{"step":"tokenize","attempts":5,"error":"unknown encoding 'foo'","failureType":"BadParameter",
                   "parkedAt":"2026-01-01T10:05:00Z"}}""", List.of(), T0.plusSeconds(300));
    assertEquals(State.PARKED, s.state());
    assertEquals(3, s.state().exitCode());
    WatchRenderer r = new WatchRenderer();
    List<String> lines = r.render(s);
    assertTrue(lineWith(lines, "tokenize ").contains("PARKED after 5 attempts: BadParameter: unknown encoding 'foo'"),
        lines.toString());
    List<String> end = WatchRenderer.ending(s);
    assertEquals("Run r1 is parked at step tokenize after 5 attempts: unknown encoding 'foo'", end.get(0));
    assertEquals("  Fix the cause, then: ./pretrain retry r1 --step tokenize", end.get(1));
  }

  @Test
  void finalStatesAndTheirExitCodes() {
    RunSnapshot done = snapshot("COMPLETED", "{\"status\":\"completed\",\"currentStep\":null,\"finished\":[]}",
        List.of(), T0.plusSeconds(754));
    assertEquals(State.COMPLETED, done.state());
    assertEquals(0, done.state().exitCode());
    assertEquals("Run r1 completed in 12m34s.", WatchRenderer.ending(done).get(0));

    RunSnapshot abandoned = snapshot("COMPLETED", "{\"status\":\"abandoned\",\"finished\":[]}", List.of(), T0.plusSeconds(5));
    assertEquals(State.ABANDONED, abandoned.state());
    assertEquals(1, abandoned.state().exitCode());

    RunSnapshot failed = RunSnapshot.of("r1", "pretrain-r1", "TERMINATED", null, "no answer", List.of(),
        "terminated: operator", T0, T0.plusSeconds(5), T0.plusSeconds(6));
    assertEquals(State.FAILED, failed.state());
    assertEquals("Run r1 terminated in 5s: terminated: operator", WatchRenderer.ending(failed).get(0));

    // no progress answer while running: still a view, with the reason
    RunSnapshot noWorker = RunSnapshot.of("r1", "pretrain-r1", "RUNNING", null, "no answer to the progress query",
        List.of(), null, T0, null, T0.plusSeconds(3));
    assertEquals(State.RUNNING, noWorker.state());
    assertTrue(new WatchRenderer().render(noWorker).get(1).contains("no answer to the progress query"));
  }

  @Test
  void jsonViewCarriesFractionsAndEtas() {
    Instant now = T0.plusSeconds(60);
    RunSnapshot s = snapshot("RUNNING", "{\"status\":\"running\",\"currentStep\":\"ingest\",\"partitionsDone\":0,"
        + "\"partitionsTotal\":1,\"finished\":[]}",
        List.of(activity("7", "IngestPartition", 1, T0, T0, now, new IngestProgress(5, 250, 1000))),
        now);
    WatchRenderer r = new WatchRenderer();
    r.observe(s);
    Map<String, Object> m = r.json(s);
    assertEquals("running", m.get("state"));
    assertEquals(0.25, (Double) m.get("stepFraction"), 1e-9);
    assertEquals(180L, m.get("stepEtaSeconds"));
    @SuppressWarnings("unchecked")
    Map<String, Object> a = ((List<Map<String, Object>>) m.get("activities")).get(0);
    assertEquals(180L, a.get("etaSeconds"));
    assertNull(m.get("exitCode"));
  }

  @Test
  void liveViewMovesTheCursorUpOverThePreviousBlock() {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    LiveView v = new LiveView(new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8), 40);
    v.draw(List.of("a", "b", "c"));
    v.draw(List.of("d", "a line far longer than the forty columns of this terminal"));
    String out = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    String esc = "\u001b[";
    assertTrue(out.startsWith("a" + esc + "K\nb" + esc + "K\nc" + esc + "K\n"), out);
    String second = out.substring(out.indexOf(esc + "3A"));
    assertTrue(second.startsWith(esc + "3A\rd" + esc + "K\n"), second);
    assertTrue(second.contains("a line far longer than the forty colum~" + esc + "K\n"), second);
    assertTrue(second.endsWith(esc + "J"), second); // one line fewer than before: cleared below
  }
}
