/**
 * begin/ is throughput-bound, and an integration sends the same `flags` and `steps` on every call: their
 * validation and the effective-step computation are remembered per distinct input (the answers are
 * deep-frozen, so a remembered plan cannot be changed by one session and leak into the next).
 * @module
 */
import { effectiveSteps, parseFlags, parseSteps, type SessionStep } from "@verimat/core";
import { immutableJson } from "@verimat/db";

export interface BeginPlan {
  flags: ReturnType<typeof parseFlags>;
  steps: SessionStep[];
  effective: SessionStep[];
}

/** `undefined` (absent) and `null` are different inputs to the parsers, so they get different keys. */
function keyOf(v: unknown): string {
  return v === undefined ? "u" : `j${JSON.stringify(v)}`;
}

export function createBeginPlans(max = 256) {
  const plans = new Map<string, BeginPlan>();
  return {
    /** The parsed flags and steps and the effective steps; throws the parsers' errors (not remembered). */
    plan(flagsInput: unknown, stepsInput: unknown): BeginPlan {
      const key = `${keyOf(flagsInput)}\n${keyOf(stepsInput)}`;
      const known = plans.get(key);
      if (known) return known;
      const flags = parseFlags(flagsInput);
      const steps = parseSteps(stepsInput);
      const plan: BeginPlan = {
        flags: immutableJson(flags),
        steps: immutableJson(steps),
        effective: immutableJson(effectiveSteps(flags, steps)),
      };
      if (plans.size >= max) {
        const oldest = plans.keys().next();
        if (!oldest.done) plans.delete(oldest.value);
      }
      plans.set(key, plan);
      return plan;
    },
  };
}
