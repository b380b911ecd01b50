package dev.pretrain.activities;

import dev.pretrain.batch.BatchJobRunner;
import dev.pretrain.db.Database;
import dev.pretrain.db.storage.ObjectStore;
import java.nio.file.Path;

/**
 * What activity implementations share in one worker process: the metadata database, object
 * storage, the Spring Batch job runner and a local work directory.
 */
public record PipelineServices(Database database, ObjectStore store, BatchJobRunner batch, Path workDir) {}
