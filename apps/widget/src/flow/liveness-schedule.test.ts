import { describe, expect, it } from "vitest";
import { flashColorAt, type LivenessChallenge, promptShowMs } from "./liveness-schedule.ts";

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

  it("without tracking, shows each prompt within the server's per-prompt window", () => {
    expect(promptShowMs(challenge)).toBe(3000);
    expect(promptShowMs({ ...challenge, windowMs: { perPrompt: 2500, total: 9500 } })).toBe(1500);
    expect(promptShowMs(challenge) * challenge.prompts.length).toBeLessThanOrEqual(challenge.windowMs.total);
  });
});
