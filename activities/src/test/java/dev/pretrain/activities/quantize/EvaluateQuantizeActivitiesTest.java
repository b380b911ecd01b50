package dev.pretrain.activities.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.activities.ModelStepsFixture;
import dev.pretrain.activities.evaluate.EvaluateActivitiesImpl;
import dev.pretrain.activities.train.Checkpoint;
import dev.pretrain.activities.train.TrainActivitiesImpl;
import dev.pretrain.activities.train.TestData;
import dev.pretrain.batch.shards.ShardTestStack;
import dev.pretrain.db.evaluations.EvaluationRepository;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.evaluate.EvaluateActivities;
import dev.pretrain.workflows.evaluate.EvaluateActivities.EvaluateRequest;
import dev.pretrain.workflows.evaluate.EvaluateActivities.EvaluateResult;
import dev.pretrain.workflows.quantize.QuantizeActivities;
import dev.pretrain.workflows.quantize.QuantizeActivities.QuantizeRequest;
import dev.pretrain.workflows.quantize.QuantizeActivities.QuantizeResult;
import dev.pretrain.workflows.train.TrainActivities;
import dev.pretrain.workflows.train.TrainActivities.TrainResult;
import dev.pretrain.workflows.train.TrainParams;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evaluate and quantize activities on a model the train activity made, against S3Proxy and H2. */
class EvaluateQuantizeActivitiesTest {

  static final String BUCKET = ShardTestStack.BUCKET;
  static final String RUN = "eq";
  static final TrainParams PARAMS = ModelStepsFixture.tinyParams(30, 30);

  @TempDir
  static Path tmp;
  static ModelStepsFixture fx;
  static TrainResult trained;

  TestActivityEnvironment env;
  EvaluateActivities evaluate;
  QuantizeActivities quantize;

  @BeforeAll
  static void up() throws Exception {
    fx = new ModelStepsFixture(tmp, RUN);
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    try {
      env.registerActivitiesImplementations(new TrainActivitiesImpl(fx.services));
      trained = env.newActivityStub(TrainActivities.class, options())
          .train(new TrainActivities.TrainRequest(RUN, BUCKET, fx.trainShards, PARAMS));
    } finally {
      env.close();
    }
  }

  @AfterAll
  static void down() {
    if (fx != null) {
      fx.close();
    }
  }

  static ActivityOptions options() {
    return ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(5))
        .setHeartbeatTimeout(Duration.ofSeconds(60)).build();
  }

  @BeforeEach
  void stubs() {
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new EvaluateActivitiesImpl(fx.services), new QuantizeActivitiesImpl(fx.services));
    evaluate = env.newActivityStub(EvaluateActivities.class, options());
    quantize = env.newActivityStub(QuantizeActivities.class, options());
  }

  @AfterEach
  void closeEnv() {
    env.close();
  }

  private static JsonNode json(ArtifactRef ref) throws Exception {
    try (InputStream in = fx.stack.store.open(ref.bucket(), ref.key())) {
      return new ObjectMapper().readTree(in);
    }
  }

  @Test
  void evaluatesTheUntrainedAndTheTrainedModelWithReportsAndRows() throws Exception {
    EvaluateResult before = evaluate.evaluate(new EvaluateRequest(RUN, BUCKET, "initial", null, PARAMS, fx.valShards));
    EvaluateResult after = evaluate.evaluate(
        new EvaluateRequest(RUN, BUCKET, "final", trained.model(), PARAMS, fx.valShards));

    assertEquals(Math.log(TrainParams.R50K_VOCAB), before.loss(), 0.5, "untrained: near ln(V)");
    assertTrue(after.loss() < before.loss() - 2, before.loss() + " -> " + after.loss());
    assertTrue(after.bitsPerByte() < before.bitsPerByte());
    assertEquals(Math.exp(after.loss()), after.perplexity(), 1e-9 * after.perplexity());
    assertEquals(before.tokens(), after.tokens(), "same held-out tokens");
    long valTokens = TestData.r50k(ModelStepsFixture.docText("v0-0")).length;
    assertTrue(after.tokens() > 10L * valTokens, "the whole val shard (evalMaxTokens 0): " + after.tokens());
    assertEquals(after.loss() / Math.log(2) * after.tokens() / after.bytes(), after.bitsPerByte(), 1e-9);

    assertEquals(ArtifactRef.s3Uri(BUCKET, "runs/eq/evaluate/final.json"), after.report().uri());
    JsonNode report = json(after.report());
    assertEquals(after.loss(), report.get("loss").asDouble(), 1e-12);
    assertEquals(trained.model().uri(), report.get("model").asText());
    assertTrue(json(before.report()).get("model").isNull());
    assertEquals(after.report().sha256(), fx.stack.store.sha256Of(BUCKET, after.report().key()));
    assertEquals(List.of(trained.model().uri(), fx.valShards.get(0).uri()).stream().sorted().toList(),
        fx.stack.artifacts.inputsOf(after.report().uri()));
    assertEquals("eval-report", fx.stack.artifacts.find(after.report().uri()).orElseThrow().kind());

    EvaluationRepository rows = new EvaluationRepository(fx.stack.db.jdbc());
    EvaluationRepository.Evaluation row = rows.find(RUN, "final").orElseThrow();
    assertEquals(after.loss(), row.loss(), 1e-12);
    assertEquals(after.bitsPerByte(), row.bitsPerByte(), 1e-12);
    assertEquals(after.tokens(), row.tokens());
    assertEquals(trained.model().uri(), row.modelUri());
    assertNull(rows.find(RUN, "initial").orElseThrow().modelUri());

    // a retry replaces the row and the report
    evaluate.evaluate(new EvaluateRequest(RUN, BUCKET, "final", trained.model(), PARAMS, fx.valShards));
    assertEquals(1, rows.byRun(RUN).stream().filter(e -> e.label().equals("final")).count());
  }

  @Test
  void evaluationBySourceReadsEachSourceOnItsOwn() throws Exception {
    EvaluationRepository rows = new EvaluationRepository(fx.stack.db.jdbc());
    // a cap above every source's size: each source whole, and the figures add up to the overall ones
    EvaluateResult whole = evaluate.evaluate(new EvaluateRequest(RUN, BUCKET, "by-source", trained.model(),
        bySource(1_000_000), fx.valShards));
    List<EvaluationRepository.SourceEvaluation> parts = rows.sources(RUN, "by-source");
    assertEquals(List.of("fortunes", "kjv"), parts.stream().map(EvaluationRepository.SourceEvaluation::source).toList());
    assertEquals(List.of(8L, 8L), parts.stream().map(EvaluationRepository.SourceEvaluation::documents).toList());
    assertEquals(whole.tokens(), parts.stream().mapToLong(EvaluationRepository.SourceEvaluation::tokens).sum());
    assertEquals(whole.bytes(), parts.stream().mapToLong(EvaluationRepository.SourceEvaluation::bytes).sum());
    double nats = parts.stream().mapToDouble(p -> p.loss() * p.tokens()).sum();
    assertEquals(whole.loss() * whole.tokens(), nats, 1e-6 * nats);
    long fortunesTokens = 0;
    for (int d = 1; d < fx.documentsPerShard; d += 2) {
      fortunesTokens += TestData.r50k(ModelStepsFixture.docText("v0-" + d)).length;
    }
    assertEquals(fortunesTokens - 1, parts.get(0).tokens(), "fortunes' documents, each but the first token predicted");
    JsonNode report = json(whole.report());
    assertEquals(2, report.get("bySource").size());
    assertEquals("fortunes", report.get("bySource").get(0).get("source").asText());
    assertEquals(parts.get(1).bitsPerByte(), report.get("bySource").get(1).get("bitsPerByte").asDouble(), 1e-12);

    // a cap of 200 tokens per source: 199 predicted of each
    EvaluateResult capped = evaluate.evaluate(new EvaluateRequest(RUN, BUCKET, "by-source-200", trained.model(),
        bySource(200), fx.valShards));
    assertEquals(398, capped.tokens());
    assertEquals(List.of(199L, 199L),
        rows.sources(RUN, "by-source-200").stream().map(EvaluationRepository.SourceEvaluation::tokens).toList());
  }

  private static TrainParams bySource(long perSource) {
    return new TrainParams(PARAMS.vocabSize(), PARAMS.contextLength(), PARAMS.dModel(), PARAMS.layers(),
        PARAMS.heads(), PARAMS.ffnHidden(), PARAMS.steps(), PARAMS.batch(), PARAMS.seqLen(), PARAMS.lr(),
        PARAMS.minLr(), PARAMS.warmupSteps(), PARAMS.weightDecay(), PARAMS.gradClip(), PARAMS.checkpointEvery(),
        PARAMS.seed(), PARAMS.evalBatch(), 0, perSource);
  }

  @Test
  void evalMaxTokensReadsAPrefixOfTheHeldOutSplit() {
    TrainParams capped = new TrainParams(PARAMS.vocabSize(), PARAMS.contextLength(), PARAMS.dModel(), PARAMS.layers(),
        PARAMS.heads(), PARAMS.ffnHidden(), PARAMS.steps(), PARAMS.batch(), PARAMS.seqLen(), PARAMS.lr(),
        PARAMS.minLr(), PARAMS.warmupSteps(), PARAMS.weightDecay(), PARAMS.gradClip(), PARAMS.checkpointEvery(),
        PARAMS.seed(), PARAMS.evalBatch(), 500);
    EvaluateResult r = evaluate.evaluate(new EvaluateRequest(RUN, BUCKET, "capped", trained.model(), capped,
        fx.valShards));
    assertEquals(499, r.tokens(), "500 tokens, each but the first predicted");
  }

  @Test
  void quantizesToQ8_0AndReportsSizeRatioAndLossDelta() throws Exception {
    EvaluateResult fp32 = evaluate.evaluate(
        new EvaluateRequest(RUN, BUCKET, "final", trained.model(), PARAMS, fx.valShards));

    QuantizeResult q = quantize.quantize(new QuantizeRequest(RUN, BUCKET, trained.model(), PARAMS, fx.valShards, fp32));

    System.out.printf("Q8_0 activity: %d -> %d bytes (ratio %.4f), val loss %.5f -> %.5f (delta %+.6f)%n",
        q.fp32Bytes(), q.quantizedBytes(), q.sizeRatio(), fp32.loss(), q.quantized().loss(), q.lossDelta());
    assertTrue(q.sizeRatio() < 0.3, "ratio " + q.sizeRatio());
    assertEquals(34.0 / 32 / 4, q.sizeRatio(), 0.01, "34 bytes per 32 weights, norms aside");
    assertTrue(Math.abs(q.lossDelta()) < 0.01, "delta " + q.lossDelta());
    assertEquals(q.quantized().loss() - fp32.loss(), q.lossDelta(), 1e-12);
    assertEquals(1 + 7, q.quantizedTensors(), "embedding + 7 matrices per layer");
    assertEquals(3, q.fp32Tensors(), "two norms per layer + the final norm");

    assertEquals(ArtifactRef.s3Uri(BUCKET, "runs/eq/quantize/model-q8_0.bin"), q.quantizedModel().uri());
    assertEquals(q.quantizedModel().sha256(), fx.stack.store.sha256Of(BUCKET, q.quantizedModel().key()));
    assertEquals("quantized-model", fx.stack.artifacts.find(q.quantizedModel().uri()).orElseThrow().kind());
    assertEquals(List.of(trained.model().uri()), fx.stack.artifacts.inputsOf(q.quantizedModel().uri()));
    JsonNode report = json(q.report());
    assertEquals(q.sizeRatio(), report.get("sizeRatio").asDouble(), 1e-12);
    assertEquals(q.lossDelta(), report.get("lossDelta").asDouble(), 1e-12);
    EvaluationRepository.Evaluation row = new EvaluationRepository(fx.stack.db.jdbc()).find(RUN, "q8_0").orElseThrow();
    assertEquals(q.quantizedModel().uri(), row.modelUri());
    assertEquals(q.quantized().loss(), row.loss(), 1e-12);

    // the file holds what QuantizedModel makes of the checkpoint, and nothing is lost on the way
    Path file = tmp.resolve("q8.bin");
    fx.stack.store.download(BUCKET, q.quantizedModel().key(), file);
    Path ckpt = tmp.resolve("model.pt");
    fx.stack.store.download(BUCKET, trained.model().key(), ckpt);
    QuantizedModel read = Q8File.read(file);
    QuantizedModel expected;
    try (var manager = TestData.djl().newBaseManager();
        var model = Checkpoint.loadModel(ckpt, manager)) {
      expected = QuantizedModel.quantize(model);
    }
    assertEquals(expected.config(), read.config());
    assertEquals(List.copyOf(expected.tensors().keySet()), List.copyOf(read.tensors().keySet()));
    for (Map.Entry<String, float[]> e : expected.dequantizedWeights().entrySet()) {
      assertArrayEquals(e.getValue(), read.dequantizedWeights().get(e.getKey()), 0f, e.getKey());
    }
    assertEquals(q.quantizedBytes() + headerBytes(read), q.quantizedModel().sizeBytes());
  }

  @Test
  void withoutValidationDataQuantizeOnlyQuantizes() {
    QuantizeResult q = quantize.quantize(new QuantizeRequest(RUN, BUCKET, trained.model(), PARAMS, List.of(), null));
    assertTrue(q.sizeRatio() < 0.3);
    assertNull(q.quantized());
    assertNull(q.lossDelta());
  }

  @Test
  void anUnsafeLabelIsABadParameter() {
    ActivityFailure f = assertThrows(ActivityFailure.class, () -> evaluate.evaluate(
        new EvaluateRequest(RUN, BUCKET, "../x", null, PARAMS, fx.valShards)));
    assertEquals("BadParameter", ((ApplicationFailure) f.getCause()).getType());
  }

  /** File header + per-tensor headers of {@link Q8File}. */
  private static long headerBytes(QuantizedModel m) {
    long n = 4 + 4 + 6 * 4 + 8 + 8 + 4;
    for (QuantizedModel.Tensor t : m.tensors().values()) {
      n += 4 + t.name().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 4 + 8L * t.shape().dimension() + 4
          + 8;
    }
    return n;
  }
}
