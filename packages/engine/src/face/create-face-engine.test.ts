import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { comparePairs, type PairRecord } from "./compare-pairs.ts";
import { createFaceEngine, type FaceEngine } from "./create-face-engine.ts";
import type { FaceAnalysis } from "./face-types.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const facesDir = path.resolve(repoRoot, "../shared/eval/faces");
const face = (rel: string): Promise<Buffer> => readFile(path.join(facesDir, rel));
const single = { requireSingleFace: true };

function expectOk(r: FaceAnalysis): Extract<FaceAnalysis, { kind: "ok" }> {
  if (r.kind !== "ok") throw new Error(`expected a usable face, got ${r.kind}`);
  return r;
}

async function plainImage(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 180, b: 160 } } })
    .png()
    .toBuffer();
}

let engine: FaceEngine;
let astronaut: Buffer;
let astronautResult: Extract<FaceAnalysis, { kind: "ok" }>;

beforeAll(async () => {
  if (!existsSync(facesDir)) throw new Error(`face evaluation data missing: ${facesDir}`);
  engine = await createFaceEngine();
  astronaut = await face("skimage/astronaut.png");
  astronautResult = expectOk(await engine.analyze(astronaut, single));
}, 120_000);

describe("analyze", () => {
  it("finds one face with landmarks, a near-frontal pose and a 128-d embedding on the astronaut", () => {
    const { face: f, faces } = astronautResult;
    expect(faces).toBe(1);
    expect(f.landmarks).toHaveLength(68);
    expect(f.embedding).toHaveLength(128);
    expect(Math.abs(f.pose.yaw)).toBeLessThan(15);
    expect(Math.abs(f.pose.pitch)).toBeLessThan(25);
    expect(Math.abs(f.pose.roll)).toBeLessThan(10);
    expect(f.quality.cutOff).toBe(false);
    expect(f.quality.faceSizePx).toBeGreaterThan(60);
    // The face is in the upper middle of the 512×512 portrait.
    expect(f.box.x + f.box.width / 2).toBeGreaterThan(150);
    expect(f.box.x + f.box.width / 2).toBeLessThan(350);
  });

  it.each(["face_recognition/two_people.jpg", "openface/longoria-cooper.jpg"])(
    "reports multiple_faces on %s",
    async (rel) => {
      const r = await engine.analyze(await face(rel), single);
      expect(r.kind).toBe("multiple_faces");
      if (r.kind === "multiple_faces") {
        expect(r.count).toBeGreaterThanOrEqual(2);
        expect(r.boxes).toHaveLength(r.count);
      }
    },
  );

  it("uses the largest face when a single face is not required", async () => {
    const r = expectOk(
      await engine.analyze(await face("openface/longoria-cooper.jpg"), { requireSingleFace: false }),
    );
    expect(r.faces).toBeGreaterThanOrEqual(2);
  });

  it("reports no_face on a plain image and image_unreadable on garbage", async () => {
    expect((await engine.analyze(await plainImage(400, 300), single)).kind).toBe("no_face");
    expect((await engine.analyze(Buffer.from("definitely not an image"), single)).kind).toBe(
      "image_unreadable",
    );
  });

  it("reports face_too_small on a downscaled portrait", async () => {
    const small = await sharp(astronaut).resize(200).png().toBuffer();
    const r = await engine.analyze(small, single);
    expect(r.kind).toBe("face_too_small");
    if (r.kind === "face_too_small") expect(r.faceSizePx).toBeLessThan(r.minFaceSize);
  });

  it("reports face_cut_off when the crop runs through the face", async () => {
    const { box } = astronautResult.face;
    // Cut off the right fifth of the face (less and the detector no longer sees a face at all).
    const cut = await sharp(astronaut)
      .extract({ left: 0, top: 0, width: Math.round(box.x + box.width * 0.8), height: 512 })
      .png()
      .toBuffer();
    expect((await engine.analyze(cut, single)).kind).toBe("face_cut_off");
    expect((await engine.analyze(await face("face_recognition/obama_partial_face.jpg"), single)).kind).toBe(
      "face_cut_off",
    );
  });

  it("reports face_blurred on a blurred portrait", async () => {
    const blurred = await sharp(astronaut).blur(2).png().toBuffer();
    expect((await engine.analyze(blurred, single)).kind).toBe("face_blurred");
  });

  it("flattens alpha: the RGBA copy of a portrait matches the original", async () => {
    const rgba = expectOk(await engine.analyze(await face("face_recognition/32bit.png"), single));
    const rgb = expectOk(await engine.analyze(await face("face_recognition/obama2.jpg"), single));
    expect(engine.compare(rgba.face.embedding, rgb.face.embedding).distance).toBeLessThan(0.1);
  });

  it("honours EXIF orientation (the phone photo is stored sideways)", async () => {
    const tagged = await face("spoof/silent-face-anti-spoofing/image_T1.jpg");
    const fromTag = expectOk(await engine.analyze(tagged, single));
    // The same photo with the rotation applied to the pixels and no tag left: must give the same face.
    const rotated = expectOk(await engine.analyze(await sharp(tagged).rotate().toBuffer(), single));
    expect(Math.abs(fromTag.face.box.x - rotated.face.box.x)).toBeLessThan(3);
    expect(Math.abs(fromTag.face.box.y - rotated.face.box.y)).toBeLessThan(3);
    expect(engine.compare(fromTag.face.embedding, rotated.face.embedding).distance).toBeLessThan(0.1);
    expect(Math.abs(fromTag.face.pose.roll)).toBeLessThan(30);
  });

  it("leaves no tensors behind", async () => {
    const before = engine.models.tf.memory().numTensors;
    await engine.analyze(astronaut, single);
    await engine.analyzeFrame(astronaut);
    await engine.analyze(Buffer.from("garbage"), single);
    expect(engine.models.tf.memory().numTensors).toBe(before);
  });

  it("reports boxes and landmarks in the caller's pixels even for photos above maxSide", async () => {
    const big = await sharp(astronaut).resize(3072).jpeg({ quality: 92 }).toBuffer();
    const r = expectOk(await engine.analyze(big, single));
    const k = 3072 / 512;
    expect(r.face.box.x).toBeCloseTo(astronautResult.face.box.x * k, -1.5);
    expect(r.face.box.width).toBeCloseTo(astronautResult.face.box.width * k, -1.5);
    expect(r.face.quality.faceSizePx).toBeCloseTo(r.face.box.width, 6);
    const nose = r.face.landmarks[30];
    const noseSmall = astronautResult.face.landmarks[30];
    if (!nose || !noseSmall) throw new Error("missing nose landmark");
    expect(Math.abs(nose.x - noseSmall.x * k)).toBeLessThan(0.03 * r.face.box.width);
    const frame = await engine.analyzeFrame(big);
    if (frame.kind !== "ok") throw new Error(`expected a face, got ${frame.kind}`);
    expect(frame.frame.box.x + frame.frame.box.width / 2).toBeCloseTo(nose.x, -2);
  });

  it("accepts raw pixels as input", async () => {
    const { data, info } = await sharp(astronaut).raw().toBuffer({ resolveWithObject: true });
    const raw = { data: new Uint8Array(data), width: info.width, height: info.height, channels: 3 as const };
    const r = expectOk(await engine.analyze(raw, single));
    expect(engine.compare(r.face.embedding, astronautResult.face.embedding).distance).toBeLessThan(0.05);
  });
});

describe("matching", () => {
  it("puts a same-person pair above accept and a different-person pair below reject", async () => {
    const biden = expectOk(await engine.analyze(await face("face_recognition/biden.jpg"), single));
    const biden2 = expectOk(await engine.analyze(await face("face_recognition/biden2.jpg"), single));
    const obama = expectOk(await engine.analyze(await face("face_recognition/obama.jpg"), single));
    const same = engine.compare(biden.face.embedding, biden2.face.embedding);
    const different = engine.compare(biden.face.embedding, obama.face.embedding);
    expect(same.similarity).toBeGreaterThanOrEqual(engine.thresholds.accept);
    expect(different.similarity).toBeLessThan(engine.thresholds.reject);
    expect(different.distance).toBeGreaterThan(same.distance);
  });

  it("matches a mirrored copy, and the mirror flips the sign of yaw and roll", async () => {
    const biden = await face("face_recognition/biden.jpg");
    const original = expectOk(await engine.analyze(biden, single));
    const mirrored = expectOk(await engine.analyze(await sharp(biden).flop().toBuffer(), single));
    expect(
      engine.compare(original.face.embedding, mirrored.face.embedding).similarity,
    ).toBeGreaterThanOrEqual(engine.thresholds.accept);
    // biden.jpg is turned about 15° and tilted about 12°, far enough from 0 for the signs to be stable.
    expect(Math.abs(original.face.pose.yaw)).toBeGreaterThan(5);
    expect(Math.sign(mirrored.face.pose.yaw)).toBe(-Math.sign(original.face.pose.yaw));
    expect(Math.sign(mirrored.face.pose.roll)).toBe(-Math.sign(original.face.pose.roll));
  });
});

describe("experimental BlazeFace detector", () => {
  it("finds the astronaut and gives an embedding that matches the SSD path", async () => {
    const fast = await createFaceEngine({ detector: "blazeface", models: engine.models });
    const r = expectOk(await fast.analyze(astronaut, single));
    const { similarity } = engine.compare(r.face.embedding, astronautResult.face.embedding);
    expect(similarity).toBeGreaterThanOrEqual(engine.thresholds.accept);
    // analyzeFrame still gets the full mesh after a detector-only Human call on the shared instance.
    const frame = await engine.analyzeFrame(astronaut);
    expect(frame.kind === "ok" && frame.frame.smile).toBeGreaterThan(0.5);
  });
});

describe("lifecycle", () => {
  it("gives each engine its own nets and frees them on dispose", async () => {
    const before = engine.models.tf.memory().numTensors;
    const other = await createFaceEngine();
    expect(other.models.nets.detector).not.toBe(engine.models.nets.detector);
    const loaded = engine.models.tf.memory().numTensors;
    // The face-api nets are a few hundred weight tensors.
    expect(loaded - before).toBeGreaterThan(100);
    other.dispose();
    // What remains is a couple of small per-instance tensors of Human (its models are shared per process).
    expect(engine.models.tf.memory().numTensors - before).toBeLessThanOrEqual(4);
    // The first engine is untouched.
    expect((await engine.analyze(astronaut, single)).kind).toBe("ok");
  }, 60_000);
});

describe("analyzeFrame (Human mesh)", () => {
  it("returns pose, open eyes and a smile on the smiling astronaut", async () => {
    const r = await engine.analyzeFrame(astronaut);
    if (r.kind !== "ok") throw new Error(`expected a face, got ${r.kind}`);
    expect(Math.abs(r.frame.pose.yaw)).toBeLessThan(15);
    expect(r.frame.eyes.left).toBeGreaterThan(0.25);
    expect(r.frame.eyes.right).toBeGreaterThan(0.25);
    expect(r.frame.smile).toBeGreaterThan(0.5);
    expect(r.frame.mouthOpen).toBeGreaterThan(10);
    expect(r.frame.embedding).toBeUndefined();
    expect(r.frame.landmarks).toBeUndefined();
  });

  it("computes a descriptor from the mesh on request that matches analyze's", async () => {
    const r = await engine.analyzeFrame(astronaut, { withEmbedding: true });
    if (r.kind !== "ok" || !r.frame.embedding) throw new Error("expected a face with an embedding");
    const { similarity } = engine.compare(r.frame.embedding, astronautResult.face.embedding);
    expect(similarity).toBeGreaterThanOrEqual(engine.thresholds.accept);
    // With it, the 68 landmarks it was aligned with, in image pixels: close to analyze's own.
    const lm = r.frame.landmarks ?? [];
    expect(lm).toHaveLength(68);
    const ref = astronautResult.face.landmarks;
    const mean =
      lm.reduce((s, p, i) => s + Math.hypot(p.x - (ref[i]?.x ?? 0), p.y - (ref[i]?.y ?? 0)), 0) / 68;
    expect(mean).toBeLessThan(0.05 * astronautResult.face.box.width);
  });

  it("flips the yaw sign on a mirrored frame and finds nothing in a plain frame", async () => {
    const biden = await face("face_recognition/biden.jpg");
    const a = await engine.analyzeFrame(biden);
    const b = await engine.analyzeFrame(await sharp(biden).flop().toBuffer());
    if (a.kind !== "ok" || b.kind !== "ok") throw new Error("expected faces in both frames");
    expect(Math.abs(a.frame.pose.yaw)).toBeGreaterThan(5);
    expect(Math.sign(b.frame.pose.yaw)).toBe(-Math.sign(a.frame.pose.yaw));
    expect((await engine.analyzeFrame(await plainImage(320, 240))).kind).toBe("no_face");
  });
});

describe("comparePairs", () => {
  let dir: string;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("yields one record per row, with the outcome kind for failed detections", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "verimat-pairs-"));
    await writeFile(path.join(dir, "blank.png"), await plainImage(200, 200));
    const rel = (p: string): string => path.relative(dir, path.join(facesDir, p));
    const csv = [
      "path_a,path_b",
      `${rel("face_recognition/biden.jpg")},${rel("face_recognition/biden2.jpg")}`,
      `${rel("face_recognition/biden.jpg")},${rel("face_recognition/obama.jpg")}`,
      `blank.png,${rel("face_recognition/biden.jpg")}`,
    ].join("\n");
    await writeFile(path.join(dir, "pairs.csv"), `${csv}\n`);
    const out: PairRecord[] = [];
    for await (const rec of comparePairs(engine, path.join(dir, "pairs.csv"))) out.push(rec);
    const bound: PairRecord[] = [];
    for await (const rec of engine.comparePairs(path.join(dir, "pairs.csv"))) bound.push(rec);
    expect(bound).toEqual(out);
    expect(out).toHaveLength(3);
    expect(out[0]?.match).toBe(true);
    expect(out[0]?.similarity).toBeGreaterThan(0.85);
    expect(out[1]?.match).toBe(false);
    expect(out[2]).toMatchObject({ path_a: "blank.png", similarity: null, match: false, error: "no_face" });
  });
});
