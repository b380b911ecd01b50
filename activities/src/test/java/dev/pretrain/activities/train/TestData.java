package dev.pretrain.activities.train;

import ai.djl.engine.Engine;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.pretrain.batch.tokenize.LlmcTokenShard;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/** Shared test fixtures: the DJL runtime, a little real text, and token shards made from it. */
public final class TestData {

  /** Genesis 1:1-8, King James Version (public domain). */
  public static final String TEXT = "In the beginning God created the heaven and the earth. And the earth was without "
      + "form, and void; and darkness was upon the face of the deep. And the Spirit of God moved upon the face of the "
      + "waters. And God said, Let there be light: and there was light. And God saw the light, that it was good: and "
      + "God divided the light from the darkness. And God called the light Day, and the darkness he called Night. And "
      + "the evening and the morning were the first day. And God said, Let there be a firmament in the midst of the "
      + "waters, and let it divide the waters from the waters. And God made the firmament, and divided the waters "
      + "which were under the firmament from the waters which were above the firmament: and it was so. And God called "
      + "the firmament Heaven. And the evening and the morning were the second day.\n";

  public static final Encoding R50K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

  private TestData() {}

  /** Loads DJL offline; the libtorch cache defaults to target/djl-cache (-Dpretrain.djl.cache=DIR to share one). */
  public static Engine djl() {
    return DjlRuntime.init(Path.of(System.getProperty("pretrain.djl.cache", "target/djl-cache")),
        Integer.getInteger("pretrain.djl.threads", 2));
  }

  public static int[] r50k(String text) {
    return R50K.encode(text).toArray();
  }

  public static int[] repeat(int[] tokens, int times) {
    int[] out = new int[tokens.length * times];
    for (int i = 0; i < times; i++) {
      System.arraycopy(tokens, 0, out, i * tokens.length, tokens.length);
    }
    return out;
  }

  /** Renumbers token ids densely in order of first use, so a tiny model needs a tiny vocabulary. */
  public static int[] compact(int[] tokens) {
    int[] map = new int[1 << 17];
    Arrays.fill(map, -1);
    int next = 0;
    int[] out = new int[tokens.length];
    for (int i = 0; i < tokens.length; i++) {
      if (map[tokens[i]] < 0) {
        map[tokens[i]] = next++;
      }
      out[i] = map[tokens[i]];
    }
    return out;
  }

  public static int vocabOf(int[] tokens) {
    return Arrays.stream(tokens).max().orElse(0) + 1;
  }

  public static Path shard(Path dir, String name, int[] tokens) throws IOException {
    Path f = dir.resolve(name);
    LlmcTokenShard.write(f, tokens);
    return f;
  }
}
