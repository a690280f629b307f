import { beforeAll, describe, expect, it } from "vitest";
import { type FixtureEntry, loadFaceFixtures, loadFixtureImage, REAL_SPOOF } from "./eval-data.ts";
import { fft1d } from "./fft.ts";
import { applyH, fitHomography, type Mat3 } from "./homography.ts";
import type { FaceBox, Point, RgbImage, SignalResult } from "./liveness-types.ts";
import {
  assessPresentation,
  flatSheetSignal,
  type LandmarkFrame,
  modelAdvisorySignal,
  planarMotionSignal,
  screenMoireSignal,
} from "./passive-signals.ts";
import { seededRandom } from "./random-source.ts";
import {
  makeLoopedStillFrames,
  makePrintAttack,
  makeScreenReplayAttack,
  renderLoopedStillFrame,
} from "./synthetic-attacks.ts";

const fixtures = loadFaceFixtures();
function fixture(key: string): FixtureEntry & { box: FaceBox; landmarks: Point[] } {
  const f = fixtures[key];
  if (!f?.box || !f.landmarks) throw new Error(`fixture without face: ${key}`);
  return { ...f, box: f.box, landmarks: f.landmarks };
}

describe("building blocks", () => {
  it("fft1d puts a pure cosine in its bin", () => {
    const n = 64;
    const re = Float64Array.from({ length: n }, (_, i) => Math.cos((2 * Math.PI * 5 * i) / n));
    const im = new Float64Array(n);
    fft1d(re, im);
    const mag = Array.from(re, (r, i) => Math.hypot(r, im[i] ?? 0));
    expect(mag[5]).toBeCloseTo(n / 2, 6);
    expect(mag[n - 5]).toBeCloseTo(n / 2, 6);
    expect(mag[4]).toBeLessThan(1e-9);
  });

  it("fitHomography recovers a perspective map", () => {
    const h: Mat3 = [1.1, 0.05, 12, -0.03, 0.95, 7, 0.0004, -0.0002, 1];
    const src: Point[] = Array.from({ length: 20 }, (_, i) => [(i * 37) % 200, (i * 53) % 180]);
    const fit = fitHomography(
      src,
      src.map((p) => applyH(h, p)),
    );
    if (!fit) throw new Error("no fit");
    for (const p of src) {
      const a = applyH(h, p);
      const b = applyH(fit, p);
      expect(Math.hypot(a[0] - b[0], a[1] - b[1])).toBeLessThan(1e-6);
    }
  });

  it("screen-moire fires on a fine grating and not on smooth noise", () => {
    const w = 256;
    const rng = seededRandom(1);
    const make = (grating: boolean): RgbImage => {
      const data = new Uint8Array(w * w * 3);
      for (let y = 0; y < w; y++) {
        for (let x = 0; x < w; x++) {
          const base = 128 + 30 * Math.sin(x / 40) * Math.cos(y / 33) + (rng.float() - 0.5) * 20;
          const v = base + (grating ? 25 * Math.sin((2 * Math.PI * (x * 0.96 + y * 0.28)) / 3.1) : 0);
          data.fill(Math.max(0, Math.min(255, Math.round(v))), 3 * (y * w + x), 3 * (y * w + x) + 3);
        }
      }
      return { data, width: w, height: w };
    };
    const face = { x: 28, y: 28, width: 200, height: 200 };
    expect(screenMoireSignal(make(true), face).fired).toBe(true);
    expect(screenMoireSignal(make(false), face).fired).toBe(false);
  });

  it("model scores are advisory only", () => {
    const s = modelAdvisorySignal({ real: 0.1, live: 0.9 });
    expect(s.score).toBeCloseTo(0.9);
    expect(s.fired).toBe(true);
    expect(s.gate).toBe(false);
    expect(modelAdvisorySignal(null).status).toBe("not-applicable");
  });
});

const GENUINE = [
  "faces/skimage/astronaut.png",
  "faces/face_recognition/obama-480p.jpg",
  "faces/lfw/Anthony_Hopkins_0001.jpg",
  "faces/deepface/img22.jpg",
  REAL_SPOOF.live,
  "video/foreman_cif_352x288_30fps.mjpeg#12",
  "video/foreman_cif_352x288_30fps.mjpeg#87",
];

describe("assessPresentation on captures", () => {
  const images = new Map<string, RgbImage>();
  beforeAll(async () => {
    for (const key of [...GENUINE, REAL_SPOOF.print, REAL_SPOOF.screen])
      images.set(key, await loadFixtureImage(key));
  });
  const image = (key: string): RgbImage => {
    const img = images.get(key);
    if (!img) throw new Error(`not loaded: ${key}`);
    return img;
  };

  it("does not flag genuine captures (stills, the live capture, video frames)", () => {
    for (const key of GENUINE) {
      const f = fixture(key);
      const a = assessPresentation({ image: image(key), face: f.box, model: f.human });
      expect({ key, gating: a.gatingSignals }).toEqual({ key, gating: [] });
      expect(a.attackLikely).toBe(false);
      expect(a.signals.every((s) => s.score >= 0 && s.score <= 1)).toBe(true);
    }
  });

  it("catches the real tablet replay by its bezel", () => {
    const f = fixture(REAL_SPOOF.screen);
    const a = assessPresentation({ image: image(REAL_SPOOF.screen), face: f.box, model: f.human });
    expect(a.attackLikely).toBe(true);
    expect(a.gatingSignals).toContain("frame-edges");
  });

  it("catches the real print held close by a pale face beside a straight paper edge", () => {
    const f = fixture(REAL_SPOOF.print);
    const a = assessPresentation({ image: image(REAL_SPOOF.print), face: f.box, model: f.human });
    expect(a.attackLikely).toBe(true);
    expect(a.gatingSignals).toEqual(["flat-sheet"]);
  });

  it("flat-sheet needs both cues: a pale face alone or a straight edge alone does not fire", () => {
    const sig = (name: string, detail: SignalResult["detail"]): SignalResult => ({
      name,
      status: "measured",
      score: 0,
      threshold: 0.5,
      gate: false,
      fired: false,
      detail,
    });
    const pale = sig("tonal-range", { meanSaturation: 0.15 });
    const vivid = sig("tonal-range", { meanSaturation: 0.3 });
    const edge = sig("frame-edges", { topCoverage: 1, leftCoverage: 0.2 });
    const noEdge = sig("frame-edges", { topCoverage: 0.6, leftCoverage: 0.5 });
    expect(flatSheetSignal(pale, edge).fired).toBe(true);
    expect(flatSheetSignal(pale, noEdge).fired).toBe(false);
    expect(flatSheetSignal(vivid, edge).fired).toBe(false);
  });

  it("flags synthetic print and screen attacks made from genuine images", async () => {
    let seed = 40;
    for (const key of [
      "faces/skimage/astronaut.png",
      "faces/lfw/Anthony_Hopkins_0001.jpg",
      REAL_SPOOF.live,
    ]) {
      const f = fixture(key);
      const print = await makePrintAttack(image(key), f.box, f.landmarks, seededRandom(seed++));
      const screen = await makeScreenReplayAttack(image(key), f.box, f.landmarks, seededRandom(seed++));
      for (const attack of [print, screen]) {
        const a = assessPresentation({ image: attack.image, face: attack.face });
        expect({ key, species: attack.species, attackLikely: a.attackLikely }).toEqual({
          key,
          species: attack.species,
          attackLikely: true,
        });
      }
    }
  }, 60_000);
});

describe("planar-motion", () => {
  const foreman: LandmarkFrame[] = Object.entries(fixtures)
    .filter(([k, v]) => k.startsWith("video/foreman") && v.landmarks && v.human)
    .map(([, v]) => ({ landmarks: v.landmarks ?? [], yawDeg: v.human?.yawDeg ?? 0 }));

  it("sees parallax in a real head turn (Foreman)", () => {
    expect(foreman.length).toBeGreaterThan(30);
    const s = planarMotionSignal(foreman.slice(0, 12));
    expect(s.status).toBe("measured");
    expect(s.fired).toBe(false);
    expect(Number(s.detail.q75ResidualIod)).toBeGreaterThan(0.09);
  });

  it("flags a photo swung in 3-D (a plane) and the looped still's landmarks", () => {
    for (const key of ["faces/skimage/astronaut.png", "video/foreman_cif_352x288_30fps.mjpeg#30"]) {
      const f = fixture(key);
      const frames = makeLoopedStillFrames(f.box, f.landmarks, seededRandom(9), {
        tiltDeg: 25,
        landmarkNoisePx: f.box.width * 0.01,
      });
      const s = planarMotionSignal(frames.map((fr) => ({ landmarks: fr.landmarks, yawDeg: fr.yawDeg })));
      expect(s.status).toBe("measured");
      expect(s.fired).toBe(true);
    }
  });

  it("renders looped-still frames consistent with their landmarks", () => {
    const w = 64;
    const data = new Uint8Array(w * w * 3);
    // One bright pixel block at a known landmark position.
    for (let y = 30; y < 34; y++)
      for (let x = 20; x < 24; x++) data.fill(255, 3 * (y * w + x), 3 * (y * w + x) + 3);
    const lm: Point[] = Array.from({ length: 68 }, () => [22, 32]);
    const [frame] = makeLoopedStillFrames({ x: 10, y: 10, width: 44, height: 44 }, lm, seededRandom(4), {
      frames: 1,
      jitterPx: 3,
      landmarkNoisePx: 0,
    });
    if (!frame) throw new Error("no frame");
    const out = renderLoopedStillFrame({ data, width: w, height: w }, frame);
    const p = frame.landmarks[0] ?? [0, 0];
    expect(out.data[3 * (Math.round(p[1]) * w + Math.round(p[0]))]).toBeGreaterThan(200);
    expect(out.data[3 * (5 * w + 5)]).toBe(0);
  });

  it("is not applicable without a head turn", () => {
    const f = fixture("faces/skimage/astronaut.png");
    const frames = makeLoopedStillFrames(f.box, f.landmarks, seededRandom(2), { tiltDeg: 0 });
    const s = planarMotionSignal(frames.map((fr) => ({ landmarks: fr.landmarks, yawDeg: fr.yawDeg })));
    expect(s.status).toBe("not-applicable");
    expect(s.fired).toBe(false);
  });
});
