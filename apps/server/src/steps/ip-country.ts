/**
 * IP → country from a packaged, offline database: `@ip-location-db/geo-whois-asn-country` (package
 * CC0-1.0; its data derives from RIR whois / NRO statistics, CC BY 4.0 — attribution: nro.net). IPv4
 * only: the ~334 k ranges load once, lazily, into typed arrays (~4 MB) and are searched by bisection.
 * IPv6 and private addresses answer "" (unknown). Whois country is the registrant's, so it is a
 * signal next to the browser position, never a decision on its own.
 * @module
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

export interface IpCountryLookup {
  /** Alpha-2 country code, or "" when unknown. */
  lookup(ip: string): string;
}

function ipv4ToNumber(ip: string): number | null {
  const m = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(ip.trim());
  if (!m) return null;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const part = Number(m[i]);
    if (part > 255) return null;
    n = n * 256 + part;
  }
  return n;
}

/** Parses the package's `start,end,CC` numeric CSV. */
export function parseRangeCsv(text: string): { starts: Uint32Array; ends: Uint32Array; codes: Uint16Array } {
  const lines = text.split("\n");
  const starts = new Uint32Array(lines.length);
  const ends = new Uint32Array(lines.length);
  const codes = new Uint16Array(lines.length);
  let n = 0;
  for (const line of lines) {
    const a = line.indexOf(",");
    const b = line.indexOf(",", a + 1);
    if (a < 0 || b < 0) continue;
    const cc = line.slice(b + 1).trim();
    if (cc.length !== 2) continue;
    starts[n] = Number(line.slice(0, a));
    ends[n] = Number(line.slice(a + 1, b));
    codes[n] = (cc.charCodeAt(0) << 8) | cc.charCodeAt(1);
    n++;
  }
  return { starts: starts.subarray(0, n), ends: ends.subarray(0, n), codes: codes.subarray(0, n) };
}

export function createRangeLookup(table: ReturnType<typeof parseRangeCsv>): IpCountryLookup {
  return {
    lookup(ip) {
      const n = ipv4ToNumber(ip);
      if (n === null) return "";
      let lo = 0;
      let hi = table.starts.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if ((table.starts[mid] ?? 0) > n) hi = mid - 1;
        else lo = mid + 1;
      }
      if (hi < 0 || n > (table.ends[hi] ?? -1)) return "";
      const c = table.codes[hi] ?? 0;
      return String.fromCharCode(c >> 8, c & 0xff);
    },
  };
}

/** The packaged database, loaded on first use; a missing package gives a lookup that knows nothing. */
export function createPackagedIpCountry(): IpCountryLookup {
  let loaded: IpCountryLookup | null = null;
  return {
    lookup(ip) {
      if (!loaded) {
        try {
          const require = createRequire(import.meta.url);
          const dir = path.dirname(require.resolve("@ip-location-db/geo-whois-asn-country/package.json"));
          const text = fs.readFileSync(path.join(dir, "geo-whois-asn-country-ipv4-num.csv"), "utf8");
          loaded = createRangeLookup(parseRangeCsv(text));
        } catch {
          loaded = { lookup: () => "" };
        }
      }
      return loaded.lookup(ip);
    },
  };
}
