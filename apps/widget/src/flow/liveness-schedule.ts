/**
 * The timing of a liveness challenge as the server issued it (`POST /api/widget/liveness/challenge`):
 * which flash colour fills the screen at a time, and how long a prompt shows without tracking. Pure, so the timing the
 * server will check against is tested without a browser.
 * @module
 */

export interface FlashSegment {
  color: string;
  rgb: readonly [number, number, number];
  /** ms since the flash phase began */
  startMs: number;
  durationMs: number;
}

export interface LivenessChallenge {
  nonce: string;
  prompts: readonly string[];
  windowMs: { perPrompt: number; total: number };
  flash: { leadInMs: number; segments: readonly FlashSegment[]; tailMs: number; totalMs: number };
}

/** Frames per second sent to the server: enough for blinks (≥ 2 frames in 400 ms), light on uploads. */
export const FRAME_INTERVAL_MS = 125;

/** The colour on screen at `t` ms into the flash phase; null in the neutral lead-in and tail. */
export function flashColorAt(
  flash: LivenessChallenge["flash"],
  t: number,
): readonly [number, number, number] | null {
  const seg = flash.segments.find((s) => t >= s.startMs && t < s.startMs + s.durationMs);
  return seg ? seg.rgb : null;
}

/**
 * How long each prompt stays up. Without on-device tracking the widget cannot see a prompt done, so it
 * shows each for a fixed share of the server's per-prompt window, leaving slack for upload jitter.
 */
export function promptShowMs(challenge: LivenessChallenge): number {
  return Math.max(1500, Math.min(3000, challenge.windowMs.perPrompt - 1500));
}
