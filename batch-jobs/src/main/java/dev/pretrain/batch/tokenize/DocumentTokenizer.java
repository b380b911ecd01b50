package dev.pretrain.batch.tokenize;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.pretrain.batch.shards.ShardDocument;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * Encodes a document with GPT-2's byte-level BPE (jtokkit {@code r50k_base}) and assigns it a split.
 * {@code encodeOrdinary}: text that happens to read "<|endoftext|>" is ordinary text, never the
 * special token, so the only end-of-text tokens in a shard are the separators we insert.
 */
public class DocumentTokenizer implements ItemProcessor<ShardDocument, TokenizedDocument> {

  /** GPT-2's {@code <|endoftext|>}; llm.c puts one before every document. */
  public static final int END_OF_TEXT = 50256;
  public static final String R50K_BASE = "r50k_base";

  private final Encoding encoding;
  private final SplitRule splitRule;

  public DocumentTokenizer(Encoding encoding, SplitRule splitRule) {
    this.encoding = encoding;
    this.splitRule = splitRule;
  }

  /** The r50k encoding, loaded once per process (building its rank table takes a moment). */
  public static Encoding r50k() {
    return R50k.ENCODING;
  }

  @Override
  public TokenizedDocument process(ShardDocument doc) {
    return new TokenizedDocument(doc.id(), splitRule.of(doc.id(), doc.source()), encoding.encodeOrdinary(doc.text()));
  }

  private static final class R50k {
    static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
  }
}
