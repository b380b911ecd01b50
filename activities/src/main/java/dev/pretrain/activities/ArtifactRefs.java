package dev.pretrain.activities;

import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.ArtifactRef;

/** Converts between the workflow's {@link ArtifactRef} and the object store's {@link ObjectStore.Stored}. */
public final class ArtifactRefs {

  private ArtifactRefs() {}

  /** The reference a step passes on for a stored object; null for null (an optional output). */
  public static ArtifactRef ref(ObjectStore.Stored s) {
    return s == null ? null : new ArtifactRef(s.uri(), s.sha256(), s.sizeBytes());
  }

  /** The stored object a reference names; null for null (an optional input). */
  public static ObjectStore.Stored stored(ArtifactRef ref) {
    return ref == null ? null : new ObjectStore.Stored(ref.bucket(), ref.key(), ref.sha256(), ref.sizeBytes());
  }
}
