/**
 * SSRF guard for callback URLs: a callback may only reach a public address, unless the operator set
 * ALLOW_PRIVATE_CALLBACKS=1. The host name is resolved once, every resolved address is checked, and
 * the delivery connects to the checked address itself, so a DNS answer that changes between the check
 * and the connection (DNS rebinding) cannot redirect it.
 * @module
 */
import { lookup } from "node:dns/promises";
import net from "node:net";

const V4_BLOCKED: [string, number][] = [
  ["0.0.0.0", 8], // "this" network
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local (cloud metadata lives here)
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
];
const V6_BLOCKED: [string, number][] = [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
  ["2001:db8::", 32], // documentation
  ["100::", 64], // discard
];

const blocked = new net.BlockList();
for (const [a, p] of V4_BLOCKED) blocked.addSubnet(a, p, "ipv4");
for (const [a, p] of V6_BLOCKED) blocked.addSubnet(a, p, "ipv6");

/** The IPv4 address embedded in an IPv6 address that carries one (mapped, compatible, NAT64, 6to4). */
function embeddedV4(v6: string): string | null {
  const lower = v6.toLowerCase();
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted?.[1]) return dotted[1];
  const words = expandV6(lower);
  if (!words) return null;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (n: number) => words.slice(0, n).every((w) => w === 0);
  // ::ffff:a.b.c.d written in hex, ::a.b.c.d (compatible), 64:ff9b::/96 (NAT64)
  if (zeros(5) && words[5] === 0xffff) return v4(words[6] ?? 0, words[7] ?? 0);
  if (zeros(6) && ((words[6] ?? 0) !== 0 || (words[7] ?? 0) > 1)) return v4(words[6] ?? 0, words[7] ?? 0);
  if (words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((w) => w === 0))
    return v4(words[6] ?? 0, words[7] ?? 0);
  if (words[0] === 0x2002) return v4(words[1] ?? 0, words[2] ?? 0);
  return null;
}

function expandV6(v6: string): number[] | null {
  if (v6.includes(".")) return null;
  const [head, tail] = v6.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  if (fill < 0) return null;
  const parts = [...h, ...Array<string>(fill).fill("0"), ...t];
  if (parts.length !== 8) return null;
  return parts.map((p) => Number.parseInt(p || "0", 16));
}

/** True if `ip` is loopback, private, link-local or otherwise not a public unicast address. */
export function isPrivateAddress(ip: string): boolean {
  const family = net.isIP(ip);
  if (family === 4) return blocked.check(ip, "ipv4");
  if (family === 6) {
    const v4 = embeddedV4(ip);
    if (v4 !== null) return blocked.check(v4, "ipv4");
    return blocked.check(ip, "ipv6");
  }
  return true; // not an address at all: refuse
}

export class CallbackTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CallbackTargetError";
  }
}

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

/**
 * Resolves the URL's host and returns the address to connect to.
 * @throws CallbackTargetError for a non-http(s) URL, an unresolvable host or a private address.
 */
export async function resolveCallbackTarget(
  url: URL,
  opts: { allowPrivate: boolean; resolver?: Resolver; timeoutMs?: number },
): Promise<{ address: string; family: 4 | 6 }> {
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new CallbackTargetError(`callback URL must be http(s), not ${url.protocol}`);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: { address: string; family: number }[];
  if (net.isIP(host)) {
    addresses = [{ address: host, family: net.isIP(host) }];
  } else {
    const resolver = opts.resolver ?? systemResolver;
    const timeoutMs = opts.timeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      addresses = await Promise.race([
        resolver(host),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new CallbackTargetError(`DNS lookup of ${host} timed out`)),
            timeoutMs,
          );
        }),
      ]);
    } catch (err) {
      if (err instanceof CallbackTargetError) throw err;
      throw new CallbackTargetError(`cannot resolve ${host}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
  if (addresses.length === 0) throw new CallbackTargetError(`${host} has no address`);
  if (!opts.allowPrivate) {
    // Every answer must be public: otherwise a mixed answer would let the connection pick a private one.
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad)
      throw new CallbackTargetError(
        `${host} resolves to a private, loopback or link-local address (set ALLOW_PRIVATE_CALLBACKS=1 to allow)`,
      );
  }
  const first = addresses[0];
  if (!first) throw new CallbackTargetError(`${host} has no address`);
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
