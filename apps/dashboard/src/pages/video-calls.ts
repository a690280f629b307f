/**
 * "Video calls": the company's queue of people waiting for an operator (refreshed every few seconds),
 * and the live call once an operator accepts one: the person's video and sound, the operator's own
 * camera, a still capture (stored as the session's media), and the verdict (passed / failed + note)
 * that ends the call and completes the step. Signalling goes through /dashboard/api/video-calls
 * (apps/server/src/dashboard/video-call-routes.ts) by long-poll; this side makes the offer.
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
}

interface Signal {
  seq: number;
  kind: "offer" | "answer" | "ice";
  data: unknown;
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
  let stopped = false;
  let after = 0;
  let outbox: Promise<unknown> = Promise.resolve();
  const pendingIce: RTCIceCandidateInit[] = [];

  const stop = () => {
    stopped = true;
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
  pc = new RTCPeerConnection({ iceServers: call.ice_servers });
  if (stream) for (const t of stream.getTracks()) pc.addTrack(t, stream);
  else {
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
  }
  pc.addEventListener("icecandidate", (e) => send("ice", e.candidate ? e.candidate.toJSON() : null));
  pc.addEventListener("track", (e) => {
    const [first] = e.streams;
    if (first && remote.srcObject !== first) remote.srcObject = first;
  });
  pc.addEventListener("connectionstatechange", () => {
    if (!pc) return;
    state.setAttribute("data-call-state", pc.connectionState);
    state.textContent =
      pc.connectionState === "connected" ? "Connected" : `Connection: ${pc.connectionState}`;
  });
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
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  send("offer", { type: "offer", sdp: offer.sdp ?? "" });

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
      if (s.kind === "answer") {
        await pc.setRemoteDescription(s.data as RTCSessionDescriptionInit).catch(() => undefined);
        for (const c of pendingIce.splice(0)) await pc.addIceCandidate(c).catch(() => undefined);
      } else if (s.kind === "ice" && s.data) {
        const c = s.data as RTCIceCandidateInit;
        if (pc.remoteDescription) await pc.addIceCandidate(c).catch(() => undefined);
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
