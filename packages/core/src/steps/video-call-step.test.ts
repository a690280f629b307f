import { describe, expect, it } from "vitest";
import { AppError } from "../errors/index.ts";
import { buildSessionResult } from "../result/session-result.ts";
import { effectiveSteps, parseSteps } from "./session-steps.ts";
import {
  applyVideoCallVerdict,
  parseVideoCallOutcome,
  parseVideoCallSignal,
  videoCallSpecOf,
} from "./step-catalogue.ts";

function codeOf(f: () => unknown): string | null {
  try {
    f();
    return null;
  } catch (err) {
    return err instanceof AppError ? err.code : "THROWN";
  }
}

describe("video-call step", () => {
  it("reads wait_minutes from the step or its flags, 1–120, and refuses anything else at begin/", () => {
    const [a, b, c] = parseSteps([
      { type: "video-call" },
      { type: "video-call", wait_minutes: 10 },
      { type: "video-call", flags: { wait_minutes: 1.5 } },
    ]);
    expect(a && videoCallSpecOf(a, 0)).toEqual({ waitMinutes: null, record: true });
    expect(b && videoCallSpecOf(b, 1)).toEqual({ waitMinutes: 10, record: true });
    expect(c && videoCallSpecOf(c, 2)).toEqual({ waitMinutes: 1.5, record: true });
    for (const bad of [0, 121, "5", Number.NaN])
      expect(codeOf(() => parseSteps([{ type: "video-call", wait_minutes: bad }]))).toBe("STEP_INVALID");
  });

  it("records by default; record: false (step or flags) turns it off; anything but a boolean is refused", () => {
    const [a, b] = parseSteps([
      { type: "video-call", record: false },
      { type: "video-call", flags: { record: false } },
    ]);
    expect(a && videoCallSpecOf(a, 0).record).toBe(false);
    expect(b && videoCallSpecOf(b, 1).record).toBe(false);
    expect(codeOf(() => parseSteps([{ type: "video-call", record: "yes" }]))).toBe("STEP_INVALID");
  });

  it("takes SDP offers/answers and ICE candidates, nothing else", () => {
    expect(parseVideoCallSignal({ kind: "offer", data: { type: "offer", sdp: "v=0", extra: 1 } })).toEqual({
      kind: "offer",
      data: { type: "offer", sdp: "v=0" },
    });
    expect(parseVideoCallSignal({ kind: "ice", data: null })).toEqual({ kind: "ice", data: null });
    expect(parseVideoCallSignal({ kind: "ice", data: { candidate: "candidate:1", sdpMid: "0" } })).toEqual({
      kind: "ice",
      data: { candidate: "candidate:1", sdpMid: "0", sdpMLineIndex: null },
    });
    for (const bad of [
      null,
      "offer",
      { kind: "bye" },
      { kind: "answer", data: { type: "offer", sdp: "v=0" } },
      { kind: "answer", data: { type: "answer", sdp: "" } },
      { kind: "offer", data: { type: "offer", sdp: "x".repeat(32_001) } },
      { kind: "ice", data: { candidate: "c".repeat(2_001) } },
      { kind: "ice", data: { candidate: "c", sdpMLineIndex: 0.5 } },
    ])
      expect(
        codeOf(() => parseVideoCallSignal(bad)),
        JSON.stringify(bad)?.slice(0, 80),
      ).toBe("VIDEO_CALL_SIGNAL_INVALID");
  });

  it("takes passed or failed with an optional note", () => {
    expect(parseVideoCallOutcome({ outcome: "failed", note: "  no document  " })).toEqual({
      outcome: "failed",
      note: "no document",
    });
    expect(parseVideoCallOutcome({ outcome: "passed" })).toEqual({ outcome: "passed", note: "" });
    for (const bad of [undefined, {}, { outcome: "PASSED" }, { outcome: "passed", note: 1 }])
      expect(codeOf(() => parseVideoCallOutcome(bad))).toBe("VIDEO_CALL_OUTCOME_INVALID");
  });

  it("puts the record in the result as video_call, only when there is one", () => {
    const base = {
      token: "t",
      status: "in_progress" as const,
      configId: null,
      resultComment: "",
      technical: {},
    };
    expect("video_call" in buildSessionResult({ ...base, verification: {} })).toBe(false);
    const record = {
      outcome: "passed" as const,
      note: "",
      operator: "op@x.test",
      requested_at: "2026-11-26T00:00:00.000Z",
      started_at: "2026-11-26T00:00:10.000Z",
      ended_at: "2026-11-26T00:01:10.000Z",
      duration_seconds: 60,
      stills: ["m1"],
    };
    expect(buildSessionResult({ ...base, verification: { videoCall: record } }).video_call).toEqual(record);
  });

  it("a failed call rejects (an earlier rejection keeps its reason first); a passed one changes nothing", () => {
    const approved = {
      status: "approved",
      reasons: [] as string[],
      rejectReason: { value: "", description: "" },
    };
    expect(applyVideoCallVerdict(approved, undefined)).toBe(approved);
    expect(applyVideoCallVerdict(approved, { outcome: "passed", note: "" })).toBe(approved);
    expect(applyVideoCallVerdict(approved, { outcome: "failed", note: "Someone else" })).toEqual({
      status: "rejected",
      reasons: ["video_call_failed"],
      rejectReason: {
        value: "video_call_failed",
        description: "An operator failed the video call: Someone else",
      },
    });
    const review = {
      status: "manual_check",
      reasons: ["face_quality"],
      rejectReason: { value: "", description: "" },
    };
    expect(applyVideoCallVerdict(review, { outcome: "failed", note: "" })).toMatchObject({
      status: "rejected",
      reasons: ["face_quality", "video_call_failed"],
      rejectReason: { value: "video_call_failed" },
    });
    const rejected = {
      status: "rejected",
      reasons: ["face_mismatch"],
      rejectReason: { value: "face_mismatch", description: "The face does not match the document portrait." },
    };
    expect(applyVideoCallVerdict(rejected, { outcome: "failed", note: "" })).toEqual({
      ...rejected,
      reasons: ["face_mismatch", "video_call_failed"],
    });
  });

  it('adds a video call for the flag server: "human" (an explicit one wins)', () => {
    const types = (xs: { type: string }[]) => xs.map((x) => x.type);
    expect(types(effectiveSteps({ skip_agreement: true, server: "human" }, []))).toEqual([
      "identity-document",
      "liveness",
      "video-call",
    ]);
    expect(types(effectiveSteps({ skip_agreement: true, server: "computer" }, []))).not.toContain(
      "video-call",
    );
    const explicit = parseSteps([{ type: "video-call", wait_minutes: 9 }]);
    const steps = effectiveSteps(
      { skip_agreement: true, skip_document: true, skip_face: true, server: "human" },
      explicit,
    );
    expect(steps).toEqual([{ type: "video-call", wait_minutes: 9, flags: {} }]);
  });
});
