import { describe, expect, it } from "vitest";
import {
  createPackagedIpCountry,
  createRangeLookup,
  parseIpv6,
  parseIpv6RangeCsv,
  parseRangeCsv,
} from "./ip-country.ts";

describe("IP country", () => {
  it("bisects the ranges: inside, between and outside", () => {
    const lookup = createRangeLookup(parseRangeCsv("16777216,16777471,AU\n16777728,16778239,CN\nbroken\n"));
    expect(lookup.lookup("1.0.0.0")).toBe("AU");
    expect(lookup.lookup("1.0.0.255")).toBe("AU");
    expect(lookup.lookup("1.0.1.0")).toBe(""); // in the gap
    expect(lookup.lookup("1.0.2.0")).toBe("CN");
    expect(lookup.lookup("0.0.0.1")).toBe("");
    expect(lookup.lookup("::ffff:1.0.2.1")).toBe("CN");
    expect(lookup.lookup("::ffff:100:201")).toBe("CN"); // the same, in hex
    expect(lookup.lookup("1.0.2.256")).toBe("");
  });

  it("parses IPv6 text forms into four words, and refuses malformed ones", () => {
    expect([...(parseIpv6("2001:db8::1") ?? [])]).toEqual([0x20010db8, 0, 0, 1]);
    expect([...(parseIpv6("::") ?? [])]).toEqual([0, 0, 0, 0]);
    expect([...(parseIpv6("1:2:3:4:5:6:7:8") ?? [])]).toEqual([0x10002, 0x30004, 0x50006, 0x70008]);
    expect([...(parseIpv6("1:2:3:4:5:6:1.2.3.4") ?? [])]).toEqual([0x10002, 0x30004, 0x50006, 0x01020304]);
    expect([...(parseIpv6("::ffff:192.0.2.1") ?? [])]).toEqual([0, 0, 0xffff, 0xc0000201]);
    expect([...(parseIpv6("[FE80::1%eth0]") ?? [])]).toEqual([0xfe800000, 0, 0, 1]);
    expect([...(parseIpv6("2001:db8::") ?? [])]).toEqual([0x20010db8, 0, 0, 0]);
    for (const bad of [
      ":::",
      "1::2::3",
      "12345::",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      ":1::",
      "1:",
      "g::1",
      "::1.2.3.999",
      "1.2.3.4",
    ])
      expect(parseIpv6(bad), bad).toBeNull();
  });

  it("bisects IPv6 ranges by 128-bit order", () => {
    const lookup = createRangeLookup(
      null,
      parseIpv6RangeCsv(
        "2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,JP\n2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,US\nbad,line,XX\n",
      ),
    );
    expect(lookup.lookup("2001:200::1")).toBe("JP");
    expect(lookup.lookup("2001:200:ffff:ffff:ffff:ffff:ffff:ffff")).toBe("JP");
    expect(lookup.lookup("2001:201::")).toBe(""); // between
    expect(lookup.lookup("2001:4860:4860::8888")).toBe("US");
    expect(lookup.lookup("2001:4861::")).toBe(""); // after the last
    expect(lookup.lookup("2001:1ff:ffff::")).toBe(""); // before the first
  });

  it("reads the packaged database (public resolvers of known registrants; loopback unknown)", () => {
    const db = createPackagedIpCountry();
    expect(db.lookup("8.8.8.8")).toBe("US");
    expect(db.lookup("193.0.6.139")).toBe("NL"); // RIPE NCC
    expect(db.lookup("127.0.0.1")).toBe("");
  });

  it("knows real IPv6 addresses from the packaged IPv6 table", () => {
    const db = createPackagedIpCountry();
    expect(db.lookup("2001:4860:4860::8888")).toBe("US"); // Google Public DNS
    expect(db.lookup("2606:4700:4700::1111")).toBe("US"); // Cloudflare DNS
    expect(db.lookup("2001:67c:2e8:22::c100:68b")).toBe("NL"); // www.ripe.net
    expect(db.lookup("2a02:6b8::2:242")).toBe("RU"); // Yandex
    expect(db.lookup("[2001:4860:4860::8844]")).toBe("US");
  });

  it("looks IPv4-mapped (and NAT64, 6to4) addresses up as IPv4", () => {
    const db = createPackagedIpCountry();
    expect(db.lookup("::ffff:8.8.8.8")).toBe("US");
    expect(db.lookup("::FFFF:193.0.6.139")).toBe("NL");
    expect(db.lookup("::ffff:808:808")).toBe("US"); // hex form of 8.8.8.8
    expect(db.lookup("64:ff9b::193.0.6.139")).toBe("NL");
    expect(db.lookup("2002:c100:68b::1")).toBe("NL"); // 6to4 of 193.0.6.139
    expect(db.lookup("::ffff:127.0.0.1")).toBe("");
  });

  it("answers unknown for loopback, link-local, unique-local, documentation and malformed addresses", () => {
    const db = createPackagedIpCountry();
    for (const ip of [
      "::1",
      "::",
      "fe80::1%eth0",
      "fd12:3456::1",
      "fc00::1",
      "ff02::1",
      "2001:db8::1",
      "not an ip",
      "",
    ])
      expect(db.lookup(ip), ip).toBe("");
  });
});
