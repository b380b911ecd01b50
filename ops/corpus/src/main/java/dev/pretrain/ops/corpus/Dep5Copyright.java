package dev.pretrain.ops.corpus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A Debian machine-readable copyright file (DEP-5, copyright-format 1.0): its {@code Files:} stanzas
 * map source-tree globs to a {@code License:}. Per the format, the last stanza whose pattern matches a
 * path wins; {@code *} matches any run of characters including '/', {@code ?} one character, and a
 * backslash escapes {@code * ? \}.
 */
public final class Dep5Copyright {

  /** One {@code Files:} stanza: its patterns as written, compiled, and the license's short name. */
  public record Stanza(List<String> patterns, List<Pattern> compiled, String license) {}

  private final List<Stanza> stanzas;

  private Dep5Copyright(List<Stanza> stanzas) {
    this.stanzas = List.copyOf(stanzas);
  }

  /** Parses the file, or returns empty when it is not in the machine-readable format (free-form text). */
  public static Optional<Dep5Copyright> parse(String text) {
    List<Map<String, String>> paragraphs = paragraphs(text);
    // Drafts of the format named the header field Format-Specification.
    if (paragraphs.isEmpty()
        || !(paragraphs.get(0).containsKey("format") || paragraphs.get(0).containsKey("format-specification"))) {
      return Optional.empty();
    }
    List<Stanza> stanzas = new ArrayList<>();
    for (Map<String, String> p : paragraphs) {
      String files = p.get("files");
      String license = p.get("license");
      if (files == null || license == null) {
        continue; // header or stand-alone license text
      }
      String shortName = license.lines().findFirst().orElse("").strip();
      List<String> globs = List.of(files.strip().split("\\s+"));
      List<Pattern> compiled = new ArrayList<>();
      for (String g : globs) {
        if (!g.isEmpty()) {
          compiled.add(compile(g));
        }
      }
      stanzas.add(new Stanza(globs, compiled, shortName));
    }
    return Optional.of(new Dep5Copyright(stanzas));
  }

  public List<Stanza> stanzas() {
    return stanzas;
  }

  /** The license of a source-tree path (no leading slash): last matching stanza, or empty if none. */
  public Optional<String> licenseFor(String path) {
    String p = path.startsWith("./") ? path.substring(2) : path;
    for (int i = stanzas.size() - 1; i >= 0; i--) {
      for (Pattern pattern : stanzas.get(i).compiled()) {
        if (pattern.matcher(p).matches()) {
          String license = stanzas.get(i).license();
          return license.isEmpty() ? Optional.empty() : Optional.of(license);
        }
      }
    }
    return Optional.empty();
  }

  static Pattern compile(String glob) {
    String g = glob.startsWith("./") ? glob.substring(2) : glob;
    StringBuilder re = new StringBuilder("^");
    for (int i = 0; i < g.length(); i++) {
      char c = g.charAt(i);
      if (c == '\\' && i + 1 < g.length()) {
        re.append(Pattern.quote(String.valueOf(g.charAt(++i))));
      } else if (c == '*') {
        re.append(".*");
      } else if (c == '?') {
        re.append('.');
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    // A directory pattern without a wildcard ("debian/") is commonly meant for what is under it.
    if (g.endsWith("/")) {
      re.append(".*");
    }
    return Pattern.compile(re.append('$').toString(), Pattern.DOTALL);
  }

  /** deb822 paragraphs: fields with continuation lines, keys lower-cased, '#' comment lines dropped. */
  static List<Map<String, String>> paragraphs(String text) {
    List<Map<String, String>> out = new ArrayList<>();
    Map<String, String> current = new LinkedHashMap<>();
    String key = null;
    for (String line : text.split("\r?\n", -1)) {
      if (line.startsWith("#")) {
        continue;
      }
      if (line.strip().isEmpty()) {
        if (!current.isEmpty()) {
          out.add(current);
          current = new LinkedHashMap<>();
        }
        key = null;
      } else if (Character.isWhitespace(line.charAt(0))) {
        if (key != null) {
          String cont = line.strip();
          current.put(key, current.get(key) + "\n" + (cont.equals(".") ? "" : cont));
        }
      } else {
        int colon = line.indexOf(':');
        if (colon <= 0) {
          key = null; // not deb822: ignore the line
          continue;
        }
        key = line.substring(0, colon).strip().toLowerCase(java.util.Locale.ROOT);
        current.put(key, line.substring(colon + 1).strip());
      }
    }
    if (!current.isEmpty()) {
      out.add(current);
    }
    return out;
  }
}
