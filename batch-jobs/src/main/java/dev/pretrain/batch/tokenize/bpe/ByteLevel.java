package dev.pretrain.batch.tokenize.bpe;

/**
 * GPT-2's byte-to-unicode mapping, the string form of byte-level vocabularies (tokenizer.json's
 * {@code vocab} and {@code merges}): the printable bytes {@code '!'..'~'}, {@code '¡'..'¬'} and
 * {@code '®'..'ÿ'} stand for themselves, the other 68 bytes in increasing order for U+0100, U+0101, ...
 * (so a space is {@code 'Ġ'}, a line feed {@code 'Ċ'}).
 */
public final class ByteLevel {

  private static final char[] BYTE_TO_CHAR = new char[256];
  private static final int[] CHAR_TO_BYTE = new int[512];

  static {
    java.util.Arrays.fill(CHAR_TO_BYTE, -1);
    int extra = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
      char c = printable ? (char) b : (char) (256 + extra++);
      BYTE_TO_CHAR[b] = c;
      CHAR_TO_BYTE[c] = b;
    }
  }

  private ByteLevel() {}

  /** The character that stands for byte {@code b} (0..255). */
  public static char charOf(int b) {
    return BYTE_TO_CHAR[b & 0xff];
  }

  /** The string form of {@code bytes}. */
  public static String encode(byte[] bytes) {
    char[] out = new char[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = BYTE_TO_CHAR[bytes[i] & 0xff];
    }
    return new String(out);
  }

  /** The bytes whose string form is {@code s}; throws if {@code s} has a character outside the mapping. */
  public static byte[] decode(String s) {
    byte[] out = new byte[s.length()];
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
      if (b < 0) {
        throw new IllegalArgumentException("not a byte-level character: U+" + Integer.toHexString(c));
      }
      out[i] = (byte) b;
    }
    return out;
  }
}
