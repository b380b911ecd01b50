package dev.pretrain.activities.lineage;

import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.storage.ObjectStore;
import java.util.Optional;

/** The residency facet of a dataset, by its URI; empty where there is nothing to say. */
@FunctionalInterface
public interface ResidencyLookup {

  Optional<PretrainFacets.Residency> of(String uri);

  /**
   * From what the database recorded: an artifact's own storage endpoint and region (else those of
   * {@code store}, where the worker reads and writes), and the jurisdictions of the documents it
   * holds. Only objects in S3 have a residency; a local file lives where the worker runs (the
   * processing-location facet says where).
   */
  static ResidencyLookup recorded(ArtifactRepository artifacts, ObjectStore store) {
    return uri -> {
      if (uri == null || !uri.startsWith("s3://")) {
        return Optional.empty();
      }
      Optional<ArtifactRepository.Artifact> artifact = artifacts.find(uri);
      String endpoint = artifact.map(ArtifactRepository.Artifact::storageEndpoint).orElse(store.endpoint());
      String region = artifact.map(ArtifactRepository.Artifact::region).orElse(store.region());
      return Optional.of(new PretrainFacets.Residency(region, endpoint, artifacts.jurisdictionsOf(uri)));
    };
  }

  /** Only the object store's endpoint and region (no database). */
  static ResidencyLookup storeOnly(String endpoint, String region) {
    return uri -> uri != null && uri.startsWith("s3://")
        ? Optional.of(new PretrainFacets.Residency(region, endpoint, null))
        : Optional.empty();
  }
}
