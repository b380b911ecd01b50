package dev.pretrain.activities.lineage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Validates emitted run events (draft 2020-12, formats asserted): the event against the OpenLineage
 * spec, each of our facets against the schema its {@code _schemaURL} names in {@code docs/openlineage/},
 * each standard facet against its spec schema.
 *
 * <p>The spec: no artifact on Maven Central, PyPI or npm ships the spec's {@code OpenLineage.json}
 * (openlineage-java holds classes generated from it, not the schema). Given {@code -Dopenlineage.spec=DIR}
 * (or {@code $OPENLINEAGE_SPEC}), a copy of the spec's directory ({@code OpenLineage.json},
 * {@code facets/*.json}), the events are validated against the spec itself; always, against our own
 * statement of its rules ({@code run-event-rules.schema.json}).
 */
final class LineageSchemas {

  static final String SPEC_BASE = "https://openlineage.io/spec/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SchemaRegistry registry;
  private final Map<String, String> documents;
  private final Path specDir;

  private LineageSchemas(Map<String, String> documents, Path specDir) {
    this.documents = documents;
    this.specDir = specDir;
    this.registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
        b -> b.schemas(this::document));
  }

  static LineageSchemas load() {
    Map<String, String> docs = new HashMap<>();
    Path ours = repoRoot().resolve("docs/openlineage");
    try (Stream<Path> files = Files.walk(ours)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
        String text = Files.readString(f);
        docs.put(JSON.readTree(text).get("$id").asText(), text);
      }
      try (var in = LineageSchemas.class.getResourceAsStream("/openlineage/run-event-rules.schema.json")) {
        String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        docs.put(JSON.readTree(text).get("$id").asText(), text);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String dir = System.getProperty("openlineage.spec", System.getenv("OPENLINEAGE_SPEC"));
    return new LineageSchemas(docs, dir == null || dir.isBlank() ? null : Path.of(dir));
  }

  /** The repository root: the tests run in the module directory. */
  static Path repoRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("docs/openlineage"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("no docs/openlineage above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  boolean hasSpec() {
    return specDir != null;
  }

  /** Our published schema documents, by $id. */
  Map<String, String> ourSchemas() {
    Map<String, String> ours = new HashMap<>(documents);
    ours.keySet().removeIf(id -> !id.startsWith(PretrainFacets.SCHEMA_BASE));
    return ours;
  }

  /**
   * A spec schema from the spec directory: {@code .../spec/2-0-2/OpenLineage.json} is
   * {@code DIR/OpenLineage.json}, {@code .../spec/facets/1-1-0/ParentRunFacet.json} is
   * {@code DIR/facets/ParentRunFacet.json}, and its $id must name the same version.
   */
  private String document(String iri) {
    if (documents.containsKey(iri)) {
      return documents.get(iri);
    }
    if (specDir == null || !iri.startsWith(SPEC_BASE)) {
      return null;
    }
    String[] parts = iri.substring(SPEC_BASE.length()).split("/");
    Path file = parts[0].equals("facets") ? specDir.resolve("facets").resolve(parts[parts.length - 1])
        : specDir.resolve(parts[parts.length - 1]);
    try {
      String text = Files.readString(file);
      String id = JSON.readTree(text).path("$id").asText();
      if (!id.equals(iri)) {
        throw new IllegalStateException(file + " is " + id + ", the event asks for " + iri);
      }
      documents.put(iri, text);
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException("spec schema " + iri + " not in " + specDir, e);
    }
  }

  /** Every problem of one event; empty when it is valid. */
  List<String> problems(JsonNode event) {
    List<String> problems = new ArrayList<>();
    check("run-event-rules", "urn:pretrain:test:openlineage-run-event-rules", event, problems);
    if (specDir != null) {
      String schemaUrl = event.path("schemaURL").asText();
      check("spec", schemaUrl.substring(0, schemaUrl.indexOf('#')), event, problems);
    }
    facets("run", event.path("run").path("facets"), problems);
    facets("job", event.path("job").path("facets"), problems);
    for (String side : List.of("inputs", "outputs")) {
      for (JsonNode dataset : event.path(side)) {
        facets(side + " " + dataset.path("name").asText(), dataset.path("facets"), problems);
      }
    }
    return problems;
  }

  private void facets(String where, JsonNode facets, List<String> problems) {
    for (Iterator<Map.Entry<String, JsonNode>> it = facets.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> facet = it.next();
      String schemaUrl = facet.getValue().path("_schemaURL").asText();
      String label = where + " facet " + facet.getKey();
      if (schemaUrl.startsWith(PretrainFacets.SCHEMA_BASE)) {
        if (!facet.getKey().startsWith("pretrain_")) {
          problems.add(label + ": a custom facet without our prefix");
        }
        String document = schemaUrl.substring(0, schemaUrl.indexOf('#'));
        if (!documents.containsKey(document)) {
          problems.add(label + ": " + document + " is not published in docs/openlineage/");
          continue;
        }
        check(label, schemaUrl, facet.getValue(), problems);
      } else if (!schemaUrl.startsWith(SPEC_BASE)) {
        problems.add(label + ": _schemaURL " + schemaUrl + " is neither the spec's nor ours");
      } else if (specDir != null) {
        check(label, schemaUrl, facet.getValue(), problems);
      }
    }
  }

  private void check(String label, String schemaLocation, JsonNode node, List<String> problems) {
    Schema schema = registry.getSchema(SchemaLocation.of(schemaLocation));
    List<Error> errors = schema.validate(node, ctx -> ctx.executionConfig(c -> c.formatAssertionsEnabled(true)));
    for (Error e : errors) {
      problems.add(label + " (" + schemaLocation + "): " + e);
    }
  }
}
