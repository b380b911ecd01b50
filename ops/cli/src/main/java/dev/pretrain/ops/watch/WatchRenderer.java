package dev.pretrain.ops.watch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pretrain.ops.text.TimeText;
import dev.pretrain.ops.watch.RunSnapshot.FinishedStep;
import dev.pretrain.ops.watch.RunSnapshot.PendingActivity;
import dev.pretrain.ops.watch.RunSnapshot.State;
import dev.pretrain.workflows.StepNames;
import dev.pretrain.workflows.dedup.DedupProgress;
import dev.pretrain.workflows.evaluate.EvaluateProgress;
import dev.pretrain.workflows.ingest.IngestProgress;
import dev.pretrain.workflows.quantize.QuantizeProgress;
import dev.pretrain.workflows.tokenize.TokenizeProgress;
import dev.pretrain.workflows.train.TrainProgress;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns {@link RunSnapshot}s into the lines of {@code pretrain watch}: one row per step (done with
 * its counts, running with a progress bar and ETA, or still to come), one row per activity in
 * flight (attempt, heartbeat age and what its heartbeat says), and the closing message.
 *
 * <p>Rates need two points in time, so the renderer remembers the first value it saw of each
 * activity attempt and of each step ({@link #observe}). With a single snapshot ({@code --once}) it
 * falls back on the activity's start (training, ingest bytes) or the step's first scheduled partition,
 * measured from zero.
 */
public final class WatchRenderer {

  static final int BAR_WIDTH = 24;
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

  private record Sample(Instant at, double value) {}

  /** Progress of one activity as far as its heartbeat tells: a fraction when it knows its total. */
  record ActivityProgress(String text, Double fraction, Duration eta) {}

  private final Map<String, Sample> firstSeen = new HashMap<>();

  /** Remembers the values of {@code s} as baselines of later rates; call once per snapshot, before rendering. */
  public void observe(RunSnapshot s) {
    for (PendingActivity a : s.activities()) {
      Double v = progressValue(a);
      if (v != null && a.lastHeartbeatAt() != null) {
        firstSeen.putIfAbsent(activityKey(a), new Sample(a.lastHeartbeatAt(), v));
      }
    }
    if (s.currentStep() != null && s.state() == State.RUNNING) {
      Double f = stepFraction(s);
      if (f != null) {
        firstSeen.putIfAbsent(stepKey(s.currentStep()), new Sample(s.takenAt(), f));
      }
    }
  }

  /** The full view: header, a row per step, a row per activity in flight. */
  public List<String> render(RunSnapshot s) {
    Instant now = s.takenAt();
    List<String> out = new ArrayList<>();
    StringBuilder h = new StringBuilder();
    h.append("Run ").append(s.runId()).append("  ").append(stateWord(s));
    if (s.startedAt() != null) {
      Instant end = s.closedAt() != null ? s.closedAt() : now;
      h.append("  ").append(TimeText.clock(Duration.between(s.startedAt(), end)));
    }
    h.append("  (workflow ").append(s.workflowId()).append(')');
    out.add(h.toString());
    if (s.queryError() != null) {
      out.add("  progress: " + s.queryError());
    }
    Map<String, FinishedStep> done = new LinkedHashMap<>();
    for (FinishedStep f : s.finished()) {
      done.put(f.step(), f);
    }
    int nameWidth = 9;
    for (String step : steps(s)) {
      nameWidth = Math.max(nameWidth, step.length());
    }
    for (String step : steps(s)) {
      String name = pad(step, nameWidth);
      FinishedStep f = done.get(step);
      if (f != null) {
        out.add("  " + name + "  done  " + padLeft(TimeText.seconds(f.millis()), 7)
            + (f.fromCache() ? "  (cached)" : "")
            + (f.counts().isEmpty() && f.figures().isEmpty() ? "" : "  " + countsText(f)));
      } else if (s.state() == State.PARKED && step.equals(s.parkedStep())) {
        RunSnapshot.Parked p = s.parked();
        out.add("  " + name + "  PARKED" + (p == null ? "" : attempts(p.attempts())
            + (p.error() == null ? "" : ": " + (p.failureType() == null ? "" : p.failureType() + ": ") + p.error())));
      } else if (step.equals(s.currentStep()) && s.state() == State.RUNNING) {
        out.add("  " + name + "  " + currentStepText(s));
        for (PendingActivity a : s.activities()) {
          out.add("      " + activityText(a, now));
        }
      } else {
        out.add("  " + name + "  -");
      }
    }
    if (s.currentStep() == null || s.state() != State.RUNNING) {
      for (PendingActivity a : s.activities()) { // in flight outside a step (bookkeeping), or after the end
        out.add("      " + activityText(a, now));
      }
    }
    return out;
  }

  /** One line per snapshot for logs (stdout not a terminal): time, state, step, partitions, activities. */
  public String line(RunSnapshot s) {
    StringBuilder b = new StringBuilder();
    b.append(CLOCK.format(s.takenAt())).append("  ").append(stateWord(s));
    if (s.currentStep() != null && s.state() == State.RUNNING) {
      b.append("  ").append(s.currentStep()).append(' ').append(currentStepText(s));
    } else if (s.state() == State.PARKED) {
      b.append("  step ").append(s.parkedStep());
    }
    for (PendingActivity a : s.activities()) {
      b.append("  | ").append(activityText(a, s.takenAt()));
    }
    if (s.queryError() != null) {
      b.append("  (progress: ").append(s.queryError()).append(')');
    }
    return b.toString().replaceAll("\\s+$", "");
  }

  /** A finished step on one line, for the log of a non-terminal watch. */
  public static String finishedLine(FinishedStep f) {
    return f.step() + " done in " + TimeText.seconds(f.millis()) + (f.fromCache() ? " (cached)" : "")
        + (f.counts().isEmpty() && f.figures().isEmpty() ? "" : ": " + countsText(f));
  }

  /** What to print when the watch ends, with the next command to type where there is one. */
  public static List<String> ending(RunSnapshot s) {
    List<String> out = new ArrayList<>();
    String took = s.startedAt() != null && s.closedAt() != null
        ? " in " + TimeText.clock(Duration.between(s.startedAt(), s.closedAt())) : "";
    switch (s.state()) {
      case COMPLETED -> out.add("Run " + s.runId() + " completed" + took + ".");
      case ABANDONED -> out.add("Run " + s.runId() + " was abandoned" + took + ".");
      case FAILED -> {
        out.add("Run " + s.runId() + " " + (s.execution() == null || "COMPLETED".equals(s.execution()) ? "failed"
            : s.execution().toLowerCase(Locale.ROOT).replace('_', ' ')) + took
            + (s.failure() == null ? "." : ": " + s.failure()));
        out.add("  ./pretrain status " + s.runId());
      }
      case PARKED -> {
        RunSnapshot.Parked p = s.parked();
        String step = s.parkedStep();
        out.add("Run " + s.runId() + " is parked at step " + step
            + (p == null ? "" : attempts(p.attempts()))
            + (p != null && p.error() != null ? ": " + p.error() : "."));
        out.add("  Fix the cause, then: ./pretrain retry " + s.runId() + " --step " + step);
      }
      default -> out.add("Run " + s.runId() + " is running.");
    }
    return out;
  }

  /** The view as one JSON-ready map (for {@code --json}): the snapshot plus computed fractions and ETAs. */
  public Map<String, Object> json(RunSnapshot s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("time", s.takenAt().toString());
    m.put("runId", s.runId());
    m.put("workflowId", s.workflowId());
    m.put("state", s.state().name().toLowerCase(Locale.ROOT));
    m.put("execution", s.execution());
    m.put("status", s.status());
    m.put("currentStep", s.currentStep());
    m.put("partitionsDone", s.partitionsDone());
    m.put("partitionsTotal", s.partitionsTotal());
    if (s.state() == State.RUNNING && s.currentStep() != null) {
      Double f = stepFraction(s);
      Duration eta = stepEta(s);
      m.put("stepFraction", f);
      m.put("stepEtaSeconds", eta == null ? null : eta.toSeconds());
    }
    List<Map<String, Object>> finished = new ArrayList<>();
    for (FinishedStep f : s.finished()) {
      Map<String, Object> fm = new LinkedHashMap<>();
      fm.put("step", f.step());
      fm.put("millis", f.millis());
      fm.put("counts", f.counts());
      fm.put("figures", f.figures());
      fm.put("fromCache", f.fromCache());
      finished.add(fm);
    }
    m.put("finished", finished);
    List<Map<String, Object>> acts = new ArrayList<>();
    for (PendingActivity a : s.activities()) {
      ActivityProgress p = progress(a, s.takenAt());
      Map<String, Object> am = new LinkedHashMap<>();
      am.put("type", a.type());
      am.put("activityId", a.activityId());
      am.put("state", a.state());
      am.put("attempt", a.attempt());
      am.put("maximumAttempts", a.maximumAttempts());
      am.put("lastHeartbeat", a.lastHeartbeatAt() == null ? null : a.lastHeartbeatAt().toString());
      am.put("details", a.details());
      am.put("fraction", p.fraction());
      am.put("etaSeconds", p.eta() == null ? null : p.eta().toSeconds());
      am.put("lastFailure", a.lastFailure());
      am.put("worker", a.worker());
      acts.add(am);
    }
    m.put("activities", acts);
    m.put("parked", s.parked());
    m.put("failure", s.failure());
    m.put("queryError", s.queryError());
    if (s.state().finalState()) {
      m.put("exitCode", s.state().exitCode());
    }
    return m;
  }

  // --- steps -------------------------------------------------------------------------------------

  /** Steps in display order: finished ones as reported, the current one, then those still to come. */
  static List<String> steps(RunSnapshot s) {
    Set<String> order = new LinkedHashSet<>();
    for (FinishedStep f : s.finished()) {
      order.add(f.step());
    }
    if (s.currentStep() != null) {
      order.add(s.currentStep());
    }
    if (s.state() == State.PARKED && s.parkedStep() != null) {
      order.add(s.parkedStep());
    }
    if (s.state() == State.RUNNING || s.state() == State.PARKED) {
      // those still to come, in the order a run executes them; the tokenizer and export steps only run
      // with the run's own vocabulary, which the snapshot does not say: they show once they start
      for (String step : StepNames.ALL) {
        if (!step.equals(StepNames.TOKENIZER) && !step.equals(StepNames.EXPORT)) {
          order.add(step);
        }
      }
    }
    return new ArrayList<>(order);
  }

  private String currentStepText(RunSnapshot s) {
    StringBuilder b = new StringBuilder();
    Double f = stepFraction(s);
    if (f != null) {
      b.append(bar(f, BAR_WIDTH)).append(' ').append(percent(f));
    } else {
      b.append("running");
    }
    if (s.partitionsTotal() > 1) {
      b.append("  ").append(s.partitionsDone()).append('/').append(s.partitionsTotal()).append(" partitions");
    }
    Duration eta = stepEta(s);
    if (eta != null) {
      b.append("  ETA ").append(TimeText.clock(eta));
    }
    return b.toString();
  }

  /**
   * Fraction of the current step done: partitions done plus the known fractions of those in flight;
   * for an unpartitioned step, its one activity's fraction. Null when nothing says.
   */
  Double stepFraction(RunSnapshot s) {
    List<ActivityProgress> ps = new ArrayList<>();
    for (PendingActivity a : s.activities()) {
      ps.add(progress(a, s.takenAt()));
    }
    if (s.partitionsTotal() > 1) {
      double partial = 0;
      for (ActivityProgress p : ps) {
        if (p.fraction() != null) {
          partial += Math.min(1, p.fraction());
        }
      }
      return Math.min(1.0, (s.partitionsDone() + partial) / s.partitionsTotal());
    }
    List<ActivityProgress> known = ps.stream().filter(p -> p.fraction() != null).toList();
    if (known.size() == 1) {
      return known.get(0).fraction();
    }
    if (s.partitionsTotal() == 1 && s.partitionsDone() == 1) {
      return 1.0;
    }
    return null;
  }

  /**
   * ETA of the current step. An unpartitioned step with one measurable activity (training) takes
   * that activity's ETA; a partitioned one extrapolates its fraction done over the time since the
   * earliest baseline: the first partition's scheduling (from 0) or this watch's first look.
   */
  Duration stepEta(RunSnapshot s) {
    Double f = stepFraction(s);
    if (f == null || f >= 1) {
      return null;
    }
    if (s.partitionsTotal() <= 1) {
      Duration only = null;
      int measured = 0;
      for (PendingActivity a : s.activities()) {
        ActivityProgress p = progress(a, s.takenAt());
        if (p.fraction() != null) {
          measured++;
          only = p.eta();
        }
      }
      if (measured == 1) {
        return only;
      }
    }
    Sample base = firstSeen.get(stepKey(s.currentStep()));
    Instant scheduled = null;
    for (PendingActivity a : s.activities()) {
      if (a.scheduledAt() != null && (scheduled == null || a.scheduledAt().isBefore(scheduled))) {
        scheduled = a.scheduledAt();
      }
    }
    if (scheduled != null && (base == null || scheduled.isBefore(base.at()))) {
      base = new Sample(scheduled, 0);
    }
    if (base == null) {
      return null;
    }
    return eta(base, s.takenAt(), f, 1.0);
  }

  // --- activities --------------------------------------------------------------------------------

  private String activityText(PendingActivity a, Instant now) {
    StringBuilder b = new StringBuilder(a.type());
    if (a.details() instanceof TokenizeProgress t) {
      b.append(" shard ").append(t.shardIndex());
    }
    if (a.attempt() > 1) {
      b.append("  attempt ").append(a.attempt());
      if (a.maximumAttempts() > 0) {
        b.append('/').append(a.maximumAttempts());
      }
    }
    if ("SCHEDULED".equals(a.state()) && a.nextAttemptAt() != null && a.nextAttemptAt().isAfter(now)) {
      b.append("  retry in ").append(TimeText.clock(Duration.between(now, a.nextAttemptAt())));
    } else if ("SCHEDULED".equals(a.state())) {
      b.append("  waiting for a worker");
    } else if (a.state() != null && !"STARTED".equals(a.state())) {
      b.append("  ").append(a.state().toLowerCase(Locale.ROOT).replace('_', ' '));
    }
    if (a.lastHeartbeatAt() != null) {
      b.append("  hb ").append(TimeText.clock(Duration.between(a.lastHeartbeatAt(), now))).append(" ago");
    }
    ActivityProgress p = progress(a, now);
    if (!p.text().isEmpty()) {
      b.append("  ");
      if (p.fraction() != null) {
        b.append(bar(p.fraction(), BAR_WIDTH / 2)).append(' ');
      }
      b.append(p.text());
    }
    if (p.eta() != null) {
      b.append("  ETA ").append(TimeText.clock(p.eta()));
    }
    if (a.attempt() > 1 && a.lastFailure() != null) {
      b.append("  (last error: ").append(abbreviate(a.lastFailure(), 80)).append(')');
    }
    return b.toString();
  }

  /**
   * What a heartbeat says, read from the step's progress record: training steps of a known total,
   * bytes of a known total (ingest), documents (dedup, tokenize), tokens (evaluate, quantize). Details
   * of an activity without a progress record (JSON) are shown as their numbers and texts.
   */
  ActivityProgress progress(PendingActivity a, Instant now) {
    Object d = a.details();
    if (d instanceof TrainProgress t && t.totalSteps() > 0) {
      StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "step %s/%s", count(t.step()),
          count(t.totalSteps())));
      if (t.loss() > 0) {
        text.append(String.format(Locale.ROOT, "  loss %.3f", t.loss()));
      }
      if (t.tokensPerSecond() > 0) {
        text.append("  ").append(compact(t.tokensPerSecond())).append(" tok/s");
      }
      return new ActivityProgress(text.toString(), Math.min(1.0, (double) t.step() / t.totalSteps()),
          activityEta(a, t.step(), t.totalSteps()));
    }
    if (d instanceof IngestProgress i) {
      long total = i.bytesTotal();
      String text = "records " + count(i.records()) + "  " + (total > 0
          ? megabytes(i.bytes()) + "/" + megabytes(total) + " MB" : megabytes(i.bytes()) + " MB");
      if (total > 0) {
        return new ActivityProgress(text, Math.min(1.0, (double) i.bytes() / total), activityEta(a, i.bytes(), total));
      }
      return new ActivityProgress(text, null, null);
    }
    if (d instanceof DedupProgress p) {
      return new ActivityProgress("documents " + count(p.documents()), null, null);
    }
    if (d instanceof TokenizeProgress p) {
      return new ActivityProgress("documents " + count(p.documents()), null, null);
    }
    if (d instanceof EvaluateProgress p) {
      return new ActivityProgress(labelled(p.label(), p.tokens()), null, null);
    }
    if (d instanceof QuantizeProgress p) {
      return new ActivityProgress(labelled(p.phase(), p.tokens()), null, null);
    }
    return otherDetails(d);
  }

  private static String labelled(String label, long tokens) {
    return (label == null ? "" : label + " ") + "tokens " + count(tokens);
  }

  /** Details that are not a known progress record: the numbers and texts of a JSON object, else the value. */
  private static ActivityProgress otherDetails(Object d) {
    if (!(d instanceof JsonNode json) || !json.isObject()) {
      boolean none = d == null || (d instanceof JsonNode j && j.isNull());
      return new ActivityProgress(none ? "" : abbreviate(d.toString(), 60), null, null);
    }
    StringBuilder t = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isNumber() || e.getValue().isTextual()) {
        t.append(t.length() == 0 ? "" : "  ").append(e.getKey()).append(' ')
            .append(e.getValue().isIntegralNumber() ? count(e.getValue().asLong()) : abbreviate(e.getValue().asText(), 40));
      }
    }
    return new ActivityProgress(t.toString(), null, null);
  }

  /**
   * (total - value) / rate, the rate measured over this attempt's heartbeats seen so far, or since
   * the attempt started from 0 when only one was seen (a first attempt starts from nothing; a retry
   * may resume from a checkpoint, so no such guess for it).
   */
  private Duration activityEta(PendingActivity a, double value, double total) {
    if (a.lastHeartbeatAt() == null) {
      return null;
    }
    Sample first = firstSeen.get(activityKey(a));
    if (first == null || !a.lastHeartbeatAt().isAfter(first.at()) || value <= first.value()) {
      first = a.attempt() == 1 && a.lastStartedAt() != null ? new Sample(a.lastStartedAt(), 0) : null;
    }
    return first == null ? null : eta(first, a.lastHeartbeatAt(), value, total);
  }

  private static Duration eta(Sample from, Instant at, double value, double total) {
    double seconds = Duration.between(from.at(), at).toMillis() / 1000.0;
    double gained = value - from.value();
    if (seconds <= 0 || gained <= 0) {
      return null;
    }
    double rate = gained / seconds;
    return Duration.ofSeconds(Math.round(Math.max(0, total - value) / rate));
  }

  /** The value an activity's ETA is measured on: training steps, or ingest bytes of a known total. */
  private static Double progressValue(PendingActivity a) {
    if (a.details() instanceof TrainProgress t && t.totalSteps() > 0) {
      return (double) t.step();
    }
    if (a.details() instanceof IngestProgress i && i.bytesTotal() > 0) {
      return (double) i.bytes();
    }
    return null;
  }

  private static String activityKey(PendingActivity a) {
    return "activity:" + a.activityId() + "#" + a.attempt();
  }

  private static String stepKey(String step) {
    return "step:" + step;
  }

  // --- formatting --------------------------------------------------------------------------------

  private static String stateWord(RunSnapshot s) {
    return switch (s.state()) {
      case RUNNING -> s.status() == null ? "RUNNING" : s.status().toUpperCase(Locale.ROOT);
      default -> s.state().name();
    };
  }

  private static String attempts(int n) {
    return n <= 0 ? "" : " after " + n + (n == 1 ? " attempt" : " attempts");
  }

  /** {@code [=========>..............]}: {@code width} cells between the brackets. */
  static String bar(double fraction, int width) {
    double f = Math.max(0, Math.min(1, fraction));
    int filled = (int) Math.floor(f * width);
    StringBuilder b = new StringBuilder(width + 2).append('[');
    b.append("=".repeat(filled));
    if (filled < width) {
      b.append('>').append(".".repeat(width - filled - 1));
    }
    return b.append(']').toString();
  }

  static String percent(double fraction) {
    return String.format(Locale.ROOT, "%3d%%", (int) Math.floor(Math.max(0, Math.min(1, fraction)) * 100));
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  static String megabytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f", bytes / 1e6);
  }

  /** 950, 12.3k, 4.56M. */
  static String compact(double v) {
    if (v < 1000) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (v < 1e6) {
      return String.format(Locale.ROOT, "%.1fk", v / 1e3);
    }
    return String.format(Locale.ROOT, "%.2fM", v / 1e6);
  }

  static String countsText(FinishedStep f) {
    StringBuilder b = new StringBuilder();
    f.counts().forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(count(v)));
    f.figures().forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(figure(v)));
    return b.toString();
  }

  /** 1627, 3.016, 2.1e-05: three significant decimals without hiding a small value as 0.000. */
  static String figure(double v) {
    double a = Math.abs(v);
    if (a >= 100) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (a >= 0.01 || a == 0) {
      return String.format(Locale.ROOT, "%.3f", v);
    }
    return String.format(Locale.ROOT, "%.1e", v);
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }

  private static String padLeft(String s, int width) {
    return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
  }

  static String abbreviate(String s, int max) {
    String one = s.replaceAll("\\s+", " ").trim();
    return one.length() <= max ? one : one.substring(0, max - 3) + "...";
  }
}
