package dev.pretrain.ops.cli;

import dev.pretrain.ops.client.TemporalService;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

@Command(name = "namespace", mixinStandardHelpOptions = true,
    description = "Prepare a Temporal namespace (a real cluster; ./pretrain up does this for the dev server).",
    subcommands = NamespaceCommand.Setup.class)
public final class NamespaceCommand implements Runnable {

  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.err);
  }

  @Command(name = "setup", mixinStandardHelpOptions = true,
      description = "Register our search attributes (PipelineStatus, PipelineStep, Recipe, PipelineError, "
          + "PipelineAttempts) so the UI can filter runs, and set the retention of closed workflows to "
          + TemporalService.RETENTION_DAYS + " days.")
  public static final class Setup extends BaseCommand {
    @Override
    public Integer call() {
      try (TemporalService temporal = connectTemporal(Duration.ofSeconds(10))) {
        List<String> added = temporal.ensureSearchAttributes();
        boolean retention = temporal.ensureRetentionDays(TemporalService.RETENTION_DAYS);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("namespace", config().namespace());
        m.put("searchAttributesAdded", added);
        m.put("searchAttributes", TemporalService.searchAttributeSpecs());
        m.put("retentionChanged", retention);
        emit("Namespace " + config().namespace() + " at " + config().temporalAddress() + ":\n"
            + "  search attributes: " + String.join(", ", TemporalService.searchAttributeSpecs())
            + (added.isEmpty() ? " (all present)" : " (added " + String.join(", ", added) + ")") + "\n"
            + "  retention: " + TemporalService.RETENTION_DAYS + " days" + (retention ? " (changed)" : " (unchanged)"),
            m);
        return 0;
      }
    }
  }
}
