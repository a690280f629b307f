/**
 * IP → country from a packaged, offline database: `@ip-location-db/geo-whois-asn-country` (package
 * CC0-1.0; its data derives from RIR whois / NRO statistics, CC BY 4.0 — attribution: nro.net). Both
 * of its tables are used: IPv4 (~334 k ranges, typed arrays of ~4 MB) and IPv6 (~216 k ranges, each
 * bound four 32-bit words, ~7 MB), each loaded once, lazily, on its first lookup, and searched by
 * bisection. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, or its hex form `::ffff:7f00:1`, as a
 * dual-stack socket reports IPv4 clients) is looked up as IPv4, as are NAT64 and 6to4 addresses.
 * Private, loopback, link-local, unique-local and documentation addresses answer "" (unknown). Whois country is the registrant's, so it is a signal next to the
 * browser position, never a decision on its own.
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
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return null;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const part = Number(m[i]);
    if (part > 255) return null;
    n = n * 256 + part;
  }
  return n;
}

/**
 * An IPv6 address as four 32-bit words, most significant first (`::` shorthand, an embedded dotted
 * IPv4 tail, a `%zone` suffix and `[brackets]` accepted), or null when it is not one.
 */
export function parseIpv6(input: string): Uint32Array | null {
  let ip = input.trim();
  if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  const zone = ip.indexOf("%");
  if (zone >= 0) ip = ip.slice(0, zone);
  if (!ip.includes(":") || ip.length > 45) return null;
  let tail: number[] = [];
  const lastColon = ip.lastIndexOf(":");
  if (ip.slice(lastColon + 1).includes(".")) {
    const n = ipv4ToNumber(ip.slice(lastColon + 1));
    if (n === null) return null;
    // The dotted tail is the last two groups.
    tail = [Math.floor(n / 65536), n % 65536];
    ip = ip.slice(0, lastColon + 1);
    if (!ip.endsWith("::")) ip = ip.slice(0, -1);
  }
  // One pass over the characters (the IPv6 table's ~430 k bounds go through here at load).
  const groups: number[] = [];
  let gapAt = -1;
  let value = 0;
  let digits = 0;
  const n = ip.length;
  for (let i = 0; i < n; i++) {
    const c = ip.charCodeAt(i);
    if (c === 58) {
      if (ip.charCodeAt(i + 1) === 58) {
        if (gapAt >= 0 || (digits === 0 && i !== 0)) return null;
        if (digits > 0) groups.push(value);
        value = 0;
        digits = 0;
        gapAt = groups.length;
        i++;
        continue;
      }
      if (digits === 0) return null;
      groups.push(value);
      value = 0;
      digits = 0;
      continue;
    }
    const h = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (h < 0 || digits === 4) return null;
    value = value * 16 + h;
    digits++;
  }
  if (digits > 0) groups.push(value);
  else if (!(gapAt >= 0 && ip.endsWith("::"))) return null;
  groups.push(...tail);
  if (gapAt < 0 ? groups.length !== 8 : groups.length > 7) return null;
  if (gapAt >= 0) groups.splice(gapAt, 0, ...new Array<number>(8 - groups.length).fill(0));
  const words = new Uint32Array(4);
  for (let k = 0; k < 4; k++) words[k] = ((groups[2 * k] ?? 0) * 65536 + (groups[2 * k + 1] ?? 0)) >>> 0;
  return words;
}

/**
 * The IPv4 address an IPv6 one carries: IPv4-mapped (`::ffff:0:0/96`), NAT64 (`64:ff9b::/96`) and
 * 6to4 (`2002::/16`, the IPv4 address in bits 16–47); else null.
 */
function embeddedIpv4(w: Uint32Array): number | null {
  const [a = 0, b = 0, c = 0, d = 0] = w;
  if (a === 0 && b === 0 && c === 0xffff) return d;
  if (a === 0x0064ff9b && b === 0 && c === 0) return d;
  if (a >>> 16 === 0x2002) return (((a & 0xffff) << 16) | (b >>> 16)) >>> 0;
  return null;
}

/** Global unicast (2000::/3) other than the documentation prefix 2001:db8::/32: the rest is never a client's country. */
function routable6(w: Uint32Array): boolean {
  const a = w[0] ?? 0;
  return a >>> 29 === 1 && a !== 0x20010db8;
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

type Ipv4Table = ReturnType<typeof parseRangeCsv>;

/** IPv6 ranges: entry i's bounds are words [4i, 4i+4) of `starts` / `ends`. */
export interface Ipv6Table {
  starts: Uint32Array;
  ends: Uint32Array;
  codes: Uint16Array;
}

/** Parses the package's IPv6 `start,end,CC` CSV (addresses in text form, ascending). */
export function parseIpv6RangeCsv(text: string): Ipv6Table {
  const lines = text.split("\n");
  const starts = new Uint32Array(lines.length * 4);
  const ends = new Uint32Array(lines.length * 4);
  const codes = new Uint16Array(lines.length);
  let n = 0;
  for (const line of lines) {
    const a = line.indexOf(",");
    const b = line.indexOf(",", a + 1);
    if (a < 0 || b < 0) continue;
    const cc = line.slice(b + 1).trim();
    const start = parseIpv6(line.slice(0, a));
    const end = parseIpv6(line.slice(a + 1, b));
    if (cc.length !== 2 || !start || !end) continue;
    starts.set(start, n * 4);
    ends.set(end, n * 4);
    codes[n] = (cc.charCodeAt(0) << 8) | cc.charCodeAt(1);
    n++;
  }
  return { starts: starts.subarray(0, n * 4), ends: ends.subarray(0, n * 4), codes: codes.subarray(0, n) };
}

function country(c: number): string {
  return String.fromCharCode(c >> 8, c & 0xff);
}

function searchIpv4(table: Ipv4Table, n: number): string {
  let lo = 0;
  let hi = table.starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((table.starts[mid] ?? 0) > n) hi = mid - 1;
    else lo = mid + 1;
  }
  if (hi < 0 || n > (table.ends[hi] ?? -1)) return "";
  return country(table.codes[hi] ?? 0);
}

/** Compares entry i of `words` (4 per entry) with the address `w`: <0, 0, >0. */
function compare6(words: Uint32Array, i: number, w: Uint32Array): number {
  for (let k = 0; k < 4; k++) {
    const d = (words[i * 4 + k] ?? 0) - (w[k] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function searchIpv6(table: Ipv6Table, w: Uint32Array): string {
  let lo = 0;
  let hi = table.codes.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (compare6(table.starts, mid, w) > 0) hi = mid - 1;
    else lo = mid + 1;
  }
  if (hi < 0 || compare6(table.ends, hi, w) < 0) return "";
  return country(table.codes[hi] ?? 0);
}

function lookupWith(ipv4: () => Ipv4Table | null, ipv6: () => Ipv6Table | null): IpCountryLookup {
  return {
    lookup(raw) {
      const ip = raw.trim();
      const v4 = ipv4ToNumber(ip);
      if (v4 !== null) {
        const t = ipv4();
        return t ? searchIpv4(t, v4) : "";
      }
      const words = parseIpv6(ip);
      if (!words) return "";
      const mapped = embeddedIpv4(words);
      if (mapped !== null) {
        const t = ipv4();
        return t ? searchIpv4(t, mapped) : "";
      }
      if (!routable6(words)) return "";
      const t = ipv6();
      return t ? searchIpv6(t, words) : "";
    },
  };
}

export function createRangeLookup(ipv4: Ipv4Table | null, ipv6: Ipv6Table | null = null): IpCountryLookup {
  return lookupWith(
    () => ipv4,
    () => ipv6,
  );
}

/**
 * The packaged database, each table read on the first lookup of its family (the IPv6 one only when an
 * IPv6 client shows up); a missing package or file gives a lookup that knows nothing of that family.
 */
export function createPackagedIpCountry(): IpCountryLookup {
  let ipv4: Ipv4Table | null | undefined;
  let ipv6: Ipv6Table | null | undefined;
  const read = (file: string): string | null => {
    try {
      const require = createRequire(import.meta.url);
      const dir = path.dirname(require.resolve("@ip-location-db/geo-whois-asn-country/package.json"));
      return fs.readFileSync(path.join(dir, file), "utf8");
    } catch {
      return null;
    }
  };
  return lookupWith(
    () => {
      if (ipv4 === undefined) {
        const text = read("geo-whois-asn-country-ipv4-num.csv");
        ipv4 = text === null ? null : parseRangeCsv(text);
      }
      return ipv4;
    },
    () => {
      if (ipv6 === undefined) {
        const text = read("geo-whois-asn-country-ipv6.csv");
        ipv6 = text === null ? null : parseIpv6RangeCsv(text);
      }
      return ipv6;
    },
  );
}
