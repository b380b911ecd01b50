package dev.pretrain.batch.tokenizer;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.batch.tokenize.bpe.BpeTrainer;
import dev.pretrain.batch.tokenize.bpe.BpeVocabulary;
import dev.pretrain.batch.tokenize.bpe.HfTokenizerJson;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.documents.DocumentRepository.Membership;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Trains the vocabulary on the sample and publishes three objects under {@code runs/<runId>/tokenizer/}:
 * {@code tokenizer.json} (Hugging Face format, what the tokenize step encodes with), {@code sample.jsonl}
 * (the documents it was trained on, without their text) and {@code card.json} (parameters and figures).
 * Each is recorded as an artifact made from the kept shards, and the sampled documents as members of the
 * tokenizer, so lineage answers which documents shaped it.
 */
class TokenizerPublisher implements Tasklet {

  static final String VOCAB_SIZE = "tokenizer.vocabSize";
  static final String MERGES = "tokenizer.merges";
  static final String TRAIN_MILLIS = "tokenizer.trainMillis";
  /** The pre-tokenizer's names: ours, and the type llama.cpp's GGUF loader knows it by. */
  static final String PRE_TOKENIZER = "cl100k";
  static final String LLAMA_CPP_PRE = "llama-bpe";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final TokenizerJob.Request request;
  private final Path dir;
  private final ObjectStore store;
  private final ArtifactRepository artifacts;
  private final DocumentRepository documents;

  TokenizerPublisher(TokenizerJob.Request request, Path dir, ObjectStore store, ArtifactRepository artifacts,
      DocumentRepository documents) {
    this.request = request;
    this.dir = dir;
    this.store = store;
    this.artifacts = artifacts;
    this.documents = documents;
  }

  @Override
  public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws IOException {
    Path sample = SampleSelector.sampleFile(dir);
    var sampleCtx = chunkContext.getStepContext().getStepExecution().getJobExecution().getStepExecutions().stream()
        .filter(s -> s.getStepName().equals(TokenizerJobConfig.SAMPLE_STEP)).findFirst().orElseThrow()
        .getExecutionContext();
    if (sampleCtx.getLong(SampleSelector.SAMPLE_DOCUMENTS) == 0) {
      throw new IllegalArgumentException("tokenizer: no training document to sample: all "
          + sampleCtx.getLong(SampleSelector.HELD_OUT) + " kept documents are in the held-out split");
    }
    long start = System.nanoTime();
    BpeVocabulary vocabulary = new BpeTrainer(request.vocabSize(), List.of(TokenizerJob.END_OF_TEXT),
        request.minFrequency()).train(() -> texts(sample));
    long trainMillis = (System.nanoTime() - start) / 1_000_000;

    List<String> inputs = request.documentShards().stream().map(ObjectStore.Stored::uri).toList();
    Path json = dir.resolve("tokenizer.json");
    HfTokenizerJson.write(vocabulary, json);
    ObjectStore.Stored tokenizer = store.putFile(request.bucket(), RunObjectKeys.tokenizerJson(request.runId()), json,
        "application/json");
    record(tokenizer, "tokenizer", inputs);
    documents.replaceMembers(tokenizer.uri(), members(sample));

    Path list = dir.resolve("sample.jsonl");
    writeSampleList(sample, list);
    ObjectStore.Stored sampleOut = store.putFile(request.bucket(), RunObjectKeys.tokenizerSample(request.runId()), list,
        "application/x-ndjson");
    record(sampleOut, "tokenizer-sample", inputs);

    Path card = dir.resolve("card.json");
    writeCard(card, vocabulary, tokenizer, sampleCtx);
    ObjectStore.Stored cardOut = store.putFile(request.bucket(), RunObjectKeys.tokenizerCard(request.runId()), card,
        "application/json");
    record(cardOut, "tokenizer-card", List.of(tokenizer.uri(), sampleOut.uri()));

    var ctx = contribution.getStepExecution().getExecutionContext();
    ctx.putInt(VOCAB_SIZE, vocabulary.size());
    ctx.putInt(MERGES, vocabulary.merges().size());
    ctx.putLong(TRAIN_MILLIS, trainMillis);
    contribution.incrementWriteCount(3);
    return RepeatStatus.FINISHED;
  }

  private void record(ObjectStore.Stored s, String kind, List<String> inputs) {
    artifacts.record(new ArtifactRepository.Artifact(s.uri(), s.sha256(), s.sizeBytes(), kind, request.runId(),
        TokenizerJob.STEP, store.endpoint(), store.region(), Instant.now()), inputs);
  }

  /** The sample's texts, streamed from the local file (the trainer reads them once). */
  private static Iterator<String> texts(Path sample) {
    BufferedReader in;
    try {
      in = Files.newBufferedReader(sample, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Iterator<>() {
      String next = advance();

      private String advance() {
        try {
          String line = in.readLine();
          if (line == null) {
            in.close();
            return null;
          }
          return JSON.readTree(line).get("text").asText();
        } catch (IOException e) {
          throw new UncheckedIOException("reading " + sample + ": " + e.getMessage(), e);
        }
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public String next() {
        String t = next;
        next = advance();
        return t;
      }
    };
  }

  private static List<Membership> members(Path sample) throws IOException {
    List<Membership> out = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(sample, StandardCharsets.UTF_8)) {
      for (String line; (line = in.readLine()) != null; ) {
        out.add(new Membership(JSON.readTree(line).get("doc_id").asText(), out.size(), null, null));
      }
    }
    return out;
  }

  private static void writeSampleList(Path sample, Path list) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(sample, StandardCharsets.UTF_8);
        OutputStream out = Files.newOutputStream(list);
        JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
      g.setRootValueSeparator(null);
      for (String line; (line = in.readLine()) != null; ) {
        JsonNode n = JSON.readTree(line);
        g.writeStartObject();
        g.writeStringField("doc_id", n.get("doc_id").asText());
        g.writeStringField("source", n.get("source").asText(null));
        g.writeNumberField("bytes", n.get("bytes").asLong());
        g.writeStringField("key", n.get("key").asText());
        g.writeEndObject();
        g.writeRaw('\n');
      }
    }
  }

  private void writeCard(Path card, BpeVocabulary v, ObjectStore.Stored tokenizer,
      org.springframework.batch.infrastructure.item.ExecutionContext sample) throws IOException {
    try (OutputStream out = Files.newOutputStream(card);
        JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeStringField("runId", request.runId());
      g.writeStringField("type", "byte-level BPE");
      g.writeStringField("tokenizer", tokenizer.uri());
      g.writeStringField("tokenizerSha256", tokenizer.sha256());
      g.writeNumberField("vocabSize", v.size());
      g.writeNumberField("vocabSizeAsked", request.vocabSize());
      g.writeNumberField("merges", v.merges().size());
      g.writeArrayFieldStart("specialTokens");
      for (String sp : v.specialTokens()) {
        g.writeStartObject();
        g.writeStringField("content", sp);
        g.writeNumberField("id", v.specialTokenId(sp));
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeStringField("preTokenizer", PRE_TOKENIZER);
      g.writeStringField("llamaCppPre", LLAMA_CPP_PRE);
      g.writeObjectFieldStart("sample");
      g.writeStringField("rule", "train-split documents in order of SHA-256(seed:id), until their text reaches"
          + " sampleBytes; held-out documents never");
      g.writeNumberField("seed", request.seed());
      g.writeNumberField("sampleBytesAsked", request.sampleBytes());
      g.writeNumberField("documents", sample.getLong(SampleSelector.SAMPLE_DOCUMENTS));
      g.writeNumberField("bytes", sample.getLong(SampleSelector.SAMPLE_BYTES));
      g.writeNumberField("candidates", sample.getLong(SampleSelector.CANDIDATES));
      g.writeNumberField("candidateBytes", sample.getLong(SampleSelector.CANDIDATE_BYTES));
      g.writeNumberField("heldOutSkipped", sample.getLong(SampleSelector.HELD_OUT));
      g.writeNumberField("valFraction", request.valFraction());
      g.writeArrayFieldStart("heldOutSources");
      for (String s : request.heldOutSources()) {
        g.writeString(s);
      }
      g.writeEndArray();
      g.writeEndObject();
      g.writeNumberField("minFrequency", request.minFrequency());
      g.writeArrayFieldStart("trainedOn");
      for (ObjectStore.Stored s : request.documentShards()) {
        g.writeString(s.uri());
      }
      g.writeEndArray();
      g.writeEndObject();
    }
  }
}
