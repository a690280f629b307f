import { describe, expect, it } from "vitest";
import type { SessionDescription, WidgetStep } from "../api-client/session-description.ts";
import {
  advance,
  completionTarget,
  type FlowState,
  initialFlow,
  screenOf,
  switchDeviceLink,
} from "./widget-flow.ts";

function step(index: number, type: string, flags: Record<string, unknown> = {}): WidgetStep {
  return { index, type, flags, done: false };
}

function session(over: Partial<SessionDescription> = {}): SessionDescription {
  return {
    status: "in_progress",
    phase: "capturing",
    language: null,
    currentStep: 0,
    steps: [
      step(0, "agreement"),
      step(1, "identity-document", { document_types: ["id", "passport"], allow_document_upload: false }),
      step(2, "liveness", { liveness: false, allow_face_upload: false }),
    ],
    documentTypes: ["id", "passport"],
    documentCountries: [],
    liveness: false,
    returnUrl: null,
    parentOrigin: null,
    allowedOrigins: [],
    switchDeviceUrl: null,
    restrictUrlSharing: false,
    skipDesktop: false,
    requireHdMedia: false,
    branding: {},
    ...over,
  };
}

describe("widget flow", () => {
  it("walks consent → choose document → both card sides → selfie → submit → final", () => {
    let s: FlowState = initialFlow(session());
    expect(screenOf(s)).toEqual({ kind: "consent", step: 0 });
    s = advance(s, { type: "agreed", currentStep: 1 });
    expect(screenOf(s)).toMatchObject({ kind: "choose-document", types: ["id", "passport"] });
    s = advance(s, { type: "document-chosen", documentType: "id", country: null });
    expect(screenOf(s)).toMatchObject({
      kind: "capture",
      capture: "card-front",
      facing: "environment",
      camera: true,
      upload: false,
    });
    s = advance(s, { type: "captured", kind: "card-front" });
    expect(screenOf(s)).toMatchObject({ kind: "capture", capture: "card-back", subject: "document-back" });
    s = advance(s, { type: "captured", kind: "card-back" });
    expect(screenOf(s)).toEqual({ kind: "complete-step", step: 1 });
    s = advance(s, { type: "step-completed", currentStep: 2 });
    expect(screenOf(s)).toMatchObject({
      kind: "capture",
      capture: "face",
      facing: "user",
      subject: "selfie",
    });
    s = advance(s, { type: "captured", kind: "face" });
    expect(screenOf(s)).toEqual({ kind: "complete-step", step: 2 });
    s = advance(s, { type: "step-completed", currentStep: 3 });
    expect(screenOf(s)).toEqual({ kind: "submit" });
    s = advance(s, { type: "submitted" });
    expect(screenOf(s)).toEqual({ kind: "final", outcome: "finished" });
  });

  it("asks for a passport's photo page only, and skips the choice when one type and country are allowed", () => {
    const s = initialFlow(
      session({
        currentStep: 1,
        steps: [step(0, "agreement"), step(1, "identity-document", { document_types: ["passport"] })],
      }),
    );
    expect(screenOf(s)).toMatchObject({ kind: "capture", capture: "passport", subject: "passport" });
    expect(screenOf(advance(s, { type: "captured", kind: "passport" }))).toEqual({
      kind: "complete-step",
      step: 1,
    });
  });

  it("asks for the country when several are allowed, even with one document type", () => {
    const s = initialFlow(
      session({
        currentStep: 1,
        steps: [
          step(0, "agreement"),
          step(1, "identity-document", { document_types: ["id"], document_countries: ["GEO", "ARM"] }),
        ],
      }),
    );
    expect(screenOf(s)).toMatchObject({ kind: "choose-document", types: ["id"], countries: ["GEO", "ARM"] });
  });

  it("resumes at the server's current step after a reload", () => {
    expect(screenOf(initialFlow(session({ currentStep: 2 })))).toMatchObject({
      kind: "capture",
      capture: "face",
    });
    expect(screenOf(initialFlow(session({ currentStep: 3 })))).toEqual({ kind: "submit" });
  });

  it("never moves back on a stale step counter", () => {
    const s = advance(initialFlow(session({ currentStep: 2 })), { type: "step-completed", currentStep: 1 });
    expect(s.step).toBe(2);
  });

  it("ends on refusal, and shows finished sessions as closed", () => {
    expect(screenOf(advance(initialFlow(session()), { type: "refused" }))).toEqual({
      kind: "final",
      outcome: "disagreed",
    });
    expect(screenOf(initialFlow(session({ status: "disagreed", phase: "done" })))).toEqual({
      kind: "final",
      outcome: "disagreed",
    });
    expect(screenOf(initialFlow(session({ phase: "processing" })))).toEqual({
      kind: "final",
      outcome: "closed",
    });
  });

  it("offers upload when the flags allow it, and forces it when live capture is disabled", () => {
    const withUpload = initialFlow(
      session({
        currentStep: 1,
        steps: [
          step(0, "agreement"),
          step(1, "identity-document", { document_types: ["passport"], allow_document_upload: true }),
        ],
      }),
    );
    expect(screenOf(withUpload)).toMatchObject({ camera: true, upload: true });
    const uploadOnly = initialFlow(
      session({
        currentStep: 1,
        steps: [
          step(0, "agreement"),
          step(1, "identity-document", { document_types: ["passport"], disable_document_capture: true }),
        ],
      }),
    );
    expect(screenOf(uploadOnly)).toMatchObject({ camera: false, upload: true });
  });

  it("runs the liveness challenge when the step asks for it, and completes the step after its selfie", () => {
    const s = initialFlow(
      session({
        currentStep: 2,
        steps: [step(0, "agreement"), step(1, "identity-document"), step(2, "liveness", { liveness: true })],
      }),
    );
    expect(screenOf(s)).toEqual({ kind: "liveness", step: 2 });
    expect(screenOf(advance(s, { type: "captured", kind: "face" }))).toEqual({
      kind: "complete-step",
      step: 2,
    });
  });

  it("asks for a selfie with the document and a proof of address when the session has those steps", () => {
    let s = initialFlow(
      session({
        steps: [
          step(0, "face-document", { allow_face_doc_upload: true }),
          step(1, "general-document", { allow_capture: false, allow_upload: true }),
        ],
      }),
    );
    expect(screenOf(s)).toMatchObject({
      kind: "capture",
      capture: "face-document",
      facing: "user",
      upload: true,
    });
    s = advance(advance(s, { type: "captured", kind: "face-document" }), {
      type: "step-completed",
      currentStep: 1,
    });
    expect(screenOf(s)).toMatchObject({
      kind: "capture",
      capture: "general-document",
      camera: false,
      upload: true,
    });
  });

  it("passes over steps it has no screen for instead of blocking on them", () => {
    const s = initialFlow(session({ steps: [step(0, "operator-questionnaire"), step(1, "mystery-step")] }));
    expect(screenOf(s)).toEqual({ kind: "complete-step", step: 0 });
    expect(screenOf(advance(s, { type: "step-completed", currentStep: 1 }))).toEqual({
      kind: "complete-step",
      step: 1,
    });
  });

  it("shows the video call for a video-call step, and moves on when the server completed it", () => {
    const s = initialFlow(session({ steps: [step(0, "video-call")] }));
    expect(screenOf(s)).toEqual({ kind: "video-call", step: 0 });
    expect(screenOf(advance(s, { type: "step-completed", currentStep: 1 }))).toEqual({ kind: "submit" });
  });

  it("shows a form for the steps whose input the server checks", () => {
    const types = [
      "language",
      "user-questionnaire",
      "phone-number",
      "email",
      "geolocation",
      "company-data",
      "beneficiaries",
    ];
    let s = initialFlow(session({ steps: types.map((type, i) => step(i, type)) }));
    for (const [i, type] of types.entries()) {
      expect(screenOf(s)).toEqual({ kind: "step-input", step: i, type });
      s = advance(s, { type: "step-completed", currentStep: i + 1 });
    }
    expect(screenOf(s)).toEqual({ kind: "submit" });
  });
});

describe("completion target", () => {
  const token = "a".repeat(40);

  it("redirects to return_url with session_token added to its own query", () => {
    const c = completionTarget(
      { returnUrl: "https://shop.example/back?order=7#top", parentOrigin: null, allowedOrigins: [] },
      token,
      { referrer: "", inFrame: false },
    );
    expect(c).toEqual({
      kind: "redirect",
      url: `https://shop.example/back?order=7&session_token=${token}#top`,
    });
  });

  it("never redirects to a non-http scheme", () => {
    const c = completionTarget(
      { returnUrl: "javascript:alert(1)", parentOrigin: null, allowedOrigins: [] },
      token,
      { referrer: "", inFrame: false },
    );
    expect(c).toEqual({ kind: "none" });
  });

  it("posts to the referrer's origin when the company allows it, else to its configured origin, never *", () => {
    const s = {
      returnUrl: null,
      parentOrigin: "https://a.example",
      allowedOrigins: ["https://a.example", "https://b.example"],
    };
    expect(completionTarget(s, token, { referrer: "https://b.example/page?x=1", inFrame: true })).toEqual({
      kind: "post-message",
      targetOrigin: "https://b.example",
    });
    expect(completionTarget(s, token, { referrer: "https://evil.example/", inFrame: true })).toEqual({
      kind: "post-message",
      targetOrigin: "https://a.example",
    });
    expect(completionTarget(s, token, { referrer: "", inFrame: true })).toEqual({
      kind: "post-message",
      targetOrigin: "https://a.example",
    });
  });

  it("uses the referrer's origin when the company configured none, * only as the last resort", () => {
    const s = { returnUrl: null, parentOrigin: null, allowedOrigins: [] };
    expect(completionTarget(s, token, { referrer: "http://localhost:8080/x", inFrame: true })).toEqual({
      kind: "post-message",
      targetOrigin: "http://localhost:8080",
    });
    expect(completionTarget(s, token, { referrer: "", inFrame: true })).toEqual({
      kind: "post-message",
      targetOrigin: "*",
    });
    expect(completionTarget(s, token, { referrer: "", inFrame: false })).toEqual({ kind: "none" });
  });
});

describe("switch-device link", () => {
  const here = "https://verimat.example/?session_token=abc";
  it("prefers the company's switch_device_url, else this page unless sharing is restricted", () => {
    expect(
      switchDeviceLink({ switchDeviceUrl: "https://m.shop.example/go", restrictUrlSharing: true }, here),
    ).toBe("https://m.shop.example/go");
    expect(switchDeviceLink({ switchDeviceUrl: null, restrictUrlSharing: false }, here)).toBe(here);
    expect(switchDeviceLink({ switchDeviceUrl: null, restrictUrlSharing: true }, here)).toBeNull();
    expect(
      switchDeviceLink({ switchDeviceUrl: "javascript:alert(1)", restrictUrlSharing: false }, here),
    ).toBeNull();
  });
});
