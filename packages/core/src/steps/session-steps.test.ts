import { describe, expect, it } from "vitest";
import { AppError } from "../errors/index.ts";
import { parseFlags } from "../flags/session-flags.ts";
import { BUILDER_STEPS, builderLabelOf } from "./builder-catalogue.ts";
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

describe("Selfie with ID and Proof of address as builder steps", () => {
  it("map to the widget's capture steps with what the implicit ones would have (Identomat flag names read)", () => {
    const eff = effectiveSteps(
      { skip_agreement: true, skip_document: true, skip_face: true },
      parseSteps([
        { type: "selfie-with-id", flags: { allow_face_doc_upload: true } },
        {
          type: "proof-of-address",
          flags: { allow_general_document_capture: false, allow_general_document_upload: true },
        },
      ]),
    );
    expect(eff.map((s) => [s.type, s.flags])).toEqual([
      ["face-document", { allow_face_doc_upload: true }],
      [
        "general-document",
        {
          allow_general_document_capture: false,
          allow_general_document_upload: true,
          general_document_types: ["bank_statement", "utility_bill"],
          allow_capture: false,
          allow_upload: true,
        },
      ],
    ]);
  });

  it("a bare step: camera on, upload off; the session's flags fill in what the step leaves out", () => {
    const bare = effectiveSteps({ skip_agreement: true, skip_document: true, skip_face: true }, [
      { type: "face-document", flags: {} },
      { type: "general-document", flags: {} },
    ]);
    expect(bare.map((s) => s.flags)).toEqual([
      { allow_face_doc_upload: false },
      {
        general_document_types: ["bank_statement", "utility_bill"],
        allow_capture: true,
        allow_upload: false,
      },
    ]);
    const fromFlags = effectiveSteps(
      parseFlags({
        skip_agreement: true,
        skip_document: true,
        skip_face: true,
        require_face_document: true,
        allow_face_doc_upload: true,
        allow_general_document_upload: true,
        general_document_types: ["tax_return"],
      }),
      parseSteps([{ type: "general-document", title: "Proof of address" }, { type: "face-document" }]),
    );
    // The explicit steps replace the implicit ones, in the builder's order, with the flags' settings.
    expect(fromFlags.map((s) => [s.type, s.flags])).toEqual([
      [
        "general-document",
        { general_document_types: ["tax_return"], allow_capture: false, allow_upload: true },
      ],
      ["face-document", { allow_face_doc_upload: true }],
    ]);
  });

  it("the builder catalogue offers both under Identomat's names", () => {
    expect(BUILDER_STEPS.filter((s) => s.impliedBy).map((s) => [s.label, s.type, s.impliedBy])).toEqual([
      ["Selfie with ID", "face-document", ["require_face_document"]],
      [
        "Proof of address",
        "general-document",
        ["allow_general_document_capture", "allow_general_document_upload"],
      ],
    ]);
    expect(builderLabelOf("general-document")).toBe("Proof of address");
    // Every builder step's starting settings pass the checks begin/ makes.
    expect(() => parseSteps(BUILDER_STEPS.map((s) => ({ type: s.type, flags: s.start })))).not.toThrow();
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
