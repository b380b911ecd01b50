package dev.pretrain.batch.ingest;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;

/**
 * The main text of an HTML page, as paragraphs separated by blank lines, the title first: boilerplate
 * (navigation, header, footer, sidebars, forms, scripts) is dropped, then the container with most
 * paragraph text outside links is kept, with its siblings that score nearly as well.
 *
 * <p>A small extractor on jsoup, in the spirit of readability-style scoring (text length credited to
 * the parent and grandparent of each paragraph, links discounted), written for ingest: one pass to
 * score, one to write; no rewriting of the page, no image or metadata handling.
 */
final class HtmlMainText {

  /** Elements that are never main text. */
  private static final String BOILERPLATE = "script, style, noscript, template, nav, header, footer, aside, form,"
      + " iframe, svg, canvas, button, select, input, textarea, menu, dialog, object, embed, [hidden],"
      + " [aria-hidden=true], [role=navigation], [role=banner], [role=contentinfo], [role=complementary],"
      + " [role=search], [role=dialog]";

  /** class or id names of page furniture (checked on block containers only, never on body or main). */
  private static final Pattern FURNITURE = Pattern.compile(
      "(?i)(^|[-_ ])(nav|navbar|menu|sidebar|side-bar|breadcrumbs?|footer|masthead|cookies?|consent|share|social"
          + "|related|subscribe|newsletter|popup|modal|banner|advert|ads?|sponsor|toc|pagination|skip)([-_ ]|$)");

  /** Elements whose text is one paragraph, scored for the container choice. */
  private static final Set<String> PARAGRAPHS = Set.of("p", "pre", "blockquote", "li", "dd", "td", "h2", "h3", "h4",
      "h5", "h6");

  private static final Set<String> HEADINGS = Set.of("h1", "h2", "h3", "h4", "h5", "h6");

  private static final Set<String> BLOCKS = new HashSet<>(List.of("address", "article", "blockquote", "body", "dd",
      "details", "div", "dl", "dt", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main",
      "ol", "p", "pre", "section", "summary", "table", "tbody", "thead", "tfoot", "tr", "ul", "caption", "center"));

  /** A paragraph shorter than this adds nothing to its container's score (captions, buttons, bylines). */
  private static final int MIN_SCORED_CHARS = 25;

  private HtmlMainText() {}

  /**
   * The page's title and main text; empty when the page has none. When the first paragraph is contained
   * in the title (an h1 "Growing Tomatoes" under the title "Growing Tomatoes | Garden Notes"), it stands
   * for the title. The document is modified (boilerplate removed).
   */
  static String extract(Document doc) {
    List<String> paragraphs = new ArrayList<>();
    String title = collapse(doc.title());
    if (!title.isEmpty()) {
      paragraphs.add(title);
    }
    Element body = doc.body();
    if (body == null) {
      return String.join("\n\n", paragraphs);
    }
    body.select(BOILERPLATE).remove();
    removeFurniture(body);
    for (Element part : mainParts(body)) {
      new Writer(paragraphs).write(part);
    }
    if (paragraphs.size() > 1 && !title.isEmpty()
        && title.toLowerCase(Locale.ROOT).contains(paragraphs.get(1).toLowerCase(Locale.ROOT))) {
      paragraphs.remove(0); // the page's own heading, without the site name that <title> often adds
    }
    return String.join("\n\n", paragraphs);
  }

  private static void removeFurniture(Element body) {
    List<Element> drop = new ArrayList<>();
    for (Element e : body.select("div, section, ul, ol, table, span, p, dl")) {
      String names = e.className() + " " + e.id();
      if (!names.isBlank() && FURNITURE.matcher(names).find() && e.selectFirst("main, article, [role=main]") == null) {
        drop.add(e);
      }
    }
    drop.forEach(Element::remove); // removing an ancestor first leaves the descendant detached: harmless
  }

  /**
   * The part of the page to write: the largest {@code main}/{@code article} when one holds real text,
   * else the best-scoring container and those of its siblings that score at least a fifth as well.
   */
  private static List<Element> mainParts(Element body) {
    Map<Element, int[]> stats = textStats(body);
    Element marked = null;
    for (Element e : body.select("main, [role=main], article")) {
      if (marked == null || chars(stats, e) > chars(stats, marked)) {
        marked = e;
      }
    }
    if (marked != null && chars(stats, marked) >= MIN_SCORED_CHARS) {
      return List.of(marked);
    }
    Map<Element, Double> scores = new IdentityHashMap<>();
    for (Element p : body.select(String.join(", ", PARAGRAPHS))) {
      int chars = chars(stats, p);
      if (chars < MIN_SCORED_CHARS) {
        continue;
      }
      double score = (1 + chars / 100.0 + stats.get(p)[COMMAS]) * (1 - linkDensity(stats, p));
      Element parent = p.parent();
      if (stats.containsKey(parent)) { // within body
        scores.merge(parent, score, Double::sum);
        Element grand = parent.parent();
        if (stats.containsKey(grand)) {
          scores.merge(grand, score / 2, Double::sum);
        }
      }
    }
    Element best = null;
    double bestScore = 0;
    for (Map.Entry<Element, Double> e : scores.entrySet()) {
      double s = e.getValue() * (1 - linkDensity(stats, e.getKey()));
      if (s > bestScore) {
        best = e.getKey();
        bestScore = s;
      }
    }
    if (best == null || best == body || best.parent() == null) {
      return List.of(body);
    }
    List<Element> parts = new ArrayList<>();
    for (Element sibling : best.parent().children()) {
      Double s = scores.get(sibling);
      if (sibling == best || (s != null && s * (1 - linkDensity(stats, sibling)) >= bestScore / 5)) {
        parts.add(sibling);
      }
    }
    return parts;
  }

  private static final int CHARS = 0;
  private static final int LINK_CHARS = 1;
  private static final int COMMAS = 2;

  /**
   * For every element under {@code root}: characters of text, of text inside links, and commas; in one
   * pass over the text nodes (each adds to its ancestors), so scoring stays linear in the page size
   * times its depth instead of re-reading each candidate's subtree.
   */
  private static Map<Element, int[]> textStats(Element root) {
    Map<Element, int[]> stats = new IdentityHashMap<>();
    for (Element e : root.getAllElements()) {
      stats.put(e, new int[3]);
    }
    root.traverse((node, depth) -> {
      if (!(node instanceof TextNode t) || t.isBlank()) {
        return;
      }
      String text = t.text();
      int length = text.strip().length();
      int commas = countCommas(text);
      boolean link = false;
      for (Element e = t.parent(); e != null; e = e.parent()) {
        link |= e.normalName().equals("a");
        int[] s = stats.get(e);
        if (s == null) {
          break; // above root
        }
        s[CHARS] += length;
        s[COMMAS] += commas;
      }
      if (link) {
        for (Element e = t.parent(); e != null && stats.containsKey(e); e = e.parent()) {
          stats.get(e)[LINK_CHARS] += length;
        }
      }
    });
    return stats;
  }

  private static int chars(Map<Element, int[]> stats, Element e) {
    return stats.get(e)[CHARS];
  }

  private static int countCommas(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      n += s.charAt(i) == ',' ? 1 : 0;
    }
    return n;
  }

  /** Share of the element's text inside links. */
  private static double linkDensity(Map<Element, int[]> stats, Element e) {
    int[] s = stats.get(e);
    return s[CHARS] == 0 ? 0 : Math.min(1.0, (double) s[LINK_CHARS] / s[CHARS]);
  }

  /** Whitespace runs (NBSP included) as one space, trimmed. */
  static String collapse(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    boolean space = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c) || c == '\u00a0') {
        space = sb.length() > 0;
      } else {
        if (space) {
          sb.append(' ');
          space = false;
        }
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** Writes an element's text as paragraphs: block elements end one; a mostly-link paragraph is left out. */
  private static final class Writer {
    private final List<String> out;
    private final StringBuilder current = new StringBuilder();
    private int linkChars;
    private int inLink;

    Writer(List<String> out) {
      this.out = out;
    }

    void write(Element root) {
      visit(root, false);
      flush(false);
    }

    private void visit(Node node, boolean pre) {
      if (node instanceof TextNode t) {
        String text = pre ? t.getWholeText() : t.text();
        current.append(text);
        if (inLink > 0) {
          linkChars += text.strip().length();
        }
        return;
      }
      if (!(node instanceof Element e)) {
        return;
      }
      String tag = e.normalName();
      if (tag.equals("br")) {
        current.append('\n');
        return;
      }
      boolean block = BLOCKS.contains(tag);
      if (block) {
        flush(false);
      }
      boolean isPre = pre || tag.equals("pre");
      if (tag.equals("a")) {
        inLink++;
      }
      for (Node child : e.childNodes()) {
        visit(child, isPre);
        if (tag.equals("tr") && child instanceof Element cell && (cell.normalName().equals("td")
            || cell.normalName().equals("th"))) {
          current.append(' '); // cells of a row stay on one line
        }
      }
      if (tag.equals("a")) {
        inLink--;
      }
      if (block) {
        if (tag.equals("pre")) {
          flushPre();
        } else {
          // a heading is often a link to itself (an anchor): kept whatever its link share
          flush(HEADINGS.contains(tag));
        }
      }
    }

    private void flush(boolean evenIfLinks) {
      String[] lines = current.toString().split("\n", -1);
      StringBuilder p = new StringBuilder();
      for (String line : lines) {
        String l = collapse(line);
        if (!l.isEmpty()) {
          p.append(p.length() == 0 ? "" : "\n").append(l);
        }
      }
      add(p.toString(), evenIfLinks);
    }

    private void flushPre() {
      String text = current.toString().strip();
      // a preformatted block keeps its lines and indentation; blank lines inside it would split paragraphs
      add(text.replaceAll("\n[ \t]*\n(\\s*\n)*", "\n"), true);
    }

    private void add(String p, boolean evenIfLinks) {
      int length = p.length();
      if (length > 0 && (evenIfLinks || linkChars <= length / 2)) {
        out.add(p);
      }
      current.setLength(0);
      linkChars = 0;
    }
  }
}
