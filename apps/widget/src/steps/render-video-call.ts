/**
 * The video-call step: the person starts camera and microphone, joins the operators' queue, sees their
 * place in it, and when an operator accepts is in a live WebRTC call (the operator offers, this side
 * answers; ICE candidates trickle both ways). Signalling goes through our server's widget API
 * (routes/widget-video-call-api.ts) by long-poll. Nobody answering in time, the operator leaving and
 * the person leaving each have a screen with a way back into the queue; the operator's verdict
 * completes the step and the widget moves on. A recorded call says so while waiting and in the call.
 * A reload during a live call rejoins it (the page going away asks the server for a few seconds'
 * grace; the page back sends `rejoin` and the operator offers a new connection).
 * @module
 */
import { h, show } from "../ui/h.ts";
import { button } from "./render-message.ts";
import { type VideoCallTranslate, videoCallTranslator } from "./video-call-messages.ts";
import "./video-call.css";

export interface VideoCallOptions {
  token: string;
  lang: string;
  /** The step's index: the call completed the step once the server's counter passed it. */
  step: number;
  onDone: (currentStep: number) => void;
  /** Session errors (closed, expired, unknown) and network trouble: the shell decides. */
  onFailure: (err: unknown) => void;
}

interface CallView {
  call_id: string;
  status: "waiting" | "active" | "ended";
  position: number | null;
  requested_at: string;
  wait_deadline: string;
  end_reason: string | null;
  ice_servers: RTCIceServer[];
  /** The operator's side records the call (the person is told). */
  record: boolean;
}

interface Signal {
  seq: number;
  kind: "offer" | "answer" | "ice" | "rejoin";
  data: unknown;
}

export class VideoCallApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`${status} ${code}`);
  }
}

function client(token: string) {
  async function send<T>(
    method: "GET" | "POST",
    path: string,
    body?: unknown,
    keepalive = false,
  ): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`/api/widget/video-call${path}`, {
        method,
        headers: {
          "x-session-token": token,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        credentials: "omit",
        cache: "no-store",
        keepalive,
      });
    } catch {
      throw new VideoCallApiError(0, "NETWORK");
    }
    const text = await res.text();
    if (!res.ok) {
      let code = `HTTP_${res.status}`;
      try {
        const parsed = JSON.parse(text) as { error?: { code?: unknown } };
        if (typeof parsed.error?.code === "string") code = parsed.error.code;
      } catch {
        // not JSON
      }
      throw new VideoCallApiError(res.status, code);
    }
    return JSON.parse(text) as T;
  }
  return {
    state: () => send<{ call: CallView | null; currentStep: number }>("GET", ""),
    join: () => send<{ call: CallView }>("POST", "/join", {}),
    poll: (id: string, after: number) =>
      send<{ call: CallView; signals: Signal[]; currentStep: number }>(
        "GET",
        `/${encodeURIComponent(id)}/poll?after=${after}&wait=20`,
      ),
    signal: (id: string, kind: string, data: unknown) =>
      send<{ seq: number }>("POST", `/${encodeURIComponent(id)}/signals`, { kind, data }),
    /** `maybeReload`: the page is going away; the server keeps a live call a few seconds for it to come back. */
    leave: (id: string, keepalive = false, maybeReload = false) =>
      send<{ call: CallView }>(
        "POST",
        `/${encodeURIComponent(id)}/leave`,
        maybeReload ? { maybe_reload: true } : {},
        keepalive,
      ),
    rejoin: (id: string) =>
      send<{ call: CallView; after: number }>("POST", `/${encodeURIComponent(id)}/rejoin`, {}),
  };
}

function videoEl(label: string, muted: boolean, cls: string): HTMLVideoElement {
  const v = h("video", { class: cls, autoplay: true, playsinline: true, "aria-label": label });
  v.muted = muted;
  return v;
}

/** Renders the step into `root`; returns the cleanup (stops the camera, leaves a live call). */
export function renderVideoCall(root: HTMLElement, o: VideoCallOptions): () => void {
  const t: VideoCallTranslate = videoCallTranslator(o.lang);
  const api = client(o.token);
  let stream: MediaStream | null = null;
  let pc: RTCPeerConnection | null = null;
  let call: CallView | null = null;
  let stopped = false;
  let after = 0;
  /** Candidates that arrived before the offer. */
  let pendingIce: RTCIceCandidateInit[] = [];
  /** Signals leave one at a time, in order. */
  let outbox: Promise<unknown> = Promise.resolve();
  const local = videoEl(t("you"), true, "vc-local");
  const remote = videoEl(t("operator"), false, "vc-remote");

  const status = h("p", { class: "status", role: "status" });

  function stopMedia(): void {
    pc?.close();
    pc = null;
    for (const track of stream?.getTracks() ?? []) track.stop();
    stream = null;
    local.srcObject = null;
    remote.srcObject = null;
  }

  function fail(err: unknown): void {
    if (stopped) return;
    stopped = true;
    stopMedia();
    o.onFailure(err);
  }

  function intro(): void {
    show(
      root,
      h(
        "section",
        { class: "screen", "data-screen": "video-call" },
        h("h1", {}, t("title")),
        h("p", {}, t("body")),
        status,
        h(
          "div",
          { class: "actions" },
          button(t("join"), "join-call", () => void start()),
        ),
      ),
    );
  }

  function message(name: string, title: string, body: string): void {
    stopMedia();
    show(
      root,
      h(
        "section",
        { class: "screen message", "data-screen": name },
        h("h1", {}, title),
        h("p", {}, body),
        h(
          "div",
          { class: "actions" },
          button(t("retry"), "retry-call", () => void start()),
        ),
      ),
    );
  }

  /** Camera and microphone on (a screen says so when they are refused); whether they are. */
  async function openMedia(): Promise<boolean> {
    status.textContent = t("starting");
    try {
      stream ??= await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: true,
      });
    } catch {
      stopMedia();
      show(
        root,
        h(
          "section",
          { class: "screen message", "data-screen": "video-call-media" },
          h("h1", {}, t("mediaTitle")),
          h("p", {}, t("mediaBody")),
          h(
            "div",
            { class: "actions" },
            button(t("retry"), "retry-call", () => void start()),
          ),
        ),
      );
      return false;
    }
    local.srcObject = stream;
    return true;
  }

  async function start(): Promise<void> {
    if (!(await openMedia())) return;
    try {
      call = (await api.join()).call;
    } catch (err) {
      fail(err);
      return;
    }
    after = 0;
    pendingIce = [];
    render();
    void loop(call.call_id);
  }

  function recordedNotice(): HTMLElement[] {
    return call?.record ? [h("p", { class: "vc-recorded", "data-recorded": "true" }, t("recorded"))] : [];
  }

  /** A reloaded page back in its live call: a fresh connection (the operator makes a new offer). */
  async function rejoin(id: string): Promise<void> {
    if (!(await openMedia())) {
      void api.leave(id).catch(() => undefined);
      return;
    }
    try {
      const r = await api.rejoin(id);
      call = r.call;
      after = r.after;
    } catch {
      // The operator is gone meanwhile: back to the queue.
      await api.leave(id).catch(() => undefined);
      void start();
      return;
    }
    pendingIce = [];
    render();
    void loop(id);
  }

  function render(): void {
    if (!call) return;
    if (call.status === "waiting") {
      show(
        root,
        h(
          "section",
          { class: "screen", "data-screen": "video-call-waiting" },
          h("h1", {}, t("waitingTitle")),
          h(
            "p",
            { class: "status", role: "status", "data-position": String(call.position ?? "") },
            t("position", { position: call.position ?? 1 }),
          ),
          h("p", {}, t("waitingHint")),
          ...recordedNotice(),
          h("div", { class: "vc-stage" }, local),
          h(
            "div",
            { class: "actions" },
            button(t("leave"), "leave-call", () => void leave(), "secondary"),
          ),
        ),
      );
    } else if (call.status === "active") {
      if (root.querySelector('[data-screen="video-call-live"]')) return;
      show(
        root,
        h(
          "section",
          { class: "screen", "data-screen": "video-call-live" },
          h("h1", {}, t("inCallTitle")),
          h("p", {}, t("inCallHint")),
          ...recordedNotice(),
          h("div", { class: "vc-stage" }, remote, local),
          h(
            "div",
            { class: "actions" },
            button(t("hangUp"), "hang-up", () => void leave(), "secondary"),
          ),
        ),
      );
    }
  }

  async function leave(): Promise<void> {
    const id = call?.call_id;
    stopMedia();
    if (id) await api.leave(id).catch(() => undefined);
    call = null;
    message("video-call-left", t("leftTitle"), t("leftBody"));
  }

  function send(kind: string, data: unknown): void {
    const id = call?.call_id;
    if (!id) return;
    outbox = outbox.then(() => api.signal(id, kind, data)).catch(() => undefined);
  }

  function peer(): RTCPeerConnection {
    if (pc) return pc;
    const c = new RTCPeerConnection({ iceServers: call?.ice_servers ?? [] });
    for (const track of stream?.getTracks() ?? []) if (stream) c.addTrack(track, stream);
    c.addEventListener("icecandidate", (e) => send("ice", e.candidate ? e.candidate.toJSON() : null));
    c.addEventListener("track", (e) => {
      const [first] = e.streams;
      if (first && remote.srcObject !== first) remote.srcObject = first;
    });
    pc = c;
    return c;
  }

  async function handle(s: Signal): Promise<void> {
    // A new offer on a connection that already has one: the operator rejoined from a new page, with
    // new keys; start a fresh connection for it.
    if (s.kind === "offer" && pc?.remoteDescription) {
      pc.close();
      pc = null;
      pendingIce = [];
      remote.srcObject = null;
    }
    const c = peer();
    if (s.kind === "offer") {
      await c.setRemoteDescription(s.data as RTCSessionDescriptionInit);
      for (const cand of pendingIce) await c.addIceCandidate(cand).catch(() => undefined);
      pendingIce = [];
      const answer = await c.createAnswer();
      await c.setLocalDescription(answer);
      send("answer", { type: "answer", sdp: answer.sdp ?? "" });
    } else if (s.kind === "ice" && s.data) {
      const cand = s.data as RTCIceCandidateInit;
      if (c.remoteDescription) await c.addIceCandidate(cand).catch(() => undefined);
      else pendingIce.push(cand);
    }
  }

  function minutesOf(v: CallView): number {
    return Math.max(1, Math.round((Date.parse(v.wait_deadline) - Date.parse(v.requested_at)) / 60_000));
  }

  async function loop(id: string): Promise<void> {
    let failures = 0;
    while (!stopped && call?.call_id === id) {
      let r: Awaited<ReturnType<typeof api.poll>>;
      try {
        r = await api.poll(id, after);
        failures = 0;
      } catch (err) {
        if (err instanceof VideoCallApiError && (err.code.startsWith("SESSION_") || failures >= 5)) {
          fail(err);
          return;
        }
        failures += 1;
        await new Promise((resolve) => setTimeout(resolve, 1_000 * failures));
        continue;
      }
      if (stopped || call?.call_id !== id) return;
      const before = call.status;
      call = r.call;
      for (const s of r.signals) {
        after = Math.max(after, s.seq);
        await handle(s).catch(() => undefined);
      }
      if (r.currentStep > o.step) {
        stopped = true;
        stopMedia();
        o.onDone(r.currentStep);
        return;
      }
      if (call.status === "ended") {
        if (call.end_reason === "timeout")
          message("video-call-timeout", t("timeoutTitle"), t("timeoutBody", { minutes: minutesOf(call) }));
        else if (call.end_reason === "operator_left")
          message("video-call-operator-left", t("operatorLeftTitle"), t("operatorLeftBody"));
        else if (call.end_reason === "passed" || call.end_reason === "failed") {
          // The verdict completed the step; the next poll of the session says where it stands.
          stopped = true;
          stopMedia();
          o.onDone(r.currentStep);
        } else message("video-call-left", t("leftTitle"), t("leftBody"));
        call = null;
        return;
      }
      if (call.status !== before || call.status === "waiting") render();
    }
  }

  // Leaving the page leaves the queue or the call, after a few seconds in which a reload rejoins it.
  const onPageHide = () => {
    if (call && call.status !== "ended") void api.leave(call.call_id, true, true).catch(() => undefined);
  };
  window.addEventListener("pagehide", onPageHide);

  // A reload during a wait or a call: back into the same call when it is still open.
  api.state().then(
    (s) => {
      if (s.currentStep > o.step) {
        stopped = true;
        o.onDone(s.currentStep);
      } else if (s.call?.status === "waiting") {
        // Back into the same place in the queue.
        void start();
      } else if (s.call?.status === "active") {
        // A live call from before a reload: rejoin it while the operator is still there.
        void rejoin(s.call.call_id);
      } else intro();
    },
    (err: unknown) => fail(err),
  );

  return () => {
    window.removeEventListener("pagehide", onPageHide);
    const wasLive = call && call.status !== "ended" && !stopped;
    stopped = true;
    if (wasLive && call) void api.leave(call.call_id, true).catch(() => undefined);
    stopMedia();
  };
}
