/**
 * "Video calls": the company's queue of people waiting for an operator (refreshed every few seconds),
 * and the live call once an operator accepts one: the person's video and sound, the operator's own
 * camera, a still capture (stored as the session's media), and the verdict (passed / failed + note)
 * that ends the call and completes the step. Signalling goes through /dashboard/api/video-calls
 * (apps/server/src/dashboard/video-call-routes.ts) by long-poll; this side makes the offer, and a new
 * one when the person's page was reloaded (their `rejoin` message).
 *
 * Recording (the step's `record` option, on by default): the person's picture is drawn onto a canvas
 * and their sound mixed with the operator's microphone (Web Audio), so the recording goes on across a
 * reconnection; MediaRecorder cuts it into WebM chunks every 5 s, each uploaded in order as it comes
 * to …/recording?seq=N, where the server appends it to the session's `video-call-recording`.
 * @module
 */
import { ApiError, callApi, errorText, getCsrf } from "../api.ts";
import { field, h } from "../h.ts";
import type { PageContext } from "../main.ts";
import "./video-calls.css";

interface CallView {
  call_id: string;
  status: "waiting" | "active" | "ended";
  position: number | null;
  end_reason: string | null;
  ice_servers: RTCIceServer[];
  session_token: string;
  waited_seconds?: number;
  record?: boolean;
}

interface Signal {
  seq: number;
  kind: "offer" | "answer" | "ice" | "rejoin";
  data: unknown;
}

interface CallRecording {
  /** The person's audio track (a new one after a reconnection). */
  remoteAudio(track: MediaStreamTrack): void;
  /** Stops; the last chunk is still uploaded. */
  stop(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Records what the operator sees and hears: `video` (the person) drawn onto a 640×480 canvas 15 times a
 * second, the person's sound and the operator's microphone mixed; a WebM chunk every 5 s goes to
 * `upload` in order (retried twice; a chunk that still fails stops the recording). Null where the
 * browser cannot record WebM.
 */
function recordCall(o: {
  video: HTMLVideoElement;
  local: MediaStream | null;
  upload: (seq: number, blob: Blob) => Promise<void>;
  onState: (state: "on" | "saved" | "failed", chunks: number) => void;
}): CallRecording | null {
  if (typeof MediaRecorder === "undefined") return null;
  const mime = ["video/webm;codecs=vp8,opus", "video/webm"].find((m) => MediaRecorder.isTypeSupported(m));
  if (!mime) return null;
  const canvas = document.createElement("canvas");
  canvas.width = 640;
  canvas.height = 480;
  const g = canvas.getContext("2d");
  const draw = () => {
    if (!g) return;
    g.fillStyle = "#000";
    g.fillRect(0, 0, canvas.width, canvas.height);
    const v = o.video;
    if (v.videoWidth === 0) return;
    const k = Math.min(canvas.width / v.videoWidth, canvas.height / v.videoHeight);
    const w = v.videoWidth * k;
    const hh = v.videoHeight * k;
    g.drawImage(v, (canvas.width - w) / 2, (canvas.height - hh) / 2, w, hh);
  };
  draw();
  const timer = setInterval(draw, 66);
  const audio = new AudioContext();
  void audio.resume().catch(() => undefined);
  const mix = audio.createMediaStreamDestination();
  if (o.local && o.local.getAudioTracks().length > 0) audio.createMediaStreamSource(o.local).connect(mix);
  let remote: MediaStreamAudioSourceNode | null = null;
  const picture = canvas.captureStream(15);
  const recorder = new MediaRecorder(
    new MediaStream([...picture.getVideoTracks(), ...mix.stream.getAudioTracks()]),
    { mimeType: mime, videoBitsPerSecond: 600_000 },
  );
  let seq = 0;
  let failed = false;
  let uploads: Promise<void> = Promise.resolve();
  recorder.addEventListener("dataavailable", (e) => {
    if (e.data.size === 0 || failed) return;
    const n = ++seq;
    uploads = uploads.then(async () => {
      for (let attempt = 0; !failed; attempt++) {
        try {
          await o.upload(n, e.data);
          o.onState("on", n);
          return;
        } catch {
          if (attempt >= 2) {
            failed = true;
            o.onState("failed", n - 1);
            if (recorder.state !== "inactive") recorder.stop();
            return;
          }
          await sleep(1_000 * (attempt + 1));
        }
      }
    });
  });
  recorder.addEventListener("stop", () => {
    clearInterval(timer);
    for (const t of picture.getTracks()) t.stop();
    uploads = uploads.then(() => {
      void audio.close().catch(() => undefined);
      if (!failed) o.onState("saved", seq);
    });
  });
  recorder.start(5_000);
  return {
    remoteAudio(track) {
      remote?.disconnect();
      remote = audio.createMediaStreamSource(new MediaStream([track]));
      remote.connect(mix);
    },
    stop() {
      if (recorder.state !== "inactive") recorder.stop();
    },
  };
}

/** The live call's resources; the page stops them when the operator navigates away. */
let active: { stop: () => void } | null = null;

export async function renderVideoCalls(ctx: PageContext): Promise<void> {
  active?.stop();
  active = null;
  const list = h("div", { class: "vc-queue", "data-list": "video-calls" });
  const status = h("p", { class: "muted", role: "status" });
  ctx.main.replaceChildren(
    h("h1", {}, "Video calls"),
    h("p", {}, "People waiting for an operator, oldest first. Accept a call to see and hear the person."),
    status,
    list,
  );
  let timer: ReturnType<typeof setTimeout> | null = null;
  let gone = false;
  const refresh = async () => {
    if (gone || !document.body.contains(list)) return;
    try {
      const q = await callApi<{ waiting: CallView[]; mine: CallView[] }>("GET", "video-calls");
      const rows = [...q.mine, ...q.waiting];
      status.textContent = q.waiting.length === 0 ? "Nobody is waiting." : `${q.waiting.length} waiting.`;
      list.replaceChildren(
        ...rows.map((c) => {
          const accept = h(
            "button",
            { type: "button", class: "btn primary", "data-action": "accept-call" },
            c.status === "active" ? "Rejoin" : "Accept",
          );
          accept.addEventListener("click", () => {
            gone = true;
            if (timer) clearTimeout(timer);
            void openCall(ctx, c);
          });
          return h(
            "div",
            { class: "vc-row", "data-call": c.call_id },
            h("span", {}, c.status === "active" ? "Your call" : `#${c.position ?? "?"}`),
            h("a", { href: `#/sessions/${c.session_token}` }, `${c.session_token.slice(0, 12)}…`),
            h(
              "span",
              { class: "muted" },
              c.waited_seconds === undefined ? "" : `waiting ${c.waited_seconds} s`,
            ),
            accept,
          );
        }),
      );
    } catch (err) {
      status.textContent = errorText(err);
    }
    timer = setTimeout(() => void refresh(), 3_000);
  };
  await refresh();
}

async function openCall(ctx: PageContext, queued: CallView): Promise<void> {
  const main = ctx.main;
  let call: CallView;
  try {
    call =
      queued.status === "active"
        ? queued
        : (await callApi<{ call: CallView }>("POST", `video-calls/${queued.call_id}/accept`, {})).call;
  } catch (err) {
    ctx.notify(errorText(err), "error");
    await renderVideoCalls(ctx);
    return;
  }
  const id = call.call_id;
  const remote = h("video", {
    class: "vc-remote",
    autoplay: true,
    playsinline: true,
    "data-video": "remote",
    "aria-label": "The person",
  });
  const local = h("video", { class: "vc-local", autoplay: true, playsinline: true, "aria-label": "You" });
  local.muted = true;
  const state = h("p", { class: "muted", role: "status", "data-call-state": "connecting" }, "Connecting…");
  const stills = h("ul", { class: "vc-stills", "data-list": "stills" });
  const note = h("textarea", { name: "note", rows: 3, maxlength: 2000 });
  let stream: MediaStream | null = null;
  let pc: RTCPeerConnection | null = null;
  let recording: CallRecording | null = null;
  const record = call.record !== false;
  const recState = h(
    "p",
    { class: "muted", "data-recording": record ? "waiting" : "off" },
    record ? "The call is recorded once the person's picture arrives." : "This call is not recorded.",
  );
  let stopped = false;
  let after = 0;
  let outbox: Promise<unknown> = Promise.resolve();
  const pendingIce: RTCIceCandidateInit[] = [];

  const stop = () => {
    stopped = true;
    recording?.stop();
    pc?.close();
    for (const t of stream?.getTracks() ?? []) t.stop();
    window.removeEventListener("pagehide", onPageHide);
  };
  const onPageHide = () => {
    if (!stopped)
      void fetch(`/dashboard/api/video-calls/${id}/leave`, {
        method: "POST",
        headers: { "x-csrf-token": getCsrf(), "content-type": "application/json" },
        body: "{}",
        keepalive: true,
        credentials: "same-origin",
      }).catch(() => undefined);
  };
  window.addEventListener("pagehide", onPageHide);
  active = {
    stop: () => {
      onPageHide();
      stop();
    },
  };

  const send = (kind: string, data: unknown) => {
    outbox = outbox
      .then(() => callApi("POST", `video-calls/${id}/signals`, { kind, data }))
      .catch(() => undefined);
  };

  const capture = h(
    "button",
    { type: "button", class: "btn", "data-action": "capture-still" },
    "Capture still",
  );
  capture.addEventListener("click", () => {
    if (!remote.videoWidth) {
      ctx.notify("No picture from the person yet.", "error");
      return;
    }
    const canvas = document.createElement("canvas");
    canvas.width = remote.videoWidth;
    canvas.height = remote.videoHeight;
    canvas.getContext("2d")?.drawImage(remote, 0, 0);
    canvas.toBlob(
      (blob) => {
        if (!blob) return;
        const form = new FormData();
        form.append("file", blob, "still.jpg");
        fetch(`/dashboard/api/video-calls/${id}/stills`, {
          method: "POST",
          headers: { "x-csrf-token": getCsrf() },
          body: form,
          credentials: "same-origin",
        })
          .then(async (res) => {
            const json = (await res.json()) as { media_id?: string; error?: { message?: string } };
            if (!res.ok || !json.media_id) throw new Error(json.error?.message ?? `HTTP ${res.status}`);
            const url = `/dashboard/api/sessions/${encodeURIComponent(call.session_token)}/media/${encodeURIComponent(json.media_id)}`;
            stills.append(
              h("li", { "data-media": json.media_id }, h("img", { src: url, alt: "Still", width: 160 })),
            );
            ctx.notify("Still saved to the session.");
          })
          .catch((err: unknown) => ctx.notify(errorText(err), "error"));
      },
      "image/jpeg",
      0.9,
    );
  });

  const end = (outcome: "passed" | "failed") => {
    callApi<{ video_call: unknown }>("POST", `video-calls/${id}/end`, { outcome, note: note.value })
      .then(() => {
        stop();
        ctx.notify(`Call ended: ${outcome}. The step is complete.`);
        state.textContent = `Ended: ${outcome}`;
        state.setAttribute("data-call-state", `ended-${outcome}`);
        for (const b of main.querySelectorAll<HTMLButtonElement>("[data-action]")) b.disabled = true;
      })
      .catch((err: unknown) => ctx.notify(errorText(err), "error"));
  };
  const pass = h("button", { type: "button", class: "btn primary", "data-action": "pass-call" }, "Passed");
  pass.addEventListener("click", () => end("passed"));
  const failBtn = h("button", { type: "button", class: "btn danger", "data-action": "fail-call" }, "Failed");
  failBtn.addEventListener("click", () => end("failed"));
  const leave = h(
    "button",
    { type: "button", class: "link", "data-action": "leave-call" },
    "Leave without a verdict",
  );
  leave.addEventListener("click", () => {
    stop();
    void callApi("POST", `video-calls/${id}/leave`, {})
      .catch(() => undefined)
      .then(() => renderVideoCalls(ctx));
  });

  main.replaceChildren(
    h("h1", {}, "Video call"),
    h("p", {}, "Session ", h("a", { href: `#/sessions/${call.session_token}` }, call.session_token)),
    state,
    recState,
    h("div", { class: "vc-stage" }, remote, local),
    h("div", { class: "actions" }, capture),
    stills,
    field("Note", note, "Saved with the outcome (at most 2000 characters)"),
    h("div", { class: "actions" }, pass, failBtn, leave),
  );

  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    local.srcObject = stream;
  } catch {
    // Without a camera the operator still sees and hears the person.
    stream = null;
  }
  const upload = async (seq: number, blob: Blob) => {
    const form = new FormData();
    form.append("file", blob, `chunk-${seq}.webm`);
    const res = await fetch(`/dashboard/api/video-calls/${id}/recording?seq=${seq}`, {
      method: "POST",
      headers: { "x-csrf-token": getCsrf() },
      body: form,
      credentials: "same-origin",
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  };
  const onRecording = (s: "on" | "saved" | "failed", chunks: number) => {
    recState.setAttribute("data-recording", s);
    recState.setAttribute("data-chunks", String(chunks));
    recState.textContent =
      s === "on"
        ? `● Recording (${chunks} part${chunks === 1 ? "" : "s"} saved)`
        : s === "saved"
          ? `Recording saved to the session (${chunks} parts).`
          : "The recording could not be saved; the call goes on.";
    if (s === "failed") ctx.notify("The recording could not be saved.", "error");
  };

  /** A new connection and offer: at the start, and when the person's page was reloaded. */
  const connect = async () => {
    pc?.close();
    pendingIce.length = 0;
    const c = new RTCPeerConnection({ iceServers: call.ice_servers });
    pc = c;
    if (stream) for (const t of stream.getTracks()) c.addTrack(t, stream);
    else {
      c.addTransceiver("video", { direction: "recvonly" });
      c.addTransceiver("audio", { direction: "recvonly" });
    }
    c.addEventListener("icecandidate", (e) => send("ice", e.candidate ? e.candidate.toJSON() : null));
    c.addEventListener("track", (e) => {
      const [first] = e.streams;
      if (first && remote.srcObject !== first) remote.srcObject = first;
      if (record && !stopped && !recording) {
        recording = recordCall({ video: remote, local: stream, upload, onState: onRecording });
        if (!recording) recState.textContent = "This browser cannot record the call.";
      }
      if (e.track.kind === "audio") recording?.remoteAudio(e.track);
    });
    c.addEventListener("connectionstatechange", () => {
      if (pc !== c) return;
      state.setAttribute("data-call-state", c.connectionState);
      state.textContent =
        c.connectionState === "connected" ? "Connected" : `Connection: ${c.connectionState}`;
    });
    const offer = await c.createOffer();
    await c.setLocalDescription(offer);
    send("offer", { type: "offer", sdp: offer.sdp ?? "" });
  };
  // Rejoining a live call (after a reload): the person's earlier messages answered an earlier offer.
  if (queued.status === "active") {
    for (let page = 0; page < 5; page++) {
      const earlier = await callApi<{ signals: Signal[] }>(
        "GET",
        `video-calls/${id}/poll?after=${after}&wait=0`,
      ).catch(() => ({ signals: [] as Signal[] }));
      after = earlier.signals.reduce((m, s) => Math.max(m, s.seq), after);
      if (earlier.signals.length < 200) break;
    }
  }
  await connect();

  while (!stopped) {
    let r: { call: CallView; signals: Signal[] };
    try {
      r = await callApi("GET", `video-calls/${id}/poll?after=${after}&wait=20`);
    } catch (err) {
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
        ctx.notify(errorText(err), "error");
        stop();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      continue;
    }
    if (stopped) return;
    for (const s of r.signals) {
      after = Math.max(after, s.seq);
      const live = pc as RTCPeerConnection | null;
      if (!live) break;
      if (s.kind === "rejoin") {
        // The person's page was reloaded: their earlier connection is gone.
        state.setAttribute("data-call-state", "rejoining");
        state.textContent = "The person is back; reconnecting…";
        await connect();
      } else if (s.kind === "answer") {
        await live.setRemoteDescription(s.data as RTCSessionDescriptionInit).catch(() => undefined);
        for (const c of pendingIce.splice(0)) await live.addIceCandidate(c).catch(() => undefined);
      } else if (s.kind === "ice" && s.data) {
        const c = s.data as RTCIceCandidateInit;
        if (live.remoteDescription) await live.addIceCandidate(c).catch(() => undefined);
        else pendingIce.push(c);
      }
    }
    if (r.call.status === "ended") {
      const why =
        r.call.end_reason === "person_left"
          ? "The person left the call."
          : `Call ended (${r.call.end_reason}).`;
      ctx.notify(why, "error");
      state.textContent = why;
      state.setAttribute("data-call-state", `ended-${r.call.end_reason ?? ""}`);
      stop();
      for (const b of main.querySelectorAll<HTMLButtonElement>("[data-action]")) b.disabled = true;
      return;
    }
  }
}
