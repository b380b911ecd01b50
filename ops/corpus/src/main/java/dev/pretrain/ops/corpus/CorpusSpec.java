package dev.pretrain.ops.corpus;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a corpus is made of: packages from registries, which of their files to use, how to turn them
 * into documents, and the facts the package does not state (language, jurisdiction, fallback license).
 * Loaded from YAML: a file, or a bundled resource {@code corpus/<name>.yaml} (e.g. "demo", "quick").
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CorpusSpec(String name, String description, Long partBytes, List<Source> sources) {

  /** Documents per JSONL part are cut at about this many bytes. */
  public static final long DEFAULT_PART_BYTES = 16L << 20;

  public enum Registry { debian, npm }

  /** How files become documents. */
  public enum Format {
    /** One document per file; UTF-8 (ISO-8859-1 if not valid UTF-8), gzip'd files decompressed. */
    text,
    /** One document per HTML file, tags stripped; language from an attribute of the html element if set. */
    html,
    /** A SWORD zText module (*.bzz with its .bzs/.bzv): one document per book, OSIS markup stripped. */
    @com.fasterxml.jackson.annotation.JsonProperty("sword-ztext") sword_ztext,
    /** A Bible Retrieval System text file (bible.data): one document per book. */
    @com.fasterxml.jackson.annotation.JsonProperty("brs-text") brs_text
  }

  /** What to do when a pinned version is not in the registry's index (after one index refresh). */
  public enum IfVersionMissing { fail, newest }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Source(
      String id,
      Registry registry,
      @com.fasterxml.jackson.annotation.JsonProperty("package") String packageName,
      String version,
      IfVersionMissing ifVersionMissing,
      List<String> include,
      List<String> exclude,
      Format format,
      String language,
      String languageAttribute,
      String jurisdiction,
      String license,
      String copyrightFile,
      String copyrightRoot,
      String content) {

    /** What a source may declare it holds; docs and code get curation's milder rule set. */
    public static final java.util.Set<String> CONTENT_KINDS = java.util.Set.of("prose", "docs", "code");

    /** prose, docs or code; prose when the entry does not say. */
    public String contentOrDefault() {
      return content == null || content.isBlank() ? "prose" : content;
    }

    /** "newest" (or empty) means: resolve at fetch time (apt candidate / npm latest) and record it. */
    public boolean pinned() {
      return version != null && !version.isBlank() && !version.equals("newest");
    }

    public IfVersionMissing ifVersionMissingOrDefault() {
      return ifVersionMissing == null ? IfVersionMissing.fail : ifVersionMissing;
    }

    public List<String> excludeOrEmpty() {
      return exclude == null ? List.of() : exclude;
    }

    public List<Pattern> includePatterns() {
      return include.stream().map(Glob::compile).toList();
    }

    public List<Pattern> excludePatterns() {
      return excludeOrEmpty().stream().map(Glob::compile).toList();
    }

    /** Path of the DEP-5 copyright file inside the package (Debian's policy location by default). */
    public String copyrightFileOrDefault() {
      return copyrightFile != null ? copyrightFile : "usr/share/doc/" + packageName + "/copyright";
    }
  }

  public long partBytesOrDefault() {
    return partBytes == null ? DEFAULT_PART_BYTES : partBytes;
  }

  static ObjectMapper yaml() {
    return new ObjectMapper(new YAMLFactory())
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }

  public static CorpusSpec parse(InputStream yaml, String origin) {
    try {
      return yaml().readValue(yaml, CorpusSpec.class).validated(origin);
    } catch (IOException e) {
      throw new CorpusException("corpus spec " + origin + ": " + e.getMessage(), e);
    }
  }

  public static CorpusSpec load(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return parse(in, file.toString());
    } catch (IOException e) {
      throw new CorpusException("corpus spec " + file + ": " + e.getMessage(), e);
    }
  }

  /** A bundled spec by name: {@code corpus/<name>.yaml} on the classpath. */
  public static CorpusSpec resource(String name) {
    String path = "corpus/" + name + ".yaml";
    try (InputStream in = CorpusSpec.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new CorpusException("no bundled corpus spec '" + name + "' (looked for " + path + " on the classpath)");
      }
      return parse(in, "classpath:" + path);
    } catch (IOException e) {
      throw new CorpusException("corpus spec " + path + ": " + e.getMessage(), e);
    }
  }

  /** A YAML file if {@code nameOrPath} names one, else a bundled spec of that name. */
  public static CorpusSpec named(String nameOrPath) {
    Path p = Path.of(nameOrPath);
    if (Files.isRegularFile(p)) {
      return load(p);
    }
    return resource(nameOrPath);
  }

  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]*");

  CorpusSpec validated(String origin) {
    String where = "corpus spec " + origin + ": ";
    if (name == null || !ID.matcher(name).matches()) {
      throw new CorpusException(where + "name must match " + ID.pattern() + ", got " + name);
    }
    if (sources == null || sources.isEmpty()) {
      throw new CorpusException(where + "no sources");
    }
    Set<String> ids = new HashSet<>();
    for (Source s : sources) {
      if (s.id() == null || !ID.matcher(s.id()).matches()) {
        throw new CorpusException(where + "source id must match " + ID.pattern() + ", got " + s.id());
      }
      if (!ids.add(s.id())) {
        throw new CorpusException(where + "duplicate source id " + s.id());
      }
      String sw = where + "source " + s.id() + ": ";
      if (s.registry() == null) {
        throw new CorpusException(sw + "registry must be one of debian, npm");
      }
      if (s.packageName() == null || s.packageName().isBlank()) {
        throw new CorpusException(sw + "package is required");
      }
      if (s.include() == null || s.include().isEmpty()) {
        throw new CorpusException(sw + "include (path globs) is required");
      }
      if (s.format() == null) {
        throw new CorpusException(sw + "format must be one of text, html, sword-ztext, brs-text");
      }
      if (s.jurisdiction() == null || s.jurisdiction().isBlank()) {
        throw new CorpusException(sw + "jurisdiction is required (the source's declared jurisdiction)");
      }
      if (s.language() == null || s.language().isBlank()) {
        throw new CorpusException(sw + "language is required (the default when files do not say)");
      }
      if (s.license() == null || s.license().isBlank()) {
        throw new CorpusException(sw + "license (fallback) is required");
      }
      if (s.content() != null && !Source.CONTENT_KINDS.contains(s.content())) {
        throw new CorpusException(sw + "content must be one of prose, docs, code, not '" + s.content() + "'");
      }
      if (s.version() != null && s.version().toLowerCase(Locale.ROOT).contains(" ")) {
        throw new CorpusException(sw + "version has spaces: " + s.version());
      }
    }
    return this;
  }
}
