/**
 * When an in-progress session expires. A token must be opened within the company's time-to-open
 * (15 minutes by default, Identomat's documented validity); once opened it lives while the person is
 * active and expires after `idleMs` without activity. Sessions the person has finished (submitted for
 * processing) never expire: the decision is the service's job, not theirs.
 */
export interface LifetimeInput {
  status: string;
  createdAt: number;
  openDeadline: number;
  openedAt: number | null;
  lastActivityAt: number | null;
  submittedAt: number | null;
}

export function expiryTime(s: LifetimeInput, idleMs: number): number | null {
  if (s.status !== "in_progress" || s.submittedAt !== null) return null;
  if (s.openedAt === null) return s.openDeadline;
  return (s.lastActivityAt ?? s.openedAt) + idleMs;
}

export function isExpired(s: LifetimeInput, now: number, idleMs: number): boolean {
  const at = expiryTime(s, idleMs);
  return at !== null && now >= at;
}
