import { beforeAll, describe, expect, it } from "vitest";
import {
  checkFlashResponse,
  createFlashChallenge,
  FLASH_PALETTE,
  type FlashChallenge,
} from "./color-flash.ts";
import { loadFaceFixtures, loadFixtureImage } from "./eval-data.ts";
import type { FaceBox, RgbImage } from "./liveness-types.ts";
import { seededRandom } from "./random-source.ts";
import { renderFlashResponse } from "./synthetic-attacks.ts";

describe("createFlashChallenge", () => {
  it("draws 4–6 palette colours of 300–500 ms with no two consecutive equal", () => {
    const rng = seededRandom(11);
    const counts = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const c = createFlashChallenge(rng);
      counts.add(c.segments.length);
      expect(c.segments.length).toBeGreaterThanOrEqual(4);
      expect(c.segments.length).toBeLessThanOrEqual(6);
      let t = c.leadInMs;
      c.segments.forEach((s, k) => {
        expect(s.startMs).toBe(t);
        expect(s.durationMs).toBeGreaterThanOrEqual(300);
        expect(s.durationMs).toBeLessThanOrEqual(500);
        expect(s.rgb).toEqual(FLASH_PALETTE[s.color]);
        if (k > 0) expect(s.color).not.toBe(c.segments[k - 1]?.color);
        t += s.durationMs;
      });
      expect(c.totalMs).toBe(t + c.tailMs);
    }
    expect(counts.size).toBe(3);
  });
});

describe("checkFlashResponse", () => {
  const subjects: Array<{ image: RgbImage; face: FaceBox }> = [];
  beforeAll(async () => {
    const fx = loadFaceFixtures();
    for (const key of ["faces/skimage/astronaut.png", "faces/spoof/silent-face-anti-spoofing/image_T1.jpg"]) {
      const box = fx[key]?.box;
      if (!box) throw new Error(`no face box for ${key}`);
      subjects.push({ image: await loadFixtureImage(key), face: box });
    }
  });
  const challengeFor = (seed: number): FlashChallenge => createFlashChallenge(seededRandom(seed));

  it("accepts genuine responses with noise, white-balance drift and lag up to 150 ms", async () => {
    for (const [i, s] of subjects.entries()) {
      for (const lagMs of [0, 150]) {
        const challenge = challengeFor(100 + i);
        const frames = await renderFlashResponse(s.image, s.face, challenge, seededRandom(lagMs + i), {
          width: 140,
          lagMs,
          strength: 0.12,
          noise: 4,
          awbDrift: 0.05,
        });
        const r = checkFlashResponse({ challenge, frames });
        expect(r.reasons).toEqual([]);
        expect(r.passed).toBe(true);
        expect(r.correlation).toBeGreaterThan(0.8);
        expect(Math.abs(r.lagMs - lagMs)).toBeLessThanOrEqual(60);
        expect(r.segmentsMatched).toBe(challenge.segments.length);
      }
    }
  });

  it("rejects a video that ignores the colours", async () => {
    for (const [i, s] of subjects.entries()) {
      const challenge = challengeFor(200 + i);
      const frames = await renderFlashResponse(s.image, s.face, challenge, seededRandom(i), {
        width: 140,
        mode: "none",
      });
      const r = checkFlashResponse({ challenge, frames });
      expect(r.passed).toBe(false);
      expect(r.gain).toBeLessThan(0.01);
    }
  });

  it("rejects a response tinted with a different random sequence", async () => {
    for (const [i, s] of subjects.entries()) {
      const challenge = challengeFor(300 + i);
      const other = challengeFor(400 + i);
      const frames = await renderFlashResponse(s.image, s.face, challenge, seededRandom(i), {
        width: 140,
        reflected: other,
      });
      const r = checkFlashResponse({ challenge, frames });
      expect(r.passed).toBe(false);
      expect(r.correlation).toBeLessThan(0.75);
    }
  });

  it("rejects a uniform global tint when background is visible", async () => {
    const s = subjects[0];
    if (!s) throw new Error("no subject");
    const challenge = challengeFor(500);
    const frames = await renderFlashResponse(s.image, s.face, challenge, seededRandom(5), {
      width: 140,
      mode: "global",
    });
    const r = checkFlashResponse({ challenge, frames });
    expect(r.correlation).toBeGreaterThan(0.8);
    expect(r.globalRatio).not.toBeNull();
    expect(r.globalRatio ?? 0).toBeGreaterThan(0.6);
    expect(r.reasons.join()).toContain("background changed colour");
    expect(r.passed).toBe(false);
  });

  it("rejects a global tint over a pale background that clips under the tint, and accepts the genuine response there", async () => {
    // deepface img15: bright background; before the per-clip pixel set, the clipped background
    // dropped out of the tinted frames and the tint passed as a face reflection.
    const key = "faces/deepface/img15.jpg";
    const box = loadFaceFixtures()[key]?.box;
    if (!box) throw new Error(`no face box for ${key}`);
    const image = await loadFixtureImage(key);
    const challenge = challengeFor(600);
    const attack = checkFlashResponse({
      challenge,
      frames: await renderFlashResponse(image, box, challenge, seededRandom(6), {
        width: 140,
        mode: "global",
      }),
    });
    expect(attack.globalRatio ?? 0).toBeGreaterThan(0.3);
    expect(attack.passed).toBe(false);
    const genuine = checkFlashResponse({
      challenge,
      frames: await renderFlashResponse(image, box, challenge, seededRandom(7), {
        width: 140,
        strength: 0.12,
      }),
    });
    expect(genuine.reasons).toEqual([]);
    expect(genuine.globalRatio ?? 0).toBeLessThan(0.2);
  });

  it("fails closed with too few frames", () => {
    const r = checkFlashResponse({ challenge: challengeFor(1), frames: [] });
    expect(r.passed).toBe(false);
    expect(r.attackScore).toBe(1);
  });
});
