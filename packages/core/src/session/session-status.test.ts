import { describe, expect, it } from "vitest";
import { AppError } from "../errors/index.ts";
import { isExpired } from "./session-lifetime.ts";
import { assertTransition, canTransition } from "./session-status.ts";

describe("session transitions", () => {
  it("lets the engine decide an in-progress session", () => {
    expect(canTransition("in_progress", "approved", "engine")).toBe(true);
    expect(canTransition("in_progress", "manual_check", "engine")).toBe(true);
  });

  it("only lets the user refuse consent and only the system expire", () => {
    expect(canTransition("in_progress", "disagreed", "user")).toBe(true);
    expect(canTransition("in_progress", "disagreed", "engine")).toBe(false);
    expect(canTransition("in_progress", "expired", "system")).toBe(true);
    expect(canTransition("in_progress", "expired", "operator")).toBe(false);
  });

  it("never reopens or revives a closed session", () => {
    for (const to of ["in_progress", "approved", "rejected"] as const) {
      expect(canTransition("expired", to, "operator")).toBe(false);
      expect(canTransition("disagreed", to, "operator")).toBe(false);
    }
    expect(() => assertTransition("expired", "approved", "engine")).toThrow(AppError);
  });

  it("lets an operator settle a manual check but not the engine", () => {
    expect(canTransition("manual_check", "approved", "operator")).toBe(true);
    expect(canTransition("manual_check", "approved", "engine")).toBe(false);
  });
});

describe("session lifetime", () => {
  const base = {
    status: "in_progress",
    createdAt: 0,
    openDeadline: 15 * 60_000,
    openedAt: null,
    lastActivityAt: null,
    submittedAt: null,
  };
  const idle = 30 * 60_000;

  it("expires an unopened token at its open deadline", () => {
    expect(isExpired(base, 15 * 60_000 - 1, idle)).toBe(false);
    expect(isExpired(base, 15 * 60_000, idle)).toBe(true);
  });

  it("keeps an opened session alive while active", () => {
    const opened = { ...base, openedAt: 10 * 60_000, lastActivityAt: 40 * 60_000 };
    expect(isExpired(opened, 69 * 60_000, idle)).toBe(false);
    expect(isExpired(opened, 70 * 60_000, idle)).toBe(true);
  });

  it("never expires a submitted or decided session", () => {
    expect(isExpired({ ...base, submittedAt: 1 }, 10 ** 12, idle)).toBe(false);
    expect(isExpired({ ...base, status: "approved" }, 10 ** 12, idle)).toBe(false);
  });
});
