import { AppError } from "@verimat/core";
import { describe, expect, it } from "vitest";
import { createBeginPlans } from "./begin-plans.ts";

describe("begin plans", () => {
  const flags = { liveness: true, language: "en", document_types: ["id", "passport"] };

  it("remembers a plan per distinct input, frozen, with its serialization", () => {
    const plans = createBeginPlans();
    const a = plans.plan(flags, undefined);
    const b = plans.plan(JSON.parse(JSON.stringify(flags)), undefined);
    expect(b).toBe(a);
    expect(a.flags).toMatchObject(flags);
    expect(a.effective.map((s) => s.type)).toContain("liveness");
    expect(Object.isFrozen(a.flags)).toBe(true);
    expect(Object.isFrozen(a.effective[0]?.flags)).toBe(true);
    expect(() => {
      (a.flags as Record<string, unknown>).liveness = false;
    }).toThrow(TypeError);
    expect(plans.plan({ ...flags, liveness: false }, undefined)).not.toBe(a);
    expect(plans.plan(flags, [])).not.toBe(a);
  });

  it("gives the parsers' errors and remembers nothing for bad input", () => {
    const plans = createBeginPlans();
    expect(() => plans.plan({ liveness: "sometimes" }, undefined)).toThrow(AppError);
    expect(() => plans.plan({ liveness: "sometimes" }, undefined)).toThrow(AppError);
    expect(() => plans.plan(flags, "not steps")).toThrow(AppError);
  });

  it("keeps at most its capacity, dropping the oldest", () => {
    const plans = createBeginPlans(2);
    const first = plans.plan({ language: "en" }, undefined);
    plans.plan({ language: "ka" }, undefined);
    plans.plan({ language: "ru" }, undefined);
    expect(plans.plan({ language: "en" }, undefined)).not.toBe(first);
  });
});
