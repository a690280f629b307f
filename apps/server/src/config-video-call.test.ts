import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";

describe("video-call configuration", () => {
  it("defaults to no ICE servers (host candidates), 5 minutes of waiting and 5 MiB stills", () => {
    expect(loadConfig({}).videoCall).toEqual({ waitMs: 300_000, iceServers: [], stillLimitBytes: 5_242_880 });
  });

  it("takes comma-separated stun:/turn: URLs or a JSON list of RTCIceServer objects", () => {
    expect(
      loadConfig({ VIDEO_CALL_ICE_SERVERS: "stun:stun.example.test:3478, turns:turn.example.test" }).videoCall
        .iceServers,
    ).toEqual([{ urls: "stun:stun.example.test:3478" }, { urls: "turns:turn.example.test" }]);
    const list = [{ urls: ["turn:t.example.test"], username: "u", credential: "p" }];
    expect(loadConfig({ VIDEO_CALL_ICE_SERVERS: JSON.stringify(list) }).videoCall.iceServers).toEqual(list);
  });

  it("refuses what a browser could not use, naming the variable", () => {
    for (const bad of ["http://stun.example.test", "[{", '[{"urls":"https://x"}]', '[{"user":"x"}]'])
      expect(() => loadConfig({ VIDEO_CALL_ICE_SERVERS: bad })).toThrow(/VIDEO_CALL_ICE_SERVERS/);
    expect(() => loadConfig({ VIDEO_CALL_WAIT_MINUTES: "0" })).toThrow(/VIDEO_CALL_WAIT_MINUTES/);
  });
});
