/**
 * Synthetic presentation attacks made from genuine captures, for tests and evaluation only.
 * They imitate the visible cues of print and screen attacks; they are not real attacks and
 * figures measured on them are not PAD performance.
 */
import sharp from "sharp";
import type { ActivePrompt } from "./active-challenge.ts";
import type { FlashChallenge, FlashFrame } from "./color-flash.ts";
import { applyH, invertH, type Mat3, mulH } from "./homography.ts";
import { clampByte, jpegRoundTrip, resizeRgb } from "./image-ops.ts";
import type { FaceBox, Point, RandomSource, RgbImage } from "./liveness-types.ts";
import { gaussian } from "./random-source.ts";

export interface AttackCapture {
  readonly species: "print" | "screen-replay";
  readonly image: RgbImage;
  /** The face box of the presented face in the captured image. */
  readonly face: FaceBox;
  readonly landmarks: Point[] | null;
  /** Plane (crop pixel) → capture homography, for mapping anything else. */
  readonly planeToCapture: Mat3;
}

interface Crop {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

function portraitCrop(src: RgbImage, face: FaceBox, grow: number): Crop {
  const cx = face.x + face.width / 2;
  const cy = face.y + face.height / 2;
  let h = Math.max(face.width, face.height) * grow;
  let w = h * 0.75;
  w = Math.min(w, src.width);
  h = Math.min(h, src.height);
  const x = Math.min(Math.max(0, cx - w / 2), src.width - w);
  const y = Math.min(Math.max(0, cy - h / 2), src.height - h);
  return { x: Math.floor(x), y: Math.floor(y), w: Math.floor(w), h: Math.floor(h) };
}

/** Bilinear sample of channel `c` at a real-valued position (clamped to the image). */
function sample(img: RgbImage, x: number, y: number, c: number): number {
  const xx = Math.min(Math.max(x, 0), img.width - 1.001);
  const yy = Math.min(Math.max(y, 0), img.height - 1.001);
  const x0 = Math.floor(xx);
  const y0 = Math.floor(yy);
  const fx = xx - x0;
  const fy = yy - y0;
  const i = (yy0: number, xx0: number): number => img.data[3 * (yy0 * img.width + xx0) + c] ?? 0;
  return (
    (i(y0, x0) * (1 - fx) + i(y0, x0 + 1) * fx) * (1 - fy) +
    (i(y0 + 1, x0) * (1 - fx) + i(y0 + 1, x0 + 1) * fx) * fy
  );
}

/** Smooth two-colour gradient with grain: a stand-in for a room behind the attack instrument. */
function background(
  w: number,
  h: number,
  rng: RandomSource,
): (x: number, y: number) => [number, number, number] {
  const a = [60 + rng.float() * 150, 60 + rng.float() * 150, 60 + rng.float() * 150];
  const b = [40 + rng.float() * 160, 40 + rng.float() * 160, 40 + rng.float() * 160];
  const ang = rng.float() * Math.PI * 2;
  const dx = Math.cos(ang);
  const dy = Math.sin(ang);
  return (x, y) => {
    const t = Math.min(1, Math.max(0, 0.5 + ((x / w - 0.5) * dx + (y / h - 0.5) * dy)));
    const wob = 8 * Math.sin(x * 0.05 + y * 0.031);
    return [
      (a[0] ?? 0) * (1 - t) + (b[0] ?? 0) * t + wob,
      (a[1] ?? 0) * (1 - t) + (b[1] ?? 0) * t + wob,
      (a[2] ?? 0) * (1 - t) + (b[2] ?? 0) * t + wob,
    ];
  };
}

/** Plane (crop px, origin at crop centre) → capture: scale, small rotation, mild perspective, shift. */
function planeHomography(
  crop: Crop,
  scale: number,
  angleDeg: number,
  tilt: readonly [number, number],
  centre: readonly [number, number],
): Mat3 {
  const a = (angleDeg * Math.PI) / 180;
  const toCentre: Mat3 = [1, 0, -crop.w / 2, 0, 1, -crop.h / 2, 0, 0, 1];
  const persp: Mat3 = [1, 0, 0, 0, 1, 0, tilt[0] / crop.w, tilt[1] / crop.h, 1];
  const rs: Mat3 = [
    scale * Math.cos(a),
    -scale * Math.sin(a),
    centre[0],
    scale * Math.sin(a),
    scale * Math.cos(a),
    centre[1],
    0,
    0,
    1,
  ];
  return mulH(rs, mulH(persp, toCentre));
}

function mapBox(h: Mat3, box: FaceBox, crop: Crop): FaceBox {
  const corners: Point[] = [
    [box.x - crop.x, box.y - crop.y],
    [box.x + box.width - crop.x, box.y - crop.y],
    [box.x - crop.x, box.y + box.height - crop.y],
    [box.x + box.width - crop.x, box.y + box.height - crop.y],
  ];
  const pts = corners.map((p) => applyH(h, p));
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

/**
 * Renders the capture by supersampling: `shade(x, y)` returns linear 0–255 RGB at a capture
 * position; pixels integrate `ss×ss` samples like a sensor pixel (which keeps the aliasing that
 * makes moiré), then a mild optical blur, sensor noise and JPEG are applied.
 */
async function capture(
  w: number,
  h: number,
  ss: number,
  shade: (x: number, y: number) => [number, number, number],
  rng: RandomSource,
  noiseSigma: number,
  blurSigma: number,
): Promise<RgbImage> {
  const out = new Uint8Array(w * h * 3);
  const inv = 1 / (ss * ss);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const v = shade(x + (sx + 0.5) / ss, y + (sy + 0.5) / ss);
          r += v[0];
          g += v[1];
          b += v[2];
        }
      }
      const n = noiseSigma * gaussian(rng);
      const i = 3 * (y * w + x);
      out[i] = clampByte(r * inv + n);
      out[i + 1] = clampByte(g * inv + n);
      out[i + 2] = clampByte(b * inv + n);
    }
  }
  const blurred = await sharp(out, { raw: { width: w, height: h, channels: 3 } })
    .blur(Math.max(0.3, blurSigma))
    .raw()
    .toBuffer();
  return jpegRoundTrip({ data: new Uint8Array(blurred), width: w, height: h }, 90);
}

export interface PrintAttackOptions {
  /** Height of the captured image; width is 3/4 of it. @default 480 */
  readonly outputHeight?: number;
  /** Halftone cell (dot pitch) in captured pixels. 150 lpi seen from 20–30 cm by a phone is about 1–2 px. @default 1.5 */
  readonly cellPx?: number;
  /** Printed photo height as a fraction of the frame height. @default random in [0.65, 0.85] */
  readonly coverage?: number;
  /** Supersampling per captured pixel (raise it for cells under 1 px). @default 4 */
  readonly supersample?: number;
  /** Optical blur σ in captured pixels. @default 0.55 */
  readonly opticalBlurPx?: number;
}

/**
 * A printed photo held up to the camera: CMYK rotated-screen halftone, paper white and ink
 * black limits, ink crosstalk (lower saturation), paper grain, uneven light, a visible paper
 * edge on a background, small rotation and perspective.
 */
export async function makePrintAttack(
  src: RgbImage,
  face: FaceBox,
  landmarks: readonly Point[] | null,
  rng: RandomSource,
  options: PrintAttackOptions = {},
): Promise<AttackCapture> {
  const H = options.outputHeight ?? 480;
  const W = Math.round(H * 0.75);
  const ss = options.supersample ?? 4;
  const crop = portraitCrop(src, face, 2.6);
  const coverage = options.coverage ?? 0.65 + rng.float() * 0.2;
  const scale = (coverage * H) / crop.h;
  const hom = planeHomography(
    crop,
    scale,
    (rng.float() - 0.5) * 8,
    [(rng.float() - 0.5) * 0.2, (rng.float() - 0.5) * 0.2],
    [W / 2 + (rng.float() - 0.5) * W * 0.1, H / 2 + (rng.float() - 0.5) * H * 0.1],
  );
  const inv = invertH(hom);
  const cellPlane = (options.cellPx ?? 1.5) / scale;
  const screens = [15, 75, 0, 45].map(
    (d) => [Math.cos((d * Math.PI) / 180), Math.sin((d * Math.PI) / 180)] as const,
  );
  // Reflectance of each ink in R, G, B (crosstalk keeps prints less saturated than the original).
  const inks = [
    [0.2, 0.75, 0.92],
    [0.85, 0.25, 0.7],
    [0.97, 0.93, 0.2],
    [0.14, 0.14, 0.15],
  ] as const;
  const paper = [0.93, 0.92, 0.87];
  const bg = background(W, H, rng);
  const light = [0.9 + rng.float() * 0.15, (rng.float() - 0.5) * 0.3, (rng.float() - 0.5) * 0.3];
  const grainSeed = rng.float() * 1000;
  const shade = (x: number, y: number): [number, number, number] => {
    const p = applyH(inv, [x, y]);
    const u = p[0];
    const v = p[1];
    if (u < 0 || v < 0 || u >= crop.w || v >= crop.h) return bg(x, y);
    const r = sample(src, crop.x + u, crop.y + v, 0) / 255;
    const g = sample(src, crop.x + u, crop.y + v, 1) / 255;
    const b = sample(src, crop.x + u, crop.y + v, 2) / 255;
    let c = 1 - r;
    let m = 1 - g;
    let yy = 1 - b;
    const k = Math.min(c, m, yy) * 0.7;
    c -= k;
    m -= k;
    yy -= k;
    const cover = [c, m, yy, k];
    const refl = [paper[0] ?? 1, paper[1] ?? 1, paper[2] ?? 1];
    for (let ink = 0; ink < 4; ink++) {
      const [cs, sn] = screens[ink] ?? [1, 0];
      const ur = (u * cs + v * sn) / cellPlane;
      const vr = (-u * sn + v * cs) / cellPlane;
      const fu = ur - Math.floor(ur) - 0.5;
      const fv = vr - Math.floor(vr) - 0.5;
      const a = Math.min(1, Math.max(0, cover[ink] ?? 0));
      if (fu * fu + fv * fv < a / Math.PI) {
        const ir = inks[ink] ?? [1, 1, 1];
        refl[0] = (refl[0] ?? 0) * ir[0];
        refl[1] = (refl[1] ?? 0) * ir[1];
        refl[2] = (refl[2] ?? 0) * ir[2];
      }
    }
    const grain = 1 + 0.025 * Math.sin(u * 1.7 + grainSeed) * Math.sin(v * 2.3 - grainSeed);
    const lit =
      ((light[0] ?? 1) + (light[1] ?? 0) * (u / crop.w - 0.5) + (light[2] ?? 0) * (v / crop.h - 0.5)) * grain;
    return [255 * (refl[0] ?? 0) * lit, 255 * (refl[1] ?? 0) * lit, 255 * (refl[2] ?? 0) * lit];
  };
  const image = await capture(W, H, ss, shade, rng, 2, options.opticalBlurPx ?? 0.55);
  return {
    species: "print",
    image,
    face: mapBox(hom, face, crop),
    landmarks: landmarks ? landmarks.map((p) => applyH(hom, [p[0] - crop.x, p[1] - crop.y])) : null,
    planeToCapture: hom,
  };
}

export interface ScreenAttackOptions {
  /** Height of the captured image; width is 3/4 of it. @default 480 */
  readonly outputHeight?: number;
  /** Size of one screen pixel in captured pixels. @default random in [1.1, 1.8] */
  readonly pixelPitchPx?: number;
  /** Screen height as a fraction of the frame height. @default random in [0.55, 0.72] */
  readonly coverage?: number;
  /** Rotation of the screen in the image, degrees. @default random in ±6 (never under 1) */
  readonly angleDeg?: number;
  /** Supersampling per captured pixel (raise it for pitches under 1 px). @default 5 */
  readonly supersample?: number;
  /** Optical blur σ in captured pixels. @default 0.55 */
  readonly opticalBlurPx?: number;
}

/**
 * A phone/tablet replay: the face rendered on an RGB-stripe sub-pixel grid with a black
 * matrix, captured at a small angle and a non-integer scale (moiré), with a raised black level,
 * a display gamma shift, a glare patch and a dark bezel on a background.
 */
export async function makeScreenReplayAttack(
  src: RgbImage,
  face: FaceBox,
  landmarks: readonly Point[] | null,
  rng: RandomSource,
  options: ScreenAttackOptions = {},
): Promise<AttackCapture> {
  const H = options.outputHeight ?? 480;
  const W = Math.round(H * 0.75);
  const ss = options.supersample ?? 5;
  const crop = portraitCrop(src, face, 2.2);
  const pitch = options.pixelPitchPx ?? 1.1 + rng.float() * 0.7;
  const coverage = options.coverage ?? 0.55 + rng.float() * 0.17;
  const screenH = Math.round((coverage * H) / pitch);
  const screenW = Math.round((screenH * crop.w) / crop.h);
  const content = await resizeRgb(
    {
      data: cropData(src, crop),
      width: crop.w,
      height: crop.h,
    },
    screenW,
    screenH,
  );
  // Plane units are crop pixels; the screen shows the crop, so one screen pixel = crop.h / screenH plane px.
  const scale = (coverage * H) / crop.h;
  const sign = rng.float() < 0.5 ? -1 : 1;
  const angle = options.angleDeg ?? sign * (1 + rng.float() * 5);
  const hom = planeHomography(
    crop,
    scale,
    angle,
    [(rng.float() - 0.5) * 0.12, (rng.float() - 0.5) * 0.12],
    [W / 2 + (rng.float() - 0.5) * W * 0.08, H / 2 + (rng.float() - 0.5) * H * 0.08],
  );
  const inv = invertH(hom);
  const pxPlane = crop.h / screenH;
  const bezel = 0.06 * crop.w;
  const black = 0.05 + rng.float() * 0.05;
  const gamma = 0.8 + rng.float() * 0.45;
  const glare = [rng.float() * crop.w, rng.float() * crop.h, 0.15 + rng.float() * 0.2] as const;
  const bg = background(W, H, rng);
  const lut = Float64Array.from({ length: 256 }, (_, v) => black + (1 - black) * (v / 255) ** gamma);
  const shade = (x: number, y: number): [number, number, number] => {
    const p = applyH(inv, [x, y]);
    const u = p[0];
    const v = p[1];
    if (u < -bezel || v < -bezel * 1.6 || u >= crop.w + bezel || v >= crop.h + bezel * 1.6) return bg(x, y);
    if (u < 0 || v < 0 || u >= crop.w || v >= crop.h) {
      const shine = 22 + 10 * (u / crop.w);
      return [shine, shine, shine + 3];
    }
    const su = u / pxPlane;
    const sv = v / pxPlane;
    const px = Math.min(screenW - 1, Math.floor(su));
    const py = Math.min(screenH - 1, Math.floor(sv));
    const fu = su - Math.floor(su);
    const fv = sv - Math.floor(sv);
    const sub = Math.min(2, Math.floor(fu * 3));
    const inStripe = fu * 3 - sub < 0.8 && fv < 0.85;
    const dx = (u - glare[0]) / crop.w;
    const dy = (v - glare[1]) / crop.h;
    const gl = 255 * glare[2] * Math.exp(-(dx * dx + dy * dy) * 18);
    const out: [number, number, number] = [gl, gl, gl];
    if (inStripe) {
      const val = content.data[3 * (py * screenW + px) + sub] ?? 0;
      // A lit sub-pixel covers 1/3 × 0.8 × 0.85 of the pixel area: compensate so the mean matches.
      out[sub] = (out[sub] ?? 0) + (255 * (lut[val] ?? 0)) / ((0.8 * 0.85) / 3) / 3;
    }
    return out;
  };
  const image = await capture(W, H, ss, shade, rng, 2.5, options.opticalBlurPx ?? 0.55);
  return {
    species: "screen-replay",
    image,
    face: mapBox(hom, face, crop),
    landmarks: landmarks ? landmarks.map((p) => applyH(hom, [p[0] - crop.x, p[1] - crop.y])) : null,
    planeToCapture: hom,
  };
}

function cropData(src: RgbImage, crop: Crop): Uint8Array {
  const out = new Uint8Array(crop.w * crop.h * 3);
  for (let y = 0; y < crop.h; y++) {
    const s = 3 * ((crop.y + y) * src.width + crop.x);
    out.set(src.data.subarray(s, s + 3 * crop.w), 3 * y * crop.w);
  }
  return out;
}

/** One frame of face metadata as a face engine would report it. */
export interface MotionFrame {
  readonly t: number;
  readonly face: FaceBox;
  readonly landmarks: Point[];
  /** Degrees; positive = subject's own right (face-engine convention, see active-challenge.ts). */
  readonly yawDeg: number;
  readonly pitchDeg: number;
  readonly rollDeg: number;
  readonly eyeOpenness: number;
  readonly smile: number;
  readonly faceCount: number;
}

export interface LoopedStillOptions {
  /** @default 60 */
  readonly frames?: number;
  /** @default 30 */
  readonly fps?: number;
  /** Translation jitter in px (±). @default 1.5 */
  readonly jitterPx?: number;
  /**
   * Swing the photo about its vertical axis by up to this angle (a plane rotating in 3-D, i.e. a
   * homography of the landmarks). The reported yaw follows it: the attacker's best case.
   * @default 0
   */
  readonly tiltDeg?: number;
  /** Landmark detector noise, px (σ). @default 0.6 */
  readonly landmarkNoisePx?: number;
  /** The still's yaw as reported by the face engine. @default 0 */
  readonly baseYawDeg?: number;
}

/** A looped-still frame: the metadata plus the transform applied to the still (for rendering). */
export interface LoopedStillFrame extends MotionFrame {
  readonly transform: Mat3;
}

/**
 * A looped still: one captured face replayed with small affine jitter, no blink, no smile
 * change and no parallax. Landmarks follow the same transform (plus detector noise).
 */
export function makeLoopedStillFrames(
  face: FaceBox,
  landmarks: readonly Point[],
  rng: RandomSource,
  options: LoopedStillOptions = {},
): LoopedStillFrame[] {
  const n = options.frames ?? 60;
  const fps = options.fps ?? 30;
  const jitter = options.jitterPx ?? 1.5;
  const tilt = options.tiltDeg ?? 0;
  const noise = options.landmarkNoisePx ?? 0.6;
  const cx = face.x + face.width / 2;
  const cy = face.y + face.height / 2;
  const focal = face.width * 6;
  const out: LoopedStillFrame[] = [];
  for (let k = 0; k < n; k++) {
    const theta = ((tilt * Math.PI) / 180) * Math.sin((2 * Math.PI * k) / Math.max(2, n));
    const rot = ((rng.float() - 0.5) * Math.PI) / 180;
    const sc = 1 + (rng.float() - 0.5) * 0.02;
    const tx = (rng.float() - 0.5) * 2 * jitter;
    const ty = (rng.float() - 0.5) * 2 * jitter;
    // Plane rotated by theta about the vertical axis through the face centre (pinhole projection),
    // then the hand's small rotation, scale and shift.
    const toCentre: Mat3 = [1, 0, -cx, 0, 1, -cy, 0, 0, 1];
    const swing: Mat3 = [focal * Math.cos(theta), 0, 0, 0, focal, 0, Math.sin(theta), 0, focal];
    const hand: Mat3 = [
      sc * Math.cos(rot),
      -sc * Math.sin(rot),
      cx + tx,
      sc * Math.sin(rot),
      sc * Math.cos(rot),
      cy + ty,
      0,
      0,
      1,
    ];
    const transform = mulH(hand, mulH(swing, toCentre));
    const lm = landmarks.map((p): Point => {
      const q = applyH(transform, p);
      return [q[0] + noise * gaussian(rng), q[1] + noise * gaussian(rng)];
    });
    const xs = lm.map((p) => p[0]);
    const ys = lm.map((p) => p[1]);
    const bx = Math.min(...xs);
    const by = Math.min(...ys);
    out.push({
      t: Math.round((k * 1000) / fps + (rng.float() - 0.5) * 4),
      face: { x: bx, y: by, width: Math.max(...xs) - bx, height: Math.max(...ys) - by },
      landmarks: lm,
      yawDeg: (options.baseYawDeg ?? 0) + (theta * 180) / Math.PI,
      pitchDeg: 0,
      rollDeg: (rot * 180) / Math.PI,
      eyeOpenness: 0.85 + (rng.float() - 0.5) * 0.04,
      smile: 0.1,
      faceCount: 1,
      transform,
    });
  }
  return out;
}

export interface SwungStillResponseOptions {
  /** Frames captured per prompt. @default 8 */
  readonly framesPerPrompt?: number;
  /** @default 8 (the widget's 125 ms frame interval) */
  readonly fps?: number;
  /** Swing during a turn prompt, degrees. @default 28 */
  readonly tiltDeg?: number;
  /** Time of the first frame, ms since the active phase began. @default 200 */
  readonly startMs?: number;
}

/**
 * A still (photo or print) answering an active challenge, the attacker's best case: during each turn
 * prompt it is swung ±`tiltDeg` about its vertical axis (both directions, so either yaw sign is
 * offered), for the other prompts it is held still. Frame times are ms since the phase began.
 */
export function makeSwungStillResponse(
  face: FaceBox,
  landmarks: readonly Point[],
  prompts: readonly ActivePrompt[],
  rng: RandomSource,
  options: SwungStillResponseOptions = {},
): LoopedStillFrame[] {
  const n = options.framesPerPrompt ?? 8;
  const fps = options.fps ?? 8;
  const start = options.startMs ?? 200;
  const out: LoopedStillFrame[] = [];
  prompts.forEach((prompt, i) => {
    const turn = prompt === "turn_left" || prompt === "turn_right";
    const clip = makeLoopedStillFrames(face, landmarks, rng, {
      frames: n,
      fps,
      tiltDeg: turn ? (options.tiltDeg ?? 28) : 0,
      jitterPx: 1,
    });
    const offset = start + (i * n * 1000) / fps;
    for (const f of clip) out.push({ ...f, t: Math.round(offset + f.t) });
  });
  return out;
}

/** Renders `image` through a looped-still frame's transform (bilinear; edges clamped). */
export function renderLoopedStillFrame(image: RgbImage, frame: LoopedStillFrame): RgbImage {
  const inv = invertH(frame.transform);
  const data = new Uint8Array(image.width * image.height * 3);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const p = applyH(inv, [x, y]);
      const i = 3 * (y * image.width + x);
      for (let c = 0; c < 3; c++) data[i + c] = clampByte(sample(image, p[0], p[1], c));
    }
  }
  return { data, width: image.width, height: image.height };
}

/**
 * A flash-ignoring replay: the frames a camera would record of a video (or photo) during a
 * colour-flash challenge when the face does not reflect the screen: noise and drift, no tint.
 */
export function makeFlashIgnoringVideo(
  base: RgbImage,
  face: FaceBox,
  challenge: FlashChallenge,
  rng: RandomSource,
  options: Omit<FlashRenderOptions, "mode" | "reflected"> = {},
): Promise<FlashFrame[]> {
  return renderFlashResponse(base, face, challenge, rng, { ...options, mode: "none" });
}

export interface FlashRenderOptions {
  /** @default 30 */
  readonly fps?: number;
  /** Display-to-camera delay, ms. @default 80 */
  readonly lagMs?: number;
  /** Relative reflectance change at full tint. @default 0.25 */
  readonly strength?: number;
  /** Sensor noise σ in grey levels. @default 3 */
  readonly noise?: number;
  /** Auto-white-balance drift: per-channel gain change over the clip (±). @default 0.03 */
  readonly awbDrift?: number;
  /**
   * "face": tint falls off outside the face (a real screen lighting a nearby face);
   * "global": the whole frame is tinted (an overlay on a replayed video); "none": no tint.
   * @default "face"
   */
  readonly mode?: "face" | "global" | "none";
  /** The colour sequence actually reflected; defaults to the challenge (a wrong one simulates a guess). */
  readonly reflected?: FlashChallenge;
  /** Width the base image is reduced to before rendering (speed). @default 240 */
  readonly width?: number;
}

/**
 * Simulates the frames a camera records during a colour-flash challenge, from one still: the
 * genuine case (face-localised tint following the schedule with lag, noise and white-balance
 * drift) and the attacks (no tint, a wrong sequence, a global tint).
 */
export async function renderFlashResponse(
  base: RgbImage,
  face: FaceBox,
  challenge: FlashChallenge,
  rng: RandomSource,
  options: FlashRenderOptions = {},
): Promise<FlashFrame[]> {
  const width = Math.min(base.width, options.width ?? 240);
  const s = width / base.width;
  const height = Math.round(base.height * s);
  const img = await resizeRgb(base, width, height);
  const box: FaceBox = { x: face.x * s, y: face.y * s, width: face.width * s, height: face.height * s };
  const fps = options.fps ?? 30;
  const lag = options.lagMs ?? 80;
  const strength = options.strength ?? 0.25;
  const noise = options.noise ?? 3;
  const drift = options.awbDrift ?? 0.03;
  const mode = options.mode ?? "face";
  const reflected = options.reflected ?? challenge;
  const driftDir = [rng.float() - 0.5, rng.float() - 0.5, rng.float() - 0.5].map((v) => v * 2 * drift);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const mask = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mode === "global") {
        mask[y * width + x] = 1;
        continue;
      }
      const dx = (x - cx) / (box.width * 0.6);
      const dy = (y - cy) / (box.height * 0.65);
      const r = Math.sqrt(dx * dx + dy * dy);
      // Light from a screen a few cm away falls off fast: full on the face, little on the room.
      mask[y * width + x] = r <= 1 ? 1 : Math.max(0, 1 - (r - 1) / 0.8) * 0.8 + 0.03;
    }
  }
  const frames: FlashFrame[] = [];
  const count = Math.ceil((challenge.totalMs / 1000) * fps);
  for (let k = 0; k < count; k++) {
    const t = Math.round((k * 1000) / fps + (rng.float() - 0.5) * 6);
    const shown = reflected.segments.find(
      (sg) => t - lag >= sg.startMs && t - lag < sg.startMs + sg.durationMs,
    );
    const tint = mode === "none" || !shown ? [0, 0, 0] : shown.rgb.map((v) => v / 255 - 1 / 3);
    const frac = t / challenge.totalMs;
    const gains = [0, 1, 2].map((c) => 1 + (driftDir[c] ?? 0) * frac);
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) {
      const m = (mask[i] ?? 0) * strength;
      const n = noise * gaussian(rng);
      for (let c = 0; c < 3; c++) {
        const v = (img.data[3 * i + c] ?? 0) * (gains[c] ?? 1) * (1 + m * (tint[c] ?? 0) * 1.5);
        data[3 * i + c] = clampByte(v + n);
      }
    }
    frames.push({ t, image: { data, width, height }, face: box });
  }
  return frames;
}
