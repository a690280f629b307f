/**
 * Liveness: the server's colour flash full screen while the front camera runs, then its prompts, with
 * timestamped frames (~8 per second) streamed to the server as they are taken; then a still selfie.
 * The server re-measures every frame and decides. The returned function tears it down.
 * @module
 */
import type { CameraProblem } from "../camera/camera-error.ts";
import { type Camera, openCamera } from "../camera/open-camera.ts";
import type { FaceTracker } from "../face/load-face-tracker.ts";
import {
  FRAME_INTERVAL_MS,
  flashColorAt,
  type LivenessChallenge,
  promptShowMs,
} from "../flow/liveness-schedule.ts";
import { promptDone } from "../flow/prompt-check.ts";
import type { MessageKey, Translate } from "../i18n/translate.ts";
import { h, show } from "../ui/h.ts";
import { CAMERA_PROBLEMS } from "./render-capture.ts";
import { button } from "./render-message.ts";
import { renderSwitchDevice } from "./render-switch-device.ts";

export interface LivenessOptions {
  t: Translate;
  hd: boolean;
  switchLink: string | null;
  challenge: () => Promise<LivenessChallenge>;
  /** The on-device face tracker, loading in the background since the session started; null without. */
  tracker: () => Promise<FaceTracker | null>;
  sendFrame: (frame: Blob, fields: Readonly<Record<string, string>>) => Promise<void>;
  sendFace: (still: Blob) => Promise<void>;
  /** The whole challenge as a short recording (the result API's `face-video`), where the browser can record. */
  sendVideo: (clip: Blob) => Promise<void>;
  onDone: () => void;
}

const PROMPTS: Record<string, MessageKey> = {
  turn_left: "promptTurnLeft",
  turn_right: "promptTurnRight",
  smile: "promptSmile",
  blink: "promptBlink",
};

/** Frames go up at this width: enough for the server's face measures, small enough to stream. */
const FRAME_WIDTH = 480;
const UPLOAD_CONCURRENCY = 3;
const UPLOAD_TRIES = 3;
const TRACKER_WAIT_MS = 8000;
/** How long a done prompt shows its tick before the next one. */
const DONE_SHOW_MS = 500;
const MIN_ACTIVE_MS = 2000;
/**
 * The tracker runs on the page's only thread, so a detection holds the frame clock for as long as it
 * takes, and the server rejects a clip with a gap over 600 ms between frames. A device whose detections
 * take longer than this gets the prompts on a timer instead: before the flash when a timed detection
 * (after a warm-up one) is far too slow, or at the first slow one while the prompts run. WebKitGTK on a
 * loaded test machine took 0.3–8 s per detection; phones vary as much.
 */
const SLOW_MEASURE_MS = 450;
const SLOW_PROBE_MS = 900;
/** A recorder that never reports "stop" (WebKitGTK's waits ~2 s for its encoder) must not hold the flow. */
const RECORDER_STOP_WAIT_MS = 3000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Uploads run beside the capture so a slow network never stalls the frame clock. */
function createUploadQueue(send: (blob: Blob, fields: Readonly<Record<string, string>>) => Promise<void>) {
  const pending: Array<{ blob: Blob; fields: Record<string, string> }> = [];
  let running = 0;
  let done = 0;
  let total = 0;
  let failed: unknown = null;
  let wake: (() => void) | null = null;

  async function sendWithRetry(item: { blob: Blob; fields: Record<string, string> }): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await send(item.blob, item.fields);
        return;
      } catch (error) {
        if (attempt >= UPLOAD_TRIES) throw error;
        await sleep(300 * attempt);
      }
    }
  }

  function pump(): void {
    while (running < UPLOAD_CONCURRENCY && pending.length > 0 && failed === null) {
      const item = pending.shift();
      if (!item) return;
      running++;
      sendWithRetry(item).then(
        () => {
          running--;
          done++;
          pump();
          wake?.();
        },
        (error: unknown) => {
          running--;
          failed = error;
          wake?.();
        },
      );
    }
  }

  return {
    push(blob: Blob, fields: Record<string, string>): void {
      total++;
      pending.push({ blob, fields });
      pump();
    },
    progress: () => (total === 0 ? 1 : done / total),
    /** Resolves when every frame is stored; rejects with the first frame that could not be. */
    async drain(onProgress: (fraction: number) => void): Promise<void> {
      for (;;) {
        onProgress(total === 0 ? 1 : done / total);
        if (failed !== null) throw failed;
        if (done === total) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
}

/** Recorder formats in order of preference; the server accepts WebM and MP4 (sniffed from the bytes). */
const VIDEO_TYPES = ["video/webm;codecs=vp8", "video/webm", "video/mp4"];
/** A recording of the challenge at a modest bit rate: ~10 s stays under ~1 MB. */
const VIDEO_BITS_PER_SECOND = 600_000;
const RECORD_WIDTH = 480;
const RECORD_FPS = 15;

/**
 * Records the camera while the challenge runs. Returns null where MediaRecorder is missing or refuses
 * every format: the frames alone still let the server decide, so recording is never a reason to fail.
 */
function startRecording(video: HTMLVideoElement): { stop: () => Promise<Blob | null> } | null {
  const stream = video.srcObject;
  if (typeof MediaRecorder === "undefined" || !(stream instanceof MediaStream)) return null;
  const mimeType = VIDEO_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
  const track = stream.getVideoTracks()[0];
  if (!mimeType || !track) return null;
  // A scaled-down copy of the camera track: encoding full HD on a phone would starve the frame clock,
  // and the frames (not the clip) are what the server measures.
  const copy = track.clone();
  copy
    .applyConstraints({ width: { ideal: RECORD_WIDTH }, frameRate: { ideal: RECORD_FPS } })
    .catch(() => undefined);
  let recorder: MediaRecorder;
  try {
    recorder = new MediaRecorder(new MediaStream([copy]), {
      mimeType,
      videoBitsPerSecond: VIDEO_BITS_PER_SECOND,
    });
    recorder.start(1000);
  } catch {
    copy.stop();
    return null;
  }
  const chunks: Blob[] = [];
  recorder.addEventListener("dataavailable", (e) => {
    // WebKitGTK with GStreamer 1.22 says yes to video/mp4 and then delivers only empty chunks.
    if (e.data.size > 0) chunks.push(e.data);
  });
  // The container without codec parameters (Safari reports e.g. "video/mp4; codecs=avc1.4d002a").
  const type = mimeType.split(";")[0] ?? mimeType;
  const clip = (): Blob | null => (chunks.length > 0 ? new Blob(chunks, { type }) : null);
  return {
    stop: () =>
      new Promise((resolve) => {
        const finish = (): void => {
          clearTimeout(timer);
          copy.stop();
          resolve(clip());
        };
        const timer = setTimeout(finish, recorder.state === "inactive" ? 0 : RECORDER_STOP_WAIT_MS);
        if (recorder.state === "inactive") return;
        recorder.addEventListener("stop", finish, { once: true });
        recorder.stop();
      }),
  };
}

function grab(video: HTMLVideoElement, width: number, quality: number): Promise<Blob> {
  const scale = Math.min(1, width / Math.max(1, video.videoWidth));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(video.videoWidth * scale);
  canvas.height = Math.round(video.videoHeight * scale);
  const ctx = canvas.getContext("2d");
  if (!ctx) return Promise.reject(new Error("no 2d canvas"));
  // The frame as the camera delivered it, never mirrored: the server reads head turns from it.
  ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) => {
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("empty frame"))), "image/jpeg", quality);
  });
}

export function renderLiveness(root: HTMLElement, o: LivenessOptions): () => void {
  const { t } = o;
  let camera: Camera | null = null;
  let disposed = false;
  let overlay: HTMLElement | null = null;

  function release(): void {
    camera?.stop();
    camera = null;
    overlay?.remove();
    overlay = null;
  }

  function intro(): void {
    release();
    show(
      root,
      h(
        "section",
        { class: "screen", "data-screen": "liveness-intro" },
        h("h1", {}, t("livenessTitle")),
        h("p", {}, t("livenessHint")),
        h(
          "div",
          { class: "actions" },
          button(t("livenessStart"), "start-liveness", () => void run()),
        ),
      ),
    );
  }

  function problem(p: CameraProblem): void {
    release();
    const [title, body] = CAMERA_PROBLEMS[p];
    show(
      root,
      h(
        "section",
        { class: "screen message", "data-screen": "camera-problem", "data-problem": p },
        h("h1", {}, t(title)),
        h("p", {}, t(body)),
        renderSwitchDevice(t, o.switchLink),
        h("div", { class: "actions" }, button(t("tryAgain"), "retry-camera", intro)),
      ),
    );
  }

  function failed(): void {
    release();
    show(
      root,
      h(
        "section",
        { class: "screen", "data-screen": "send-failed" },
        h("h1", {}, t("livenessTitle")),
        h("p", { class: "error", role: "alert" }, t("uploadFailed")),
        // A new attempt takes a new challenge: frames of the old one no longer count.
        h("div", { class: "actions" }, button(t("tryAgain"), "retry-liveness", intro)),
      ),
    );
  }

  /**
   * Warms the tracker up on the live camera (a first detection is several times slower than the next)
   * and times a second one: null when it failed, or would stall the frame clock on this device.
   */
  async function usableTracker(tracker: FaceTracker, video: HTMLVideoElement): Promise<FaceTracker | null> {
    try {
      await tracker.measure(video);
      const started = performance.now();
      await tracker.measure(video);
      return performance.now() - started <= SLOW_PROBE_MS ? tracker : null;
    } catch {
      return null;
    }
  }

  /** Captures frames every FRAME_INTERVAL_MS while `running(elapsed)`, timestamped from the phase start. */
  async function phase(
    name: "flash" | "active",
    running: (elapsedMs: number) => boolean,
    nonce: string,
    queue: ReturnType<typeof createUploadQueue>,
    onTick: (t: number) => void,
  ): Promise<void> {
    const start = performance.now();
    let slot = 0;
    for (;;) {
      const elapsed = performance.now() - start;
      if (disposed || !running(elapsed) || !camera) return;
      onTick(elapsed);
      const video = camera.video;
      const t0 = Math.round(performance.now() - start);
      const blob = await grab(video, FRAME_WIDTH, 0.85);
      queue.push(blob, { nonce, phase: name, t: String(t0) });
      // One frame per slot: a timer firing early must not take a slot twice; a late one skips ahead.
      slot = Math.max(slot + 1, Math.floor((performance.now() - start) / FRAME_INTERVAL_MS) + 1);
      await sleep(Math.max(0, start + slot * FRAME_INTERVAL_MS - performance.now()));
    }
  }

  async function run(): Promise<void> {
    release();
    let challenge: LivenessChallenge;
    try {
      challenge = await o.challenge();
    } catch {
      failed();
      return;
    }
    // Usually ready: it has loaded since the consent screen. Never wait long for guidance.
    const loaded = await Promise.race([o.tracker(), sleep(TRACKER_WAIT_MS).then(() => null)]);
    const video = h("video", { autoplay: true, muted: true, playsinline: true, class: "feed mirror" });
    const instruction = h("p", { class: "instruction", role: "status" }, t("cameraStarting"));
    overlay = h(
      "div",
      { class: "flash-overlay", "data-screen": "liveness-running" },
      h("div", { class: "flash-face" }, video, h("div", { class: "outline oval", "aria-hidden": "true" })),
      instruction,
    );
    document.body.append(overlay);
    const opened = await openCamera(video, { facing: "user", hd: o.hd });
    if (disposed) {
      if (opened.ok) opened.camera.stop();
      return;
    }
    if (!opened.ok) {
      problem(opened.problem);
      return;
    }
    camera = opened.camera;
    const layer = overlay;
    let tracker = loaded ? await usableTracker(loaded, video) : null;
    if (disposed || !camera) return;
    const queue = createUploadQueue(o.sendFrame);
    const recording = startRecording(video);
    instruction.textContent = t("livenessHoldStill");
    layer.dataset.tracking = tracker ? "on" : loaded ? "slow" : "off";
    await phase(
      "flash",
      (ms) => ms < challenge.flash.totalMs,
      challenge.nonce,
      queue,
      (ms) => {
        const rgb = flashColorAt(challenge.flash, ms);
        layer.style.backgroundColor = rgb ? `rgb(${rgb[0]}, ${rgb[1]}, ${rgb[2]})` : "";
        layer.dataset.flash = rgb ? "on" : "off";
      },
    );
    layer.style.backgroundColor = "";
    // Each prompt stays until the tracker sees it done (plus a moment to show the tick), or until its
    // share of the server's window has passed; without a tracker, for a fixed time.
    let maxPerPrompt = tracker ? challenge.windowMs.perPrompt - 1000 : promptShowMs(challenge);
    let index = 0;
    let promptStart = 0;
    let doneAt: number | null = null;
    let now = 0;
    const tracking = (async () => {
      while (tracker && !disposed && camera && index < challenge.prompts.length) {
        const started = performance.now();
        const m = await tracker.measure(video).catch(() => null);
        if (m) layer.dataset.measured = String(Number(layer.dataset.measured ?? 0) + 1);
        if (performance.now() - started > SLOW_MEASURE_MS) {
          // Too slow here: the rest of the prompts run on the timer, and the frames keep their pace.
          tracker = null;
          layer.dataset.tracking = "slow";
          maxPerPrompt = promptShowMs(challenge);
          break;
        }
        const prompt = challenge.prompts[index];
        if (m && prompt && doneAt === null && promptDone(prompt, m)) doneAt = now;
        // Detection blocks the page for ~100 ms: leave the frame clock room, the server needs ~8 fps.
        await sleep(FRAME_INTERVAL_MS);
      }
    })();
    // The server wants a clip of some length (≥ 10 frames, ~300 ms per prompt) even when every prompt
    // was done at once.
    const minActiveMs = Math.max(MIN_ACTIVE_MS, 600 * challenge.prompts.length);
    await phase(
      "active",
      (ms) => index < challenge.prompts.length || ms < minActiveMs,
      challenge.nonce,
      queue,
      (ms) => {
        now = ms;
        if ((doneAt !== null && ms - doneAt >= DONE_SHOW_MS) || ms - promptStart >= maxPerPrompt) {
          index++;
          promptStart = ms;
          doneAt = null;
        }
        const prompt = challenge.prompts[index];
        const key = prompt ? PROMPTS[prompt] : undefined;
        instruction.textContent = key ? `${doneAt === null ? "" : "✓ "}${t(key)}` : "";
        instruction.classList.toggle("done", doneAt !== null);
        layer.dataset.prompt = prompt ?? "";
      },
    );
    await tracking;
    if (disposed || !camera) return;
    const still = await grab(camera.video, 1280, 0.92);
    const clip = await (recording?.stop() ?? Promise.resolve(null));
    release();
    const bar = h("progress", { max: "100", value: "0" });
    const label = h("p", { role: "status" }, t("uploading", { percent: 0 }));
    show(
      root,
      h(
        "section",
        { class: "screen", "data-screen": "sending" },
        h("h1", {}, t("livenessTitle")),
        bar,
        label,
      ),
    );
    try {
      await queue.drain((f) => {
        const percent = Math.round(f * 95);
        bar.value = percent;
        label.textContent = t("uploading", { percent });
      });
      if (clip) await o.sendVideo(clip);
      await o.sendFace(still);
    } catch {
      if (!disposed) failed();
      return;
    }
    if (!disposed) o.onDone();
  }

  intro();
  return () => {
    disposed = true;
    release();
  };
}
