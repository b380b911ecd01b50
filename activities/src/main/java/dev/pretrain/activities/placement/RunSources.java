package dev.pretrain.activities.placement;

import dev.pretrain.activities.ingest.IngestPlanner;
import dev.pretrain.activities.placement.SovereigntyPolicy.SourceJurisdiction;
import dev.pretrain.db.documents.SourceRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.ingest.IngestPartition;
import dev.pretrain.workflows.ingest.InputFile;
import dev.pretrain.workflows.run.RunRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sources a run will read and their jurisdictions, from metadata only: object and file listings
 * (never their bytes), the {@code sources} table and the recipe. A file belongs to the first known
 * source that names a folder of its path (the corpus layout is {@code <prefix>/<source id>/...});
 * files of no known source stand for a source named by their input, with the ingest default
 * jurisdiction, which is what ingest records for their documents.
 */
public final class RunSources {

  private final ObjectStore store;
  private final SourceRepository sources;

  public RunSources(ObjectStore store, SourceRepository sources) {
    this.store = store;
    this.sources = sources;
  }

  public List<SourceJurisdiction> of(RunRequest request) {
    Map<String, String> declared = request.sovereignty() == null ? Map.of() : request.sovereignty().jurisdictionsOrEmpty();
    Map<String, String> table = new LinkedHashMap<>();
    for (SourceRepository.Source s : sources.all()) {
      table.put(s.sourceId(), s.jurisdiction());
    }
    String fallback = request.ingest() == null || request.ingest().defaultJurisdiction() == null
        || request.ingest().defaultJurisdiction().isBlank()
        ? SovereigntyPolicy.UNKNOWN : request.ingest().defaultJurisdiction();
    // sorted, so that the decisions and the first refusal named do not depend on listing order
    Map<String, SourceJurisdiction> found = new TreeMap<>();
    declared.forEach((id, j) -> found.put(id, new SourceJurisdiction(id, j, "recipe")));
    for (String input : request.inputs() == null ? List.<String>of() : request.inputs()) {
      for (String uri : files(input)) {
        String id = knownSourceIn(uri, declared, table);
        if (id == null) {
          found.putIfAbsent(input, new SourceJurisdiction(input, fallback, "ingest default"));
        } else if (!found.containsKey(id)) {
          String j = table.get(id);
          found.put(id, j == null || j.isBlank()
              ? new SourceJurisdiction(id, fallback, "ingest default")
              : new SourceJurisdiction(id, j, "sources table"));
        }
      }
    }
    return List.copyOf(found.values());
  }

  /** The input's files as ingest will list them; the input itself when it cannot be listed (ingest will say why). */
  private List<String> files(String input) {
    try {
      List<String> uris = new ArrayList<>();
      for (IngestPartition p : new IngestPlanner(store).plan(List.of(input), Long.MAX_VALUE)) {
        for (InputFile f : p.files()) {
          uris.add(f.uri());
        }
      }
      return uris;
    } catch (RuntimeException e) {
      return List.of(input);
    }
  }

  static String knownSourceIn(String uri, Map<String, String> declared, Map<String, String> table) {
    String path = uri.replaceFirst("^[a-zA-Z][a-zA-Z0-9+.-]*:/*", "");
    String[] segments = path.split("/");
    // the last segment is the file itself, not a folder
    for (int i = 0; i < segments.length - 1; i++) {
      if (declared.containsKey(segments[i]) || table.containsKey(segments[i])) {
        return segments[i];
      }
    }
    return null;
  }
}
