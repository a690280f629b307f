import { describe, expect, it } from "vitest";
import { livenessRows } from "./liveness-summary.ts";

// Shaped as decideSession stores them (packages/engine/src/pipeline/decide-session.ts).
const genuine = {
  active: {
    passed: true,
    reasons: [],
    prompts: [
      { prompt: "turn_left", performed: true, startT: 900 },
      { prompt: "blink", performed: true, startT: 2400 },
      { prompt: "turn_right", performed: true, startT: 4100 },
    ],
    frames: 30,
  },
  flash: { passed: true, correlation: 0.912, gain: 1.4, segmentsMatched: 4, reasons: [] },
  planarMotion: {
    name: "planar-motion",
    status: "measured",
    score: 0.002,
    threshold: 0.5,
    gate: true,
    fired: false,
    detail: { q75ResidualIod: 0.1234, residualThresholdIod: 0.07, framesCompared: 9, maxYawDeltaDeg: 24.5 },
  },
  selfie: { status: "consistent", minDistance: 0.312, threshold: 0.55, framesCompared: 30 },
};

describe("liveness summary", () => {
  it("says in words that every check of a genuine session passed, with its figures", () => {
    expect(livenessRows(genuine)).toEqual([
      ["Active challenge", "passed (3 of 3 prompts performed)"],
      ["Colour flash", "passed (correlation 0.91, 4 colours matched)"],
      ["Depth (planar motion)", "passed (residual 0.123, flat below 0.070; 9 frames)"],
      ["Selfie vs challenge", "same person (distance 0.312, at most 0.55)"],
    ]);
  });

  it("names what failed in an attack: prompts, flash, flat motion, another person's selfie", () => {
    const rows = livenessRows({
      active: {
        ...genuine.active,
        passed: false,
        reasons: ["prompt_not_performed:blink"],
        prompts: [{ prompt: "blink", performed: false, startT: null }],
      },
      flash: {
        ...genuine.flash,
        passed: false,
        correlation: -0.02,
        segmentsMatched: 0,
        reasons: ["no_response"],
      },
      planarMotion: {
        ...genuine.planarMotion,
        fired: true,
        score: 0.99,
        detail: { ...genuine.planarMotion.detail, q75ResidualIod: 0.041 },
      },
      selfie: { ...genuine.selfie, status: "inconsistent", minDistance: 0.81 },
    });
    expect(rows).toEqual([
      ["Active challenge", "failed: prompt_not_performed:blink (0 of 1 prompts performed)"],
      ["Colour flash", "failed: no_response (correlation -0.02, 0 colours matched)"],
      [
        "Depth (planar motion)",
        "failed: the face turned like a flat picture (residual 0.041, flat below 0.070; 9 frames)",
      ],
      ["Selfie vs challenge", "failed: another person than in the challenge (distance 0.810, at most 0.55)"],
    ]);
  });

  it("tells a check that could not be measured from one that is missing, and survives odd stored data", () => {
    const rows = livenessRows({
      active: null,
      flash: "garbled",
      planarMotion: {
        status: "not-applicable",
        fired: false,
        detail: { reason: "no frame turned ≥ 8° from the most frontal one" },
      },
      selfie: { status: "not-applicable", minDistance: null, threshold: 0.55, framesCompared: 0 },
    });
    expect(rows).toEqual([
      ["Active challenge", "—"],
      ["Colour flash", "—"],
      ["Depth (planar motion)", "not measured: no frame turned ≥ 8° from the most frontal one"],
      ["Selfie vs challenge", "not compared (no selfie or no face in the challenge frames)"],
    ]);
    // A session decided without liveness (a selfie-only flow) or before these checks existed.
    expect(livenessRows(null).map(([, v]) => v)).toEqual(["—", "—", "—", "—"]);
    expect(livenessRows({ active: { passed: true } })[0]).toEqual(["Active challenge", "passed"]);
  });
});
