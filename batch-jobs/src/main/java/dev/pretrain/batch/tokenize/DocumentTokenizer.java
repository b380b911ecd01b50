package dev.pretrain.batch.tokenize;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.pretrain.batch.shards.ShardDocument;
import dev.pretrain.batch.tokenize.bpe.BpeVocabulary;
import dev.pretrain.batch.tokenize.fast.FastBpeEncoder;
import dev.pretrain.batch.tokenize.fast.PreTokenizer;
import dev.pretrain.batch.tokenize.fast.TokenBuffer;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * Encodes a document with byte-level BPE and assigns it a split: GPT-2's vocabulary ({@code r50k_base},
 * ids equal to jtokkit's) or the run's own ({@code bpe}, trained by the tokenizer step). Text is encoded
 * as ordinary text: a document that happens to contain "<|endoftext|>" gets the string's tokens, never
 * the special token, so the only end-of-text tokens in a shard are the separators we insert (llm.c puts
 * one before every document).
 *
 * <p>One instance per thread (the encoder's word cache).
 */
public class DocumentTokenizer implements ItemProcessor<ShardDocument, TokenizedDocument> {

  /** GPT-2's {@code <|endoftext|>}. */
  public static final int END_OF_TEXT = 50256;
  public static final String R50K_BASE = "r50k_base";
  /** The run's own byte-level BPE vocabulary. */
  public static final String BPE = "bpe";

  private final FastBpeEncoder encoder;
  private final int endOfText;
  private final SplitRule splitRule;
  private final TokenBuffer buffer = new TokenBuffer(1 << 16);

  public DocumentTokenizer(FastBpeEncoder encoder, int endOfText, SplitRule splitRule) {
    this.encoder = encoder;
    this.endOfText = endOfText;
    this.splitRule = splitRule;
  }

  /** GPT-2's vocabulary. */
  public static DocumentTokenizer r50kBase(SplitRule splitRule) {
    return new DocumentTokenizer(FastBpeEncoder.r50kBase(), END_OF_TEXT, splitRule);
  }

  /** A vocabulary the tokenizer step trained; its {@code <|endoftext|>} separates documents. */
  public static DocumentTokenizer of(BpeVocabulary vocabulary, String endOfTextToken, SplitRule splitRule) {
    int eot = vocabulary.specialTokenId(endOfTextToken);
    if (eot < 0) {
      throw new IllegalArgumentException("the vocabulary has no special token " + endOfTextToken);
    }
    return new DocumentTokenizer(new FastBpeEncoder(vocabulary.mergeableRanks(), PreTokenizer.CL100K), eot, splitRule);
  }

  /** jtokkit's r50k encoding (tests decode with it), loaded once per process. */
  public static Encoding r50k() {
    return R50k.ENCODING;
  }

  @Override
  public TokenizedDocument process(ShardDocument doc) {
    buffer.clear();
    buffer.add(endOfText);
    encoder.encodeOrdinary(doc.text(), buffer);
    return new TokenizedDocument(doc.id(), splitRule.of(doc.id(), doc.source()), buffer.toArray());
  }

  private static final class R50k {
    static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
  }
}
