/**
 * Whether a liveness prompt is visibly done, from on-device face measures: the person sees it at once.
 * The server decides on its own re-measurement of the frames; these thresholds only guide.
 * Human's convention: yaw > 0 when the person turns to their OWN right, on the unmirrored frame.
 * @module
 */

export interface FaceMeasures {
  /** Degrees. */
  yaw: number;
  pitch: number;
  roll: number;
  /** Either eye closed in this frame. */
  eyesClosed: boolean;
  /** The "happy" emotion score, 0…1. */
  smile: number;
}

export const GUIDE_THRESHOLDS = { turnDeg: 20, smile: 0.6 } as const;

export function promptDone(prompt: string, m: FaceMeasures): boolean {
  switch (prompt) {
    case "turn_left":
      return m.yaw <= -GUIDE_THRESHOLDS.turnDeg;
    case "turn_right":
      return m.yaw >= GUIDE_THRESHOLDS.turnDeg;
    case "smile":
      return m.smile >= GUIDE_THRESHOLDS.smile;
    case "blink":
      return m.eyesClosed;
    default:
      return false;
  }
}
