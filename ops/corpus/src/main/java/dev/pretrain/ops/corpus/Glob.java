package dev.pretrain.ops.corpus;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Path globs for the corpus spec: {@code **} spans directories ({@code a/**}{@code /b} also matches
 * {@code a/b}), {@code *} and {@code ?} stay within one path segment. Paths use '/' and have no
 * leading slash. (java.nio's glob needs at least one directory for {@code **}{@code /}, hence our own.)
 */
final class Glob {

  private Glob() {}

  static Pattern compile(String glob) {
    StringBuilder re = new StringBuilder("^");
    int n = glob.length();
    for (int i = 0; i < n; i++) {
      char c = glob.charAt(i);
      if (c == '*') {
        if (i + 1 < n && glob.charAt(i + 1) == '*') {
          boolean slashAfter = i + 2 < n && glob.charAt(i + 2) == '/';
          re.append(slashAfter ? "(?:.*/)?" : ".*");
          i += slashAfter ? 2 : 1;
        } else {
          re.append("[^/]*");
        }
      } else if (c == '?') {
        re.append("[^/]");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.append('$').toString());
  }

  static boolean anyMatches(List<Pattern> patterns, String path) {
    for (Pattern p : patterns) {
      if (p.matcher(path).matches()) {
        return true;
      }
    }
    return false;
  }
}
