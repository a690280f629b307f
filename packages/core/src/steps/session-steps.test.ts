import { describe, expect, it } from "vitest";
import { AppError } from "../errors/index.ts";
import { parseFlags } from "../flags/session-flags.ts";
import { effectiveSteps, overlaySteps, parseSteps } from "./session-steps.ts";

const types = (s: { type: string }[]) => s.map((x) => x.type);

describe("effective steps", () => {
  it("builds the legacy flow from flags alone", () => {
    expect(types(effectiveSteps({}, []))).toEqual(["agreement", "identity-document", "liveness"]);
  });

  it("honours the skip flags, also without explicit steps (proof-of-address-only flow)", () => {
    const flags = parseFlags({
      skip_document: true,
      skip_face: true,
      liveness: false,
      document_types: [],
      allow_general_document_upload: true,
    });
    expect(types(effectiveSteps(flags, []))).toEqual(["agreement", "general-document"]);
  });

  it("lets an explicit step replace the implicit one of the same type", () => {
    const steps = parseSteps([{ type: "liveness", flags: { allow_face_upload: true } }]);
    const eff = effectiveSteps({}, steps);
    expect(types(eff)).toEqual(["agreement", "identity-document", "liveness"]);
    expect(eff[2]?.flags).toEqual({ allow_face_upload: true });
  });

  it("adds selfie-with-document and keeps agreement first unless skipped", () => {
    const eff = effectiveSteps(
      { require_face_document: true, skip_agreement: true },
      parseSteps([{ type: "email" }]),
    );
    expect(types(eff)).toEqual(["identity-document", "liveness", "face-document", "email"]);
  });

  it("passes document restrictions into the implicit document step", () => {
    const eff = effectiveSteps(parseFlags({ document_types: ["passport"], document_countries: ["geo"] }), []);
    expect(eff[1]?.flags).toMatchObject({ document_types: ["passport"], document_countries: ["GEO"] });
  });
});

describe("steps parsing", () => {
  it("accepts name/step as aliases for type and keeps other keys", () => {
    const s = parseSteps([
      { name: "user-questionnaire", key: "q1", questions: [] },
      { step: "selfie-with-id" },
    ]);
    expect(s[0]).toMatchObject({ type: "user-questionnaire", key: "q1", questions: [] });
    expect(s[1]?.type).toBe("face-document");
  });

  it("rejects malformed steps with the index", () => {
    expect(() => parseSteps({})).toThrow(AppError);
    expect(() => parseSteps([{ type: 3 }])).toThrow(/step 0/);
    expect(() => parseSteps([{ type: "x", flags: [] }])).toThrow(/step 0/);
  });

  it("overlays request steps on a configuration by type", () => {
    const base = parseSteps([{ type: "identity-document" }, { type: "user-questionnaire", key: "a" }]);
    const out = overlaySteps(base, parseSteps([{ type: "user-questionnaire", key: "b" }, { type: "email" }]));
    expect(out.map((s) => [s.type, s.key])).toEqual([
      ["identity-document", undefined],
      ["user-questionnaire", "b"],
      ["email", undefined],
    ]);
  });
});

describe("flags", () => {
  it("keeps unknown flags verbatim", () => {
    expect(parseFlags({ some_future_flag: { a: 1 }, liveness: true })).toEqual({
      some_future_flag: { a: 1 },
      liveness: true,
    });
  });

  it("names the flag with the wrong type", () => {
    expect(() => parseFlags({ liveness: "yes" })).toThrow(/flag "liveness"/);
    expect(() => parseFlags({ document_types: "id" })).toThrow(/flag "document_types"/);
    expect(() => parseFlags({ server: "robot" })).toThrow(/flag "server"/);
  });

  it("requires return_url to be an absolute http(s) URL", () => {
    expect(parseFlags({ return_url: "https://shop.example/done?x=1" }).return_url).toBe(
      "https://shop.example/done?x=1",
    );
    for (const bad of ["/relative", "javascript:alert(1)", "ftp://x.example/"]) {
      expect(() => parseFlags({ return_url: bad })).toThrow(/return_url/);
    }
  });

  it("rejects non-object flags", () => {
    expect(() => parseFlags([1])).toThrow(AppError);
    expect(() => parseFlags("x")).toThrow(AppError);
  });
});
