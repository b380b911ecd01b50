package dev.pretrain.batch.shards;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Parses one JSONL line of a document shard
 * ({@code {"id","text","source","source_version","path","license","language","jurisdiction","sha256"}}),
 * keeping only the fields later steps use. Streaming, so a step that does not need the text
 * (dedup) never builds it.
 */
public final class DocumentLineParser {

  private static final JsonFactory JSON = new JsonFactory();

  private final boolean withText;

  public DocumentLineParser(boolean withText) {
    this.withText = withText;
  }

  /** @param where object and line, for error messages */
  public ShardDocument parse(int shardIndex, long lineNo, String json, String where) {
    String id = null, sha256 = null, source = null, text = null;
    boolean sawText = false;
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new ShardFormatException(where + ": not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "id" -> id = stringValue(p, value, field, where);
          case "sha256" -> sha256 = stringValue(p, value, field, where);
          case "source" -> source = stringValue(p, value, field, where);
          case "text" -> {
            sawText = true;
            if (withText) {
              text = stringValue(p, value, field, where);
            } else if (value != JsonToken.VALUE_STRING) {
              throw new ShardFormatException(where + ": field \"text\" is not a string");
            }
          }
          default -> p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        throw new ShardFormatException(where + ": trailing content after the JSON object");
      }
    } catch (JsonProcessingException e) {
      throw new ShardFormatException(where + ": malformed JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new ShardFormatException(where + ": unreadable: " + e.getMessage(), e);
    }
    if (id == null || id.isEmpty()) {
      throw new ShardFormatException(where + ": missing \"id\"");
    }
    if (sha256 == null) {
      throw new ShardFormatException(where + ": document " + id + " has no \"sha256\"");
    }
    if (!sawText) {
      throw new ShardFormatException(where + ": document " + id + " has no \"text\"");
    }
    return new ShardDocument(shardIndex, lineNo, json, id, sha256, source, text);
  }

  private static String stringValue(JsonParser p, JsonToken value, String field, String where) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.VALUE_STRING) {
      throw new ShardFormatException(where + ": field \"" + field + "\" is not a string");
    }
    return p.getText();
  }
}
