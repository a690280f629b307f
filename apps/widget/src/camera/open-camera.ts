/**
 * The camera: opens a stream into a <video>, grabs still frames, and always stops its tracks.
 * @module
 */
import { type CameraProblem, classifyCameraError } from "./camera-error.ts";

export interface Camera {
  readonly video: HTMLVideoElement;
  /** A JPEG of the current frame, full camera resolution. */
  capture(): Promise<Blob>;
  /** Stops every track; safe to call more than once. */
  stop(): void;
}

export type OpenCameraResult = { ok: true; camera: Camera } | { ok: false; problem: CameraProblem };

interface PolicyDocument {
  featurePolicy?: { allowsFeature(feature: string): boolean };
  permissionsPolicy?: { allowsFeature(feature: string): boolean };
}

/** True when this page is framed and the embedder did not grant the camera (Chromium exposes the policy). */
export function cameraBlockedByFrame(): boolean {
  if (window.parent === window) return false;
  const d = document as unknown as PolicyDocument;
  const policy = d.permissionsPolicy ?? d.featurePolicy;
  return policy ? !policy.allowsFeature("camera") : false;
}

/**
 * Framed in a browser without a permissions-policy API (Firefox, Safari): the camera permission as the
 * frame sees it before asking. A frame the embedder did not grant the camera reads "denied" before any
 * prompt, so a refusal then is the embedder's to fix (Firefox otherwise reports a plain NotAllowedError,
 * which would send the person to their own settings for nothing). Null when not framed or unknown.
 */
async function framedPermissionState(): Promise<PermissionState | null> {
  if (window.parent === window) return null;
  if ("permissionsPolicy" in document || "featurePolicy" in document) return null;
  try {
    return (await navigator.permissions.query({ name: "camera" })).state;
  } catch {
    return null;
  }
}

export async function openCamera(
  video: HTMLVideoElement,
  opts: { facing: "user" | "environment"; hd: boolean },
): Promise<OpenCameraResult> {
  if (cameraBlockedByFrame()) return { ok: false, problem: "frame" };
  if (!navigator.mediaDevices?.getUserMedia) return { ok: false, problem: "unsupported" };
  const deniedBeforeAsking = (await framedPermissionState()) === "denied";
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: {
        facingMode: { ideal: opts.facing },
        width: { ideal: opts.hd ? 1920 : 1280 },
        height: { ideal: opts.hd ? 1080 : 720 },
      },
    });
  } catch (error) {
    return { ok: false, problem: classifyCameraError(error, deniedBeforeAsking) };
  }
  const stop = (): void => {
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  try {
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    await video.play();
  } catch (error) {
    stop();
    return { ok: false, problem: classifyCameraError(error, false) };
  }
  // `requireHdMedia`: 1080p or better, else the person is sent to another device.
  const settings = stream.getVideoTracks()[0]?.getSettings();
  if (opts.hd && Math.max(settings?.width ?? 0, settings?.height ?? 0) < 1920) {
    stop();
    return { ok: false, problem: "low-resolution" };
  }
  return {
    ok: true,
    camera: {
      video,
      stop,
      capture: () => grabFrame(video),
    },
  };
}

function grabFrame(video: HTMLVideoElement): Promise<Blob> {
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const ctx = canvas.getContext("2d");
  if (!ctx) return Promise.reject(new Error("no 2d canvas"));
  ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("empty frame"))), "image/jpeg", 0.92);
  });
}
