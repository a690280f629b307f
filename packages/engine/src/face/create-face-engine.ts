/**
 * The face engine: one instance holds the loaded models and answers `analyze` (detect → quality →
 * landmarks → descriptor), `analyzeFrame` (Human mesh signals for active liveness) and `compare`.
 * @module
 */
import type * as TfCore from "@tensorflow/tfjs-core";
import {
  compareEmbeddings,
  type FaceComparison,
  type MatchThresholds,
  resolveMatchThresholds,
} from "./compare-embeddings.ts";
import { type ComparePairsOptions, comparePairs, type PairRecord } from "./compare-pairs.ts";
import { decodeImage, type RgbImage } from "./decode-image.ts";
import {
  type AlignOptions,
  alignTransform,
  boxCropTransform,
  estimatePose,
  isCutOff,
} from "./face-geometry.ts";
import { measureChip } from "./face-quality.ts";
import type {
  AnalyzeFrameOptions,
  AnalyzeOptions,
  FaceAnalysis,
  FaceBox,
  FaceFrameAnalysis,
  FaceTimings,
  ImageInput,
  Point2,
} from "./face-types.ts";
import { type FaceModels, loadFaceModels } from "./load-face-models.ts";
import { applyAffine, mirrorChip, warpToChip } from "./warp-image.ts";

export interface FaceEngineOptions {
  /** Long side of the detector's input; SSD works at 512² internally, so more only costs time. @default 640 */
  detectSide?: number;
  /** Long side the full image is bounded to before cropping the face. @default 2048 */
  maxSide?: number;
  /** SSD score below which a detection is ignored. @default 0.5 */
  minConfidence?: number;
  /**
   * A second face counts towards `multiple_faces` only if its box is at least this fraction of the
   * largest face's width. A stranger far behind a selfie (a small face) must not fail a genuine user,
   * while two people side by side, or a photo of a face held next to the user, have similar sizes.
   * @default 0.4
   */
  secondaryFaceRatio?: number;
  /**
   * Default for `AnalyzeOptions.minFaceSize`, in full-resolution pixels of face-box width. Measured
   * (eval-faces.ts --degrade): at 80 px faces matching is as good as at full size (FNMR 0.6 % at
   * FMR ≤ 0.1 %), at 50 px it drops (FNMR ≈ 9 %) but impostors are still not accepted, so 40 is the
   * floor at which the detector and descriptor still work; callers may ask for more.
   * @default 40
   */
  minFaceSize?: number;
  /** Laplacian variance of the face chip below which the face is `face_blurred`. @default 12 */
  minSharpness?: number;
  /** Descriptor crop; the defaults are the best setting measured by eval-faces.ts. */
  align?: Partial<Omit<AlignOptions, "size">>;
  /** Average the descriptor of the face and of its mirror image (test-time augmentation). @default true */
  mirrorAugment?: boolean;
  /** Match thresholds on the calibrated similarity (company overrides go through the decision engine). */
  thresholds?: Partial<MatchThresholds>;
  /**
   * Face detector for `analyze`: face-api's SSD MobileNet, or Human's BlazeFace (experimental).
   * Measured by eval-faces.ts on the same 159/2,111 pairs: SSD FNMR 0 % at FMR ≤ 0.1 %, BlazeFace
   * 2.5 %; BlazeFace detects in ~25 ms instead of ~200 ms but misses cut-off faces (its box is not
   * clipped by the frame) and fewer background faces. Use it only where speed beats accuracy.
   * @default "ssd"
   */
  detector?: "ssd" | "blazeface";
  /** Reuse models already loaded (e.g. by another engine instance in tests). */
  models?: FaceModels;
}

export interface FaceEngine {
  analyze(image: ImageInput, opts: AnalyzeOptions): Promise<FaceAnalysis>;
  /** Human mesh on one frame: pose, eye openness, mouth, smile; the descriptor only on request. */
  analyzeFrame(image: ImageInput, opts?: AnalyzeFrameOptions): Promise<FaceFrameAnalysis>;
  /** `comparePairs` bound to this engine (for `verimat compare --pairs FILE.csv`). */
  comparePairs(csvPath: string, opts?: ComparePairsOptions): AsyncGenerator<PairRecord>;
  compare(a: Float32Array, b: Float32Array): FaceComparison;
  readonly thresholds: Readonly<MatchThresholds>;
  readonly models: FaceModels;
  /** Frees the model weights if this engine loaded them (models passed in belong to the caller). */
  dispose(): void;
}

const CHIP = 150;
const LANDMARK_INPUT = 112;
const DEG = 180 / Math.PI;

interface Detection {
  box: FaceBox;
  score: number;
}

function zeroTimings(): FaceTimings {
  return { decode: 0, detect: 0, landmarks: 0, descriptor: 0, total: 0 };
}

/** The SSD box a face's landmarks imply (ratios measured on the evaluation photos, sd ≈ 3–8 %). */
function boxFromLandmarks(landmarks: Point2[]): FaceBox {
  const xs = landmarks.map((p) => p.x);
  const ys = landmarks.map((p) => p.y);
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs);
  const minY = Math.min(...ys);
  const maxY = Math.max(...ys);
  const w = maxX - minX;
  const h = maxY - minY;
  const width = 0.96 * w;
  const height = 1.31 * h;
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2 - 0.145 * h;
  return { x: cx - width / 2, y: cy - height / 2, width, height };
}

function scaleBox(b: FaceBox, s: number): FaceBox {
  return { x: b.x * s, y: b.y * s, width: b.width * s, height: b.height * s };
}

/** Serialises calls on one instance: Human keeps per-call state and tfjs-wasm is single-threaded anyway. */
function createQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * Loads the models (once per instance) and returns the engine.
 * @throws AppError("UNAVAILABLE") when a model cannot be loaded.
 */
export async function createFaceEngine(options: FaceEngineOptions = {}): Promise<FaceEngine> {
  const ownsModels = options.models === undefined;
  const models = options.models ?? (await loadFaceModels());
  const { tf, faceapi, human } = models;
  const detectSide = options.detectSide ?? 640;
  const maxSide = options.maxSide ?? 2048;
  const minConfidence = options.minConfidence ?? 0.5;
  const secondaryFaceRatio = options.secondaryFaceRatio ?? 0.4;
  const defaultMinFaceSize = options.minFaceSize ?? 40;
  const minSharpness = options.minSharpness ?? 12;
  const align: AlignOptions = {
    size: CHIP,
    margin: options.align?.margin ?? 0.1,
    levelEyes: options.align?.levelEyes ?? true,
  };
  const mirrorAugment = options.mirrorAugment ?? true;
  const detector = options.detector ?? "ssd";
  const thresholds = Object.freeze(resolveMatchThresholds(options.thresholds));
  const serial = createQueue();
  const ssdOptions = new faceapi.SsdMobilenetv1Options({ minConfidence, maxResults: 20 });

  async function detect(det: RgbImage): Promise<Detection[]> {
    const input = tf.tensor3d(det.data, [det.height, det.width, 3], "int32");
    try {
      const found = await models.nets.detector.locateFaces(input, ssdOptions);
      return found.map((d) => ({
        box: { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height },
        score: d.score,
      }));
    } finally {
      tf.dispose(input);
    }
  }

  // Human merges per-call config into its instance config for good, so every call states what it needs.
  const passiveOff = {
    description: { enabled: false },
    antispoof: { enabled: false },
    liveness: { enabled: false },
  };
  const blazefaceOnly = {
    face: {
      detector: { maxDetected: 20, minConfidence },
      mesh: { enabled: false },
      iris: { enabled: false },
      emotion: { enabled: false },
      ...passiveOff,
    },
  };
  const fullMesh = {
    face: {
      detector: { maxDetected: 3, minConfidence: 0.3 },
      mesh: { enabled: true },
      iris: { enabled: true },
      emotion: { enabled: true },
      ...passiveOff,
    },
  };

  async function detectBlazeface(det: RgbImage): Promise<Detection[]> {
    const input = tf.tensor4d(det.data, [1, det.height, det.width, 3], "int32");
    try {
      const result = await human.detect(input, blazefaceOnly);
      // BlazeFace's box is Human's mesh crop, about 1.8× an SSD box; map it to SSD's framing (ratios
      // measured on the evaluation photos) so that size rules and the landmark crop mean the same.
      return result.face.map((f) => {
        const [x, y, w, h] = f.box;
        const width = 0.57 * w;
        const height = 0.71 * h;
        const cx = x + 0.49 * w;
        const cy = y + 0.43 * h;
        return { box: { x: cx - width / 2, y: cy - height / 2, width, height }, score: f.boxScore };
      });
    } finally {
      tf.dispose(input);
    }
  }

  async function landmarksFor(full: RgbImage, box: FaceBox): Promise<Point2[]> {
    const m = boxCropTransform(box, LANDMARK_INPUT);
    const chip = warpToChip(full, m, LANDMARK_INPUT, box);
    const input = tf.tensor3d(chip, [LANDMARK_INPUT, LANDMARK_INPUT, 3], "float32");
    try {
      const result = await models.nets.landmarks.detectLandmarks(input);
      const one = Array.isArray(result) ? result[0] : result;
      if (!one) return [];
      return one.positions.map((p) => applyAffine(m, { x: p.x, y: p.y }));
    } finally {
      tf.dispose(input);
    }
  }

  async function describe(chip: Float32Array): Promise<Float32Array> {
    const chips = mirrorAugment ? [chip, mirrorChip(chip, CHIP)] : [chip];
    const inputs: TfCore.Tensor3D[] = chips.map((c) => tf.tensor3d(c, [CHIP, CHIP, 3], "float32"));
    try {
      const out = await models.nets.recognition.computeFaceDescriptor(inputs);
      const list = Array.isArray(out) ? out : [out];
      const first = list[0];
      if (!first) throw new Error("descriptor net returned nothing");
      const avg = new Float32Array(first.length);
      for (const d of list)
        for (let i = 0; i < avg.length; i++) avg[i] = (avg[i] ?? 0) + (d[i] ?? 0) / list.length;
      return avg;
    } finally {
      tf.dispose(inputs);
    }
  }

  async function analyzeNow(image: ImageInput, opts: AnalyzeOptions): Promise<FaceAnalysis> {
    const timings = zeroTimings();
    const t0 = performance.now();
    const done = (): FaceTimings => {
      timings.total = performance.now() - t0;
      return timings;
    };
    const decoded = await decodeImage(image, { maxSide, detectSide });
    timings.decode = performance.now() - t0;
    if (!decoded.ok) return { kind: "image_unreadable", reason: decoded.reason, timings: done() };
    const { full, det, scale, sourceScale } = decoded.image;
    // Work in `full` pixels; report in the caller's pixels (they differ only above `maxSide`).
    const src = (b: FaceBox): FaceBox => scaleBox(b, sourceScale);

    const t1 = performance.now();
    const found = detector === "ssd" ? await detect(det) : await detectBlazeface(det);
    const detections = found.map((d) => ({ box: scaleBox(d.box, scale), score: d.score }));
    timings.detect = performance.now() - t1;
    if (detections.length === 0) return { kind: "no_face", timings: done() };

    detections.sort((a, b) => b.box.width - a.box.width);
    const [main] = detections;
    if (!main) return { kind: "no_face", timings: done() };
    const significant = detections.filter((d) => d.box.width >= secondaryFaceRatio * main.box.width);
    if (opts.requireSingleFace && significant.length > 1) {
      return {
        kind: "multiple_faces",
        count: significant.length,
        boxes: significant.map((d) => src(d.box)),
        timings: done(),
      };
    }

    const minFaceSize = opts.minFaceSize ?? defaultMinFaceSize;
    const faceSizePx = main.box.width * sourceScale;
    if (faceSizePx < minFaceSize) {
      return { kind: "face_too_small", box: src(main.box), faceSizePx, minFaceSize, timings: done() };
    }

    const t2 = performance.now();
    let landmarks = await landmarksFor(full, main.box);
    if (detector === "blazeface" && landmarks.length === 68) {
      // The mapped BlazeFace box is only roughly SSD-like; re-crop from the first landmarks.
      main.box = boxFromLandmarks(landmarks);
      landmarks = await landmarksFor(full, main.box);
    }
    timings.landmarks = performance.now() - t2;
    if (landmarks.length !== 68) return { kind: "no_face", timings: done() };
    if (isCutOff(main.box, landmarks, full.width, full.height)) {
      return { kind: "face_cut_off", box: src(main.box), timings: done() };
    }

    const t3 = performance.now();
    const chip = warpToChip(full, alignTransform(landmarks, align), CHIP);
    const { sharpness, brightness } = measureChip(chip, CHIP);
    if (sharpness < minSharpness) {
      timings.descriptor = performance.now() - t3;
      return { kind: "face_blurred", box: src(main.box), sharpness, minSharpness, timings: done() };
    }
    const embedding = await describe(chip);
    timings.descriptor = performance.now() - t3;

    return {
      kind: "ok",
      faces: significant.length,
      face: {
        box: src(main.box),
        score: main.score,
        landmarks: landmarks.map((p) => ({ x: p.x * sourceScale, y: p.y * sourceScale })),
        pose: estimatePose(landmarks),
        embedding,
        quality: { sharpness, brightness, faceSizePx, cutOff: false },
      },
      timings: done(),
    };
  }

  /**
   * Descriptor from Human's mesh: five mesh points stand in for the 68-point bounding box (cheek
   * edges 234/454, chin 152, brow tops 105/334), give an SSD-like box, and one landmark re-crop
   * settles the framing before the usual eye-levelled chip. Returns the 68 landmarks (in `full`
   * pixels) with the descriptor: they cost nothing more here.
   */
  async function embedFromMesh(
    full: RgbImage,
    mesh: Point2[],
  ): Promise<{ embedding: Float32Array; landmarks: Point2[] } | undefined> {
    const proxies = [234, 454, 152, 105, 334].flatMap((i) => (mesh[i] ? [mesh[i]] : []));
    if (proxies.length < 5) return undefined;
    let landmarks = await landmarksFor(full, boxFromLandmarks(proxies));
    if (landmarks.length !== 68) return undefined;
    landmarks = await landmarksFor(full, boxFromLandmarks(landmarks));
    if (landmarks.length !== 68) return undefined;
    return { embedding: await describe(warpToChip(full, alignTransform(landmarks, align), CHIP)), landmarks };
  }

  async function analyzeFrameNow(image: ImageInput, opts: AnalyzeFrameOptions): Promise<FaceFrameAnalysis> {
    const t0 = performance.now();
    // Without a descriptor nothing needs more pixels than the detector gets.
    const decoded = await decodeImage(image, {
      maxSide: opts.withEmbedding ? maxSide : detectSide,
      detectSide,
    });
    if (!decoded.ok) return { kind: "image_unreadable", reason: decoded.reason, ms: performance.now() - t0 };
    const { full, det, scale, sourceScale } = decoded.image;
    const input = tf.tensor4d(det.data, [1, det.height, det.width, 3], "int32");
    try {
      const result = await human.detect(input, fullMesh);
      const faces = result.face.filter((f) => f.mesh.length >= 468);
      faces.sort((a, b) => b.box[2] - a.box[2]);
      const f = faces[0];
      if (!f) return { kind: "no_face", ms: performance.now() - t0 };
      const mesh = f.mesh;
      const y = (i: number): number => mesh[i]?.[1] ?? 0;
      const ratio = (a: number, b: number, c: number, d: number): number => {
        const den = Math.abs(y(c) - y(d));
        return den > 0 ? Math.abs(y(a) - y(b)) / den : 0;
      };
      const angle = f.rotation?.angle ?? { yaw: 0, pitch: 0, roll: 0 };
      const happy = f.emotion?.find((e) => e.emotion === "happy")?.score ?? 0;
      const gestures = result.gesture.filter((g) => "face" in g && g.face === f.id).map((g) => g.gesture);
      const embedded = opts.withEmbedding
        ? await embedFromMesh(
            full,
            mesh.map((p) => ({ x: (p[0] ?? 0) * scale, y: (p[1] ?? 0) * scale })),
          )
        : undefined;
      const box = { x: f.box[0], y: f.box[1], width: f.box[2], height: f.box[3] };
      return {
        kind: "ok",
        faces: faces.length,
        frame: {
          box: scaleBox(box, scale * sourceScale),
          score: f.score,
          pose: { yaw: angle.yaw * DEG, pitch: angle.pitch * DEG, roll: angle.roll * DEG },
          // Same landmark pairs as Human's "blink left/right eye" gestures, so thresholds carry over.
          eyes: { left: ratio(374, 386, 443, 450), right: ratio(145, 159, 223, 230) },
          mouthOpen: Math.min(100, 500 * ratio(13, 14, 10, 152)),
          smile: happy,
          gestures,
          ...(embedded
            ? {
                embedding: embedded.embedding,
                landmarks: embedded.landmarks.map((p) => ({ x: p.x * sourceScale, y: p.y * sourceScale })),
              }
            : {}),
        },
        ms: performance.now() - t0,
      };
    } finally {
      tf.dispose(input);
    }
  }

  const engine: FaceEngine = {
    analyze: (image, opts) => serial(() => analyzeNow(image, opts)),
    analyzeFrame: (image, opts = {}) => serial(() => analyzeFrameNow(image, opts)),
    comparePairs: (csvPath, opts) => comparePairs(engine, csvPath, opts),
    compare: compareEmbeddings,
    thresholds,
    models,
    dispose: () => {
      if (ownsModels) models.dispose();
    },
  };
  return engine;
}
