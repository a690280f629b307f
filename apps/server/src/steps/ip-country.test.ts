import { describe, expect, it } from "vitest";
import { createPackagedIpCountry, createRangeLookup, parseRangeCsv } from "./ip-country.ts";

describe("IP country", () => {
  it("bisects the ranges: inside, between and outside", () => {
    const lookup = createRangeLookup(parseRangeCsv("16777216,16777471,AU\n16777728,16778239,CN\nbroken\n"));
    expect(lookup.lookup("1.0.0.0")).toBe("AU");
    expect(lookup.lookup("1.0.0.255")).toBe("AU");
    expect(lookup.lookup("1.0.1.0")).toBe(""); // in the gap
    expect(lookup.lookup("1.0.2.0")).toBe("CN");
    expect(lookup.lookup("0.0.0.1")).toBe("");
    expect(lookup.lookup("::ffff:1.0.2.1")).toBe("CN");
    expect(lookup.lookup("1.0.2.256")).toBe("");
  });

  it("reads the packaged database (public resolvers of known registrants; loopback unknown)", () => {
    const db = createPackagedIpCountry();
    expect(db.lookup("8.8.8.8")).toBe("US");
    expect(db.lookup("193.0.6.139")).toBe("NL"); // RIPE NCC
    expect(db.lookup("127.0.0.1")).toBe("");
    expect(db.lookup("::1")).toBe("");
  });
});
