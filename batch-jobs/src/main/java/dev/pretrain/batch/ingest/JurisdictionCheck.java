package dev.pretrain.batch.ingest;

/**
 * The sovereignty policy's word on one record: why a record of this jurisdiction may not be kept in
 * the run's region, or null when it may. Ingest quarantines the record with that reason, before it
 * reaches a shard (docs/sovereignty.md).
 */
@FunctionalInterface
public interface JurisdictionCheck {

  String refusal(String jurisdiction);
}
