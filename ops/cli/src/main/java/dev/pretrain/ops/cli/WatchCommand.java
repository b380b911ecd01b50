package dev.pretrain.ops.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.watch.LiveView;
import dev.pretrain.ops.watch.RunSnapshot;
import dev.pretrain.ops.watch.RunWatcher;
import dev.pretrain.ops.watch.WatchRenderer;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

@Command(name = "watch", mixinStandardHelpOptions = true,
    description = {"Live progress of a run, refreshed until it completes, fails or parks.",
        "Each step with a progress bar and ETA; each activity in flight with its attempt and last heartbeat "
            + "(records and MB for ingest, documents for dedup and tokenize, step, loss and tokens/s for training).",
        "Redrawn in place on a terminal; a line per change otherwise; one JSON object per line with --json."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the run completed (or --once while it runs)", "1:the run failed or was abandoned, or an error",
        "3:the run is parked: a step exhausted its retries (fix, then ./pretrain retry RUN_ID --step S)"})
public final class WatchCommand extends BaseCommand {

  private static final ObjectMapper LINE_JSON = new ObjectMapper();

  /** Without a terminal, an unchanged state is still logged this often, as a sign of life. */
  private static final Duration LOG_AT_LEAST_EVERY = Duration.ofSeconds(30);

  @Parameters(index = "0", paramLabel = "RUN_ID")
  String runId;

  @Option(names = "--once", description = "Print one snapshot and exit.")
  boolean once;

  @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s", converter = IntervalConverter.class,
      description = "Time between refreshes: 500ms, 1s, 2m (default ${DEFAULT-VALUE}).")
  Duration interval;

  @Override
  public Integer call() throws Exception {
    TemporalService temporal = connectTemporal(Duration.ofSeconds(10));
    try {
      return watch(temporal);
    } finally {
      temporal.close();
    }
  }

  private int watch(TemporalService temporal) throws InterruptedException {
    // the query waits for a worker; a short deadline keeps the view refreshing when there is none
    RunWatcher watcher = new RunWatcher(temporal, Duration.ofSeconds(5));
    WatchRenderer renderer = new WatchRenderer();
    PrintStream out = out();
    boolean terminal = !json() && !once && System.console() != null;
    LiveView live = terminal ? new LiveView(out, LiveView.terminalWidth()) : null;
    int stepsLogged = 0;
    String lastLogged = null;
    long lastLoggedAt = 0;
    boolean unreachableNoted = false;
    String workflowId = workflowIdOf(runId);
    while (true) {
      RunSnapshot s;
      try {
        s = watcher.snapshot(runId, workflowId);
        unreachableNoted = false;
      } catch (RunWatcher.NotFoundException e) {
        throw new UserError(e.getMessage() + " (list runs with ./pretrain runs)");
      } catch (StatusRuntimeException e) {
        if (once) {
          throw new UserError("cannot read run " + runId + " from Temporal: " + e.getStatus());
        }
        if (!unreachableNoted) { // a restarting server: keep trying, say so once
          err().println("Temporal did not answer (" + e.getStatus().getCode() + "); still trying ...");
          unreachableNoted = true;
        }
        Thread.sleep(interval.toMillis());
        continue;
      }
      renderer.observe(s);
      if (json()) {
        out.println(jsonLine(renderer, s));
      } else if (terminal) {
        live.draw(renderer.render(s));
      } else if (once) {
        renderer.render(s).forEach(out::println);
      } else {
        for (; stepsLogged < s.finished().size(); stepsLogged++) {
          out.println(WatchRenderer.finishedLine(s.finished().get(stepsLogged)));
        }
        // a log gets a line when something moved, not for every tick of a heartbeat's age or an ETA
        String line = renderer.line(s);
        String moved = line.replaceFirst("^\\S+", "").replaceAll("hb \\S+ ago|ETA \\S+", "");
        if (!moved.equals(lastLogged) || System.nanoTime() - lastLoggedAt > LOG_AT_LEAST_EVERY.toNanos()
            || s.state().finalState()) {
          out.println(line);
          lastLogged = moved;
          lastLoggedAt = System.nanoTime();
        }
      }
      out.flush();
      if (s.state().finalState()) {
        List<String> ending = WatchRenderer.ending(s);
        PrintStream to = json() ? err() : out; // stdout stays one JSON object per line
        if (!terminal && !once && !json()) {
          to.println();
        }
        ending.forEach(to::println);
        to.flush();
        return s.state().exitCode();
      }
      if (once) {
        return 0;
      }
      Thread.sleep(interval.toMillis());
    }
  }

  private static String jsonLine(WatchRenderer renderer, RunSnapshot s) {
    try {
      return LINE_JSON.writeValueAsString(renderer.json(s));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the snapshot as JSON: " + e.getMessage(), e);
    }
  }

  /** {@code 500ms}, {@code 1s}, {@code 1.5s}, {@code 2m}; a bare number is seconds. At least 100 ms. */
  static final class IntervalConverter implements ITypeConverter<Duration> {
    private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
      Matcher m = FORMAT.matcher(value.trim().toLowerCase(Locale.ROOT));
      if (!m.matches()) {
        throw new TypeConversionException("'" + value + "' is not a duration like 500ms, 1s or 2m");
      }
      double n = Double.parseDouble(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      double millis = switch (unit) {
        case "ms" -> n;
        case "m" -> n * 60_000;
        case "h" -> n * 3_600_000;
        default -> n * 1000;
      };
      if (millis < 100) {
        throw new TypeConversionException("--interval must be at least 100ms, got " + value);
      }
      return Duration.ofMillis(Math.round(millis));
    }
  }
}
