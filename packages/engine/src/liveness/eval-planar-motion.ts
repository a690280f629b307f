/**
 * The planar-motion signal as the session computes it: 68 landmarks and Human's yaw from
 * `analyzeFrame(…, { withEmbedding: true })`, the call the verification worker makes for each
 * active-liveness frame. Genuine: real head turns from shared/eval/video (Foreman at the widget's
 * 8 fps in sliding windows of 12/16/24 frames in all 4 sampling phases, and whole; Zhling;
 * Men_whisper). Attack: flat photos and fine
 * halftone prints of the shared/eval stills swung about their vertical axis for each turn prompt
 * (makeSwungStillResponse), rendered and JPEG-encoded, then measured by the same call.
 *
 *   node --import tsx packages/engine/src/liveness/eval-planar-motion.ts [--sources N] [--min-frames N]
 *
 * Takes ~10 min on 2 cores (≈ 300 Foreman frames + 1024 rendered attack frames through the engine).
 */
import fs from "node:fs";
import { createFaceEngine } from "../face/create-face-engine.ts";
import type { FaceEngine } from "../face/index.ts";
import type { ActivePrompt } from "./active-challenge.ts";
import { loadFaceFixtures, loadFixtureImage, requireEvalData, splitMjpeg } from "./eval-data.ts";
import { encodeJpeg, resizeRgb } from "./image-ops.ts";
import type { Point, SignalResult } from "./liveness-types.ts";
import { type LandmarkFrame, planarMotionSignal, SESSION_PLANAR_MOTION } from "./passive-signals.ts";
import { seededRandom } from "./random-source.ts";
import { makePrintAttack, makeSwungStillResponse, renderLoopedStillFrame } from "./synthetic-attacks.ts";

const argv = process.argv.slice(2);
const sourcesArg = argv.indexOf("--sources");
const SOURCES = sourcesArg >= 0 ? Number(argv[sourcesArg + 1]) : 8;
const minArg = argv.indexOf("--min-frames");
/** The session's options (decide-session.ts); --min-frames 1 shows the signal's bare default. */
const OPTIONS = { ...SESSION_PLANAR_MOTION, ...(minArg >= 0 ? { minFrames: Number(argv[minArg + 1]) } : {}) };

async function measure(engine: FaceEngine, jpeg: Uint8Array): Promise<LandmarkFrame | null> {
  const r = await engine.analyzeFrame(jpeg, { withEmbedding: true });
  if (r.kind !== "ok" || !r.frame.landmarks) return null;
  return { landmarks: r.frame.landmarks.map((p): Point => [p.x, p.y]), yawDeg: r.frame.pose.yaw };
}

function row(name: string, s: SignalResult, extra = ""): string {
  const d = s.detail;
  return s.status === "measured"
    ? `${name.padEnd(58)} q75=${String(d.q75ResidualIod).padEnd(7)} n=${String(d.framesCompared).padEnd(3)} ` +
        `yawΔ=${String(d.maxYawDeltaDeg).padEnd(5)} aniso=${String(d.maxAnisotropy).padEnd(6)} ` +
        `${s.fired ? "FIRED" : "-"} ${extra}`
    : `${name.padEnd(58)} not-applicable (${String(d.reason)}, yawΔ=${Number(d.maxYawDeltaDeg).toFixed(1)}) ${extra}`;
}

const engine = await createFaceEngine();
const genuine: Array<{ name: string; s: SignalResult }> = [];

// Foreman: every 4th frame (7.5 fps; the widget sends one per 125 ms), in each of the 4 phases, as
// sliding windows of 12, 16 and 24 frames (1.6–3.2 s: a turn prompt and its neighbours).
const foreman = splitMjpeg(
  new Uint8Array(fs.readFileSync(requireEvalData("video/foreman_cif_352x288_30fps.mjpeg"))),
);
const fm: Array<LandmarkFrame | null> = [];
for (const jpeg of foreman) fm.push(await measure(engine, jpeg));
const present = (xs: Array<LandmarkFrame | null>) => xs.filter((x): x is LandmarkFrame => x !== null);
for (let phase = 0; phase < 4; phase++) {
  const sampled = fm.filter((_, i) => i % 4 === phase);
  for (const len of [12, 16, 24]) {
    for (let s = 0; s + len <= sampled.length; s++) {
      genuine.push({
        name: `foreman frames ${s * 4 + phase}..${(s + len - 1) * 4 + phase}`,
        s: planarMotionSignal(present(sampled.slice(s, s + len)), OPTIONS),
      });
    }
  }
}
genuine.push({
  name: "foreman whole clip",
  s: planarMotionSignal(present(fm.filter((_, i) => i % 4 === 0)), OPTIONS),
});
// Single turned frames against the clip's frontal ones (|yaw| < 5°, every 5th): what one frame says.
const all = present(fm);
const perFrame: number[] = [];
for (const ref of all.filter((f) => Math.abs(f.yawDeg) < 5).filter((_, i) => i % 5 === 0)) {
  for (const f of all) {
    if (Math.abs(f.yawDeg) <= Math.abs(ref.yawDeg)) continue;
    const one = planarMotionSignal([ref, f], { minFrames: 1 });
    if (one.status === "measured") perFrame.push(Number(one.detail.q75ResidualIod));
  }
}
perFrame.sort((a, b) => a - b);
for (const file of ["video/zhling_1280x720.mjpeg", "video/cisco_men_whisper_640x320.mjpeg"]) {
  const clip = splitMjpeg(new Uint8Array(fs.readFileSync(requireEvalData(file))));
  const frames: Array<LandmarkFrame | null> = [];
  for (const jpeg of clip) frames.push(await measure(engine, jpeg));
  genuine.push({
    name: `${file} (${present(frames).length}/${clip.length} frames)`,
    s: planarMotionSignal(present(frames), OPTIONS),
  });
}

// Attacks: swung photos and fine prints answering a challenge with both turns.
const prompts: ActivePrompt[] = ["turn_left", "smile", "turn_right", "blink"];
const stills = Object.entries(loadFaceFixtures()).filter(
  ([k, v]) => v.box && v.landmarks && !k.includes("#") && !k.includes("/spoof/"),
);
const attacks: Array<{ name: string; s: SignalResult; found: number; total: number }> = [];
let seed = 900;
for (const [key, fx] of stills.slice(0, SOURCES)) {
  if (!fx.box || !fx.landmarks) continue;
  const full = await loadFixtureImage(key);
  const k = Math.min(1, 640 / full.width);
  const img = k < 1 ? await resizeRgb(full, Math.round(full.width * k), Math.round(full.height * k)) : full;
  const box = { x: fx.box.x * k, y: fx.box.y * k, width: fx.box.width * k, height: fx.box.height * k };
  const lms = fx.landmarks.map((p): Point => [p[0] * k, p[1] * k]);
  const print = await makePrintAttack(img, box, lms, seededRandom(seed++), {
    cellPx: 0.7,
    supersample: 5,
    opticalBlurPx: 0.8,
  });
  for (const [kind, still, face, marks] of [
    ["photo", img, box, lms],
    ["fine print", print.image, print.face, print.landmarks ?? lms],
  ] as const) {
    for (const tilt of [25, 35]) {
      const rng = seededRandom(seed++);
      const clip = makeSwungStillResponse(face, marks, prompts, rng, {
        framesPerPrompt: 8,
        fps: 8,
        tiltDeg: tilt,
      });
      const seen: LandmarkFrame[] = [];
      for (const f of clip) {
        const m = await measure(engine, await encodeJpeg(renderLoopedStillFrame(still, f), 85));
        if (m) seen.push(m);
      }
      attacks.push({
        name: `${key} ${kind} ±${tilt}°`,
        s: planarMotionSignal(seen, OPTIONS),
        found: seen.length,
        total: clip.length,
      });
    }
  }
}
engine.dispose();

console.log(`# Genuine head turns (analyzeFrame landmarks + Human yaw), options ${JSON.stringify(OPTIONS)}`);
console.log("(Foreman windows listed only when q75 < 0.1 or not measured)");
for (const g of genuine) {
  const low = g.s.status !== "measured" || Number(g.s.detail.q75ResidualIod) < 0.1;
  if (low || !g.name.startsWith("foreman frames")) console.log(row(g.name, g.s));
}
console.log("\n# Swung flat photos / fine prints (rendered, JPEG 85, analyzeFrame)");
for (const a of attacks) console.log(row(a.name, a.s, `(${a.found}/${a.total} frames with landmarks)`));
const q = (xs: Array<{ s: SignalResult }>) =>
  xs.filter((x) => x.s.status === "measured").map((x) => Number(x.s.detail.q75ResidualIod));
const gq = q(genuine);
const aq = q(attacks);
const fmt = (xs: number[]) => (xs.length ? `min ${Math.min(...xs)} max ${Math.max(...xs)}` : "none");
console.log(
  `\nForeman single turned frames vs a frontal one: ${perFrame.length}; min ${perFrame[0]}, ` +
    `5th percentile ${perFrame[Math.floor(perFrame.length * 0.05)]}, median ${perFrame[Math.floor(perFrame.length / 2)]}; ` +
    `below 0.07: ${perFrame.filter((r) => r < 0.07).length}`,
);
console.log(
  `genuine measured ${gq.length}/${genuine.length}: q75 residual ${fmt(gq)}; fired ${genuine.filter((g) => g.s.fired).length}`,
);
console.log(
  `attack measured ${aq.length}/${attacks.length}: q75 residual ${fmt(aq)}; fired ${attacks.filter((a) => a.s.fired).length}`,
);
