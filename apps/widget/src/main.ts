/**
 * The widget shell: loads the session, shows the screen the flow asks for, performs the widget-API
 * call each screen needs and feeds the answer back into the flow.
 * @module
 */
import "./style.css";
import { ApiError, createApiClient } from "./api-client/create-api-client.ts";
import type { SessionDescription } from "./api-client/session-description.ts";
import { isInAppBrowser } from "./camera/in-app-browser.ts";
import { type FaceTracker, loadFaceTracker } from "./face/load-face-tracker.ts";
import {
  advance,
  completionTarget,
  type FlowEvent,
  type FlowState,
  initialFlow,
  progressOf,
  screenOf,
  switchDeviceLink,
} from "./flow/widget-flow.ts";
import { createTranslator, type Language, pickLanguage, type Translate } from "./i18n/translate.ts";
import { renderCapture } from "./steps/render-capture.ts";
import { renderChooseDocument } from "./steps/render-choose-document.ts";
import { renderConsent } from "./steps/render-consent.ts";
import { renderInputStep } from "./steps/render-input-step.ts";
import { renderLiveness } from "./steps/render-liveness.ts";
import { button, renderMessage } from "./steps/render-message.ts";
import { renderSwitchDevice } from "./steps/render-switch-device.ts";
import { renderVideoCall } from "./steps/render-video-call.ts";
import { createStepsApi } from "./steps/steps-api.ts";
import { h, show } from "./ui/h.ts";

const REDIRECT_DELAY_MS = 1500;

/** A computer rather than a phone or tablet: no coarse pointer and no mobile user agent. */
function isDesktop(): boolean {
  const coarse = typeof matchMedia === "function" && matchMedia("(pointer: coarse)").matches;
  return !coarse && !/Mobi|Android|iPhone|iPad/i.test(navigator.userAgent);
}

function mount(): HTMLElement {
  const existing = document.getElementById("app");
  if (existing) return existing;
  const main = h("main", { id: "app", "aria-live": "polite" });
  document.body.append(main);
  return main;
}

function applyBranding(branding: Record<string, unknown>, header: HTMLElement): void {
  const color = branding.primary_color ?? branding.primaryColor ?? branding.color;
  // Only plain hex colours: the value comes from company settings and lands in a CSS custom property.
  if (typeof color === "string" && /^#[0-9a-f]{3,8}$/i.test(color)) {
    document.documentElement.style.setProperty("--accent", color);
  }
  // The company's logo, from an https address only (the page's CSP allows that one origin for images).
  const logo = branding.logo_url ?? branding.logoUrl;
  if (typeof logo === "string" && /^https:\/\/[^\s"'<>]+$/.test(logo) && !header.querySelector(".logo")) {
    header.prepend(h("img", { class: "logo", src: logo, alt: "" }));
  }
}

async function boot(): Promise<void> {
  const root = mount();
  const token = new URLSearchParams(location.search).get("session_token") ?? "";
  const client = createApiClient(token);
  const stepsApi = createStepsApi(token);
  // A session that expired or closed meanwhile is not a network hiccup: no retry, the page says so.
  const api: typeof client = {
    ...client,
    upload: (kind, file, onProgress, fields) =>
      client.upload(kind, file, onProgress, fields).catch((error: unknown) => {
        if (error instanceof ApiError && error.code.startsWith("SESSION_")) failure(error);
        throw error;
      }),
  };
  let t: Translate = createTranslator(pickLanguage(null, navigator.languages));
  let lang: Language = "en";
  let state: FlowState | null = null;
  let cleanup: (() => void) | null = null;
  let inAppAcknowledged = !isInAppBrowser(navigator.userAgent);
  let faceTracker: Promise<FaceTracker | null> | null = null;
  /** Starts loading the face tracker once (in the background, e.g. while the consent is read). */
  const tracker = (): Promise<FaceTracker | null> => {
    faceTracker ??= loadFaceTracker();
    return faceTracker;
  };
  const body = h("div", { class: "body" });
  const progress = h("p", { class: "progress" });
  const header = h("header", {}, progress);
  root.replaceChildren(header, body);

  function setLanguage(session: SessionDescription | null): void {
    lang = pickLanguage(session?.language ?? null, navigator.languages);
    t = createTranslator(lang);
    document.documentElement.lang = lang;
    document.title = t("pageTitle");
  }

  function failure(error: unknown): void {
    cleanup?.();
    cleanup = null;
    progress.textContent = "";
    const code = error instanceof ApiError ? error.code : "";
    if (code === "SESSION_CLOSED") {
      // Finished elsewhere (another tab, a timeout): the reloaded session shows where it stands.
      void load();
    } else if (code === "SESSION_UNKNOWN") {
      show(body, renderMessage("unknown", t("unknownTitle"), t("unknownBody")));
    } else if (code === "SESSION_EXPIRED") {
      show(body, renderMessage("expired", t("expiredTitle"), t("expiredBody")));
    } else {
      // Anything else (network, a step that moved meanwhile): reload the session and resume from it.
      show(
        body,
        renderMessage(
          "error",
          t("errorTitle"),
          t("errorBody"),
          button(t("tryAgain"), "reload", () => void load()),
        ),
      );
    }
  }

  function dispatch(event: FlowEvent): void {
    if (!state) return;
    state = advance(state, event);
    render();
  }

  function run<T>(call: Promise<T>, then: (value: T) => void): void {
    call.then(then, failure);
  }

  /** Hands control back: redirect to return_url, or "DONE" to the embedding page. */
  function finish(s: FlowState, section: HTMLElement, auto: boolean): void {
    const target = completionTarget(s.session, token, {
      referrer: document.referrer,
      inFrame: window.parent !== window,
    });
    if (target.kind === "redirect") {
      const link = h(
        "a",
        { class: "btn primary", href: target.url, "data-action": "return" },
        t("backToSite"),
      );
      if (auto) {
        section.append(h("p", { class: "status", role: "status" }, t("returning")));
        setTimeout(() => location.assign(target.url), REDIRECT_DELAY_MS);
      }
      section.append(h("div", { class: "actions" }, link));
    } else if (target.kind === "post-message" && auto) {
      window.parent.postMessage("DONE", target.targetOrigin);
    }
  }

  function render(): void {
    if (!state) return;
    cleanup?.();
    cleanup = null;
    const s = state;
    const screen = screenOf(s);
    const switchLink = switchDeviceLink(s.session, location.href);
    if (!inAppAcknowledged && screen.kind !== "final") {
      progress.textContent = "";
      const copied = h("p", { class: "status", role: "status" });
      show(
        body,
        renderMessage(
          "in-app-browser",
          t("inAppTitle"),
          t("inAppBody"),
          // With restrict_url_sharing the link would not work in another browser: no copy offered.
          s.session.restrictUrlSharing
            ? null
            : button(t("copyLink"), "copy-link", () => {
                navigator.clipboard?.writeText(location.href).then(
                  () => {
                    copied.textContent = t("linkCopied");
                  },
                  () => undefined,
                );
              }),
          button(
            t("continueHere"),
            "continue-here",
            () => {
              inAppAcknowledged = true;
              render();
            },
            "secondary",
          ),
          copied,
        ),
      );
      return;
    }
    // `skip_desktop`: phones only; a computer gets the way over to one.
    if (s.session.skipDesktop && screen.kind !== "final" && isDesktop()) {
      progress.textContent = "";
      const offer = renderSwitchDevice(t, switchLink, false);
      show(
        body,
        h(
          "section",
          { class: "screen", "data-screen": "switch-device" },
          h("h1", {}, t("switchDeviceTitle")),
          offer ?? h("p", {}, t("cameraMissingBody")),
        ),
      );
      return;
    }
    const p = progressOf(s);
    progress.textContent = screen.kind === "final" ? "" : t("stepOf", p);
    switch (screen.kind) {
      case "consent":
        show(
          body,
          renderConsent(t, (agree) =>
            run(api.consent(agree), (r) =>
              dispatch(
                agree ? { type: "agreed", currentStep: r.currentStep ?? s.step + 1 } : { type: "refused" },
              ),
            ),
          ),
        );
        return;
      case "choose-document":
        show(
          body,
          renderChooseDocument(t, lang, screen.types, screen.countries, (documentType, country) =>
            dispatch({ type: "document-chosen", documentType, country }),
          ),
        );
        return;
      case "capture":
        cleanup = renderCapture(body, {
          t,
          subject: screen.subject,
          camera: screen.camera,
          upload: screen.upload,
          facing: screen.facing,
          hd: s.session.requireHdMedia,
          switchLink,
          send: (file, onProgress) => api.upload(screen.capture, file, onProgress).then(() => undefined),
          onDone: () => dispatch({ type: "captured", kind: screen.capture }),
        });
        return;
      case "liveness":
        cleanup = renderLiveness(body, {
          t,
          hd: s.session.requireHdMedia,
          switchLink,
          challenge: () => api.livenessChallenge(),
          tracker,
          sendFrame: (frame, fields) =>
            api.upload("liveness-frame", frame, undefined, fields).then(() => undefined),
          sendFace: (still) => api.upload("face", still).then(() => undefined),
          sendVideo: (clip) => api.upload("face-video", clip).then(() => undefined),
          onDone: () => dispatch({ type: "captured", kind: "face" }),
        });
        return;
      case "step-input":
        renderInputStep(body, {
          type: screen.type,
          lang,
          api: stepsApi,
          // A chosen language reloads the session, which then speaks it on every later screen.
          onDone: (currentStep, language) =>
            language ? void load() : dispatch({ type: "step-completed", currentStep }),
          onFailure: failure,
        });
        return;
      case "video-call":
        cleanup = renderVideoCall(body, {
          token,
          lang,
          step: screen.step,
          onDone: (currentStep) => dispatch({ type: "step-completed", currentStep }),
          onFailure: failure,
        });
        return;
      case "complete-step":
        show(
          body,
          h(
            "section",
            { class: "screen", "data-screen": "working" },
            h("p", { role: "status" }, t("loading")),
          ),
        );
        run(api.completeStep(screen.step), (r) =>
          dispatch({ type: "step-completed", currentStep: r.currentStep }),
        );
        return;
      case "submit":
        show(
          body,
          h(
            "section",
            { class: "screen", "data-screen": "working" },
            h("p", { role: "status" }, t("loading")),
          ),
        );
        run(api.submit(), () => dispatch({ type: "submitted" }));
        return;
      case "final": {
        const copy = {
          finished: ["finishedTitle", "finishedBody"],
          disagreed: ["disagreedTitle", "disagreedBody"],
          closed: ["closedTitle", "closedBody"],
        } as const;
        const [title, text] = copy[screen.outcome];
        const section = renderMessage(`final-${screen.outcome}`, t(title), t(text));
        // A reload of an already finished session shows the way back but does not move on by itself.
        finish(s, section, screen.outcome !== "closed");
        show(body, section);
        return;
      }
    }
  }

  async function load(): Promise<void> {
    show(body, h("p", { class: "loading", role: "status" }, t("loading")));
    try {
      const session = await api.session();
      setLanguage(session);
      applyBranding(session.branding, header);
      state = initialFlow(session);
      if (session.steps.some((x) => x.type === "liveness" && x.flags.liveness === true && !x.done))
        void tracker();
      render();
    } catch (error) {
      failure(error);
    }
  }

  setLanguage(null);
  if (!token) {
    show(body, renderMessage("unknown", t("unknownTitle"), t("unknownBody")));
    return;
  }
  await load();
}

void boot();
