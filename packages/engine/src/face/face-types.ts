/**
 * Public types of the face engine: inputs, the discriminated analysis outcomes and the mesh result.
 * @module
 */

/** Decoded pixels handed in by a caller that already holds raw data (e.g. a video frame). */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  /** 1 = grey, 3 = RGB, 4 = RGBA (alpha is flattened onto grey). */
  channels: 1 | 3 | 4;
}

export type ImageInput = Buffer | Uint8Array | RawImage;

/** Axis-aligned box in pixels of the (EXIF-rotated) input image. Landmarks use the same coordinates. */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point2 {
  x: number;
  y: number;
}

/**
 * Head pose in degrees. Sign convention (same as Human): yaw > 0 when the face turns towards the
 * image's left side (the subject's right), pitch > 0 when the head tilts down, roll > 0 when the
 * head tilts clockwise in the image. A mirrored image flips the signs of yaw and roll.
 */
export interface HeadPose {
  yaw: number;
  pitch: number;
  roll: number;
}

export interface FaceQuality {
  /** Variance of the Laplacian of the grey face chip; higher is sharper. */
  sharpness: number;
  /** Mean luminance of the face chip, 0–255. */
  brightness: number;
  /** Width of the face box in pixels of the full-resolution image. */
  faceSizePx: number;
  /** True when the face box touches or leaves the frame edge. */
  cutOff: boolean;
}

export interface DetectedFace {
  box: FaceBox;
  /** Detector confidence, 0–1. */
  score: number;
  /** 68 iBUG-ordered landmarks in image pixels. */
  landmarks: Point2[];
  pose: HeadPose;
  /** 128-d dlib-ResNet descriptor (mirror-averaged); compare with `compareEmbeddings`. */
  embedding: Float32Array;
  quality: FaceQuality;
}

/** Milliseconds spent per stage of one `analyze` call. */
export interface FaceTimings {
  decode: number;
  detect: number;
  landmarks: number;
  descriptor: number;
  total: number;
}

/** Why a face could not be used; every one of these is a normal outcome, not an error. */
export type FaceRejectionKind =
  | "image_unreadable"
  | "no_face"
  | "multiple_faces"
  | "face_too_small"
  | "face_cut_off"
  | "face_blurred";

export type FaceAnalysis =
  | { kind: "ok"; face: DetectedFace; faces: number; timings: FaceTimings }
  | { kind: "image_unreadable"; reason: string; timings: FaceTimings }
  | { kind: "no_face"; timings: FaceTimings }
  | { kind: "multiple_faces"; count: number; boxes: FaceBox[]; timings: FaceTimings }
  | { kind: "face_too_small"; box: FaceBox; faceSizePx: number; minFaceSize: number; timings: FaceTimings }
  | { kind: "face_cut_off"; box: FaceBox; timings: FaceTimings }
  | { kind: "face_blurred"; box: FaceBox; sharpness: number; minSharpness: number; timings: FaceTimings };

export interface AnalyzeOptions {
  /** Reject images in which more than one significant face is visible. */
  requireSingleFace: boolean;
  /** Minimum face box width in full-resolution pixels. */
  minFaceSize?: number;
}

/** Per-frame signals for active liveness, from Human's face mesh. */
export interface FaceFrameSignals {
  box: FaceBox;
  /** Detector confidence, 0–1. */
  score: number;
  pose: HeadPose;
  /**
   * Eye openness as Human measures it (eyelid gap / eye-region height); Human reports a blink below 0.2.
   * "left"/"right" are the subject's, as in Human's gestures.
   */
  eyes: { left: number; right: number };
  /** Mouth opening, 0–100 (Human's "mouth N% open"). */
  mouthOpen: number;
  /** Probability of the "happy" expression, 0–1 (0 when the emotion model saw nothing). */
  smile: number;
  /** Human's gesture strings, for logs and guidance text. */
  gestures: string[];
  /**
   * 128-d descriptor of the same face (only with `withEmbedding`), to check that every liveness frame
   * shows the selfie's person. Cropped from Human's mesh, so the detector runs once per frame.
   */
  embedding?: Float32Array;
  /**
   * The 68 iBUG-ordered landmarks (image pixels) the descriptor was aligned with (only with
   * `withEmbedding`, and only when the descriptor was computed): the multi-frame depth check
   * (`planarMotionSignal`) reads them.
   */
  landmarks?: Point2[];
}

export interface AnalyzeFrameOptions {
  /** Also compute the face descriptor and the 68 landmarks (about +80 ms). @default false */
  withEmbedding?: boolean;
}

export type FaceFrameAnalysis =
  | { kind: "ok"; frame: FaceFrameSignals; faces: number; ms: number }
  | { kind: "image_unreadable"; reason: string; ms: number }
  | { kind: "no_face"; ms: number };
