package dev.pretrain.batch.tokenizer;

import dev.pretrain.batch.shards.ShardDocument;
import dev.pretrain.batch.tokenize.Split;
import dev.pretrain.batch.tokenize.SplitRule;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * Keys each kept document for the sample; documents of the held-out split (the tokenize step's own
 * rule) are filtered out and counted, so the tokenizer never sees the text it is measured on.
 */
class SampleCandidates implements ItemProcessor<ShardDocument, SampleCandidate> {

  private final SplitRule split;
  private final String seedPrefix;
  private final MessageDigest sha256;

  SampleCandidates(SplitRule split, long seed) {
    this.split = split;
    this.seedPrefix = seed + ":";
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public SampleCandidate process(ShardDocument doc) {
    if (split.of(doc.id(), doc.source()) == Split.VAL) {
      return null;
    }
    String key = HexFormat.of().formatHex(sha256.digest((seedPrefix + doc.id()).getBytes(StandardCharsets.UTF_8)));
    return new SampleCandidate(key, doc.id(), doc.source(), utf8Length(doc.text()), doc.text());
  }

  static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += Character.isSurrogate(c) ? 1 : 3; // a lone surrogate is written as '?'
      }
    }
    return n;
  }
}
