import { describe, expect, it } from "vitest";
import {
  ACTIVE_PROMPTS,
  type ActiveChallenge,
  type ActiveFrame,
  type ActivePrompt,
  checkActiveResponse,
  createActiveChallenge,
  eyeOpennessFromRatio,
  toActiveFrame,
} from "./active-challenge.ts";
import { cryptoRandom, gaussian, seededRandom } from "./random-source.ts";
import { makeLoopedStillFrames } from "./synthetic-attacks.ts";

const challengeOf = (prompts: ActivePrompt[], perPrompt = 5000): ActiveChallenge => ({
  nonce: "00".repeat(16),
  prompts,
  issuedAt: 0,
  windowMs: { perPrompt, total: prompts.length * perPrompt + 2000 },
});

interface Script {
  /** Action and how long it lasts (ms); "rest" holds a neutral pose. */
  readonly steps: ReadonlyArray<[ActivePrompt | "rest", number]>;
  readonly embeddingSwitchAt?: number;
  readonly faceCountAt?: (t: number) => number;
}

/** Simulated engine output for a live person performing `steps` at ~30 fps with jittery timestamps. */
function perform(script: Script, seed = 1): ActiveFrame[] {
  const rng = seededRandom(seed);
  const frames: ActiveFrame[] = [];
  const personA = Float32Array.from({ length: 128 }, () => gaussian(rng) * 0.09);
  const personB = Float32Array.from({ length: 128 }, () => gaussian(rng) * 0.09);
  let t = 300;
  for (const [action, dur] of script.steps) {
    const start = t;
    while (t < start + dur) {
      const p = (t - start) / dur;
      const bell = Math.sin(Math.PI * p);
      // Face-engine convention: turning to one's own left gives negative yaw.
      const yaw = action === "turn_left" ? -30 * bell : action === "turn_right" ? 30 * bell : 0;
      const eye = action === "blink" && p > 0.4 && p < 0.4 + 150 / dur ? 0.05 : 0.85;
      const smile = action === "smile" && p > 0.2 && p < 0.8 ? 0.9 : 0.1;
      const who = script.embeddingSwitchAt !== undefined && t >= script.embeddingSwitchAt ? personB : personA;
      frames.push({
        t: Math.round(t),
        yaw: yaw + gaussian(rng),
        pitch: gaussian(rng),
        roll: gaussian(rng),
        eyeOpenness: eye + gaussian(rng) * 0.02,
        smile: smile + gaussian(rng) * 0.02,
        embedding: who.map((v) => v + gaussian(rng) * 0.01),
        faceCount: script.faceCountAt ? script.faceCountAt(t) : 1,
      });
      t += 33.3 + gaussian(rng) * 2;
    }
  }
  return frames;
}

const genuineSteps: Script["steps"] = [
  ["rest", 400],
  ["turn_left", 900],
  ["rest", 400],
  ["blink", 600],
  ["rest", 300],
  ["smile", 800],
  ["rest", 300],
];

describe("createActiveChallenge", () => {
  it("issues a 128-bit hex nonce and a prompt sequence without immediate repeats", () => {
    const c = createActiveChallenge(cryptoRandom(), { length: 6, now: () => 1234 });
    expect(c.nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(c.prompts).toHaveLength(6);
    for (let i = 1; i < c.prompts.length; i++) expect(c.prompts[i]).not.toBe(c.prompts[i - 1]);
    for (const p of c.prompts) expect(ACTIVE_PROMPTS).toContain(p);
    expect(c.issuedAt).toBe(1234);
    expect(c.windowMs.total).toBeGreaterThanOrEqual(6 * c.windowMs.perPrompt);
    expect(createActiveChallenge(cryptoRandom()).nonce).not.toBe(c.nonce);
  });

  it("defaults to 3 prompts and uses every prompt kind over many draws", () => {
    const rng = seededRandom(7);
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const c = createActiveChallenge(rng);
      expect(c.prompts).toHaveLength(3);
      for (const p of c.prompts) seen.add(p);
    }
    expect(seen.size).toBe(4);
  });
});

describe("checkActiveResponse", () => {
  const challenge = challengeOf(["turn_left", "blink", "smile"]);

  it("accepts a live response performed in order", () => {
    const r = checkActiveResponse({ challenge, frames: perform({ steps: genuineSteps }) });
    expect(r.reasons).toEqual([]);
    expect(r.passed).toBe(true);
    expect(r.prompts.every((p) => p.performed && p.withinWindow)).toBe(true);
    expect(r.prompts[0]?.margin).toBeGreaterThan(5);
    expect(r.identity.status).toBe("consistent");
    expect(r.timing.plausible).toBe(true);
  });

  it("rejects prompts performed out of order, and says they happened", () => {
    const steps: Script["steps"] = [
      ["rest", 400],
      ["smile", 800],
      ["rest", 300],
      ["turn_left", 900],
      ["rest", 400],
      ["blink", 600],
      ["rest", 300],
    ];
    const r = checkActiveResponse({ challenge, frames: perform({ steps }) });
    expect(r.passed).toBe(false);
    expect(r.orderRespected).toBe(false);
    expect(r.prompts.find((p) => p.prompt === "smile")?.performed).toBe(true);
    expect(r.reasons.join()).toContain("smile performed out of order");
  });

  it("rejects a missing prompt", () => {
    const steps = genuineSteps.filter(([a]) => a !== "blink");
    const r = checkActiveResponse({ challenge, frames: perform({ steps }) });
    expect(r.passed).toBe(false);
    expect(r.prompts.find((p) => p.prompt === "blink")?.performed).toBe(false);
  });

  it("rejects a turn to the wrong side (e.g. a mirrored yaw)", () => {
    const steps = genuineSteps.map(([a, d]): [ActivePrompt | "rest", number] => [
      a === "turn_left" ? "turn_right" : a,
      d,
    ]);
    const r = checkActiveResponse({ challenge, frames: perform({ steps }) });
    expect(r.passed).toBe(false);
    expect(r.prompts[0]?.performed).toBe(false);
  });

  it("rejects a response slower than the per-prompt window", () => {
    const slow: Script["steps"] = [["rest", 400], ["rest", 6000], ...genuineSteps.slice(1)];
    const r = checkActiveResponse({ challenge, frames: perform({ steps: slow }) });
    expect(r.passed).toBe(false);
    expect(r.prompts[0]?.performed).toBe(true);
    expect(r.prompts[0]?.withinWindow).toBe(false);
  });

  it("rejects a face swapped mid-way", () => {
    const r = checkActiveResponse({
      challenge,
      frames: perform({ steps: genuineSteps, embeddingSwitchAt: 2200 }),
    });
    expect(r.passed).toBe(false);
    expect(r.identity.status).toBe("inconsistent");
    expect(r.identity.maxDistance).toBeGreaterThan(0.6);
  });

  it("rejects frozen, identical-interval and reordered timestamps", () => {
    const frames = perform({ steps: genuineSteps });
    const frozen = frames.map((f) => ({ ...f, t: 1000 }));
    const r1 = checkActiveResponse({ challenge, frames: frozen });
    expect(r1.passed).toBe(false);
    expect(r1.timing.monotonic).toBe(false);
    const even = frames.map((f, i) => ({ ...f, t: 300 + i * 33 }));
    const r2 = checkActiveResponse({ challenge, frames: even });
    expect(r2.timing.plausible).toBe(false);
    expect(r2.timing.reasons.join()).toContain("identical");
    const swapped = [...frames];
    const a = swapped[10];
    const b = swapped[11];
    if (!a || !b) throw new Error("too few frames");
    swapped[10] = b;
    swapped[11] = a;
    expect(checkActiveResponse({ challenge, frames: swapped }).timing.monotonic).toBe(false);
  });

  it("rejects a second face in the frame", () => {
    const r = checkActiveResponse({
      challenge,
      frames: perform({ steps: genuineSteps, faceCountAt: (t) => (t > 1500 && t < 1700 ? 2 : 1) }),
    });
    expect(r.passed).toBe(false);
    expect(r.singleFace.multiFaceFrames).toBeGreaterThan(0);
  });

  it("rejects a looped still even when the photo is swung to fake a turn", () => {
    const lm = Array.from({ length: 68 }, (_, i): [number, number] => [
      100 + (i % 17) * 5,
      100 + Math.floor(i / 17) * 10,
    ]);
    const still = makeLoopedStillFrames({ x: 100, y: 100, width: 85, height: 40 }, lm, seededRandom(3), {
      frames: 120,
      tiltDeg: 30,
    });
    const r = checkActiveResponse({
      challenge,
      frames: still.map((f) => ({
        t: f.t + 300,
        yaw: f.yawDeg,
        pitch: f.pitchDeg,
        roll: f.rollDeg,
        eyeOpenness: f.eyeOpenness,
        smile: f.smile,
        faceCount: f.faceCount,
      })),
    });
    expect(r.passed).toBe(false);
    expect(r.prompts.find((p) => p.prompt === "blink")?.performed).toBe(false);
    expect(r.prompts.find((p) => p.prompt === "smile")?.performed).toBe(false);
  });
});

describe("face-engine adapter", () => {
  it("maps Human's eyelid ratios to 0–1 openness (open ≈ 0.3–0.45, blink < 0.2)", () => {
    expect(eyeOpennessFromRatio({ left: 0.4, right: 0.4 })).toBe(1);
    expect(eyeOpennessFromRatio({ left: 0.05, right: 0.08 })).toBe(0);
    const halfShut = eyeOpennessFromRatio({ left: 0.2, right: 0.2 });
    expect(halfShut).toBeGreaterThan(0.25);
    expect(halfShut).toBeLessThan(0.5);
    const f = toActiveFrame(
      120,
      { pose: { yaw: -22, pitch: 3, roll: 1 }, eyes: { left: 0.3, right: 0.32 }, smile: 0.7 },
      1,
    );
    expect(f).toMatchObject({ t: 120, yaw: -22, smile: 0.7, faceCount: 1 });
    expect(f.embedding).toBeUndefined();
  });
});
