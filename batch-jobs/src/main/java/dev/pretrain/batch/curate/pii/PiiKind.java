package dev.pretrain.batch.curate.pii;

/** What a redacted span was, and the stable placeholder that replaces it. */
public enum PiiKind {
  /** RFC 2606 reserves example.com: the e-mail matcher keeps it, so a second pass leaves it alone. */
  EMAIL("user@example.com"),
  /** 192.0.2.0/24 is TEST-NET-1 (RFC 5737), a documentation range the IPv4 matcher keeps. */
  IPV4("192.0.2.1"),
  /** 2001:db8::/32 is the IPv6 documentation prefix (RFC 3849), kept by the IPv6 matcher. */
  IPV6("2001:db8::1"),
  /** NANP numbers 555-0100..555-0199 are reserved for fiction; the phone matcher keeps them. */
  PHONE("+1-555-0100");

  private final String placeholder;

  PiiKind(String placeholder) {
    this.placeholder = placeholder;
  }

  public String placeholder() {
    return placeholder;
  }
}
