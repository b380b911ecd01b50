package dev.pretrain.ops.cli;

import dev.pretrain.ops.config.ConfigLoader;
import dev.pretrain.ops.config.PretrainConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;

@Command(name = "config", mixinStandardHelpOptions = true,
    description = {"Show the resolved configuration and where each value came from (flag > env > file > default).",
        "Secrets are masked."})
public final class ConfigCommand extends BaseCommand {

  @Override
  public Integer call() {
    PretrainConfig cfg = config();
    StringBuilder t = new StringBuilder();
    Map<String, Object> json = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : cfg.describe().entrySet()) {
      String origin = cfg.origins().getOrDefault(e.getKey(), "");
      String env = ConfigLoader.ENV_NAMES.get(e.getKey());
      t.append(String.format("%-20s %-60s %s%n", e.getKey(), e.getValue(),
          origin.isEmpty() ? "" : "(" + origin + (env != null && origin.equals("default") ? "; env " + env : "") + ")"));
      json.put(e.getKey(), Map.of("value", e.getValue(), "from", origin.isEmpty() ? "flag/env/default" : origin));
    }
    emit(t.toString(), json);
    return 0;
  }
}
