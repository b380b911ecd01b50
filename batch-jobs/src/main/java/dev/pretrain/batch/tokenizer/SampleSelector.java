package dev.pretrain.batch.tokenizer;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;

/**
 * Keeps the sample while the documents stream by: the candidates with the smallest keys whose text
 * reaches {@code sampleBytes} (the last one may pass it). A candidate is dropped from the selection as
 * soon as the smaller keys reach the size without it, so memory stays near the sample's size. The
 * result depends on the set of documents only, not on their order or the shard layout. After the step
 * the sample is written, in key order, to a local file for the training step.
 */
class SampleSelector implements ItemWriter<SampleCandidate>, StepExecutionListener {

  static final String SAMPLE_DOCUMENTS = "sample.documents";
  static final String SAMPLE_BYTES = "sample.bytes";
  static final String CANDIDATES = "sample.candidates";
  static final String CANDIDATE_BYTES = "sample.candidateBytes";
  static final String HELD_OUT = "sample.heldOut";

  private final long sampleBytes;
  private final Path file;
  private final LongConsumer progress;
  private final TreeMap<String, SampleCandidate> selected = new TreeMap<>();
  private long selectedBytes;
  private long candidates;
  private long candidateBytes;

  SampleSelector(long sampleBytes, Path file, LongConsumer progress) {
    this.sampleBytes = sampleBytes;
    this.file = file;
    this.progress = progress;
  }

  /** The local file the training step reads: one JSON line per sampled document, with its text. */
  static Path sampleFile(Path scratch) {
    return scratch.resolve("sample-texts.jsonl");
  }

  @Override
  public void write(Chunk<? extends SampleCandidate> chunk) {
    for (SampleCandidate c : chunk) {
      candidates++;
      candidateBytes += c.bytes();
      // the id breaks a tie of keys (equal ids would be the same document)
      selected.put(c.key() + ' ' + c.id(), c);
      selectedBytes += c.bytes();
      while (!selected.isEmpty() && selectedBytes - selected.lastEntry().getValue().bytes() >= sampleBytes) {
        selectedBytes -= selected.pollLastEntry().getValue().bytes();
      }
    }
    progress.accept(candidates);
  }

  @Override
  public ExitStatus afterStep(StepExecution step) {
    if (step.getStatus().isUnsuccessful()) {
      return null;
    }
    try {
      Files.createDirectories(file.getParent());
      try (OutputStream out = Files.newOutputStream(file);
          JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
        g.setRootValueSeparator(null);
        for (Map.Entry<String, SampleCandidate> e : selected.entrySet()) {
          SampleCandidate c = e.getValue();
          g.writeStartObject();
          g.writeStringField("doc_id", c.id());
          g.writeStringField("source", c.source());
          g.writeNumberField("bytes", c.bytes());
          g.writeStringField("key", c.key());
          g.writeStringField("text", c.text());
          g.writeEndObject();
          g.writeRaw('\n');
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("writing the tokenizer sample to " + file + ": " + e.getMessage(), e);
    }
    var ctx = step.getExecutionContext();
    ctx.putLong(SAMPLE_DOCUMENTS, selected.size());
    ctx.putLong(SAMPLE_BYTES, selectedBytes);
    ctx.putLong(CANDIDATES, candidates);
    ctx.putLong(CANDIDATE_BYTES, candidateBytes);
    ctx.putLong(HELD_OUT, step.getFilterCount());
    return null;
  }
}
