package dev.pretrain.activities.placement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.pretrain.workflows.StepNames;
import dev.pretrain.workflows.run.PretrainingRunWorkflow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which jurisdictions may be stored and processed in which regions, and each region's bucket and task
 * queues; read from YAML (docs/sovereignty.md):
 *
 * <pre>
 * defaultRegion: eu                # optional: where a run that names no region goes
 * regions:
 *   eu: {bucket: pretrain-eu}      # dataQueue / modelQueue default to pretrain-eu / pretrain-train-eu
 *   us: {bucket: pretrain-us, modelQueue: pretrain-train-gpu-us}
 * jurisdictions:                   # matched ignoring case; "*" is every jurisdiction not listed
 *   EU: {store: [eu], process: [eu]}
 *   "*": {store: [eu, us], process: [eu, us]}
 * </pre>
 *
 * Pure: {@link #place} decides from what it is given, so it is tested without servers.
 */
public final class SovereigntyPolicy {

  public static final String ANY = "*";
  /** The jurisdiction of a source that declares none and whose run gives no default. */
  public static final String UNKNOWN = "unknown";

  private static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
  private static final Set<String> TOP = Set.of("defaultregion", "regions", "jurisdictions", "description");
  private static final Set<String> REGION_KEYS = Set.of("bucket", "dataqueue", "modelqueue");
  private static final Set<String> RULE_KEYS = Set.of("store", "process");

  /** A region: the bucket that stores a run's artifacts there and the queues its workers poll. */
  public record Region(String name, String bucket, String dataQueue, String modelQueue) {}

  /** Where data of a jurisdiction may be stored and processed; {@code key} is as written in the file. */
  public record Rule(String key, List<String> store, List<String> process) {
    String text() {
      return key + ": process " + process + ", store " + store;
    }
  }

  /** A source of a run and its jurisdiction; {@code declaredBy} says where that came from. */
  public record SourceJurisdiction(String source, String jurisdiction, String declaredBy) {}

  /** One decision for a source and step. */
  public record Decision(String source, String jurisdiction, String step, boolean allowed, String region,
      String taskQueue, String bucket, String rule, String reason) {}

  /**
   * @param region  the region the run goes to, null when none could be chosen
   * @param refusal the first reason the run cannot comply, or null
   */
  public record Outcome(Region region, String refusal, List<Decision> decisions) {}

  private final String defaultRegion;
  private final Map<String, Region> regions;
  private final Map<String, Rule> rules;
  private final String sha256;
  private final String origin;

  private SovereigntyPolicy(String defaultRegion, Map<String, Region> regions, Map<String, Rule> rules,
      String sha256, String origin) {
    this.defaultRegion = defaultRegion;
    this.regions = regions;
    this.rules = rules;
    this.sha256 = sha256;
    this.origin = origin;
  }

  public static SovereigntyPolicy load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new PolicyException("no sovereignty policy file " + file);
    }
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    } catch (IOException e) {
      throw new PolicyException("cannot read sovereignty policy " + file + ": " + e.getMessage());
    }
  }

  /** Parses and checks a policy: an unknown key, a region without a bucket or a bad name fails at once. */
  public static SovereigntyPolicy parse(String yaml, String origin) {
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(yaml);
    } catch (IOException e) {
      throw new PolicyException(origin + ": not YAML: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new PolicyException(origin + ": a policy is a mapping with regions and jurisdictions");
    }
    checkKeys(root, TOP, origin);
    Map<String, Region> regions = new LinkedHashMap<>();
    JsonNode rs = field(root, "regions");
    if (rs == null || !rs.isObject() || rs.isEmpty()) {
      throw new PolicyException(origin + ": 'regions' must map at least one region to its bucket");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = rs.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey().toLowerCase(Locale.ROOT);
      if (!REGION.matcher(name).matches()) {
        throw new PolicyException(origin + ": region '" + e.getKey() + "': names are letters, digits and '-'");
      }
      JsonNode r = e.getValue();
      checkKeys(r, REGION_KEYS, origin + " regions." + name);
      String bucket = text(r, "bucket");
      if (bucket == null) {
        throw new PolicyException(origin + ": region " + name + " needs a bucket");
      }
      String data = text(r, "dataQueue");
      String model = text(r, "modelQueue");
      regions.put(name, new Region(name, bucket, data != null ? data : PretrainingRunWorkflow.regionTaskQueue(name),
          model != null ? model : PretrainingRunWorkflow.regionTrainTaskQueue(name)));
    }
    Map<String, Rule> rules = new LinkedHashMap<>();
    JsonNode js = field(root, "jurisdictions");
    if (js == null || !js.isObject() || js.isEmpty()) {
      throw new PolicyException(origin + ": 'jurisdictions' must give at least one rule (\"*\" for every jurisdiction)");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = js.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      checkKeys(e.getValue(), RULE_KEYS, origin + " jurisdictions." + e.getKey());
      String where = origin + " jurisdictions." + e.getKey();
      Rule rule = new Rule(e.getKey(), regionList(e.getValue(), "store", where),
          regionList(e.getValue(), "process", where));
      if (rules.put(e.getKey().toUpperCase(Locale.ROOT), rule) != null) {
        throw new PolicyException(where + ": jurisdiction given twice (names are matched ignoring case)");
      }
    }
    String dflt = text(root, "defaultRegion");
    if (dflt != null) {
      dflt = dflt.toLowerCase(Locale.ROOT);
      if (!regions.containsKey(dflt)) {
        throw new PolicyException(origin + ": defaultRegion " + dflt + " is not among the regions " + regions.keySet());
      }
    }
    return new SovereigntyPolicy(dflt, java.util.Collections.unmodifiableMap(regions), rules, sha256(yaml), origin);
  }

  /**
   * Decides where a run goes. The run's region is the one it asks for, else the policy's default
   * region, else the first configured region where every source may be processed and stored. Each
   * source must be allowed both there; its rule is its jurisdiction's, else {@code "*"}'s.
   *
   * @param sources    the run's sources with their jurisdictions
   * @param askedFor   the region the run asks for, or null
   * @param steps      the steps the run will execute, in order
   */
  public Outcome place(List<SourceJurisdiction> sources, String askedFor, List<String> steps) {
    String how;
    String name;
    if (askedFor != null && !askedFor.isBlank()) {
      name = askedFor.strip().toLowerCase(Locale.ROOT);
      how = "the run asks for region " + name;
    } else if (defaultRegion != null) {
      name = defaultRegion;
      how = "the run names no region and gets the policy's default region " + name;
    } else {
      name = regions.keySet().stream().filter(r -> compliesEverywhere(sources, r)).findFirst().orElse(null);
      how = "the run names no region and gets the first compliant region " + name;
      if (name == null) {
        name = regions.keySet().iterator().next();
        how = "the run names no region and no configured region " + regions.keySet()
            + " complies with every source; the first is " + name;
      }
    }
    Region region = regions.get(name);
    List<Decision> decisions = new ArrayList<>();
    String refusal = null;
    if (region == null) {
      refusal = how + ", which the policy (" + origin + ") does not configure; configured regions: "
          + regions.keySet();
      for (SourceJurisdiction s : sources) {
        for (String step : steps) {
          decisions.add(new Decision(s.source(), s.jurisdiction(), step, false, name, null, null, null, refusal));
        }
      }
      return new Outcome(null, refusal, decisions);
    }
    for (SourceJurisdiction s : sources) {
      Rule rule = ruleFor(s.jurisdiction());
      String reason = rule == null ? describe(s) + " has no rule in the policy (" + origin + "): no '"
          + s.jurisdiction() + "' and no '" + ANY + "' under jurisdictions" : violation(s, rule, region, how, sources);
      if (reason != null && refusal == null) {
        refusal = reason;
      }
      for (String step : steps) {
        String queue = isModelStep(step) ? region.modelQueue() : region.dataQueue();
        decisions.add(new Decision(s.source(), s.jurisdiction(), step, reason == null, region.name(), queue,
            region.bucket(), rule == null ? null : rule.text(), reason));
      }
    }
    return new Outcome(region, refusal, decisions);
  }

  /** Why {@code s} may not go to {@code region} under {@code rule}, or null when it may. */
  private String violation(SourceJurisdiction s, Rule rule, Region region, String how, List<SourceJurisdiction> all) {
    if (!rule.process().contains(region.name())) {
      return describe(s) + " may only be processed in " + rule.process() + " (rule " + rule.text() + "); " + how
          + whereElse(rule.process(), all);
    }
    if (!rule.store().contains(region.name())) {
      return describe(s) + " may only be stored in " + rule.store() + " (rule " + rule.text() + "); " + how
          + ", whose bucket is " + region.bucket() + whereElse(rule.store(), all);
    }
    return null;
  }

  /** The placement a refused run is missing: a configured region that the rule allows and every source accepts. */
  private String whereElse(List<String> allowed, List<SourceJurisdiction> all) {
    List<String> configured = allowed.stream().filter(regions::containsKey).toList();
    if (configured.isEmpty()) {
      return " and no worker region in " + allowed + " is configured (policy regions: " + regions.keySet() + ")";
    }
    List<String> everyone = regions.keySet().stream().filter(r -> compliesEverywhere(all, r)).toList();
    return everyone.isEmpty()
        ? "; no configured region complies with every source of the run"
        : "; regions where every source of the run may go: " + everyone + " (recipe: region: " + everyone.get(0) + ")";
  }

  private boolean compliesEverywhere(List<SourceJurisdiction> sources, String region) {
    for (SourceJurisdiction s : sources) {
      Rule rule = ruleFor(s.jurisdiction());
      if (rule == null || !rule.process().contains(region) || !rule.store().contains(region)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The record-level rule for {@code region}: which jurisdictions it may both store and process
   * (ingest checks each record's own jurisdiction against it).
   */
  public dev.pretrain.workflows.ingest.JurisdictionRule jurisdictionsIn(String region) {
    String r = region.toLowerCase(Locale.ROOT);
    List<String> allowed = new java.util.ArrayList<>();
    List<String> refused = new java.util.ArrayList<>();
    boolean others = false;
    for (Map.Entry<String, Rule> e : rules.entrySet()) {
      boolean ok = e.getValue().store().contains(r) && e.getValue().process().contains(r);
      if (ANY.equals(e.getKey())) {
        others = ok;
      } else {
        (ok ? allowed : refused).add(e.getKey());
      }
    }
    return new dev.pretrain.workflows.ingest.JurisdictionRule(r, allowed, refused, others, sha256);
  }

  /** The jurisdiction's own rule, else the {@code "*"} rule, else null. */
  public Rule ruleFor(String jurisdiction) {
    String j = jurisdiction == null || jurisdiction.isBlank() ? UNKNOWN : jurisdiction;
    Rule own = rules.get(j.toUpperCase(Locale.ROOT));
    return own != null ? own : rules.get(ANY);
  }

  public Region region(String name) {
    return name == null ? null : regions.get(name.toLowerCase(Locale.ROOT));
  }

  public List<String> regionNames() {
    return List.copyOf(regions.keySet());
  }

  public String sha256() {
    return sha256;
  }

  public String origin() {
    return origin;
  }

  static boolean isModelStep(String step) {
    return step.equals(StepNames.TRAIN) || step.equals(StepNames.EVALUATE) || step.equals(StepNames.QUANTIZE)
        || step.equals(StepNames.EXPORT);
  }

  private static String describe(SourceJurisdiction s) {
    return "source '" + s.source() + "' (jurisdiction " + s.jurisdiction() + ")";
  }

  private static List<String> regionList(JsonNode rule, String key, String where) {
    JsonNode v = field(rule, key);
    if (v == null) {
      throw new PolicyException(where + ": '" + key + "' is required (a list of regions; [] for none)");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode n : v.isArray() ? v : List.of(v)) {
      // A rule may name a region this deployment does not configure: the law is written for every
      // deployment; a run that needs that region is refused, saying it is missing.
      String r = n.asText().toLowerCase(Locale.ROOT);
      if (!REGION.matcher(r).matches()) {
        throw new PolicyException(where + "." + key + ": '" + n.asText() + "' is not a region name");
      }
      out.add(r);
    }
    return List.copyOf(out);
  }

  private static String text(JsonNode node, String key) {
    JsonNode v = field(node, key);
    return v == null || v.isNull() || v.asText().isBlank() ? null : v.asText().strip();
  }

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
    if (node == null || !node.isObject()) {
      throw new PolicyException(where + " must be a mapping");
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!known.contains(norm(k))) {
        throw new PolicyException(where + ": unknown key '" + k + "'");
      }
    }
  }

  private static String norm(String k) {
    return k.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A policy file that cannot be used, with a message for the operator. */
  public static final class PolicyException extends RuntimeException {
    public PolicyException(String message) {
      super(message);
    }
  }
}
