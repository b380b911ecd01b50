package dev.pretrain.ops.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class Dep5CopyrightTest {

  // Shaped like perl-doc's and linux-doc's copyright files: header, Files stanzas with continuation
  // lines, stand-alone License paragraphs, a comment line.
  static final String PERLISH = """
      Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
      Upstream-Name: perl
      Source: http://www.perl.com/CPAN/src/5.0/

      Files: *
      Copyright: 1987-2022, Larry Wall and others
      License: GPL-1+ or Artistic
       Perl may be copied only under the terms of either the Artistic License or the
       GNU General Public License.
       .
       A second paragraph of the license text.

      # comment lines are not part of any field
      Files: pod/perlembed.pod
       pod/perlperf.pod
      Copyright: 1995-1999, Doug MacEachern and Jon Orwant
      License: GPL-1+ or Artistic, and Expat

      Files: cpan/podlators/*
      Copyright: 1999-2022, Russ Allbery
      License: Expat

      Files: cpan/podlators/t/data/snippets/*
      Copyright: 2016, Russ Allbery
      License: FSFAP

      Files: debian/*
      Copyright: 2005-2022, Dominic Hargreaves
      License: GPL-1+ or Artistic

      Files: star\\*lit?.txt
      Copyright: none
      License: CC0-1.0

      License: Expat
       Permission is hereby granted, free of charge, ...
      """;

  @Test
  void lastMatchingStanzaWins() {
    Dep5Copyright c = Dep5Copyright.parse(PERLISH).orElseThrow();
    assertEquals(6, c.stanzas().size(), "stand-alone License paragraphs are not Files stanzas");
    assertEquals(Optional.of("GPL-1+ or Artistic"), c.licenseFor("pod/perlfunc.pod"));
    assertEquals(Optional.of("GPL-1+ or Artistic, and Expat"), c.licenseFor("pod/perlembed.pod"));
    assertEquals(Optional.of("GPL-1+ or Artistic, and Expat"), c.licenseFor("pod/perlperf.pod"),
        "continuation line of Files: is a pattern too");
    assertEquals(Optional.of("Expat"), c.licenseFor("cpan/podlators/lib/Pod/Man.pm"));
    assertEquals(Optional.of("FSFAP"), c.licenseFor("cpan/podlators/t/data/snippets/x/y"),
        "* spans directories; the later, narrower stanza wins");
    assertEquals(Optional.of("GPL-1+ or Artistic"), c.licenseFor("./README"), "leading ./ is ignored");
  }

  @Test
  void escapesAndQuestionMark() {
    Dep5Copyright c = Dep5Copyright.parse(PERLISH).orElseThrow();
    assertEquals(Optional.of("CC0-1.0"), c.licenseFor("star*lit1.txt"));
    assertEquals(Optional.of("GPL-1+ or Artistic"), c.licenseFor("starXlit1.txt"), "\\* is a literal star");
    assertEquals(Optional.of("GPL-1+ or Artistic"), c.licenseFor("star*lit12.txt"), "? is one character");
  }

  @Test
  void orderMattersNotSpecificity() {
    String text = """
        Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

        Files: docs/special.txt
        License: MIT

        Files: *
        License: GPL-2
        """;
    Dep5Copyright c = Dep5Copyright.parse(text).orElseThrow();
    assertEquals(Optional.of("GPL-2"), c.licenseFor("docs/special.txt"), "a later Files: * overrides everything");
  }

  @Test
  void noStanzaMatchesGivesEmpty() {
    String text = """
        Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

        Files: src/*
        License: BSD-3-clause
        """;
    Dep5Copyright c = Dep5Copyright.parse(text).orElseThrow();
    assertTrue(c.licenseFor("doc/readme").isEmpty());
    assertEquals(Optional.of("BSD-3-clause"), c.licenseFor("src/a/b.c"));
  }

  @Test
  void freeFormCopyrightIsNotDep5() {
    String fortunes = """
        Update: August 6, 2004:
        ----------------------

        Upstream and Debian packaging is now maintained by
        """;
    assertFalse(Dep5Copyright.parse(fortunes).isPresent());
    assertFalse(Dep5Copyright.parse("This package was put together by Klee Dienes from\nsources").isPresent());
    assertTrue(Dep5Copyright.parse("Format-Specification: http://svn.debian.org/wsvn/dep/web/deps/dep5.mdwn\n\n"
        + "Files: *\nLicense: GPL-2\n").isPresent(), "the DEP-5 draft's header field name is accepted");
  }

  @Test
  void installedPathsMapBackToSourceTree() {
    assertEquals("pod/perlfunc.pod", PackageExtraction.stripPrefix("usr/share/perl/*/", "usr/share/perl/5.36.0/pod/perlfunc.pod"));
    assertEquals("Documentation/a.rst.gz",
        PackageExtraction.stripPrefix("usr/share/doc/linux-doc-6.1/", "usr/share/doc/linux-doc-6.1/Documentation/a.rst.gz"));
    assertEquals("other/x", PackageExtraction.stripPrefix("usr/share/perl/*/", "other/x"), "no match: unchanged");
  }
}
