package dev.pretrain.ops.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pretrain.workflows.evaluate.EvaluateProgress;
import dev.pretrain.workflows.ingest.IngestProgress;
import dev.pretrain.workflows.tokenize.TokenizeProgress;
import dev.pretrain.workflows.train.TrainProgress;
import io.temporal.api.common.v1.Payloads;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.GlobalDataConverter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeartbeatDetailsDecoderTest {

  private static final DataConverter CONVERTER = GlobalDataConverter.get();
  private final HeartbeatDetailsDecoder decoder = new HeartbeatDetailsDecoder(CONVERTER);

  private static Payloads payloads(Object details) {
    return CONVERTER.toPayloads(details).orElseThrow();
  }

  @Test
  void eachStepsActivityTypeDecodesToItsProgressRecord() {
    TrainProgress train = new TrainProgress(400, 1000, 3.1, 12000, "s3://b/runs/r1/train/ckpt-0000400.pt");
    assertEquals(train, decoder.decode("Train", payloads(train)));
    TokenizeProgress tokenize = new TokenizeProgress(1, 1234);
    assertEquals(tokenize, decoder.decode("TokenizeShard", payloads(tokenize)));
    EvaluateProgress evaluate = new EvaluateProgress("initial", 77);
    assertEquals(evaluate, decoder.decode("Evaluate", payloads(evaluate)));
  }

  @Test
  void theRecordsKeepTheJsonFieldNamesOfTheWire() {
    // what a worker that heartbeats a plain map with these names sends
    Map<String, Object> ingest = new LinkedHashMap<>();
    ingest.put("records", 5);
    ingest.put("bytes", 250);
    ingest.put("bytesTotal", 1000);
    assertEquals(new IngestProgress(5, 250, 1000), decoder.decode("IngestPartition", payloads(ingest)));
  }

  @Test
  void otherActivitiesKeepTheirDetailsAsJson() {
    Object d = decoder.decode("RecordStep", payloads(Map.of("note", "x")));
    assertEquals("x", assertInstanceOf(JsonNode.class, d).path("note").asText());
    assertNull(decoder.decode("Train", Payloads.getDefaultInstance()));
  }
}
