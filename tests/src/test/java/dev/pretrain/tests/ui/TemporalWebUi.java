package dev.pretrain.tests.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.ElementNotInteractableException;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.Rectangle;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Page object for the Temporal Web UI (written against UI 2.50.1, the one in CLI 1.8.2), driven in
 * headless Chromium through the OS's chromedriver.
 *
 * <p>What the UI's DOM looks like, and why the selectors below are what they are:
 * <ul>
 *   <li>The workflow page renders its action menu and every dialog twice (one copy for a narrow
 *       layout, hidden); so every lookup takes the first <em>displayed</em> match, and dialogs are
 *       found by {@code dialog[data-testid=...][open]}.
 *   <li>Update and Signal dialogs offer the names a workflow publishes (its metadata query) plus
 *       "Custom", which reveals a free-text name field. The payload is a CodeMirror editor
 *       ({@code .cm-content}); on blur it pretty-prints the JSON, which grows the dialog and moves
 *       the Submit button, so the editor is blurred and the button left to settle before clicking.
 *   <li>A sent update or signal closes its dialog and shows a toast ({@code [role=log] p}); a
 *       rejection (e.g. the workflow's update validator) keeps the dialog open with the error in its
 *       {@code [role=alert]}.
 *   <li>Reset lists the history's WorkflowTaskStarted/Completed events as "N - EventType"; after a
 *       reset the old run's page shows {@code [data-testid=workflow-reset-alert]} linking the new run.
 *       A closed workflow has Reset as its primary header button instead of in "More Actions".
 * </ul>
 * These are the UI's internal test ids, not an API: keep browser tests few, and expect to revisit
 * this class when the pinned CLI (and so the UI) changes.
 */
public final class TemporalWebUi implements AutoCloseable {

  /** Where the browser comes from; the defaults are what Debian's {@code chromium chromium-driver} install. */
  public record Options(Path chromium, Path chromedriver, int driverPort, Duration timeout) {
    public static Options defaults() {
      return new Options(Path.of("/usr/bin/chromium"), Path.of("/usr/bin/chromedriver"), 0, Duration.ofSeconds(20));
    }

    /** A fixed chromedriver port, for machines where ports are handed out; 0 picks a free one. */
    public Options withDriverPort(int port) {
      return new Options(chromium, chromedriver, port, timeout);
    }

    public Options withTimeout(Duration waitTimeout) {
      return new Options(chromium, chromedriver, driverPort, waitTimeout);
    }
  }

  /** What the UI said after a Signal or Update dialog was submitted. */
  public record DialogOutcome(boolean accepted, String message) {
    /** Fails with the UI's own message when the server or the workflow rejected the request. */
    public DialogOutcome requireAccepted() {
      if (!accepted) {
        throw new IllegalStateException("the Web UI reported a rejection: " + message);
      }
      return this;
    }
  }

  private static final Pattern RUN_PATH = Pattern.compile("/workflows/([^/?#]+)/([^/?#]+)");
  private static final Pattern RESET_OPTION = Pattern.compile("^(\\d+)\\s*-\\s*(\\w+)");
  private static final By MORE_ACTIONS = By.cssSelector("button[aria-controls='workflow-actions']");
  private static final By TOASTS = By.cssSelector("[role='log'] p");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String baseUrl;
  private final String namespace;
  private final Duration timeout;
  private final Path userDataDir;
  private final ChromeDriverService service;
  private final ChromeDriver driver;

  public TemporalWebUi(String baseUrl, String namespace) {
    this(baseUrl, namespace, Options.defaults());
  }

  public TemporalWebUi(String baseUrl, String namespace, Options options) {
    this.baseUrl = baseUrl.replaceAll("/+$", "");
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.timeout = options.timeout();
    try {
      this.userDataDir = Files.createTempDirectory("pretrain-ui-chromium");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // An explicit driver and browser: Selenium Manager must never try to download either
    ChromeDriverService.Builder builder = new ChromeDriverService.Builder()
        .usingDriverExecutable(options.chromedriver().toFile());
    builder = options.driverPort() > 0 ? builder.usingPort(options.driverPort()) : builder.usingAnyFreePort();
    this.service = builder.build();
    ChromeOptions chrome = new ChromeOptions();
    chrome.setBinary(options.chromium().toFile());
    chrome.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1600,1000",
        "--user-data-dir=" + userDataDir);
    ChromeDriver started;
    try {
      started = new ChromeDriver(service, chrome);
    } catch (RuntimeException e) {
      service.stop();
      deleteTree(userDataDir);
      throw e;
    }
    this.driver = started;
  }

  /** True when the browser and driver this class needs are installed (tests skip otherwise). */
  public static boolean browserAvailable(Options options) {
    return Files.isExecutable(options.chromium()) && Files.isExecutable(options.chromedriver());
  }

  public static boolean browserAvailable() {
    return browserAvailable(Options.defaults());
  }

  /** The browser itself, for checks this class does not cover. */
  public ChromeDriver driver() {
    return driver;
  }

  // ---------------------------------------------------------------------------------------------
  // Workflow list

  /** Opens the namespace's workflow list filtered by a visibility query and waits for it to load. */
  public void openWorkflowList(String query) {
    String url = baseUrl + "/namespaces/" + encode(namespace) + "/workflows"
        + (query == null || query.isBlank() ? "" : "?query=" + encode(query));
    driver.get(url);
    // The count turns into a number once the query has returned; the rows render after it
    WebElement count = visible(By.cssSelector("[data-testid='workflow-count']"));
    waitFor("the workflow count", () -> count.getText().trim().matches("[\\d,]+") ? count : null);
    if (!count.getText().trim().equals("0")) {
      visible(By.cssSelector("[data-testid='workflows-summary-configurable-table-row']"));
    }
  }

  /** Workflow ids of the rows on the list page now shown, in page order (read from the row links). */
  public List<String> workflowIdsShown() {
    LinkedHashSet<String> ids = new LinkedHashSet<>();
    for (WebElement link : driver.findElements(
        By.cssSelector("[data-testid='workflows-summary-configurable-table-row'] a[href*='/workflows/']"))) {
      runFromPath(attribute(link, "href")).ifPresent(run -> ids.add(run[0]));
    }
    return new ArrayList<>(ids);
  }

  /**
   * Reloads the list filtered by {@code query} until {@code workflowId} is in it (visibility lags
   * the workflow by a moment), then saves a screenshot of it to {@code screenshot}.
   */
  public List<String> waitForWorkflowInList(String query, String workflowId, Duration within, Path screenshot) {
    return flow(screenshot, "waiting for " + workflowId + " in the list for " + query, () -> {
      Instant deadline = Instant.now().plus(within);
      List<String> shown;
      while (true) {
        openWorkflowList(query);
        shown = workflowIdsShown();
        if (shown.contains(workflowId)) {
          break;
        }
        if (Instant.now().isAfter(deadline)) {
          throw new TimeoutException(workflowId + " not listed for " + query + " within " + within + "; shown: " + shown);
        }
        pause(Duration.ofMillis(500));
      }
      screenshot(screenshot);
      return shown;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Workflow page

  /** Opens the latest run of a workflow (the UI redirects to it) and returns that run's id. */
  public String openWorkflow(String workflowId) {
    driver.get(baseUrl + "/namespaces/" + encode(namespace) + "/workflows/" + encode(workflowId));
    return awaitWorkflowPage(workflowId);
  }

  /** Opens one run of a workflow and returns its run id. */
  public String openWorkflow(String workflowId, String runId) {
    driver.get(baseUrl + "/namespaces/" + encode(namespace) + "/workflows/" + encode(workflowId) + "/"
        + encode(runId) + "/history");
    return awaitWorkflowPage(workflowId);
  }

  /** The status badge of the open workflow page, e.g. "Running", "Completed", "Terminated". */
  public String workflowStatus() {
    return visible(By.cssSelector("[data-testid='workflow-status']")).getText().trim();
  }

  /**
   * Sends an Update from the workflow's page through More Actions, choosing {@code updateName} from
   * the names the workflow publishes (or typing it as a custom name), with {@code jsonPayload} as its
   * single argument; waits for the UI's verdict and saves a screenshot showing it.
   */
  public DialogOutcome sendUpdate(String workflowId, String updateName, String jsonPayload, Path screenshot) {
    return flow(screenshot, "sending update " + updateName + " to " + workflowId,
        () -> sendThroughDialog(workflowId, "update", updateName, jsonPayload, screenshot));
  }

  /** Like {@link #sendUpdate}, for a Signal (payload encoding left at the UI's json/plain). */
  public DialogOutcome sendSignal(String workflowId, String signalName, String jsonPayload, Path screenshot) {
    return flow(screenshot, "sending signal " + signalName + " to " + workflowId,
        () -> sendThroughDialog(workflowId, "signal", signalName, jsonPayload, screenshot));
  }

  /**
   * Resets the workflow's latest run to the first WorkflowTaskCompleted event the dialog lists, so
   * the new run starts over from the workflow's input; returns the new run's id, read from the link
   * the UI shows.
   */
  public String resetToFirstWorkflowTask(String workflowId, String reason, Path screenshot) {
    return flow(screenshot, "resetting " + workflowId + " to its first workflow task",
        () -> reset(workflowId, ResetPoint.FIRST, reason, screenshot));
  }

  /** Resets the latest run to a given workflow-task event (as listed by the UI) and returns the new run id. */
  public String resetToEvent(String workflowId, long eventId, String reason, Path screenshot) {
    return flow(screenshot, "resetting " + workflowId + " to event " + eventId,
        () -> reset(workflowId, new ResetPoint(eventId), reason, screenshot));
  }

  /** Saves what the browser shows now as a PNG (parent folders created). */
  public void screenshot(Path png) {
    try {
      if (png.toAbsolutePath().getParent() != null) {
        Files.createDirectories(png.toAbsolutePath().getParent());
      }
      Files.write(png, driver.getScreenshotAs(OutputType.BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } catch (WebDriverException e) {
      // the browser may already be gone; still stop the driver and drop the profile below
    } finally {
      service.stop();
      deleteTree(userDataDir);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Flows

  private String awaitWorkflowPage(String workflowId) {
    WebElement heading = visible(By.cssSelector("[data-testid='workflow-id-heading']"));
    waitFor("the heading " + workflowId, () -> heading.getText().trim().equals(workflowId) ? heading : null);
    // The bare /workflows/<id> address redirects once the latest run is known
    String[] run = waitFor("a run id in the address", () -> runFromPath(driver.getCurrentUrl()).orElse(null));
    return run[1];
  }

  private DialogOutcome sendThroughDialog(String workflowId, String kind, String name, String jsonPayload,
      Path screenshot) {
    openWorkflow(workflowId);
    chooseAction(kind + "-button");
    By dialog = By.cssSelector("dialog[data-testid='" + kind + "-confirmation-modal'][open]");
    WebElement box = visible(dialog);
    chooseName(box, kind, name);
    if (jsonPayload != null && !jsonPayload.isBlank()) {
      enterJson(box, jsonPayload);
    }
    WebElement submit = settledSubmit(box);
    click(submit);
    // Either the dialog closes (sent) or its alert fills with the server's or workflow's error
    String alert = waitFor("the " + kind + " to be answered", () -> {
      if (!isShown(box)) {
        return "";
      }
      String text = alertText(box);
      return text.isEmpty() ? null : text;
    });
    DialogOutcome outcome;
    if (alert.isEmpty()) {
      List<WebElement> toasts = waitForOptional(Duration.ofSeconds(3), () -> {
        List<WebElement> shown = driver.findElements(TOASTS).stream().filter(t -> !textOf(t).isEmpty()).toList();
        return shown.isEmpty() ? null : shown;
      }).orElse(List.of());
      String toast = toasts.isEmpty() ? "(dialog closed, no toast)"
          : String.join(" | ", toasts.stream().map(this::textOf).toList());
      // Toasts slide in: let the newest one come to rest so the screenshot shows it whole. That is
      // cosmetic: a toast that is already gone (a slow page under load) does not change the outcome.
      toasts.stream().reduce((first, second) -> second).ifPresent(t -> {
        try {
          awaitStill(t);
        } catch (org.openqa.selenium.WebDriverException gone) {
          // the toast left before it settled
        }
      });
      outcome = new DialogOutcome(true, toast);
    } else {
      outcome = new DialogOutcome(false, alert);
    }
    screenshot(screenshot);
    return outcome;
  }

  private String reset(String workflowId, ResetPoint target, String reason, Path screenshot) {
    String oldRunId = openWorkflow(workflowId);
    // A closed workflow shows Reset as its primary button, a running one keeps it in More Actions;
    // the header's buttons render a moment after the heading, so look for either until one shows
    waitFor("the Reset action", () -> {
      Optional<WebElement> reset = shown(By.xpath("//button[normalize-space()='Reset']"))
          .or(() -> shown(By.cssSelector("[data-testid='reset-button']")));
      if (reset.isPresent()) {
        click(reset.get());
        return Boolean.TRUE;
      }
      shown(MORE_ACTIONS).filter(more -> !"true".equals(more.getAttribute("aria-expanded"))).ifPresent(this::click);
      return null;
    });
    WebElement box = visible(By.cssSelector("dialog[data-testid='reset-confirmation-modal'][open]"));
    click(visibleWithin(box, By.cssSelector("[data-testid='workflow-reset-event-id-select-button']")));
    List<WebElement> options = waitFor("the reset points", () -> {
      List<WebElement> shown = box.findElements(By.cssSelector("li[role='option']")).stream().filter(this::isShown).toList();
      return shown.isEmpty() ? null : shown;
    });
    WebElement choice = pickResetPoint(options, target);
    click(choice);
    if (reason != null && !reason.isEmpty()) {
      WebElement reasonField = visibleWithin(box, By.cssSelector("[data-testid='reset-reason']"));
      reasonField.sendKeys(reason);
    }
    click(settledSubmit(box));
    String[] newRun = waitFor("the reset to finish", () -> {
      String alert = isShown(box) ? alertText(box) : "";
      if (!alert.isEmpty()) {
        throw new IllegalStateException("the Web UI rejected the reset: " + alert);
      }
      for (WebElement link : driver.findElements(By.cssSelector("[data-testid='workflow-reset-alert'] a[href]"))) {
        Optional<String[]> run = runFromPath(attribute(link, "href"));
        if (run.isPresent() && !run.get()[1].equals(oldRunId)) {
          return run.get();
        }
      }
      return null;
    });
    // The banner fades in; wait for it so the screenshot shows it
    awaitOpaque(visible(By.cssSelector("[data-testid='workflow-reset-alert']")));
    screenshot(screenshot);
    return newRun[1];
  }

  private WebElement pickResetPoint(List<WebElement> options, ResetPoint target) {
    List<String> listed = new ArrayList<>();
    WebElement best = null;
    long bestId = Long.MAX_VALUE;
    for (WebElement option : options) {
      String text = textOf(option);
      listed.add(text);
      Matcher m = RESET_OPTION.matcher(text);
      if (!m.find()) {
        continue;
      }
      long id = Long.parseLong(m.group(1));
      if (target.first ? m.group(2).equals("WorkflowTaskCompleted") && id < bestId : id == target.value) {
        best = option;
        bestId = id;
      }
    }
    if (best == null) {
      throw new IllegalStateException("no reset point " + (target.first ? "WorkflowTaskCompleted" : "event " + target.value)
          + " among " + listed);
    }
    return best;
  }

  /** Opens "More Actions" and picks one of its items by test id. */
  private void chooseAction(String testId) {
    click(visible(MORE_ACTIONS));
    WebElement item = visible(By.cssSelector("[data-testid='" + testId + "']"));
    if ("true".equals(item.getAttribute("aria-disabled"))) {
      throw new IllegalStateException("\"" + textOf(item) + "\" is disabled for this workflow");
    }
    click(item);
  }

  /** Picks a published name from the dialog's dropdown, or falls back to "Custom" and types it. */
  private void chooseName(WebElement box, String kind, String name) {
    click(visibleWithin(box, By.cssSelector("[data-testid='" + kind + "-select-button']")));
    By option = By.xpath(".//li[@role='option'][.//span[normalize-space()=" + xpathLiteral(name) + "]]");
    // Published names arrive with the workflow's metadata query; give them a moment before "Custom"
    Optional<WebElement> published = waitForOptional(Duration.ofSeconds(5),
        () -> box.findElements(option).stream().filter(this::isShown).findFirst().orElse(null));
    if (published.isPresent()) {
      click(published.get());
      WebElement selected = box.findElement(By.cssSelector("[data-testid='" + kind + "-select']"));
      waitFor("the " + kind + " name to be selected", () -> name.equals(selected.getAttribute("value")) ? selected : null);
      return;
    }
    click(visibleWithin(box, By.xpath(".//li[@role='option'][.//span[normalize-space()='Custom']]")));
    WebElement custom = visibleWithin(box, By.cssSelector("[data-testid='" + kind + "-name']"));
    custom.clear();
    custom.sendKeys(name);
  }

  /**
   * Types the payload into the dialog's CodeMirror editor and checks the editor now holds the same
   * JSON; if typing was mangled (auto-closed brackets), loads it through the dialog's JSON upload.
   */
  private void enterJson(WebElement box, String jsonPayload) {
    JsonNode wanted = parseJson(jsonPayload)
        .orElseThrow(() -> new IllegalArgumentException("payload is not JSON: " + jsonPayload));
    WebElement editor = visibleWithin(box, By.cssSelector(".cm-content[contenteditable='true']"));
    click(editor);
    editor.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
    editor.sendKeys(jsonPayload);
    if (!wanted.equals(parseJson(textOf(editor)).orElse(null))) {
      editor.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
      Path file = null;
      try {
        file = Files.createTempFile("ui-payload", ".json");
        Files.writeString(file, jsonPayload);
        // The file input is visually hidden; chromedriver accepts keys on it all the same
        List<WebElement> inputs = box.findElements(By.cssSelector("input[type='file']"));
        inputs.get(0).sendKeys(file.toAbsolutePath().toString());
        waitFor("the uploaded payload in the editor",
            () -> wanted.equals(parseJson(textOf(editor)).orElse(null)) ? editor : null);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        deleteTree(file);
      }
    }
  }

  /** Blurs the editor (which reformats it and resizes the dialog) and waits for Submit to stop moving. */
  private WebElement settledSubmit(WebElement box) {
    ((JavascriptExecutor) driver).executeScript(
        "if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();");
    WebElement submit = visibleWithin(box, By.cssSelector("[data-testid='confirm-modal-button']"));
    waitFor("the Submit button to be enabled", () -> submit.isEnabled() ? submit : null);
    awaitStill(submit);
    return submit;
  }

  /** Waits until an element and its ancestors are fully opaque (fade-in transitions done). */
  private void awaitOpaque(WebElement element) {
    String script = "let o = 1; for (let e = arguments[0]; e && e.nodeType === 1; e = e.parentElement) "
        + "o *= parseFloat(getComputedStyle(e).opacity); return o;";
    waitFor(describe(element) + " to be opaque", () ->
        ((Number) ((JavascriptExecutor) driver).executeScript(script, element)).doubleValue() >= 0.999 ? Boolean.TRUE : null);
  }

  /** Waits until an element is at the same place on two polls in a row (animations, re-layout). */
  private void awaitStill(WebElement element) {
    Rectangle[] last = new Rectangle[1];
    waitFor(describe(element) + " to stop moving", () -> {
      Rectangle now = element.getRect();
      boolean still = now.equals(last[0]);
      last[0] = now;
      return still ? Boolean.TRUE : null;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Waiting and clicking

  /** Runs one flow; on failure keeps a screenshot and the page source beside the caller's screenshot. */
  private <T> T flow(Path screenshot, String what, Supplier<T> body) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      String saved = saveFailure(screenshot);
      throw new IllegalStateException(what + " failed at " + safeUrl() + "; " + saved + ": " + e.getMessage(), e);
    }
  }

  private String saveFailure(Path screenshot) {
    String stem = screenshot.getFileName().toString().replaceFirst("\\.png$", "");
    Path dir = screenshot.toAbsolutePath().getParent();
    Path png = dir.resolve(stem + "-failure.png");
    Path html = dir.resolve(stem + "-failure.html");
    try {
      Files.createDirectories(dir);
      Files.write(png, driver.getScreenshotAs(OutputType.BYTES));
      Files.writeString(html, driver.getPageSource());
      return "saved " + png + " and " + html;
    } catch (IOException | WebDriverException e) {
      return "could not save the page (" + e.getMessage() + ")";
    }
  }

  private String safeUrl() {
    try {
      return driver.getCurrentUrl();
    } catch (WebDriverException e) {
      return "(unknown address)";
    }
  }

  private <T> T waitFor(String what, Supplier<T> probe) {
    WebDriverWait wait = new WebDriverWait(driver, timeout, Duration.ofMillis(100));
    wait.withMessage("waiting for " + what);
    wait.ignoring(StaleElementReferenceException.class);
    return wait.until(d -> probe.get());
  }

  private <T> Optional<T> waitForOptional(Duration limit, Supplier<T> probe) {
    WebDriverWait wait = new WebDriverWait(driver, limit, Duration.ofMillis(100));
    wait.ignoring(StaleElementReferenceException.class);
    try {
      return Optional.of(wait.until(d -> probe.get()));
    } catch (TimeoutException e) {
      return Optional.empty();
    }
  }

  private Optional<WebElement> shown(By by) {
    return driver.findElements(by).stream().filter(this::isShown).findFirst();
  }

  private WebElement visible(By by) {
    return waitFor(by.toString(), () ->
        driver.findElements(by).stream().filter(this::isShown).findFirst().orElse(null));
  }

  private WebElement visibleWithin(WebElement root, By by) {
    return waitFor(by.toString(), () ->
        root.findElements(by).stream().filter(this::isShown).findFirst().orElse(null));
  }

  /** Clicks, retrying while a dialog's open animation or a toast still covers the element. */
  private void click(WebElement element) {
    waitFor("a click on " + describe(element), () -> {
      try {
        element.click();
        return Boolean.TRUE;
      } catch (ElementNotInteractableException e) {
        // also ElementClickInterceptedException: something still lies on top of it
        return null;
      }
    });
  }

  private boolean isShown(WebElement element) {
    try {
      return element.isDisplayed();
    } catch (StaleElementReferenceException e) {
      return false;
    }
  }

  private String alertText(WebElement box) {
    return box.findElements(By.cssSelector("[role='alert']")).stream().map(this::textOf)
        .filter(t -> !t.isEmpty()).findFirst().orElse("");
  }

  /** innerText via script: WebElement.getText() is empty for elements Selenium deems hidden. */
  private String textOf(WebElement element) {
    Object text = ((JavascriptExecutor) driver).executeScript("return arguments[0].innerText;", element);
    return text == null ? "" : text.toString().trim();
  }

  private String describe(WebElement element) {
    try {
      String id = element.getAttribute("data-testid");
      return element.getTagName() + (id == null ? "" : "[data-testid=" + id + "]") + " '" + textOf(element) + "'";
    } catch (WebDriverException e) {
      return "an element";
    }
  }

  private static String attribute(WebElement element, String name) {
    String value = element.getAttribute(name);
    return value == null ? "" : value;
  }

  private static Optional<JsonNode> parseJson(String text) {
    try {
      return Optional.ofNullable(JSON.readTree(text));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** {workflowId, runId} from a UI address such as /namespaces/ns/workflows/id/run/history. */
  private static Optional<String[]> runFromPath(String url) {
    String path = url.isEmpty() ? "" : URI.create(url).getRawPath();
    Matcher m = RUN_PATH.matcher(path == null ? "" : path);
    while (m.find()) {
      String id = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
      String run = URLDecoder.decode(m.group(2), StandardCharsets.UTF_8);
      if (!id.equals("start-workflow") && !run.isEmpty()) {
        return Optional.of(new String[] {id, run});
      }
    }
    return Optional.empty();
  }

  private static String encode(String part) {
    // %20 rather than '+': the UI decodes path segments, where '+' stays a plus
    return URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String xpathLiteral(String s) {
    if (!s.contains("'")) {
      return "'" + s + "'";
    }
    if (!s.contains("\"")) {
      return "\"" + s + "\"";
    }
    return "concat('" + s.replace("'", "',\"'\",'") + "')";
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void deleteTree(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException | UncheckedIOException e) {
      // a temp profile left behind is harmless
    }
  }

  /** Which reset point: the first WorkflowTaskCompleted, or one event id. */
  private record ResetPoint(boolean first, long value) {
    static final ResetPoint FIRST = new ResetPoint(true, -1);

    ResetPoint(long value) {
      this(false, value);
    }
  }
}
