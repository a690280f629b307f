/**
 * The content type of an upload, from its first bytes (never from the client's label): only the
 * image and video formats the engine reads are accepted.
 */
export type SniffedType = "image/jpeg" | "image/png" | "image/webp" | "video/mp4" | "video/webm";

export function sniffMediaType(head: Buffer): SniffedType | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return "image/jpeg";
  if (
    head.length >= 8 &&
    head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  )
    return "image/png";
  if (
    head.length >= 12 &&
    head.toString("latin1", 0, 4) === "RIFF" &&
    head.toString("latin1", 8, 12) === "WEBP"
  )
    return "image/webp";
  if (head.length >= 12 && head.toString("latin1", 4, 8) === "ftyp") return "video/mp4";
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3)
    return "video/webm";
  return null;
}
