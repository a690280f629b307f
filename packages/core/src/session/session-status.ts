/**
 * Session states and the one table of allowed transitions. Every status change in the project goes
 * through `assertTransition`, so an illegal move (approving an expired session, reopening a refused
 * one) is impossible wherever it is attempted.
 * @module
 */
import { AppError } from "../errors/index.ts";

export const SESSION_STATUSES = [
  "in_progress",
  "approved",
  "rejected",
  "manual_check",
  "disagreed",
  "expired",
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Who asks for a change: the engine decides once; an operator may revise a decision later. */
export type TransitionActor = "system" | "user" | "engine" | "operator";

const ALLOWED: Record<SessionStatus, Partial<Record<SessionStatus, readonly TransitionActor[]>>> = {
  in_progress: {
    approved: ["engine", "operator"],
    rejected: ["engine", "operator"],
    manual_check: ["engine"],
    disagreed: ["user"],
    expired: ["system"],
  },
  manual_check: { approved: ["operator"], rejected: ["operator"] },
  // Operators may revise a decision ("results may change after the user finishes").
  approved: { rejected: ["operator"], manual_check: ["operator"] },
  rejected: { approved: ["operator"], manual_check: ["operator"] },
  disagreed: {},
  expired: {},
};

export function canTransition(from: SessionStatus, to: SessionStatus, actor: TransitionActor): boolean {
  return ALLOWED[from][to]?.includes(actor) ?? false;
}

/** @throws AppError SESSION_TRANSITION_INVALID when the move is not in the table. */
export function assertTransition(from: SessionStatus, to: SessionStatus, actor: TransitionActor): void {
  if (!canTransition(from, to, actor)) {
    throw new AppError("SESSION_TRANSITION_INVALID", {
      message: `A session cannot go from ${from} to ${to} (${actor})`,
    });
  }
}

export function isFinal(status: SessionStatus): boolean {
  return status !== "in_progress";
}

export function isSessionStatus(value: string): value is SessionStatus {
  return (SESSION_STATUSES as readonly string[]).includes(value);
}
