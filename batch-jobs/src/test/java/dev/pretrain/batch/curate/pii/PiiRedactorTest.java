package dev.pretrain.batch.curate.pii;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PiiRedactorTest {

  private final PiiRedactor redactor = PiiRedactor.standard();

  private void assertRedacted(String text, String expected, PiiKind kind) {
    PiiRedactor.Result result = redactor.redact(text);
    assertEquals(expected, result.text(), text);
    assertEquals(1, result.total(), text);
    assertEquals(1, switch (kind) {
      case EMAIL -> result.emails();
      case IPV4 -> result.ipv4();
      case IPV6 -> result.ipv6();
      case PHONE -> result.phones();
    }, text);
  }

  private void assertKept(String text) {
    PiiRedactor.Result result = redactor.redact(text);
    assertSame(text, result.text(), () -> "changed: " + text + " -> " + result.text());
    assertFalse(result.changed());
    assertEquals(0, result.total());
  }

  @Test
  void emailAddressesAreReplacedByTheReservedExampleAddress() {
    assertRedacted("Signed-off-by: Jane Doe <jane.doe@gmail.com>", "Signed-off-by: Jane Doe <user@example.com>",
        PiiKind.EMAIL);
    assertRedacted("write to k.tanaka+lkml@mail.co.jp.", "write to user@example.com.", PiiKind.EMAIL);
    assertRedacted("E<lt>dan@sidhe.orgE<gt>", "E<lt>user@example.comE<gt>", PiiKind.EMAIL);
    assertRedacted("git clone git@github.com:torvalds/linux.git", "git clone user@example.com:torvalds/linux.git",
        PiiKind.EMAIL);
  }

  @Test
  void spelledOutEmailAddressesAreReplaced() {
    assertRedacted("Greg <greg at kroah dot com>", "Greg <user@example.com>", PiiKind.EMAIL);
    assertRedacted("Author: James dot Bottomley at hansenpartnership dot com",
        "Author: user@example.com", PiiKind.EMAIL);
    assertRedacted("- Mike Day, mdday <at> us.ibm.com", "- Mike Day, user@example.com", PiiKind.EMAIL);
    assertRedacted("Alain eczema(at)ecze.com", "Alain user@example.com", PiiKind.EMAIL);
    assertRedacted("Timur Tabi <timur at freescale.com>", "Timur Tabi <user@example.com>", PiiKind.EMAIL);
    // prose, not an address: a plain " at " needs a spelled-out dot or <...>/(...) around it
    assertKept("Most lists are hosted at kernel.org; join the linux-doc list at vger.kernel.org.");
  }

  @ParameterizedTest
  @ValueSource(strings = {"user@example.com", "admin@mail.example.org", "a@example.net", "x@foo.test",
      "y@bar.invalid", "z@host.example", "root@localhost", "daemon@host", "logo@2x.png", "@types/node",
      "a @ b", "$x@$y", "fred@.com", "fred@-x.com", "a..b@x.com"})
  void reservedAndMalformedAddressesAreKept(String text) {
    assertKept("see " + text + " here");
  }

  @Test
  void publicIpv4AddressesAreReplacedByTestNet1() {
    assertRedacted("ping 8.8.8.8 -c 1", "ping 192.0.2.1 -c 1", PiiKind.IPV4);
    assertRedacted("from 151.56.71.198 - - [08/Feb/2007]", "from 192.0.2.1 - - [08/Feb/2007]", PiiKind.IPV4);
    assertRedacted("dest=23.215.104.193:80 mark=0", "dest=192.0.2.1:80 mark=0", PiiKind.IPV4);
    assertRedacted("IPv6: ::ffff:1.1.1.10 up", "IPv6: ::ffff:192.0.2.1 up", PiiKind.IPV4);
    assertRedacted("the gateway is 203.45.67.89.", "the gateway is 192.0.2.1.", PiiKind.IPV4);
  }

  /** RFC 6890 special-purpose ranges: private, loopback, link-local, multicast, documentation... */
  @ParameterizedTest
  @ValueSource(strings = {"10.1.2.3", "172.16.0.1", "172.31.255.254", "192.168.1.1", "127.0.0.1", "169.254.1.1",
      "100.64.0.1", "100.127.255.254", "224.0.0.251", "239.255.255.250", "240.0.0.1", "255.255.255.255",
      "255.255.255.0", "0.0.0.0", "192.0.0.9", "192.0.2.44", "198.51.100.7", "203.0.113.200", "198.18.0.1",
      "198.19.255.1", "192.88.99.1"})
  void specialPurposeIpv4RangesAreKept(String address) {
    assertKept("host " + address + " up");
  }

  @ParameterizedTest
  @ValueSource(strings = {"kernel 2.6.32.1", "v1.2.3.4", "Version 1.9.4.4", "section 5.2.25.3",
      "see 36.3.1.1 below", "Firefox/2.0.0.1", "novas-3.1.1.3", "pkg==3.1.1.3", "zlib 1.2.3.5",
      "2.6.32.1.4", "1.3.6.1.4.1.311", "3.10.2.1-rc2", "010.001.002.003", "256.1.1.1",
      "sections 4.4.6.4 and 8.12.1.4", "kernel 2.6.32.1 to 2.6.32.12", "uGuru 2.0.0.0 ~ 2.0.4.2",
      "\n2.1.1.3 Fragmentation", "\n36.1.1.1. Errors"})
  void versionsAndSectionNumbersAreNotAddresses(String text) {
    assertKept(text);
  }

  @Test
  void publicIpv6AddressesAreReplacedByTheDocumentationPrefix() {
    assertRedacted("AAAA 2606:4700:4700::1111 ok", "AAAA 2001:db8::1 ok", PiiKind.IPV6);
    assertRedacted("listen [2604:a880:800:10::7a1:1]:8080;", "listen [2001:db8::1]:8080;", PiiKind.IPV6);
    assertRedacted("client 2a02:8108:1140:4d80:c5f2:2e1a:9b3d:71a4 sent",
        "client 2001:db8::1 sent", PiiKind.IPV6);
    assertRedacted("route 2001:470:1f0b::10.1.2.3/128", "route 2001:db8::1/128", PiiKind.IPV6);
    assertRedacted("6to4 2002:808:808::1 up", "6to4 2001:db8::1 up", PiiKind.IPV6);
  }

  @ParameterizedTest
  @ValueSource(strings = {"::1", "::", "fe80::1%eth0", "fd12:3456:789a::1", "ff02::1", "2001:db8::42",
      "2001:DB8:0:0:8:800:200C:417A", "3fff:1::1", "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",
      "2002:c0a8:101::1", "2002:1::2", "::ffff:192.168.1.1", "64:ff9b::c000:221", "dead::beef", "a::b",
      "std::vector", "Data::Dumper", "00:1a:2b:3c:4d:5e", "12:30:45", "0000:00:1f.2", "1:2:3:4:5:6:7:8:9",
      "2001:db8::1::2", "in 2004::"})
  void specialPurposeIpv6RangesAndLookAlikesAreKept(String text) {
    assertKept("x " + text + " y");
  }

  @Test
  void phoneNumbersInCommonFormatsAreReplacedByTheFictionalNumber() {
    for (String phone : List.of("(415) 555-2671", "415-555-2671", "212.867.5309", "1-800-273-8255",
        "+1 415 555 2671", "+1-212-736-5000", "+44 20 7946 0958", "020 7946 0958", "+49 (0)89 4366-5599",
        "089 4366 5533", "+33 1 42 68 53 00", "01 42 68 53 00", "06.12.34.56.78", "06-12345678",
        "+81 3 5308 6120", "+4915112345678", "(020) 7946 0958", "030/1234567", "+55 11 3071-0000")) {
      assertRedacted("Call " + phone + " now", "Call +1-555-0100 now", PiiKind.PHONE);
    }
    assertRedacted("Ross McFluff: 834.345.1254 155 Elm Street", "Ross McFluff: +1-555-0100 155 Elm Street",
        PiiKind.PHONE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"555-0100", "+1-555-0100", "(212) 555-0142", "2023-10-12", "2024-01-01 00:00",
      "10:30:45", "14:33:05.000000000", "1.2.3", "10.15.7", "2.6.32-5-amd64", "0x7fff5fbff8a0",
      "ISBN 978-3-16-148410-0", "ISBN 0-306-40615-2", "ISSN 0317-8471", "8080-8090", "100-200-300",
      "| 0100 | 0200 | 0300 |", "1 234 567", "12 345 678", "1.234.567,89", "U+0300..U+036F", "U+1F600",
      "01 02 03 04 05 06 07 08 09 10 11 12", "0000: 01 23 45 67 89 ab cd ef", "MA 02111-1307",
      "4111 1111 1111 1111", "123 456 789", "+12.5%", "+21.5 18.7 19.2", "012 013 023 123", "+000000120",
      "+192.168.0.100", "U+0100.0300", "+15241578780673678515622620750190521", "408 957 2550"})
  void numbersThatAreNotPhoneNumbersAreKept(String text) {
    assertKept("x " + text + " y");
  }

  @Test
  void placeholdersAreThemselvesKept() {
    for (PiiKind kind : PiiKind.values()) {
      assertKept("value " + kind.placeholder() + " end");
    }
  }

  @Test
  void redactingTwiceGivesTheSameText() {
    for (LabeledSample sample : LabeledSample.load()) {
      String once = redactor.redact(sample.text()).text();
      PiiRedactor.Result twice = redactor.redact(once);
      assertSame(once, twice.text(), sample.text());
      assertEquals(0, twice.total());
    }
  }

  @Test
  void textWithoutPiiIsReturnedAsTheSameInstance() {
    String text = "In the beginning God created the heaven and the earth. (Genesis 1:1, v2.6.32)";
    assertKept(text);
    assertKept("");
  }

  @Test
  void countsAddUpPerKind() {
    PiiRedactor.Result result = redactor.redact(
        "a@corp.com b@corp.com 93.184.216.34 2606:4700::1111 +44 20 7946 0958 or 10.0.0.1 user@example.com");
    assertEquals(2, result.emails());
    assertEquals(1, result.ipv4());
    assertEquals(1, result.ipv6());
    assertEquals(1, result.phones());
    assertEquals(5, result.total());
    assertTrue(result.changed());
    assertEquals("user@example.com user@example.com 192.0.2.1 2001:db8::1 +1-555-0100 or 10.0.0.1 user@example.com",
        result.text());
  }

  @Test
  void findReportsSpansInTextOrder() {
    String text = "mail jane@corp.com or call +49 89 4366 5533 from 8.8.8.8";
    List<PiiSpan> spans = redactor.find(text);
    assertEquals(List.of(new PiiSpan(5, 18, PiiKind.EMAIL), new PiiSpan(27, 43, PiiKind.PHONE),
        new PiiSpan(49, 56, PiiKind.IPV4)), spans);
  }

  @Test
  void sharedInstanceGivesTheSameResultsFromManyThreads() {
    List<LabeledSample> samples = LabeledSample.load();
    List<String> sequential = samples.stream().map(s -> redactor.redact(s.text()).text()).toList();
    List<String> parallel = IntStream.range(0, samples.size()).parallel()
        .mapToObj(i -> redactor.redact(samples.get(i).text()).text()).toList();
    assertEquals(sequential, parallel);
  }
}
