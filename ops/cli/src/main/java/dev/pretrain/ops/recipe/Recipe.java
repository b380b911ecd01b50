package dev.pretrain.ops.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.pretrain.batch.dedup.near.LshBands;
import dev.pretrain.batch.dedup.near.MinHasher;
import dev.pretrain.batch.dedup.stages.DedupIndex;
import dev.pretrain.workflows.dedup.DedupParams;
import dev.pretrain.workflows.ingest.CurateParams;
import dev.pretrain.workflows.run.RunRequest;
import dev.pretrain.workflows.run.RunRequest.IngestParams;
import dev.pretrain.workflows.run.RunRequest.TokenizeParams;
import dev.pretrain.workflows.run.StepOverrides;
import dev.pretrain.workflows.train.TrainParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A run recipe, read from YAML:
 *
 * <pre>
 * name: demo                      # required; run ids start with it
 * inputs:                         # required: s3://bucket/prefix/, file:// URIs or local paths
 *   - s3://corpus/demo/
 * bucket: pretrain                # optional; default: the configured bucket
 * ingest:                         # optional; sizes accept 32MiB, 16MB, 4096
 *   targetPartitionBytes: 32MiB
 *   shardTargetBytes: 16MiB
 *   defaultJurisdiction: unknown
 *   unknownLicense: keep          # or quarantine: a record whose license neither it nor its source declares
 * curate:                         # optional; on with these defaults when absent; "curate: off" turns it off
 *   filters: true                 # Gopher quality + repetition, C4, FineWeb (docs/curation.md)
 *   languageId: true
 *   minLanguageConfidence: 0.65
 *   languages: []                 # ISO 639 codes to keep; empty keeps every language
 *   pii: true                     # e-mail, public IP, phone numbers replaced
 *   docsSources: [linux-doc-6.1]  # sources that get the milder rule set for code and documentation
 * dedup:                          # optional (docs/near-dedup.md); these are the defaults
 *   partitions: 4                 # P: digest, bucket and pair partitions (activities on any worker)
 *   keep: [linux-doc-6.12]        # keep rule: of a group of copies, the earliest listed source stays, then the smallest id
 *   fuzzy: true                   # near-duplicates by MinHash-LSH, not only exact copies
 *   threshold: 0.8                # word 5-gram Jaccard at or above which two documents are near-duplicates
 *   bands: 14                     # 14 x 8 by default; with only a threshold given, fitted to it
 *   rows: 8
 *   check: true                   # exact Jaccard of every candidate pair (removes LSH false positives)
 *   seed: 407704162501            # MinHash seed
 *   index: nightly                # optional: a persistent index (recurring runs): drop what earlier runs kept, add what this keeps
 *   decontamination:              # training documents sharing n-grams with a held-out source (tokenize.heldOutSources)
 *     ngram: 13                   # 0 turns it off
 *     minOverlap: 2
 * tokenize:
 *   encoding: bpe                 # the default: a byte-level BPE trained on this run's kept documents
 *                                 # (the tokenizer step, docs/tokenizer.md); r50k_base: GPT-2's vocabulary
 *   vocabSize: 8192               # bpe: ids in all (256 bytes + merges + <|endoftext|>), 258..65536
 *   sampleBytes: 16MB             # bpe: text of the training sample (train-split documents by SHA-256(seed:id))
 *   minFrequency: 0               # bpe: pairs seen fewer times are never merged
 *   seed: 1337                    # bpe: orders the documents for the sample
 *   valFraction: 0.01
 *   heldOutSources: [udhr]        # source ids (the corpus spec's): all their documents go to val
 *   driftSources: [linux-doc-6.12] # held out too, as a drift set: a newer version of a source trained on
 *                                 # (dedup.keep ranks the trained version first); dropped as exact copies
 *                                 # only (near copies are its changes); never decontaminates
 * train:                          # optional; a preset and overrides of its fields
 *   preset: quick                 # default (500 steps) or quick (60 steps); with encoding bpe the model
 *                                 # is sized for the vocabulary (d 256, 6 layers; TrainParams.forOwnVocabulary)
 *   steps: 30
 *   checkpointEvery: 10
 * export:                         # optional: what the export step writes (runs with their own vocabulary)
 *   types: [f16, q8_0, q4_0]      # the default; GGUF types f32, f16, q8_0, q4_0
 * until: tokenize                 # optional: the last step to run (a data-only run); default: every step
 * region: eu                      # optional: the region the run asks for under the sovereignty policy
 * jurisdictions:                  # optional: source id -> jurisdiction, over the sources table's
 *   debian-handbook: EU
 * </pre>
 *
 * Local paths are made absolute against the recipe's folder. Unknown keys are errors.
 */
public record Recipe(String name, List<String> inputs, String bucket, IngestParams ingest, TokenizeParams tokenize,
    TrainParams train, String until, RunRequest.Sovereignty sovereignty, DedupParams dedup, List<String> exportTypes) {

  /** The GGUF types {@code export.types} may name. */
  public static final List<String> EXPORT_TYPES = List.of("f32", "f16", "q8_0", "q4_0");

  public Recipe(String name, List<String> inputs, String bucket, IngestParams ingest, TokenizeParams tokenize,
      TrainParams train, String until, RunRequest.Sovereignty sovereignty, DedupParams dedup) {
    this(name, inputs, bucket, ingest, tokenize, train, until, sovereignty, dedup, null);
  }

  public Recipe(String name, List<String> inputs, String bucket, IngestParams ingest, TokenizeParams tokenize,
      TrainParams train, String until, RunRequest.Sovereignty sovereignty) {
    this(name, inputs, bucket, ingest, tokenize, train, until, sovereignty, null);
  }

  private static final Set<String> TOP = Set.of("name", "inputs", "bucket", "ingest", "curate", "dedup", "tokenize",
      "train", "until", "description", "region", "jurisdictions", "export");
  private static final Set<String> DEDUP = Set.of("partitions", "keep", "fuzzy", "threshold", "bands", "rows", "check",
      "seed", "decontamination", "index");
  private static final Set<String> DECONTAMINATION = Set.of("ngram", "minoverlap");

  /** A recipe that asks for no region and declares no jurisdictions. */
  public Recipe(String name, List<String> inputs, String bucket, IngestParams ingest, TokenizeParams tokenize,
      TrainParams train, String until) {
    this(name, inputs, bucket, ingest, tokenize, train, until, null);
  }

  /** A recipe with the default train parameters. */
  public Recipe(String name, List<String> inputs, String bucket, IngestParams ingest, TokenizeParams tokenize) {
    this(name, inputs, bucket, ingest, tokenize, TrainParams.defaults());
  }

  /** A recipe that runs every step. */
  public Recipe(String name, List<String> inputs, String bucket, IngestParams ingest, TokenizeParams tokenize,
      TrainParams train) {
    this(name, inputs, bucket, ingest, tokenize, train, null);
  }

  /** The same recipe, stopping after {@code step} (null: every step); an unknown step is an error. */
  public Recipe withUntil(String step) {
    return new Recipe(name, inputs, bucket, ingest, tokenize, train, checkedStep(step, "until"), sovereignty, dedup,
        exportTypes);
  }

  private static String checkedStep(String step, String where) {
    if (step != null && !dev.pretrain.workflows.StepNames.ALL.contains(step)) {
      throw new RecipeException(where + ": unknown step '" + step + "'; steps: "
          + String.join(", ", dev.pretrain.workflows.StepNames.ALL));
    }
    return step;
  }
  private static final Set<String> INGEST =
      Set.of("targetpartitionbytes", "shardtargetbytes", "defaultjurisdiction", "unknownlicense");
  private static final Set<String> CURATE =
      Set.of("filters", "languageid", "pii", "minlanguageconfidence", "languages", "docssources");
  private static final Set<String> TOKENIZE = Set.of("encoding", "valfraction", "heldoutsources", "driftsources", "vocabsize",
      "samplebytes", "minfrequency", "seed");

  public RunRequest toRequest(String runId) {
    return new RunRequest(runId, name, inputs, bucket, ingest, tokenize, train, null, until, sovereignty, dedup,
        exportTypes);
  }

  public static Recipe load(Path file, String defaultBucket) {
    if (!Files.isRegularFile(file)) {
      throw new RecipeException("no recipe file " + file);
    }
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new RecipeException("cannot read recipe " + file + ": " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new RecipeException("recipe " + file + " must be a YAML mapping");
    }
    return parse(root, file.toAbsolutePath().getParent(), defaultBucket, file.toString());
  }

  static Recipe parse(JsonNode root, Path baseDir, String defaultBucket, String where) {
    checkKeys(root, TOP, where);
    String name = text(root, "name", null, where);
    if (name == null || name.isBlank()) {
      throw new RecipeException(where + ": 'name' is required");
    }
    JsonNode in = root.get("inputs");
    if (in == null || (in.isArray() && in.isEmpty())) {
      throw new RecipeException(where + ": 'inputs' is required (s3://bucket/prefix/ or local paths)");
    }
    List<String> inputs = new ArrayList<>();
    for (JsonNode n : in.isArray() ? in : List.of(in)) {
      inputs.add(resolveInput(n.asText(), baseDir));
    }
    String bucket = text(root, "bucket", defaultBucket, where);

    IngestParams di = IngestParams.defaults();
    IngestParams ingest = di;
    JsonNode ig = root.get("ingest");
    if (ig != null && !ig.isNull()) {
      checkKeys(ig, INGEST, where + " ingest");
      try {
        ingest = new IngestParams(
            size(field(ig, "targetPartitionBytes"), di.targetPartitionBytes(), where),
            size(field(ig, "shardTargetBytes"), di.shardTargetBytes(), where),
            field(ig, "defaultJurisdiction") == null ? di.defaultJurisdiction()
                : field(ig, "defaultJurisdiction").asText(),
            field(ig, "unknownLicense") == null ? di.unknownLicense() : field(ig, "unknownLicense").asText());
      } catch (IllegalArgumentException e) {
        throw new RecipeException(where + ": ingest." + e.getMessage());
      }
    }
    ingest = ingest.withCurate(curate(root.get("curate"), where));
    TokenizeParams tokenize = tokenize(root.get("tokenize"), where);
    return new Recipe(name, List.copyOf(inputs), bucket, ingest, tokenize, train(root.get("train"), tokenize, where),
        checkedStep(text(root, "until", null, where), where + ": until"), sovereignty(root, where),
        dedup(root.get("dedup"), where), exportTypes(root.get("export"), where));
  }

  /** The {@code export:} section: {@code types}, GGUF types the export step writes; null (the defaults) when absent. */
  static List<String> exportTypes(JsonNode node, String where) {
    if (node == null || node.isNull()) {
      return null;
    }
    checkKeys(node, Set.of("types"), where + " export");
    List<String> types = list(field(node, "types"), null);
    if (types == null || types.isEmpty()) {
      throw new RecipeException(where + ": export.types names at least one of " + EXPORT_TYPES);
    }
    for (String t : types) {
      if (!EXPORT_TYPES.contains(t)) {
        throw new RecipeException(where + ": export.types: unknown GGUF type '" + t + "'; types: " + EXPORT_TYPES);
      }
    }
    return List.copyOf(new java.util.LinkedHashSet<>(types));
  }

  /** The {@code tokenize:} section: the run's own vocabulary unless {@code encoding: r50k_base}. */
  static TokenizeParams tokenize(JsonNode tk, String where) {
    TokenizeParams dt = TokenizeParams.ownVocabulary(0.01, List.of());
    if (tk == null || tk.isNull()) {
      return dt;
    }
    checkKeys(tk, TOKENIZE, where + " tokenize");
    JsonNode vf = field(tk, "valFraction");
    double valFraction = vf == null ? dt.valFraction() : vf.asDouble(-1);
    if (valFraction < 0 || valFraction >= 1) {
      throw new RecipeException(where + ": tokenize.valFraction must be in [0, 1), got " + vf);
    }
    List<String> drift = list(field(tk, "driftSources"), List.of());
    // a drift source is held out: all its kept documents go to validation
    List<String> heldOut = new ArrayList<>(list(field(tk, "heldOutSources"), dt.heldOutSources()));
    drift.stream().filter(d -> !heldOut.contains(d)).forEach(heldOut::add);
    String encoding = field(tk, "encoding") == null ? dt.encoding() : field(tk, "encoding").asText();
    if (encoding.equals(TokenizeParams.R50K_BASE)) {
      for (String own : new String[] {"vocabSize", "sampleBytes", "minFrequency", "seed"}) {
        if (field(tk, own) != null) {
          throw new RecipeException(where + ": tokenize." + own + " applies to encoding bpe (the run's own vocabulary),"
              + " not r50k_base");
        }
      }
      return new TokenizeParams(encoding, valFraction, List.copyOf(heldOut), 0, 0, 0, 0, driftOrNull(drift));
    }
    if (!encoding.equals(TokenizeParams.BPE)) {
      throw new RecipeException(where + ": tokenize.encoding is bpe (a vocabulary trained on this run's documents, the"
          + " default) or r50k_base (GPT-2's), not '" + encoding + "'");
    }
    JsonNode vs = field(tk, "vocabSize");
    if (vs != null && (!vs.canConvertToInt() || vs.asInt() < 258 || vs.asInt() > 65_536)) {
      throw new RecipeException(where + ": tokenize.vocabSize must be an integer from 258 to 65536 (llm.c's uint16"
          + " token shards), got '" + vs.asText() + "'");
    }
    JsonNode sb = field(tk, "sampleBytes");
    long sampleBytes = sb == null ? dt.sampleBytes() : size(sb, dt.sampleBytes(), where);
    if (sampleBytes < 1) {
      throw new RecipeException(where + ": tokenize.sampleBytes must be positive");
    }
    JsonNode mf = field(tk, "minFrequency");
    if (mf != null && (!mf.canConvertToLong() || mf.asLong() < 0)) {
      throw new RecipeException(where + ": tokenize.minFrequency is a count (0 or more), not '" + mf.asText() + "'");
    }
    JsonNode seed = field(tk, "seed");
    if (seed != null && !seed.canConvertToLong()) {
      throw new RecipeException(where + ": tokenize.seed is an integer, not '" + seed.asText() + "'");
    }
    return new TokenizeParams(encoding, valFraction, List.copyOf(heldOut), vs == null ? dt.vocabSize() : vs.asInt(),
        sampleBytes, mf == null ? 0 : mf.asLong(), seed == null ? dt.seed() : seed.asLong(), driftOrNull(drift));
  }

  private static List<String> driftOrNull(List<String> drift) {
    return drift.isEmpty() ? null : List.copyOf(drift);
  }

  /** The {@code dedup:} section; null (the defaults) when absent. */
  static DedupParams dedup(JsonNode node, String where) {
    if (node == null || node.isNull()) {
      return null;
    }
    checkKeys(node, DEDUP, where + " dedup");
    DedupParams d = DedupParams.defaults();
    int partitions = integer(node, "partitions", d.partitions(), 1, 100_000, where);
    double threshold = d.threshold();
    JsonNode t = field(node, "threshold");
    if (t != null) {
      threshold = t.asDouble(-1);
      if (!(threshold > 0 && threshold < 1)) {
        throw new RecipeException(where + ": dedup.threshold must be between 0 and 1, got " + t.asText());
      }
    }
    int bands = integer(node, "bands", 0, 1, 1024, where);
    int rows = integer(node, "rows", 0, 1, 1024, where);
    if ((bands == 0) != (rows == 0)) {
      throw new RecipeException(where + ": dedup.bands and dedup.rows go together");
    }
    if (bands == 0 && t == null) {
      bands = d.bands();
      rows = d.rows();
    } else if (bands == 0) {
      // fitted to the threshold, missing near-duplicates weighed 9x a false candidate (the exact check removes those)
      LshBands fitted = LshBands.forThreshold(threshold, MinHasher.DEFAULT_HASHES, 0.1, 0.9);
      bands = fitted.bands();
      rows = fitted.rows();
    }
    JsonNode seed = field(node, "seed");
    if (seed != null && !seed.canConvertToLong()) {
      throw new RecipeException(where + ": dedup.seed is an integer, not '" + seed.asText() + "'");
    }
    int ngram = d.decontaminationNgram();
    int minOverlap = d.decontaminationMinOverlap();
    JsonNode dc = field(node, "decontamination");
    if (dc != null && !dc.isNull()) {
      checkKeys(dc, DECONTAMINATION, where + " dedup.decontamination");
      ngram = integer(dc, "ngram", ngram, 0, 1024, where);
      minOverlap = integer(dc, "minOverlap", minOverlap, 1, 1_000_000, where);
    }
    String index = null;
    JsonNode ix = field(node, "index");
    if (ix != null && !ix.isNull()) {
      try {
        index = DedupIndex.checkedName(ix.asText());
      } catch (IllegalArgumentException e) {
        throw new RecipeException(where + ": " + e.getMessage());
      }
    }
    return new DedupParams(partitions, list(field(node, "keep"), List.of()), dedupFlag(node, "fuzzy", d.fuzzy(), where),
        threshold, bands, rows, seed == null ? d.seed() : seed.asLong(), dedupFlag(node, "check", d.check(), where),
        ngram, minOverlap, index);
  }

  private static boolean dedupFlag(JsonNode node, String key, boolean dflt, String where) {
    JsonNode v = field(node, key);
    if (v == null) {
      return dflt;
    }
    if (!v.isBoolean()) {
      throw new RecipeException(where + ": dedup." + key + " is true or false, not '" + v.asText() + "'");
    }
    return v.asBoolean();
  }

  private static int integer(JsonNode node, String key, int dflt, int min, int max, String where) {
    JsonNode v = field(node, key);
    if (v == null) {
      return dflt;
    }
    if (!v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
      throw new RecipeException(where + ": dedup " + key + " must be an integer from " + min + " to " + max + ", got '"
          + v.asText() + "'");
    }
    return v.asInt();
  }

  /** {@code region} and {@code jurisdictions}; null when the recipe says neither. */
  private static RunRequest.Sovereignty sovereignty(JsonNode root, String where) {
    String region = text(root, "region", null, where);
    JsonNode js = root.get("jurisdictions");
    if (region == null && (js == null || js.isNull())) {
      return null;
    }
    java.util.Map<String, String> jurisdictions = new java.util.TreeMap<>();
    if (js != null && !js.isNull()) {
      if (!js.isObject()) {
        throw new RecipeException(where + ": 'jurisdictions' maps source ids to jurisdictions (debian-handbook: EU)");
      }
      js.fields().forEachRemaining(e -> {
        if (!e.getValue().isValueNode() || e.getValue().asText().isBlank()) {
          throw new RecipeException(where + ": jurisdictions." + e.getKey() + " must be a jurisdiction such as EU");
        }
        jurisdictions.put(e.getKey(), e.getValue().asText().strip());
      });
    }
    return new RunRequest.Sovereignty(region == null ? null : region.strip().toLowerCase(Locale.ROOT),
        jurisdictions.isEmpty() ? null : java.util.Map.copyOf(jurisdictions));
  }

  /** The curation stage: defaults when absent, null for {@code off} / {@code false}. */
  private static CurateParams curate(JsonNode node, String where) {
    CurateParams d = CurateParams.defaults();
    if (node == null || node.isNull()) {
      return d;
    }
    if (node.isBoolean() || node.isTextual()) {
      String v = node.asText();
      if (v.equals("off") || v.equals("false")) {
        return null;
      }
      if (v.equals("on") || v.equals("true")) {
        return d;
      }
      throw new RecipeException(where + ": curate is a mapping, on or off, not '" + v + "'");
    }
    checkKeys(node, CURATE, where + " curate");
    try {
      JsonNode conf = field(node, "minLanguageConfidence");
      if (conf != null && !conf.isNumber()) {
        throw new IllegalArgumentException("minLanguageConfidence is a number, not '" + conf.asText() + "'");
      }
      return new CurateParams(flag(node, "filters", d.filters(), where), flag(node, "languageId", d.languageId(), where),
          flag(node, "pii", d.pii(), where), conf == null ? d.minLanguageConfidence() : conf.asDouble(),
          list(field(node, "languages"), d.languages()), list(field(node, "docsSources"), d.docsSources()));
    } catch (IllegalArgumentException e) {
      throw new RecipeException(where + ": curate." + e.getMessage());
    }
  }

  private static boolean flag(JsonNode node, String key, boolean dflt, String where) {
    JsonNode v = field(node, key);
    if (v == null) {
      return dflt;
    }
    if (!v.isBoolean()) {
      throw new RecipeException(where + ": curate." + key + " is true or false, not '" + v.asText() + "'");
    }
    return v.asBoolean();
  }

  private static List<String> list(JsonNode v, List<String> dflt) {
    if (v == null) {
      return dflt;
    }
    List<String> out = new ArrayList<>();
    for (JsonNode n : v.isArray() ? v : List.of(v)) {
      out.add(n.asText());
    }
    return List.copyOf(out);
  }

  /** {@code preset} picks the base; every other key names a TrainParams field, checked as retryStep checks it. */
  /** The {@code train:} section; with the run's own vocabulary, the preset's model is sized for it. */
  private static TrainParams train(JsonNode node, TokenizeParams tokenize, String where) {
    if (node == null || node.isNull()) {
      return forVocabulary(TrainParams.defaults(), tokenize);
    }
    if (!node.isObject()) {
      throw new RecipeException(where + ": 'train' must be a mapping");
    }
    JsonNode preset = node.get("preset");
    TrainParams base = switch (preset == null ? "default" : preset.asText()) {
      case "default" -> TrainParams.defaults();
      case "quick" -> TrainParams.quick();
      default -> throw new RecipeException(where + ": train.preset is default or quick, not '" + preset.asText() + "'");
    };
    base = forVocabulary(base, tokenize);
    java.util.Map<String, Object> set = new java.util.LinkedHashMap<>();
    node.fields().forEachRemaining(e -> {
      if (!e.getKey().equals("preset")) {
        set.put(e.getKey(), e.getValue().asText());
      }
    });
    RunRequest probe = new RunRequest(null, "recipe", List.of(), "b", IngestParams.defaults(),
        TokenizeParams.defaults(), base);
    try {
      return StepOverrides.apply(probe, dev.pretrain.workflows.StepNames.TRAIN, set).trainOrDefaults();
    } catch (IllegalArgumentException e) {
      throw new RecipeException(where + ": train: " + e.getMessage());
    }
  }

  private static TrainParams forVocabulary(TrainParams preset, TokenizeParams tokenize) {
    return tokenize.trainsTokenizer() ? preset.forOwnVocabulary(tokenize.vocabSizeOrDefault()) : preset;
  }

  /** {@code <name>-<yyyyMMddTHHmmssZ>-<4 hex>}: sortable by time, unique across concurrent starts. */
  public static String newRunId(String recipeName, Instant now) {
    String slug = recipeName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    if (slug.isEmpty()) {
      slug = "run";
    }
    if (slug.length() > 32) {
      slug = slug.substring(0, 32);
    }
    byte[] rnd = new byte[2];
    new SecureRandom().nextBytes(rnd);
    return slug + "-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(now)
        + "-" + HexFormat.of().formatHex(rnd);
  }

  private static final Pattern SIZE = Pattern.compile("(?i)\\s*([0-9]+(?:\\.[0-9]+)?)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\\s*");

  /** Parses 4096, "64KiB", "16 MB", "1.5GiB"; decimal units are powers of 1000, binary ones of 1024. */
  public static long parseSize(String s) {
    Matcher m = SIZE.matcher(s);
    if (!m.matches()) {
      throw new RecipeException("not a size: '" + s + "' (e.g. 4096, 64KiB, 16MB)");
    }
    double n = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    long mult = switch (unit) {
      case "b" -> 1L;
      case "k", "kib" -> 1L << 10;
      case "kb" -> 1000L;
      case "m", "mib" -> 1L << 20;
      case "mb" -> 1000_000L;
      case "g", "gib" -> 1L << 30;
      case "gb" -> 1000_000_000L;
      default -> throw new RecipeException("unknown size unit " + unit);
    };
    return Math.round(n * mult);
  }

  private static long size(JsonNode n, long dflt, String where) {
    if (n == null || n.isNull()) {
      return dflt;
    }
    long v = n.isNumber() ? n.asLong() : parseSize(n.asText());
    if (v <= 0) {
      throw new RecipeException(where + ": sizes must be positive, got " + n);
    }
    return v;
  }

  private static String resolveInput(String s, Path baseDir) {
    if (s.startsWith("s3://") || s.startsWith("file:")) {
      return s;
    }
    if (s.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
      throw new RecipeException("unsupported input URI " + s + " (use s3://bucket/prefix/, file:// or a local path)");
    }
    return baseDir.resolve(s).toAbsolutePath().normalize().toString();
  }

  private static String text(JsonNode node, String key, String dflt, String where) {
    JsonNode n = node.get(key);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isValueNode()) {
      throw new RecipeException(where + ": '" + key + "' must be a single value");
    }
    return n.asText();
  }

  /** Keys are matched ignoring case, '-' and '_' (targetPartitionBytes = target-partition-bytes). */
  private static JsonNode field(JsonNode node, String key) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (norm(k).equals(norm(key))) {
        return node.get(k);
      }
    }
    return null;
  }

  private static void checkKeys(JsonNode node, Set<String> known, String where) {
    if (!node.isObject()) {
      throw new RecipeException(where + " must be a mapping");
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!known.contains(norm(k))) {
        throw new RecipeException(where + ": unknown key '" + k + "'");
      }
    }
  }

  private static String norm(String k) {
    return k.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
  }

  /** A recipe that cannot be used, with a message for the user. */
  public static final class RecipeException extends RuntimeException {
    public RecipeException(String message) {
      super(message);
    }
  }
}
