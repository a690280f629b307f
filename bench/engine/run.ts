/**
 * bench/engine: per-stage timings of the verification engine and the time from the last upload to a
 * decision, for a session of an ID card front + back and a five-prompt liveness challenge (colour
 * flash + prompts), on this machine. Captures are analysed as they arrive (as the service does), so
 * the decision waits for the last capture's analysis plus the combination step.
 *
 * The overhead ratio compares the pipeline's wall time with the sum of the bare model inference
 * times measured in the same run (OCR recognition, face detection, landmarks, descriptor, face mesh).
 *
 *   npx tsx bench/engine/run.ts [--flash-frames 16] [--active-frames 30]
 */
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import {
  renderTd1Card,
  SAMPLE_TD1_FIELDS,
} from "../../packages/engine/src/document/fixtures/render-document.ts";
import {
  analyzeCapture,
  type Capture,
  type CaptureAnalysis,
  createDocumentReader,
  createFaceEngine,
  decideSession,
} from "../../packages/engine/src/index.ts";
import { splitMjpeg } from "../../packages/engine/src/liveness/eval-data.ts";
import {
  createActiveChallenge,
  createFlashChallenge,
  seededRandom,
} from "../../packages/engine/src/liveness/index.ts";

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const evalRoot = path.resolve(import.meta.dirname, "../../../shared/eval");
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

const tLoad = performance.now();
const [face, documents] = await Promise.all([createFaceEngine(), createDocumentReader()]);
const loadMs = performance.now() - tLoad;

const portrait = fs.readFileSync(path.join(evalRoot, "faces/deepface/img1.jpg"));
const card = await renderTd1Card(SAMPLE_TD1_FIELDS, { portrait });
const video = splitMjpeg(new Uint8Array(fs.readFileSync(path.join(evalRoot, "video/zhling_1280x720.mjpeg"))));
// The widget sends frames downscaled to 640 px wide.
const frames = await Promise.all(
  video.map((f) => sharp(f).resize({ width: 640 }).jpeg({ quality: 80 }).toBuffer()),
);
const flashN = opt("flash-frames", 16);
const activeN = opt("active-frames", 30);
const rng = seededRandom(7);
const challenge = { active: createActiveChallenge(rng, { length: 5 }), flash: createFlashChallenge(rng) };

const captures: Capture[] = [
  { kind: "card-front", bytes: card.front.png },
  { kind: "card-back", bytes: card.back.png },
  ...Array.from(
    { length: flashN },
    (_, i): Capture => ({
      kind: "liveness-frame",
      phase: "flash",
      t: i * 125,
      bytes: frames[i % frames.length] ?? new Uint8Array(),
    }),
  ),
  ...Array.from(
    { length: activeN },
    (_, i): Capture => ({
      kind: "liveness-frame",
      phase: "active",
      t: i * 200,
      bytes: frames[(i * 3) % frames.length] ?? new Uint8Array(),
    }),
  ),
];

// Warm-up (first inference compiles kernels), then the measured run.
await analyzeCapture(captures[0] as Capture, { face, documents });
await analyzeCapture(captures[captures.length - 1] as Capture, { face, documents });

// Bare model inference on the same inputs: the models' own calls, nothing around them.
const bare = { ocr: 0, faceDetect: 0, faceLandmarks: 0, faceDescriptor: 0, mesh: 0 };
const docStages: string[] = [];
for (const [name, side, hint] of [
  ["front", card.front.png, "front"],
  ["back", card.back.png, "back"],
] as const) {
  const r = await documents.read(side, { side: hint });
  if (r.kind === "ok" || r.kind === "unreadable" || r.kind === "no_document") {
    // Visual-zone detection + recognition are model inference too (PP-OCRv4 det + rec).
    bare.ocr += r.timings.ocr + r.timings.visualZone;
    const t = r.timings;
    docStages.push(
      `${name}: decode ${t.decode.toFixed(0)}, quad ${t.quad.toFixed(0)}, locate ${t.locate.toFixed(0)}, ocr ${t.ocr.toFixed(0)}, parse ${t.parse.toFixed(0)}, portrait ${t.portrait.toFixed(0)}, visualZone ${t.visualZone.toFixed(0)}, total ${t.total.toFixed(0)}`,
    );
  }
  if (r.kind === "ok" && r.portrait) {
    const a = await face.analyze(r.portrait.image, { requireSingleFace: false });
    bare.faceDetect += a.timings.detect;
    bare.faceLandmarks += a.timings.landmarks;
    bare.faceDescriptor += a.timings.descriptor;
  }
}
const frameMs: number[] = [];
for (const c of captures.slice(2)) {
  const a = await face.analyzeFrame(c.bytes, { withEmbedding: c.phase === "active" });
  frameMs.push(a.ms);
}
bare.mesh = frameMs.reduce((a, b) => a + b, 0);
const bareTotal = Object.values(bare).reduce((a, b) => a + b, 0);

const analyses: CaptureAnalysis[] = [];
const perKind = new Map<string, number[]>();
const tAll = performance.now();
for (const c of captures) {
  const a = await analyzeCapture(c, { face, documents });
  analyses.push(a);
  const key = c.kind === "liveness-frame" ? `frame.${c.phase}` : c.kind;
  perKind.set(key, [...(perKind.get(key) ?? []), a.ms]);
}
const policy = { acceptSimilarity: 0.85, rejectSimilarity: 0.15, minAge: 18 };
const base = {
  required: { document: true, face: true, liveness: true },
  documentTypes: [],
  documentCountries: [],
  now: new Date(),
  policy,
  challenge,
};
const tDecide = performance.now();
const out = decideSession({ ...base, analyses });
const decideMs = performance.now() - tDecide;
const pipelineMs = performance.now() - tAll;

const lastFrameMs = analyses.at(-1)?.ms ?? 0;
const backMs = perKind.get("card-back")?.[0] ?? 0;
const afterLast = lastFrameMs + decideMs;
const worst = Math.max(afterLast, backMs + decideMs);

console.log(
  `bench/engine  ID card front+back, liveness: ${flashN} flash + ${activeN} active frames (5 prompts), 640 px frames`,
);
console.log(`  model load ${loadMs.toFixed(0)} ms (once per worker thread)`);
for (const line of docStages) console.log(`  document stages (ms) ${line}`);
for (const [k, v] of perKind)
  console.log(
    `  ${k.padEnd(14)} n=${String(v.length).padStart(2)}  median ${median(v)} ms  total ${v.reduce((a, b) => a + b, 0)} ms`,
  );
console.log(
  `  decideSession ${decideMs.toFixed(1)} ms   decision: ${out.decision.status} [${out.decision.reasons.join(", ")}]`,
);
console.log(
  `  last upload → decision (last capture a liveness frame): ${afterLast.toFixed(0)} ms   (target < 1500 ms)`,
);
console.log(
  `  last upload → decision (last capture the card back):    ${(backMs + decideMs).toFixed(0)} ms   worst ${worst.toFixed(0)} ms`,
);
console.log(
  `  whole session analysed serially: ${pipelineMs.toFixed(0)} ms; bare model inference ${bareTotal.toFixed(0)} ms (${JSON.stringify(Object.fromEntries(Object.entries(bare).map(([k, v]) => [k, Math.round(v)])))})`,
);
console.log(`  pipeline overhead ratio (wall / bare inference): ${(pipelineMs / bareTotal).toFixed(2)}`);
face.dispose();
await documents.dispose();
