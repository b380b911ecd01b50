package dev.pretrain.ops.schedule;

import dev.pretrain.workflows.run.RunRequest;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionExecution;
import io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow;
import io.temporal.client.schedules.ScheduleActionResult;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleCalendarSpec;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleInfo;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleListActionStartWorkflow;
import io.temporal.client.schedules.ScheduleListDescription;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleRange;
import io.temporal.client.schedules.ScheduleSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/** Text and JSON of what the server says about schedules, for {@code schedule describe} and {@code list}. */
public final class ScheduleView {

  /** How many upcoming action times {@code describe} shows (the server computes up to 10). */
  public static final int NEXT_TIMES = 5;

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  private final String uiBase;
  private final String namespace;
  private final UnaryOperator<String> workflowUrl;

  /**
   * @param workflowUrl the UI link of a workflow id (PretrainConfig#workflowUrl)
   */
  public ScheduleView(String uiBase, String namespace, UnaryOperator<String> workflowUrl) {
    this.uiBase = uiBase;
    this.namespace = namespace;
    this.workflowUrl = workflowUrl;
  }

  public String url(String id) {
    return RunSchedules.scheduleUrl(uiBase, namespace, id);
  }

  // ---------------------------------------------------------------- describe

  /**
   * @param alsoRunning runs of the schedule that visibility reports running
   *     ({@link RunSchedules#runningWorkflowIds}), merged with the server's own list of those it watches
   */
  public Map<String, Object> json(ScheduleDescription d, List<String> alsoRunning) {
    Schedule s = d.getSchedule();
    ScheduleInfo info = d.getInfo();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", d.getId());
    m.put("url", url(d.getId()));
    m.put("paused", s.getState().isPaused());
    m.put("note", emptyToNull(s.getState().getNote()));
    m.put("spec", specJson(s.getSpec(), memo(d, RunSchedules.MEMO_CRON)));
    SchedulePolicy p = s.getPolicy();
    Map<String, Object> policy = new LinkedHashMap<>();
    policy.put("overlap", Overlap.nameOf(p.getOverlap()));
    policy.put("catchupWindow", p.getCatchupWindow() == null ? null : DurationText.format(p.getCatchupWindow()));
    policy.put("pauseOnFailure", p.isPauseOnFailure());
    m.put("policy", policy);
    m.put("action", actionJson(s));
    Map<String, Object> counts = new LinkedHashMap<>();
    counts.put("actions", info.getNumActions());
    counts.put("skippedOverlap", info.getNumActionsSkippedOverlap());
    counts.put("missedCatchupWindow", info.getNumActionsMissedCatchupWindow());
    m.put("counts", counts);
    m.put("createdAt", str(info.getCreatedAt()));
    m.put("updatedAt", str(info.getLastUpdatedAt()));
    m.put("nextActionTimes", info.getNextActionTimes().stream().limit(NEXT_TIMES).map(Instant::toString).toList());
    List<Map<String, Object>> recent = new ArrayList<>();
    for (ScheduleActionResult r : info.getRecentActions()) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("scheduledAt", str(r.getScheduledAt()));
      a.put("startedAt", str(r.getStartedAt()));
      a.putAll(executionJson(r.getAction()));
      recent.add(a);
    }
    m.put("recentActions", recent);
    m.put("running", running(info, alsoRunning));
    return m;
  }

  public String text(ScheduleDescription d, List<String> alsoRunning) {
    Schedule s = d.getSchedule();
    ScheduleInfo info = d.getInfo();
    StringBuilder b = new StringBuilder();
    b.append("Schedule ").append(d.getId()).append(s.getState().isPaused() ? "  [PAUSED]" : "  [active]").append('\n');
    line(b, "UI", url(d.getId()));
    if (!emptyOr(s.getState().getNote())) {
      line(b, "Note", s.getState().getNote());
    }
    line(b, "Spec", specText(s.getSpec(), memo(d, RunSchedules.MEMO_CRON)));
    SchedulePolicy p = s.getPolicy();
    line(b, "Policy", "overlap " + Overlap.nameOf(p.getOverlap()) + ", catch-up window "
        + (p.getCatchupWindow() == null ? "default" : DurationText.format(p.getCatchupWindow()))
        + (p.isPauseOnFailure() ? ", pauses when a run fails" : ""));
    Map<String, Object> action = actionJson(s);
    line(b, "Action", "start " + action.get("workflowType") + " on task queue " + action.get("taskQueue")
        + ", recipe " + action.get("recipe") + ", workflow id " + action.get("workflowId") + "-<nominal time>");
    line(b, "Actions", info.getNumActions() + " taken, " + info.getNumActionsSkippedOverlap()
        + " skipped (overlap), " + info.getNumActionsMissedCatchupWindow() + " missed (catch-up window)");
    List<Instant> next = info.getNextActionTimes().stream().limit(NEXT_TIMES).toList();
    if (next.isEmpty()) {
      line(b, "Next", s.getState().isPaused() ? "(none while paused)" : "(none)");
    }
    for (int i = 0; i < next.size(); i++) {
      // The server lists the times of a paused schedule too; none of them starts until it is unpaused.
      line(b, i == 0 ? "Next" : "", TIME.format(next.get(i))
          + (i == 0 && s.getState().isPaused() ? "  (paused: nothing starts until unpaused)" : ""));
    }
    List<ScheduleActionResult> recent = info.getRecentActions();
    if (recent.isEmpty()) {
      line(b, "Recent", "(none yet)");
    }
    for (int i = 0; i < recent.size(); i++) {
      ScheduleActionResult r = recent.get(i);
      line(b, i == 0 ? "Recent" : "", "scheduled " + str(r.getScheduledAt(), TIME) + "  started "
          + str(r.getStartedAt(), TIME) + "  " + workflowId(r.getAction()));
    }
    List<Map<String, Object>> running = running(info, alsoRunning);
    if (running.isEmpty()) {
      line(b, "Running", "(none)");
    }
    for (int i = 0; i < running.size(); i++) {
      line(b, i == 0 ? "Running" : "", running.get(i).get("workflowId") + "  " + running.get(i).get("workflowUrl"));
    }
    return b.toString();
  }

  // ---------------------------------------------------------------- list

  public Map<String, Object> json(ScheduleListDescription d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", d.getScheduleId());
    m.put("url", url(d.getScheduleId()));
    m.put("paused", d.getSchedule().getState().isPaused());
    m.put("note", emptyToNull(d.getSchedule().getState().getNote()));
    m.put("workflowType", d.getSchedule().getAction() instanceof ScheduleListActionStartWorkflow a
        ? a.getWorkflow() : null);
    m.put("recipe", listMemo(d, RunSchedules.MEMO_RECIPE));
    m.put("spec", specText(d.getSchedule().getSpec(), listMemo(d, RunSchedules.MEMO_CRON)));
    m.put("nextActionTime", d.getInfo().getNextActionTimes().stream().findFirst().map(Instant::toString).orElse(null));
    Optional<ScheduleActionResult> last = d.getInfo().getRecentActions().stream()
        .max(Comparator.comparing(r -> r.getStartedAt() == null ? Instant.EPOCH : r.getStartedAt()));
    m.put("lastAction", last.map(r -> {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("scheduledAt", str(r.getScheduledAt()));
      a.put("workflowId", workflowId(r.getAction()));
      return a;
    }).orElse(null));
    return m;
  }

  public String table(List<ScheduleListDescription> all) {
    String fmt = "%-24s %-7s %-12s %-26s %-21s %s%n";
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, fmt, "NAME", "STATE", "RECIPE", "SPEC", "NEXT",
        "LAST ACTION"));
    for (ScheduleListDescription d : all) {
      Map<String, Object> j = json(d);
      Object next = d.getInfo().getNextActionTimes().stream().findFirst().map(TIME::format).orElse("-");
      @SuppressWarnings("unchecked")
      Map<String, Object> last = (Map<String, Object>) j.get("lastAction");
      b.append(String.format(Locale.ROOT, fmt, d.getScheduleId(), (boolean) j.get("paused") ? "paused" : "active",
          j.get("recipe") == null ? "-" : j.get("recipe"), j.get("spec"), next,
          last == null ? "-" : last.get("workflowId")));
    }
    if (all.isEmpty()) {
      b.append("(no schedules: ./pretrain schedule create NAME --recipe R.yaml --every 24h)\n");
    }
    return b.toString();
  }

  // ---------------------------------------------------------------- parts

  private Map<String, Object> actionJson(Schedule s) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (s.getAction() instanceof ScheduleActionStartWorkflow a) {
      m.put("workflowType", a.getWorkflowType());
      m.put("taskQueue", a.getOptions().getTaskQueue());
      m.put("workflowId", a.getOptions().getWorkflowId());
      m.put("recipe", recipeOf(a));
    }
    return m;
  }

  /** The recipe name from the action's argument, or null for a schedule that is not ours. */
  private static String recipeOf(ScheduleActionStartWorkflow a) {
    try {
      RunRequest r = a.getArguments().get(0, RunRequest.class);
      return r == null ? null : r.recipe();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The server's watched runs (with run ids), then the other running ones visibility knows of. */
  private List<Map<String, Object>> running(ScheduleInfo info, List<String> alsoRunning) {
    Map<String, Map<String, Object>> byId = new LinkedHashMap<>();
    for (ScheduleActionExecution e : info.getRunningActions()) {
      byId.put(workflowId(e), executionJson(e));
    }
    for (String wf : alsoRunning) {
      byId.computeIfAbsent(wf, k -> {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workflowId", k);
        m.put("firstExecutionRunId", null);
        m.put("workflowUrl", workflowUrl.apply(k));
        return m;
      });
    }
    return new ArrayList<>(byId.values());
  }

  private Map<String, Object> executionJson(ScheduleActionExecution e) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (e instanceof ScheduleActionExecutionStartWorkflow w) {
      m.put("workflowId", w.getWorkflowId());
      m.put("firstExecutionRunId", w.getFirstExecutionRunId());
      m.put("workflowUrl", workflowUrl.apply(w.getWorkflowId()));
    }
    return m;
  }

  private static String workflowId(ScheduleActionExecution e) {
    return e instanceof ScheduleActionExecutionStartWorkflow w ? w.getWorkflowId() : String.valueOf(e);
  }

  static Map<String, Object> specJson(ScheduleSpec spec, String cronText) {
    Map<String, Object> m = new LinkedHashMap<>();
    List<String> cron = new ArrayList<>(spec.getCronExpressions());
    if (cronText != null && !cron.contains(cronText)) {
      cron.add(0, cronText);
    }
    m.put("cron", cron);
    m.put("calendars", spec.getCalendars().stream().map(ScheduleView::calendarText).toList());
    m.put("intervals", spec.getIntervals().stream().map(ScheduleView::intervalText).toList());
    m.put("jitter", spec.getJitter() == null || spec.getJitter().isZero() ? null : DurationText.format(spec.getJitter()));
    m.put("timeZone", emptyToNull(spec.getTimeZoneName()));
    m.put("summary", specText(spec, cronText));
    return m;
  }

  /**
   * One line: the cron text as it was given (kept in the memo; the server stores a cron expression
   * as a structured calendar), else the calendars rendered cron-like, and the intervals.
   */
  static String specText(ScheduleSpec spec, String cronText) {
    List<String> parts = new ArrayList<>();
    if (cronText != null) {
      parts.add("cron \"" + cronText + "\"");
    } else {
      spec.getCronExpressions().forEach(c -> parts.add("cron \"" + c + "\""));
      spec.getCalendars().forEach(c -> parts.add("calendar \"" + calendarText(c) + "\""));
    }
    spec.getIntervals().forEach(i -> parts.add(intervalText(i)));
    String s = parts.isEmpty() ? "(no times)" : String.join("; ", parts);
    if (!emptyOr(spec.getTimeZoneName())) {
      s += " " + spec.getTimeZoneName();
    } else if (cronText != null || !spec.getCalendars().isEmpty() || !spec.getCronExpressions().isEmpty()) {
      s += " UTC";
    }
    if (spec.getJitter() != null && !spec.getJitter().isZero()) {
      s += ", jitter " + DurationText.format(spec.getJitter());
    }
    return s;
  }

  private static String intervalText(ScheduleIntervalSpec i) {
    Duration off = i.getOffset();
    return "every " + DurationText.format(i.getEvery())
        + (off == null || off.isZero() ? "" : " (offset " + DurationText.format(off) + ")");
  }

  /** Cron-like: [second] minute hour day-of-month month day-of-week, '*' for a full range. */
  static String calendarText(ScheduleCalendarSpec c) {
    String sec = field(c.getSeconds(), "0", 0, 59);
    String text = field(c.getMinutes(), "0", 0, 59) + " " + field(c.getHour(), "0", 0, 23) + " "
        + field(c.getDayOfMonth(), "*", 1, 31) + " " + field(c.getMonth(), "*", 1, 12) + " "
        + field(c.getDayOfWeek(), "*", 0, 6);
    return (sec.equals("0") ? "" : sec + " ") + text;
  }

  private static String field(List<ScheduleRange> ranges, String ifEmpty, int min, int max) {
    if (ranges == null || ranges.isEmpty()) {
      return ifEmpty;
    }
    if (ranges.size() == 1) {
      ScheduleRange r = ranges.get(0);
      if (r.getStart() <= min && Math.max(r.getEnd(), r.getStart()) >= max && r.getStep() <= 1) {
        return "*";
      }
    }
    return ranges.stream().map(r -> {
      int end = Math.max(r.getEnd(), r.getStart());
      String t = end == r.getStart() ? Integer.toString(r.getStart()) : r.getStart() + "-" + end;
      return r.getStep() > 1 ? t + "/" + r.getStep() : t;
    }).collect(Collectors.joining(","));
  }

  private static String memo(ScheduleDescription d, String key) {
    try {
      Object v = d.getMemo(key, String.class);
      return v == null ? null : v.toString();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String listMemo(ScheduleListDescription d, String key) {
    try {
      Object v = d.getMemo(key, String.class);
      return v == null ? null : v.toString();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static void line(StringBuilder b, String label, String value) {
    b.append(String.format(Locale.ROOT, "  %-9s %s%n", label.isEmpty() ? "" : label + ":", value));
  }

  private static String str(Instant t) {
    return t == null ? null : t.toString();
  }

  private static String str(Instant t, DateTimeFormatter f) {
    return t == null ? "-" : f.format(t);
  }

  private static boolean emptyOr(String s) {
    return s == null || s.isEmpty();
  }

  private static String emptyToNull(String s) {
    return emptyOr(s) ? null : s;
  }
}
