import { describe, expect, it } from "vitest";
import { type FaceMeasures, promptDone } from "./prompt-check.ts";

const still: FaceMeasures = { yaw: 2, pitch: 0, roll: 0, eyesClosed: false, smile: 0.1 };

describe("promptDone", () => {
  it("reads head turns on the person's own side (Human's yaw sign)", () => {
    expect(promptDone("turn_left", { ...still, yaw: -25 })).toBe(true);
    expect(promptDone("turn_left", { ...still, yaw: 25 })).toBe(false);
    expect(promptDone("turn_right", { ...still, yaw: 25 })).toBe(true);
    expect(promptDone("turn_right", { ...still, yaw: 12 })).toBe(false);
  });

  it("sees smiles and blinks, and nothing in a still face", () => {
    expect(promptDone("smile", { ...still, smile: 0.8 })).toBe(true);
    expect(promptDone("blink", { ...still, eyesClosed: true })).toBe(true);
    for (const p of ["turn_left", "turn_right", "smile", "blink", "nod"])
      expect(promptDone(p, still)).toBe(false);
  });
});
