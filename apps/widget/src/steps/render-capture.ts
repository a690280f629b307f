/**
 * One capture: live camera with an outline and a shutter, upload when allowed (and always when the
 * camera fails), then sending with progress and retry. The returned function tears it down.
 * @module
 */
import type { CameraProblem } from "../camera/camera-error.ts";
import {
  createAutoCapture,
  type GreyFrame,
  measureFrame,
  type QualityIssue,
  qualityIssue,
  toGrey,
} from "../camera/frame-quality.ts";
import { type Camera, openCamera } from "../camera/open-camera.ts";
import type { CaptureSubject } from "../flow/widget-flow.ts";
import type { MessageKey, Translate } from "../i18n/translate.ts";
import { h, show } from "../ui/h.ts";
import { button } from "./render-message.ts";
import { renderSwitchDevice } from "./render-switch-device.ts";

export interface CaptureOptions {
  t: Translate;
  subject: CaptureSubject;
  camera: boolean;
  upload: boolean;
  facing: "user" | "environment";
  hd: boolean;
  /** Where the QR code on camera problems leads; null shows none. */
  switchLink: string | null;
  send: (file: Blob, onProgress: (fraction: number) => void) => Promise<void>;
  onDone: () => void;
}

const TITLES: Record<CaptureSubject, MessageKey> = {
  "document-front": "captureFrontTitle",
  "document-back": "captureBackTitle",
  passport: "capturePassportTitle",
  selfie: "selfieTitle",
  "face-document": "faceDocumentTitle",
  "general-document": "generalDocumentTitle",
};

const HINTS: Record<CaptureSubject, MessageKey> = {
  "document-front": "captureDocumentHint",
  "document-back": "captureDocumentHint",
  passport: "captureDocumentHint",
  selfie: "selfieHint",
  "face-document": "faceDocumentHint",
  "general-document": "generalDocumentHint",
};

/** Title and explanation of each camera problem. */
export const CAMERA_PROBLEMS: Record<CameraProblem, [MessageKey, MessageKey]> = {
  denied: ["cameraDeniedTitle", "cameraDeniedBody"],
  missing: ["cameraMissingTitle", "cameraMissingBody"],
  busy: ["cameraBusyTitle", "cameraBusyBody"],
  frame: ["cameraFrameTitle", "cameraFrameBody"],
  unsupported: ["cameraErrorTitle", "cameraErrorBody"],
  "low-resolution": ["cameraLowResTitle", "cameraLowResBody"],
};

const ISSUE_HINTS: Record<QualityIssue, MessageKey> = {
  dark: "qualityDark",
  glare: "qualityGlare",
  moving: "qualityMoving",
  blurry: "qualityBlurry",
};

/** Quality checks run on a small grey crop of the outlined area, five times a second. */
const CHECK_WIDTH = 160;
const CHECK_INTERVAL_MS = 200;

/** Watches the outlined area and calls `shoot` once the document is steady, sharp and well lit. */
function watchQuality(
  video: HTMLVideoElement,
  status: HTMLElement,
  t: Translate,
  shoot: () => void,
): () => void {
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const auto = createAutoCapture();
  const started = performance.now();
  let previous: GreyFrame | null = null;
  const timer = setInterval(() => {
    if (!ctx || video.videoWidth === 0) return;
    // The card outline: 84 % of the width, ID-1 proportions, centred.
    const sw = video.videoWidth * 0.84;
    const sh = Math.min(video.videoHeight, sw / 1.585);
    canvas.width = CHECK_WIDTH;
    canvas.height = Math.max(1, Math.round((CHECK_WIDTH * sh) / sw));
    ctx.drawImage(
      video,
      (video.videoWidth - sw) / 2,
      (video.videoHeight - sh) / 2,
      sw,
      sh,
      0,
      0,
      canvas.width,
      canvas.height,
    );
    const grey = toGrey(
      ctx.getImageData(0, 0, canvas.width, canvas.height).data,
      canvas.width,
      canvas.height,
    );
    const issue = qualityIssue(measureFrame(grey, previous));
    previous = grey;
    status.textContent = t(issue ? ISSUE_HINTS[issue] : "qualityGood");
    if (auto.next(issue, performance.now() - started)) {
      clearInterval(timer);
      shoot();
    }
  }, CHECK_INTERVAL_MS);
  return () => clearInterval(timer);
}

export function renderCapture(root: HTMLElement, o: CaptureOptions): () => void {
  const { t } = o;
  let camera: Camera | null = null;
  let stopWatching: (() => void) | null = null;
  let disposed = false;
  const outline = o.subject === "selfie" || o.subject === "face-document" ? "oval" : "card";

  function release(): void {
    stopWatching?.();
    stopWatching = null;
    camera?.stop();
    camera = null;
  }

  function picker(label: MessageKey, variant: "primary" | "secondary"): HTMLElement {
    const input = h("input", {
      type: "file",
      accept: "image/jpeg,image/png,image/webp,image/heic,image/heif",
      class: "sr-only",
      "data-action": "file",
      onchange: () => {
        const file = input.files?.[0];
        if (file) send(file);
      },
    });
    return h("label", { class: `btn ${variant}`, "data-action": "upload" }, t(label), input);
  }

  function frame(name: string, ...content: Array<Node | null>): HTMLElement {
    return h(
      "section",
      { class: "screen capture", "data-screen": name, "data-subject": o.subject },
      h("h1", {}, t(TITLES[o.subject])),
      h("p", { class: "hint" }, t(HINTS[o.subject])),
      ...content,
    );
  }

  function showUpload(): void {
    release();
    show(
      root,
      frame(
        "upload",
        h(
          "div",
          { class: "actions" },
          picker("chooseFile", "primary"),
          o.camera ? button(t("useCamera"), "use-camera", () => void startCamera(), "secondary") : null,
        ),
      ),
    );
  }

  function showProblem(problem: CameraProblem): void {
    release();
    const [title, body] = CAMERA_PROBLEMS[problem];
    show(
      root,
      h(
        "section",
        { class: "screen message", "data-screen": "camera-problem", "data-problem": problem },
        h("h1", {}, t(title)),
        h("p", {}, t(body)),
        renderSwitchDevice(t, o.switchLink),
        h("p", {}, t("cameraUploadOffer")),
        h(
          "div",
          { class: "actions" },
          picker("chooseFile", "primary"),
          button(t("tryAgain"), "retry-camera", () => void startCamera(), "secondary"),
        ),
      ),
    );
  }

  async function startCamera(): Promise<void> {
    const video = h("video", { autoplay: true, muted: true, playsinline: true, class: "feed" });
    if (o.facing === "user") video.classList.add("mirror");
    const shutter = button(t("takePhoto"), "capture", () => void takePhoto());
    shutter.disabled = true;
    const status = h("p", { class: "status", role: "status" }, t("cameraStarting"));
    show(
      root,
      frame(
        "camera",
        h(
          "div",
          { class: "viewport" },
          video,
          h("div", { class: `outline ${outline}`, "aria-hidden": "true" }),
        ),
        status,
        h(
          "div",
          { class: "actions" },
          shutter,
          o.upload ? button(t("uploadInstead"), "switch-upload", showUpload, "secondary") : null,
        ),
      ),
    );
    const opened = await openCamera(video, { facing: o.facing, hd: o.hd });
    if (disposed) {
      if (opened.ok) opened.camera.stop();
      return;
    }
    if (!opened.ok) {
      showProblem(opened.problem);
      return;
    }
    camera = opened.camera;
    status.textContent = "";
    shutter.disabled = false;
    // Documents are taken automatically when good; faces only by the person (they choose the moment).
    if (outline === "card") stopWatching = watchQuality(video, status, t, () => void takePhoto());
  }

  async function takePhoto(): Promise<void> {
    if (!camera) return;
    let blob: Blob;
    try {
      blob = await camera.capture();
    } catch {
      return;
    }
    release();
    send(blob);
  }

  function send(file: Blob): void {
    const bar = h("progress", { max: "100", value: "0" });
    const label = h("p", { role: "status" }, t("uploading", { percent: 0 }));
    show(root, frame("sending", bar, label));
    o.send(file, (fraction) => {
      const percent = Math.round(fraction * 100);
      bar.value = percent;
      label.textContent = t("uploading", { percent });
    }).then(
      () => {
        if (!disposed) o.onDone();
      },
      () => {
        if (disposed) return;
        show(
          root,
          frame(
            "send-failed",
            h("p", { class: "error", role: "alert" }, t("uploadFailed")),
            h(
              "div",
              { class: "actions" },
              // The same bytes again: nothing captured earlier is lost.
              button(t("tryAgain"), "retry-upload", () => send(file)),
            ),
          ),
        );
      },
    );
  }

  if (o.camera) void startCamera();
  else showUpload();

  return () => {
    disposed = true;
    release();
  };
}
