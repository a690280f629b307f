import { describe, expect, it } from "vitest";
import { activeDurationMs, flashColorAt, type LivenessChallenge, promptAt } from "./liveness-schedule.ts";

const challenge: LivenessChallenge = {
  nonce: "ab",
  prompts: ["turn_left", "smile", "blink"],
  windowMs: { perPrompt: 5000, total: 17000 },
  flash: {
    leadInMs: 500,
    segments: [
      { color: "red", rgb: [255, 0, 0], startMs: 500, durationMs: 300 },
      { color: "blue", rgb: [0, 0, 255], startMs: 800, durationMs: 400 },
    ],
    tailMs: 400,
    totalMs: 1600,
  },
};

describe("liveness schedule", () => {
  it("shows each flash colour exactly in its segment, neutral in the lead-in and tail", () => {
    expect(flashColorAt(challenge.flash, 0)).toBeNull();
    expect(flashColorAt(challenge.flash, 499)).toBeNull();
    expect(flashColorAt(challenge.flash, 500)).toEqual([255, 0, 0]);
    expect(flashColorAt(challenge.flash, 799)).toEqual([255, 0, 0]);
    expect(flashColorAt(challenge.flash, 800)).toEqual([0, 0, 255]);
    expect(flashColorAt(challenge.flash, 1200)).toBeNull();
  });

  it("shows the prompts in the server's order, each within the per-prompt window", () => {
    expect(promptAt(challenge, 0)).toBe(0);
    expect(promptAt(challenge, 2999)).toBe(0);
    expect(promptAt(challenge, 3000)).toBe(1);
    expect(promptAt(challenge, 8999)).toBe(2);
    expect(promptAt(challenge, 9000)).toBeNull();
    expect(activeDurationMs(challenge)).toBeLessThanOrEqual(challenge.windowMs.total);
    expect(activeDurationMs({ ...challenge, windowMs: { perPrompt: 2500, total: 9500 } })).toBe(4500);
  });
});
