package dev.pretrain.activities.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.activities.placement.SovereigntyPolicy.Decision;
import dev.pretrain.activities.placement.SovereigntyPolicy.Outcome;
import dev.pretrain.activities.placement.SovereigntyPolicy.SourceJurisdiction;
import dev.pretrain.workflows.StepNames;
import java.util.List;
import org.junit.jupiter.api.Test;

class SovereigntyPolicyTest {

  static final String POLICY = """
      regions:
        eu: {bucket: pretrain-eu}
        us: {bucket: pretrain-us, modelQueue: pretrain-train-gpu-us}
      jurisdictions:
        EU: {store: [eu], process: [eu]}
        US: {store: [us, eu], process: [us, eu]}
        "*": {store: [us], process: [us]}
      """;

  static final List<String> DATA = List.of(StepNames.INGEST, StepNames.DEDUP, StepNames.TOKENIZE);

  static SourceJurisdiction source(String id, String j) {
    return new SourceJurisdiction(id, j, "sources table");
  }

  @Test
  void aCompliantRunGetsItsRegionsQueuesAndBucketForEveryStep() {
    SovereigntyPolicy p = SovereigntyPolicy.parse(POLICY, "policy.yaml");

    Outcome o = p.place(List.of(source("debian-handbook", "EU"), source("kjv", "us")), "eu", StepNames.ALL);

    assertNull(o.refusal());
    assertEquals("eu", o.region().name());
    assertEquals(2 * StepNames.ALL.size(), o.decisions().size());
    Decision ingest = o.decisions().get(0);
    assertEquals(new Decision("debian-handbook", "EU", "ingest", true, "eu", "pretrain-eu", "pretrain-eu",
        "EU: process [eu], store [eu]", null), ingest);
    Decision train = o.decisions().stream().filter(d -> d.step().equals("train") && d.source().equals("kjv"))
        .findFirst().orElseThrow();
    assertEquals("pretrain-train-eu", train.taskQueue());
    assertEquals("US: process [us, eu], store [us, eu]", train.rule(), "jurisdictions match ignoring case");
  }

  @Test
  void eachRecordsJurisdictionIsCheckedAgainstTheRegionsRule() {
    SovereigntyPolicy p = SovereigntyPolicy.parse(POLICY, "policy.yaml");
    dev.pretrain.workflows.ingest.JurisdictionRule us = p.jurisdictionsIn("us");
    assertEquals(null, us.refusal("US"));
    assertEquals(null, us.refusal("br"), "a jurisdiction the policy does not name falls under \"*\"");
    String refusal = us.refusal("EU");
    assertTrue(refusal != null && refusal.startsWith("jurisdiction EU may not be stored and processed in region us"),
        refusal);
    dev.pretrain.workflows.ingest.JurisdictionRule eu = p.jurisdictionsIn("eu");
    assertEquals(null, eu.refusal("EU"));
    assertTrue(eu.refusal(null).startsWith("jurisdiction unknown may not be stored and processed in region eu"),
        "no jurisdiction is 'unknown', under \"*\", which allows us only");
  }

  @Test
  void anEuOnlySourceAskedIntoUsIsRefusedNamingSourceRuleAndTheRegionThatWouldComply() {
    SovereigntyPolicy p = SovereigntyPolicy.parse(POLICY, "policy.yaml");

    Outcome o = p.place(List.of(source("debian-handbook", "EU"), source("kjv", "US")), "us", DATA);

    assertEquals("source 'debian-handbook' (jurisdiction EU) may only be processed in [eu] (rule EU: process [eu],"
        + " store [eu]); the run asks for region us; regions where every source of the run may go: [eu]"
        + " (recipe: region: eu)", o.refusal());
    assertTrue(o.decisions().stream().filter(d -> d.source().equals("debian-handbook")).noneMatch(Decision::allowed));
    assertTrue(o.decisions().stream().filter(d -> d.source().equals("kjv")).allMatch(Decision::allowed));
  }

  @Test
  void aRegionTheRuleNeedsButNoDeploymentConfiguresIsNamedAsMissing() {
    SovereigntyPolicy p = SovereigntyPolicy.parse("""
        regions: {us: {bucket: pretrain-us}}
        jurisdictions:
          EU: {store: [eu], process: [eu]}
          "*": {store: [us], process: [us]}
        """, "policy.yaml");

    Outcome o = p.place(List.of(source("debian-handbook", "EU")), "us", DATA);

    assertEquals("source 'debian-handbook' (jurisdiction EU) may only be processed in [eu] (rule EU: process [eu],"
        + " store [eu]); the run asks for region us and no worker region in [eu] is configured (policy regions: [us])",
        o.refusal());
  }

  @Test
  void storageIsCheckedBesideProcessing() {
    SovereigntyPolicy p = SovereigntyPolicy.parse("""
        regions: {eu: {bucket: pretrain-eu}, us: {bucket: pretrain-us}}
        jurisdictions:
          CH: {store: [eu], process: [eu, us]}
        """, "policy.yaml");

    Outcome o = p.place(List.of(source("swiss-law", "CH")), "us", DATA);

    assertEquals("source 'swiss-law' (jurisdiction CH) may only be stored in [eu] (rule CH: process [eu, us], store"
        + " [eu]); the run asks for region us, whose bucket is pretrain-us; regions where every source of the run may"
        + " go: [eu] (recipe: region: eu)", o.refusal());
  }

  @Test
  void theWildcardRuleCoversUnlistedAndUnknownJurisdictions() {
    SovereigntyPolicy p = SovereigntyPolicy.parse(POLICY, "policy.yaml");

    assertEquals("*", p.ruleFor("unknown").key());
    assertEquals("*", p.ruleFor(null).key());
    assertEquals("*", p.ruleFor("BR").key());
    Outcome o = p.place(List.of(source("s3://corpus/web/", "unknown")), "us", DATA);
    assertNull(o.refusal());
    assertEquals("pretrain-us", o.decisions().get(0).bucket());
  }

  @Test
  void withoutAWildcardAnUnlistedJurisdictionIsRefused() {
    SovereigntyPolicy p = SovereigntyPolicy.parse("""
        regions: {eu: {bucket: pretrain-eu}}
        jurisdictions: {EU: {store: [eu], process: [eu]}}
        """, "policy.yaml");

    Outcome o = p.place(List.of(source("web", "unknown")), "eu", DATA);

    assertEquals("source 'web' (jurisdiction unknown) has no rule in the policy (policy.yaml): no 'unknown' and no"
        + " '*' under jurisdictions", o.refusal());
  }

  @Test
  void anUnknownRegionIsRefusedListingTheConfiguredOnes() {
    SovereigntyPolicy p = SovereigntyPolicy.parse(POLICY, "policy.yaml");

    Outcome o = p.place(List.of(source("kjv", "US")), "ap-south", DATA);

    assertEquals("the run asks for region ap-south, which the policy (policy.yaml) does not configure; configured"
        + " regions: [eu, us]", o.refusal());
    assertNull(o.region());
    assertEquals(3, o.decisions().size());
  }

  @Test
  void aRunThatNamesNoRegionGetsTheDefaultElseTheFirstCompliantOne() {
    SovereigntyPolicy p = SovereigntyPolicy.parse(POLICY, "policy.yaml");
    assertEquals("eu", p.place(List.of(source("debian-handbook", "EU")), null, DATA).region().name());
    assertEquals("us", p.place(List.of(source("web", "unknown")), " ", DATA).region().name());

    SovereigntyPolicy withDefault = SovereigntyPolicy.parse("defaultRegion: us\n" + POLICY, "policy.yaml");
    Outcome o = withDefault.place(List.of(source("debian-handbook", "EU")), null, DATA);
    assertTrue(o.refusal().endsWith("the run names no region and gets the policy's default region us;"
        + " regions where every source of the run may go: [eu] (recipe: region: eu)"), o.refusal());
  }

  @Test
  void aPolicyWithMistakesFailsWhenRead() {
    assertThrows(SovereigntyPolicy.PolicyException.class,
        () -> SovereigntyPolicy.parse("regions: {eu: {}}\njurisdictions: {\"*\": {store: [eu], process: [eu]}}", "p"));
    assertThrows(SovereigntyPolicy.PolicyException.class,
        () -> SovereigntyPolicy.parse(POLICY + "regoins: {}\n", "p"));
    assertThrows(SovereigntyPolicy.PolicyException.class,
        () -> SovereigntyPolicy.parse("defaultRegion: ap\n" + POLICY, "p"));
    assertThrows(SovereigntyPolicy.PolicyException.class,
        () -> SovereigntyPolicy.parse("regions: {eu: {bucket: b}}\njurisdictions: {EU: {store: [eu]}}", "p"));
  }
}
