/** Why the camera could not start, each with its own explained screen. */
export type CameraProblem = "denied" | "missing" | "busy" | "frame" | "unsupported" | "low-resolution";

/**
 * Maps a getUserMedia failure to a problem the person can act on. `inFrameWithoutPermission` is true
 * when the embedding page did not delegate the camera (`allow="camera"`): the browser then reports a
 * plain permission denial, but the fix is the embedder's, not the person's.
 */
export function classifyCameraError(error: unknown, inFrameWithoutPermission: boolean): CameraProblem {
  const name = error instanceof Error || isNamed(error) ? error.name : "";
  if (inFrameWithoutPermission) return "frame";
  switch (name) {
    case "NotAllowedError":
    case "PermissionDeniedError":
    case "SecurityError":
      return "denied";
    case "NotFoundError":
    case "DevicesNotFoundError":
    case "OverconstrainedError":
      return "missing";
    case "NotReadableError":
    case "TrackStartError":
    case "AbortError":
      return "busy";
    default:
      return "unsupported";
  }
}

function isNamed(v: unknown): v is { name: string } {
  return typeof v === "object" && v !== null && typeof (v as { name?: unknown }).name === "string";
}
