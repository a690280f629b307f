import { describe, expect, it } from "vitest";
import { CallbackTargetError, isPrivateAddress, resolveCallbackTarget } from "./ssrf-guard.ts";

describe("SSRF guard", () => {
  it.each([
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fd00::1",
    "fc00::abcd",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:a9fe:a9fe",
    "64:ff9b::a00:1",
    "2002:c0a8:101::1",
    "not-an-ip",
  ])("refuses %s", (ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });

  it.each([
    "8.8.8.8",
    "93.184.216.34",
    "172.32.0.1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
  ])("allows %s", (ip) => {
    expect(isPrivateAddress(ip)).toBe(false);
  });

  it("checks every resolved address and returns the checked one (no second lookup)", async () => {
    const mixed = async () => [
      { address: "93.184.216.34", family: 4 },
      { address: "10.0.0.5", family: 4 },
    ];
    await expect(
      resolveCallbackTarget(new URL("https://rebind.example/cb"), { allowPrivate: false, resolver: mixed }),
    ).rejects.toBeInstanceOf(CallbackTargetError);
    const pub = async () => [{ address: "93.184.216.34", family: 4 }];
    await expect(
      resolveCallbackTarget(new URL("https://ok.example/cb"), { allowPrivate: false, resolver: pub }),
    ).resolves.toEqual({ address: "93.184.216.34", family: 4 });
  });

  it("refuses literal private hosts, bracketed IPv6 and other schemes unless private targets are allowed", async () => {
    await expect(
      resolveCallbackTarget(new URL("http://127.0.0.1:9/x"), { allowPrivate: false }),
    ).rejects.toThrow(/private/);
    await expect(resolveCallbackTarget(new URL("http://[::1]/x"), { allowPrivate: false })).rejects.toThrow(
      /private/,
    );
    await expect(
      resolveCallbackTarget(new URL("http://localhost/x"), { allowPrivate: false }),
    ).rejects.toThrow(/private/);
    await expect(resolveCallbackTarget(new URL("ftp://8.8.8.8/x"), { allowPrivate: true })).rejects.toThrow(
      /http/,
    );
    await expect(
      resolveCallbackTarget(new URL("http://127.0.0.1:9/x"), { allowPrivate: true }),
    ).resolves.toEqual({
      address: "127.0.0.1",
      family: 4,
    });
  });

  it("gives up on a DNS lookup that hangs", async () => {
    const hang = () => new Promise<never>(() => undefined);
    await expect(
      resolveCallbackTarget(new URL("https://slow.example/"), {
        allowPrivate: false,
        resolver: hang,
        timeoutMs: 50,
      }),
    ).rejects.toThrow(/timed out/);
  });
});
