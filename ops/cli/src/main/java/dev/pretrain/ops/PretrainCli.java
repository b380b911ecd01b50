package dev.pretrain.ops;

import dev.pretrain.ops.cli.AbandonCommand;
import dev.pretrain.ops.cli.AuditCommand;
import dev.pretrain.ops.cli.ExportCommand;
import dev.pretrain.ops.cli.ReportCommand;
import dev.pretrain.ops.cli.NamespaceCommand;
import dev.pretrain.ops.cli.RerunCommand;
import dev.pretrain.ops.cli.RetryCommand;
import dev.pretrain.ops.cli.ConfigCommand;
import dev.pretrain.ops.cli.CorpusCommand;
import dev.pretrain.ops.cli.DemoCommand;
import dev.pretrain.ops.cli.ExitCodes;
import dev.pretrain.ops.cli.GlobalOptions;
import dev.pretrain.ops.cli.LineageCommand;
import dev.pretrain.ops.cli.RunCommand;
import dev.pretrain.ops.cli.RunsCommand;
import dev.pretrain.ops.cli.StatusCommand;
import dev.pretrain.ops.cli.UpCommand;
import dev.pretrain.ops.cli.UserError;
import dev.pretrain.ops.cli.WatchCommand;
import dev.pretrain.ops.cli.WorkerCommand;
import dev.pretrain.ops.cli.schedule.ScheduleCommand;
import dev.pretrain.ops.config.ConfigLoader.ConfigException;
import dev.pretrain.ops.corpus.CorpusException;
import dev.pretrain.ops.recipe.Recipe.RecipeException;
import dev.pretrain.ops.stack.LocalStack.StackException;
import dev.pretrain.ops.worker.WorkerStartException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code pretrain}: the command line of the pipeline. Run with no arguments for help. */
@Command(
    name = "pretrain",
    mixinStandardHelpOptions = true,
    version = "pretrain 0.1.0",
    description = "Pre-training data pipeline on Temporal: ingest -> dedup -> tokenize, with lineage.",
    subcommands = {
        UpCommand.class,
        WorkerCommand.class,
        CorpusCommand.class,
        RunCommand.class,
        DemoCommand.class,
        RunsCommand.class,
        RetryCommand.class,
        RerunCommand.class,
        AbandonCommand.class,
        ScheduleCommand.class,
        StatusCommand.class,
        WatchCommand.class,
        LineageCommand.class,
        AuditCommand.class,
        ExportCommand.class,
        ReportCommand.class,
        ConfigCommand.class,
        NamespaceCommand.class,
        CommandLine.HelpCommand.class
    },
    footer = {"", "Start here:  ./pretrain demo        (starts what it needs, runs the pipeline on a small corpus)"})
public final class PretrainCli implements Runnable {

  /** Subcommands find these through {@link GlobalOptions#of}. */
  @Mixin
  private GlobalOptions global = new GlobalOptions();

  @Override
  public void run() {
    new CommandLine(this).usage(System.err);
  }

  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new PretrainCli());
    cl.setCaseInsensitiveEnumValuesAllowed(true); // --model-queue gpu
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof UserError || e instanceof ConfigException || e instanceof RecipeException
          || e instanceof StackException || e instanceof CorpusException || e instanceof WorkerStartException) {
        System.err.println("pretrain: " + e.getMessage());
        return e instanceof ConfigException || e instanceof RecipeException ? ExitCodes.USAGE : ExitCodes.FAILED;
      }
      System.err.println("pretrain: " + e);
      e.printStackTrace(System.err);
      return ExitCodes.FAILED;
    });
    return cl;
  }

  public static void main(String[] args) {
    int code = commandLine().execute(args);
    // Non-daemon threads of gRPC/Jetty/H2 must not keep a finished command alive.
    System.exit(code);
  }
}
