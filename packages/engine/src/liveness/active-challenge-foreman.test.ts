import fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { createFaceEngine } from "../face/create-face-engine.ts";
import {
  type ActiveChallenge,
  type ActiveFrame,
  checkActiveResponse,
  toActiveFrame,
} from "./active-challenge.ts";
import { requireEvalData, splitMjpeg } from "./eval-data.ts";

/**
 * The active check on real face-engine output: Foreman (30 fps) turns to his own left around
 * frames 3–15, blinks at frame 66 and turns to his own right at frames 87–90.
 */
const challengeOf = (prompts: ActiveChallenge["prompts"]): ActiveChallenge => ({
  nonce: "ab".repeat(16),
  prompts,
  issuedAt: 0,
  windowMs: { perPrompt: 5000, total: 15000 },
});

describe("checkActiveResponse on Foreman through the face engine", () => {
  const frames: ActiveFrame[] = [];
  let stranger: Float32Array | null = null;

  beforeAll(async () => {
    const engine = await createFaceEngine();
    const clip = splitMjpeg(
      new Uint8Array(fs.readFileSync(requireEvalData("video/foreman_cif_352x288_30fps.mjpeg"))),
    );
    for (let i = 0; i <= 100; i += 2) {
      const jpeg = clip[i];
      if (!jpeg) throw new Error(`missing frame ${i}`);
      const r = await engine.analyzeFrame(jpeg);
      // Embeddings on a few frontal frames only: the descriptor is the slow part.
      let embedding: Float32Array | undefined;
      if (i % 30 === 0) {
        const a = await engine.analyze(jpeg, { requireSingleFace: true });
        if (a.kind === "ok") embedding = a.face.embedding;
      }
      const t = Math.round(300 + (i * 1000) / 30);
      if (r.kind === "ok") frames.push(toActiveFrame(t, r.frame, r.faces, embedding));
    }
    const other = await engine.analyze(fs.readFileSync(requireEvalData("faces/skimage/astronaut.png")), {
      requireSingleFace: true,
    });
    if (other.kind === "ok") stranger = other.face.embedding;
  }, 120_000);

  it("accepts turn left → blink → turn right, with a consistent identity", () => {
    expect(frames.length).toBeGreaterThan(45);
    const r = checkActiveResponse({ challenge: challengeOf(["turn_left", "blink", "turn_right"]), frames });
    expect(r.reasons).toEqual([]);
    expect(r.passed).toBe(true);
    const starts = r.prompts.map((p) => p.startT ?? Number.NaN);
    for (let i = 1; i < starts.length; i++)
      expect(starts[i]).toBeGreaterThan(starts[i - 1] ?? Number.POSITIVE_INFINITY);
    expect(r.identity.status).toBe("consistent");
  });

  it("rejects the same clip for turn right → blink (order) and for a mirrored yaw", () => {
    expect(checkActiveResponse({ challenge: challengeOf(["turn_right", "blink"]), frames }).passed).toBe(
      false,
    );
    const mirrored = frames.map((f) => ({ ...f, yaw: -f.yaw }));
    const r = checkActiveResponse({
      challenge: challengeOf(["turn_left", "blink", "turn_right"]),
      frames: mirrored,
    });
    expect(r.passed).toBe(false);
  });

  it("rejects the clip when another person's face appears mid-way", () => {
    if (!stranger) throw new Error("no stranger embedding");
    const swapped = frames.map((f, k) => (k === 25 && stranger ? { ...f, embedding: stranger } : f));
    const r = checkActiveResponse({
      challenge: challengeOf(["turn_left", "blink", "turn_right"]),
      frames: swapped,
    });
    expect(r.identity.status).toBe("inconsistent");
    expect(r.passed).toBe(false);
  });
});
