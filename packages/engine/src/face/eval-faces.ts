/**
 * Face-match evaluation over shared/eval/faces/pairs.csv. Run from the repo root:
 *   npx tsx packages/engine/src/face/eval-faces.ts [--no-level-eyes] [--no-mirror] [--margin=0.1]
 *     [--dump=distances.json]
 * Prints genuine/impostor counts, FNMR at FMR ≤ 0.1 % with its threshold, FNMR/FMR at the default
 * thresholds, per-source figures, acquisition failures, multi-face outcomes and ms per stage.
 * `same_photo` pairs only test invariance and are reported apart from the accuracy figures.
 * @module
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import {
  compareEmbeddings,
  DEFAULT_MATCH_THRESHOLDS,
  decideMatch,
  distanceToSimilarity,
  SIMILARITY_CALIBRATION,
} from "./compare-embeddings.ts";
import { parseCsv } from "./compare-pairs.ts";
import { createFaceEngine } from "./create-face-engine.ts";
import type { FaceAnalysis, FaceTimings } from "./face-types.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const facesDir = path.resolve(repoRoot, "../shared/eval/faces");

const MULTI_FACE_IMAGES = [
  "deepface/couple.jpg",
  "deepface/selfie-many-people.jpg",
  "face_recognition/two_people.jpg",
  "face_recognition/obama_and_biden.jpg",
  "openface/longoria-cooper.jpg",
  "human-samples/group-4.jpg",
  "human-samples/solvay1927.jpg",
];

interface Pair {
  a: string;
  b: string;
  genuine: boolean;
  samePhoto: boolean;
  source: string;
  distance: number | null;
}

function flag(name: string): string | undefined {
  const hit = process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (hit === undefined) return undefined;
  const eq = hit.indexOf("=");
  return eq < 0 ? "" : hit.slice(eq + 1);
}

function pct(n: number, d: number): string {
  return d === 0 ? "n/a" : `${((100 * n) / d).toFixed(2)}% (${n}/${d})`;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i] ?? Number.NaN;
}

/** The largest distance threshold t (accept when d < t) with at most `maxFmr` impostors accepted. */
function thresholdAtFmr(impostors: number[], maxFmr: number): number {
  const sorted = [...impostors].sort((x, y) => x - y);
  const allowed = Math.floor(maxFmr * sorted.length);
  // Accepting d < sorted[allowed] lets exactly `allowed` impostors through.
  return sorted[allowed] ?? Number.POSITIVE_INFINITY;
}

function rates(genuine: number[], impostors: number[], t: number): { fnmr: number; fmr: number } {
  return {
    fnmr: genuine.filter((d) => d >= t).length / Math.max(1, genuine.length),
    fmr: impostors.filter((d) => d < t).length / Math.max(1, impostors.length),
  };
}

function equalErrorDistance(genuine: number[], impostors: number[]): number {
  let lo = 0;
  let hi = 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    const r = rates(genuine, impostors, mid);
    if (r.fnmr > r.fmr) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Slope of the logistic from Gaussian class models with pooled variance (the LDA log-likelihood ratio
 * is linear in the distance). A maximum-likelihood logistic fit would run off to an infinite slope
 * here because the two sets barely overlap.
 */
function fitSlope(genuine: number[], impostors: number[]): number {
  const stats = (v: number[]): { mean: number; variance: number } => {
    const mean = v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);
    return { mean, variance: v.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, v.length) };
  };
  const g = stats(genuine);
  const i = stats(impostors);
  return (i.mean - g.mean) / ((g.variance + i.variance) / 2);
}

function summariseTimings(all: FaceTimings[]): string {
  const keys: Array<keyof FaceTimings> = ["decode", "detect", "landmarks", "descriptor", "total"];
  return keys
    .map((k) => {
      const v = all.map((t) => t[k]).sort((x, y) => x - y);
      const mean = v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);
      return `${k} mean ${mean.toFixed(0)} / p50 ${quantile(v, 0.5).toFixed(0)} / p95 ${quantile(v, 0.95).toFixed(0)}`;
    })
    .join("\n  ");
}

function gaussianLlr(genuine: number[], impostors: number[]): (x: number) => number {
  const fit = (v: number[]): { m: number; s: number } => {
    const m = v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
    return { m, s: Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length)) || 1e-6 };
  };
  const g = fit(genuine);
  const i = fit(impostors);
  const logN = (x: number, f: { m: number; s: number }): number =>
    -Math.log(f.s) - ((x - f.m) / f.s) ** 2 / 2;
  return (x) => logN(x, g) - logN(x, i);
}

/**
 * Experiment (not the default): Human's faceres 1024-d embedding alone, and fused with the dlib distance
 * as a sum of Gaussian log-likelihood ratios. The fusion weights are fitted on this same set, so its
 * figure is optimistic.
 */
async function fusionReport(
  engine: Awaited<ReturnType<typeof createFaceEngine>>,
  images: string[],
  pairs: Pair[],
): Promise<void> {
  const { human, tf } = engine.models;
  const withFaceres = {
    face: {
      detector: { maxDetected: 1 },
      mesh: { enabled: true },
      iris: { enabled: false },
      emotion: { enabled: false },
      description: { enabled: true },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
  };
  const faceres = new Map<string, number[]>();
  const ms: number[] = [];
  for (const img of images) {
    const { data, info } = await sharp(await readFile(path.join(facesDir, img)))
      .rotate()
      .resize(640, 640, { fit: "inside", withoutEnlargement: true })
      .flatten({ background: "#808080" })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const input = tf.tensor4d(new Uint8Array(data), [1, info.height, info.width, 3], "int32");
    const t0 = performance.now();
    try {
      const r = await human.detect(input, withFaceres);
      const emb = r.face[0]?.embedding;
      if (emb && emb.length > 0) faceres.set(img, emb);
    } finally {
      tf.dispose(input);
    }
    ms.push(performance.now() - t0);
  }
  const cos = (a: number[], b: number[]): number => {
    let d = 0;
    let na = 0;
    let nb = 0;
    for (let k = 0; k < a.length; k++) {
      d += (a[k] ?? 0) * (b[k] ?? 0);
      na += (a[k] ?? 0) ** 2;
      nb += (b[k] ?? 0) ** 2;
    }
    return d / Math.sqrt(na * nb);
  };
  const rows: Array<{ genuine: boolean; dlib: number; fr: number }> = [];
  for (const p of pairs) {
    const fa = faceres.get(p.a);
    const fb = faceres.get(p.b);
    if (p.samePhoto || p.distance === null || !fa || !fb) continue;
    rows.push({ genuine: p.genuine, dlib: p.distance, fr: 1 - cos(fa, fb) });
  }
  const g = rows.filter((r) => r.genuine);
  const i = rows.filter((r) => !r.genuine);
  const llrDlib = gaussianLlr(
    g.map((r) => r.dlib),
    i.map((r) => r.dlib),
  );
  const llrFr = gaussianLlr(
    g.map((r) => r.fr),
    i.map((r) => r.fr),
  );
  // Lower is "more same" for every score below, as for the distance.
  const scores: Array<[string, (r: { dlib: number; fr: number }) => number]> = [
    ["dlib distance", (r) => r.dlib],
    ["faceres 1 − cosine", (r) => r.fr],
    ["fused −(LLR dlib + LLR faceres)", (r) => -(llrDlib(r.dlib) + llrFr(r.fr))],
  ];
  const sorted = [...ms].sort((x, y) => x - y);
  console.log(
    `\nfusion experiment (Human faceres, ${faceres.size}/${images.length} embedded, detect+mesh+faceres p50 ${quantile(sorted, 0.5).toFixed(0)} ms):`,
  );
  for (const [name, f] of scores) {
    const gs = g.map(f);
    const is = i.map(f);
    const t = thresholdAtFmr(is, 0.001);
    const r = rates(gs, is, t);
    const worstGen = Math.max(...gs);
    const overlap = is.filter((x) => x <= worstGen).length;
    console.log(
      `  ${name.padEnd(32)} FNMR at FMR ≤ 0.1 %: ${(100 * r.fnmr).toFixed(2)}% (${g.length} genuine / ${i.length} impostor); impostors at or below the worst genuine: ${overlap}`,
    );
  }
}

/**
 * Liveness use: path_a's selfie embedding (analyze) against path_b's embedding taken from Human's mesh
 * (analyzeFrame withEmbedding), and each image against itself across the two paths.
 */
function frameEmbeddingReport(
  clean: Map<string, FaceAnalysis>,
  frames: Map<string, Float32Array>,
  pairs: Pair[],
  fmrThreshold: number,
): void {
  const self: number[] = [];
  for (const [img, r] of clean) {
    const f = frames.get(img);
    if (r.kind === "ok" && f) self.push(compareEmbeddings(r.face.embedding, f).distance);
  }
  self.sort((x, y) => x - y);
  const gen: number[] = [];
  const imp: number[] = [];
  for (const p of pairs) {
    const a = clean.get(p.a);
    const b = frames.get(p.b);
    if (p.samePhoto || a?.kind !== "ok" || !b) continue;
    (p.genuine ? gen : imp).push(compareEmbeddings(a.face.embedding, b).distance);
  }
  const r = rates(gen, imp, fmrThreshold);
  const decide = (d: number): string => decideMatch(distanceToSimilarity(d), DEFAULT_MATCH_THRESHOLDS);
  const acc = (list: number[]): number => list.filter((d) => decide(d) === "accept").length;
  console.log(
    `  frame-path embeddings: ${frames.size} images; same image analyze vs frame distance p50 ${quantile(self, 0.5).toFixed(3)}, max ${self.at(-1)?.toFixed(3)}`,
  );
  console.log(
    `  analyze(a) vs frame(b): genuine ${gen.length}, impostor ${imp.length}; at the FMR ≤ 0.1 % threshold FNMR ${(100 * r.fnmr).toFixed(2)}%, FMR ${(100 * r.fmr).toFixed(2)}%; default accept: genuine ${pct(acc(gen), gen.length)}, impostor ${pct(acc(imp), imp.length)}`,
  );
}

/**
 * Simulates the document side: every image whose face is wider than `facePx` is shrunk until it is
 * `facePx` wide and re-encoded as JPEG q50; pairs compare the original path_a with the degraded path_b.
 */
async function degradedReport(
  engine: Awaited<ReturnType<typeof createFaceEngine>>,
  clean: Map<string, FaceAnalysis>,
  pairs: Pair[],
  facePx: number,
  fmrThreshold: number,
): Promise<void> {
  const degraded = new Map<string, FaceAnalysis>();
  for (const [img, r] of clean) {
    if (r.kind !== "ok") continue;
    const bytes = await readFile(path.join(facesDir, img));
    const upright = await sharp(bytes).rotate().toBuffer({ resolveWithObject: true });
    const factor = Math.min(1, facePx / r.face.quality.faceSizePx);
    const width = Math.max(1, Math.round(upright.info.width * factor));
    const small = await sharp(upright.data).resize(width).jpeg({ quality: 50 }).toBuffer();
    degraded.set(img, await engine.analyze(small, { requireSingleFace: true }));
  }
  const gen: number[] = [];
  const imp: number[] = [];
  let lost = 0;
  for (const p of pairs) {
    if (p.samePhoto) continue;
    const a = clean.get(p.a);
    const b = degraded.get(p.b);
    if (a?.kind !== "ok") continue;
    if (b?.kind !== "ok") {
      if (b) lost++;
      continue;
    }
    const d = compareEmbeddings(a.face.embedding, b.face.embedding).distance;
    (p.genuine ? gen : imp).push(d);
  }
  const kinds = [...degraded.values()].filter((r) => r.kind !== "ok").map((r) => r.kind);
  console.log(
    `\ndegraded path_b (face ${facePx} px wide, JPEG q50): ${kinds.length} images lost (${kinds.join(", ")})`,
  );
  console.log(`  pairs: genuine ${gen.length}, impostor ${imp.length}; ${lost} pairs lost a face`);
  const r = rates(gen, imp, fmrThreshold);
  console.log(
    `  at the clean FMR ≤ 0.1 % threshold: FNMR ${(100 * r.fnmr).toFixed(2)}%, FMR ${(100 * r.fmr).toFixed(2)}%`,
  );
  const own = thresholdAtFmr(imp, 0.001);
  const ro = rates(gen, imp, own);
  console.log(`  own FMR ≤ 0.1 % threshold ${own.toFixed(4)}: FNMR ${(100 * ro.fnmr).toFixed(2)}%`);
  const decide = (d: number): string => decideMatch(distanceToSimilarity(d), DEFAULT_MATCH_THRESHOLDS);
  for (const [name, list] of [
    ["genuine", gen],
    ["impostor", imp],
  ] as const) {
    const c = { accept: 0, review: 0, reject: 0 };
    for (const d of list) c[decide(d) as keyof typeof c]++;
    console.log(
      `  default bands, ${name}: accept ${pct(c.accept, list.length)}, review ${pct(c.review, list.length)}, reject ${pct(c.reject, list.length)}`,
    );
  }
}

async function main(): Promise<void> {
  const csv = parseCsv(await readFile(path.join(facesDir, "pairs.csv"), "utf8"));
  const pairs: Pair[] = csv.rows.map((r) => {
    const a = r.path_a ?? "";
    const b = r.path_b ?? "";
    const sa = a.split("/")[0] ?? "";
    const sb = b.split("/")[0] ?? "";
    return {
      a,
      b,
      genuine: r.same_person === "1",
      samePhoto: r.same_photo === "1",
      source: sa === sb ? sa : "cross-source",
      distance: null,
    };
  });
  const images = [...new Set(pairs.flatMap((p) => [p.a, p.b]))].sort();

  const levelEyes = flag("no-level-eyes") === undefined;
  const mirrorAugment = flag("no-mirror") === undefined;
  const margin = Number(flag("margin") ?? "0.1");
  const detector = flag("detector") === "blazeface" ? "blazeface" : "ssd";
  const engine = await createFaceEngine({ align: { levelEyes, margin }, mirrorAugment, detector });
  console.log(
    `models loaded in ${engine.models.loadMs.toFixed(0)} ms; levelEyes=${levelEyes} mirror=${mirrorAugment} margin=${margin} detector=${detector}`,
  );
  // Warm-up: the first inference compiles kernels and would distort the per-image timings.
  await engine.analyze(await readFile(path.join(facesDir, "skimage/astronaut.png")), {
    requireSingleFace: true,
  });

  const tensorsAfterWarmup = engine.models.tf.memory().numTensors;

  const results = new Map<string, FaceAnalysis>();
  for (const img of images) {
    results.set(
      img,
      await engine.analyze(await readFile(path.join(facesDir, img)), { requireSingleFace: true }),
    );
  }
  const timings: FaceTimings[] = [];
  const failures: string[] = [];
  for (const [img, r] of results) {
    timings.push(r.timings);
    if (r.kind !== "ok") failures.push(`${img}: ${r.kind}`);
  }

  for (const p of pairs) {
    const ra = results.get(p.a);
    const rb = results.get(p.b);
    if (ra?.kind === "ok" && rb?.kind === "ok") {
      p.distance = compareEmbeddings(ra.face.embedding, rb.face.embedding).distance;
    }
  }

  const accuracyPairs = pairs.filter((p) => !p.samePhoto);
  const gen = accuracyPairs.filter((p) => p.genuine);
  const imp = accuracyPairs.filter((p) => !p.genuine);
  const genD = gen.flatMap((p) => (p.distance === null ? [] : [p.distance]));
  const impD = imp.flatMap((p) => (p.distance === null ? [] : [p.distance]));

  console.log(`\nimages: ${images.length}; acquisition failures: ${failures.length}`);
  for (const f of failures) console.log(`  ${f}`);
  console.log(`\npairs (same_photo excluded): genuine ${gen.length}, impostor ${imp.length}`);
  console.log(`  scored: genuine ${genD.length}, impostor ${impD.length} (the rest lost a face)`);

  const t = thresholdAtFmr(impD, 0.001);
  const failedGenuine = gen.length - genD.length;
  console.log(
    `\nFNMR at FMR ≤ 0.1 %: distance threshold ${t.toFixed(4)} (similarity ${distanceToSimilarity(t).toFixed(3)})`,
  );
  console.log(`  FMR ${pct(impD.filter((d) => d < t).length, impD.length)}`);
  console.log(`  FNMR (scored pairs) ${pct(genD.filter((d) => d >= t).length, genD.length)}`);
  console.log(
    `  FNMR (failures to acquire count as non-match) ${pct(genD.filter((d) => d >= t).length + failedGenuine, gen.length)}`,
  );
  const eer = equalErrorDistance(genD, impD);
  const eerRates = rates(genD, impD, eer);
  console.log(
    `  EER ≈ ${((100 * (eerRates.fnmr + eerRates.fmr)) / 2).toFixed(2)}% at distance ${eer.toFixed(4)}`,
  );
  console.log(`  fitted calibration: midpoint ${eer.toFixed(3)}, slope ${fitSlope(genD, impD).toFixed(2)}`);
  console.log(
    `  in use:             midpoint ${SIMILARITY_CALIBRATION.midpoint}, slope ${SIMILARITY_CALIBRATION.slope}`,
  );

  const th = DEFAULT_MATCH_THRESHOLDS;
  const decide = (d: number): string => decideMatch(distanceToSimilarity(d), th);
  console.log(`\ndefault thresholds: accept ≥ ${th.accept}, review, reject < ${th.reject}`);
  for (const [name, list] of [
    ["genuine", genD],
    ["impostor", impD],
  ] as const) {
    const counts = { accept: 0, review: 0, reject: 0 };
    for (const d of list) counts[decide(d) as keyof typeof counts]++;
    console.log(
      `  ${name}: accept ${pct(counts.accept, list.length)}, review ${pct(counts.review, list.length)}, reject ${pct(counts.reject, list.length)}`,
    );
  }
  const sortedGen = [...genD].sort((x, y) => x - y);
  const sortedImp = [...impD].sort((x, y) => x - y);
  console.log(
    `  genuine distance max ${sortedGen.at(-1)?.toFixed(3)}, p95 ${quantile(sortedGen, 0.95).toFixed(3)}; impostor min ${sortedImp[0]?.toFixed(3)}, p1 ${quantile(sortedImp, 0.01).toFixed(3)}`,
  );

  console.log("\nper source (at the FMR ≤ 0.1 % threshold and at the default accept threshold):");
  const sources = [...new Set(accuracyPairs.map((p) => p.source))].sort();
  for (const s of sources) {
    const g = gen.filter((p) => p.source === s);
    const i = imp.filter((p) => p.source === s);
    const gd = g.flatMap((p) => (p.distance === null ? [] : [p.distance]));
    const id = i.flatMap((p) => (p.distance === null ? [] : [p.distance]));
    const r = rates(gd, id, t);
    const acc = gd.filter((d) => decide(d) === "accept").length;
    const impAcc = id.filter((d) => decide(d) === "accept").length;
    console.log(
      `  ${s.padEnd(17)} genuine ${String(g.length).padStart(4)} (scored ${gd.length}) FNMR@t ${(100 * r.fnmr).toFixed(1)}%  ` +
        `impostor ${String(i.length).padStart(5)} FMR@t ${(100 * r.fmr).toFixed(2)}%  ` +
        `default: genuine accepted ${acc}/${gd.length}, impostor accepted ${impAcc}/${id.length}`,
    );
  }
  const worst = gen
    .filter((p) => p.distance !== null && p.distance >= t)
    .sort((x, y) => (y.distance ?? 0) - (x.distance ?? 0));
  for (const p of worst.slice(0, 10))
    console.log(`  rejected genuine: ${p.a} ~ ${p.b} d=${p.distance?.toFixed(3)}`);
  const closest = imp
    .filter((p) => p.distance !== null)
    .sort((x, y) => (x.distance ?? 0) - (y.distance ?? 0));
  for (const p of closest.slice(0, 5))
    console.log(`  closest impostor: ${p.a} ~ ${p.b} d=${p.distance?.toFixed(3)}`);

  const same = pairs.filter((p) => p.samePhoto);
  console.log(`\nsame_photo pairs (invariance): ${same.length}`);
  for (const p of same) {
    console.log(
      `  ${p.a} ~ ${p.b}: ${p.distance === null ? "not scored" : `d=${p.distance.toFixed(3)} ${decide(p.distance)}`}`,
    );
  }

  console.log("\nmulti-face images (requireSingleFace):");
  for (const img of MULTI_FACE_IMAGES) {
    const r = await engine.analyze(await readFile(path.join(facesDir, img)), { requireSingleFace: true });
    timings.push(r.timings);
    console.log(`  ${img}: ${r.kind}${r.kind === "multiple_faces" ? ` (${r.count})` : ""}`);
  }

  console.log(
    `\nms per image over ${timings.length} analyses (2-core VM, tfjs wasm):\n  ${summariseTimings(timings)}`,
  );

  const meshMs: number[] = [];
  const meshEmbMs: number[] = [];
  let meshNoFace = 0;
  const frameEmbeddings = new Map<string, Float32Array>();
  for (const img of images) {
    const bytes = await readFile(path.join(facesDir, img));
    const r = await engine.analyzeFrame(bytes);
    meshMs.push(r.ms);
    if (r.kind !== "ok") meshNoFace++;
    const withEmb = await engine.analyzeFrame(bytes, { withEmbedding: true });
    meshEmbMs.push(withEmb.ms);
    if (withEmb.kind === "ok" && withEmb.frame.embedding) frameEmbeddings.set(img, withEmb.frame.embedding);
  }
  const msSummary = (v: number[]): string => {
    const sorted = [...v].sort((x, y) => x - y);
    const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
    return `mean ${mean.toFixed(0)} / p50 ${quantile(sorted, 0.5).toFixed(0)} / p95 ${quantile(sorted, 0.95).toFixed(0)}`;
  };
  console.log(
    `  Human mesh (analyzeFrame, incl. decode): ${msSummary(meshMs)}; no face in ${meshNoFace}/${images.length}`,
  );
  console.log(`  analyzeFrame with embedding: ${msSummary(meshEmbMs)}`);
  frameEmbeddingReport(results, frameEmbeddings, pairs, t);
  console.log(
    `  tensors: ${tensorsAfterWarmup} after warm-up, ${engine.models.tf.memory().numTensors} after ${timings.length + images.length} calls`,
  );

  if (flag("fusion") !== undefined) await fusionReport(engine, images, pairs);

  const degrade = flag("degrade");
  if (degrade !== undefined) await degradedReport(engine, results, pairs, Number(degrade || "80"), t);

  const dump = flag("dump");
  if (dump) {
    await writeFile(dump, JSON.stringify({ pairs, failures }, null, 1));
    console.log(`distances written to ${dump}`);
  }
}

await main();
