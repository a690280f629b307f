/**
 * What the dashboard does with sessions: the filtered list, the detail view, the operator's review
 * (through `sessions.transition(…, "operator")`, so the transition table, compare-and-set and the
 * result API all see it), field corrections, the audit trail and the overview figures.
 * @module
 */
import { AppError, type BlindIndexField, type Clock, type SessionVerification } from "@verimat/core";
import {
  type AuditEntry,
  type CompanyRecord,
  createDashboardRepository,
  createRepositories as createDbRepositories,
  type DashboardRepository,
  type DashboardUserRecord,
  type Database,
  type SessionCursor,
  type SessionListFilter,
  type SessionRecord,
  type SessionSummaryRow,
} from "@verimat/db";
import { REASON_CODES } from "@verimat/engine/policy";
import type { Kysely } from "kysely";
import type { SessionService } from "../services/session-service.ts";

/** Reason codes an operator may give when rejecting: the engine's, plus a free one. */
export const REVIEW_REASON_CODES: Record<string, string> = {
  ...Object.fromEntries(Object.entries(REASON_CODES).map(([k, v]) => [k, v.description])),
  operator_other: "Rejected by an operator (see the comment).",
};

/** Person fields an operator may correct (the result API's `person` keys). */
export const CORRECTABLE_FIELDS = [
  "first_name",
  "last_name",
  "birthday",
  "sex",
  "nationality",
  "issuing_state",
  "document_number",
  "document_expires",
  "personal_number",
] as const;

export interface SessionListQuery {
  status?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  documentType?: string | undefined;
  country?: string | undefined;
  reasonCode?: string | undefined;
  q?: string | undefined;
  /** The `next_cursor` of the previous page (absent: the newest sessions). */
  after?: string | undefined;
  pageSize: number;
}

/** Matching sessions counted at most (a count is a scan of the matches): beyond it, "more than". */
export const LIST_COUNT_CAP = 10_000;
/** How long one company's overview figures are reused (per process; reviews clear it at once). */
export const OVERVIEW_CACHE_MS = 15_000;

function str(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
}

function personOf(v: Record<string, unknown>): Record<string, unknown> {
  const p = v.person;
  return typeof p === "object" && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>) : {};
}

function reasonCodesOf(v: Record<string, unknown>): string[] {
  return Array.isArray(v.reasonCodes) ? v.reasonCodes.filter((x): x is string => typeof x === "string") : [];
}

/** A page's `next_cursor`: the last row's created_at and token (opaque to clients). */
export function encodeCursor(c: SessionCursor): string {
  return `${c.createdAt}.${c.token}`;
}

/** @throws AppError PARAM_INVALID when `after` is not a cursor this service wrote. */
export function decodeCursor(after: string): SessionCursor {
  const m = /^(\d{1,15})\.([0-9a-z]{1,64})$/.exec(after);
  if (!m?.[1] || !m[2]) throw new AppError("PARAM_INVALID", { message: "after is not a list cursor" });
  return { createdAt: Number(m[1]), token: m[2] };
}

export function summarize(row: SessionSummaryRow) {
  const v = row.verification;
  const p = personOf(v);
  return {
    session_token: row.token,
    status: row.status,
    created_at: new Date(row.createdAt).toISOString(),
    completed_at: row.completedAt === null ? null : new Date(row.completedAt).toISOString(),
    name: [str(p.first_name), str(p.last_name)].filter(Boolean).join(" "),
    document_type: str(v.documentType),
    document_number: str(p.document_number),
    country: str(p.issuing_state) || str(p.nationality),
    similarity: typeof v.similarity === "number" ? v.similarity : null,
    reason_codes: reasonCodesOf(v),
    config_id: row.configId,
  };
}

export interface ReviewDeps {
  db: Kysely<Database>;
  sessions: SessionService;
  dashboard: DashboardRepository;
  clock: Clock;
  /**
   * The blind-index digests of a search term for one field (`vault.searchDigests`: the company's
   * index key, the field's normalisation, one digest per name word). Without it the list searches
   * by exact token only.
   */
  searchDigests?: (companyId: string, field: BlindIndexField, term: string) => Promise<string[]>;
  /**
   * Seals the data of session-scoped audit entries under the session's key (a correction records
   * old and new names, a review its comment) and opens it for display (vault `sealAudit` /
   * `openAudit`). Without it the data is stored as given.
   */
  auditData?: {
    seal(
      s: { token: string; companyId: string },
      data: Record<string, unknown>,
    ): Promise<Record<string, unknown>>;
    open(token: string | null, data: Record<string, unknown>): Promise<Record<string, unknown>>;
  };
  /**
   * Writes corrected findings with compare-and-set on the version (sealing them when personal fields
   * are encrypted at rest). Defaults to a plain compare-and-set update of the row.
   */
  writeFindings?: (
    s: SessionRecord,
    verification: Record<string, unknown>,
    alsoWrite?: (trx: Kysely<Database>) => Promise<void>,
  ) => Promise<boolean>;
}

type Actor = Pick<DashboardUserRecord, "id" | "email" | "companyId">;

interface Overview {
  days: number;
  from: string;
  totals: Record<string, number>;
  total: number;
  pass_rate: number | null;
  median_decision_ms: number | null;
  per_day: { day: string; counts: Record<string, number> }[];
  top_reason_codes: { code: string; count: number; description: string }[];
  computed_at: string;
}

export function createSessionReviewService(deps: ReviewDeps) {
  const { sessions, dashboard, clock } = deps;
  const writeFindings =
    deps.writeFindings ??
    ((
      s: SessionRecord,
      verification: Record<string, unknown>,
      alsoWrite?: (trx: Kysely<Database>) => Promise<void>,
    ) =>
      deps.db.transaction().execute(async (trx) => {
        const ok = await createDbRepositories(trx).sessions.update(
          s.token,
          s.version,
          { verification },
          clock.now(),
        );
        if (ok) await alsoWrite?.(trx);
        return ok;
      }));

  const overviewCache = new Map<string, { until: number; value: Overview }>();
  const dropOverview = (companyId: string) => {
    for (const key of overviewCache.keys())
      if (key.startsWith(`${companyId}\u0000`)) overviewCache.delete(key);
  };

  async function requireSession(company: CompanyRecord, token: string): Promise<SessionRecord> {
    const s = await sessions.findForCompany(company, token);
    if (!s) throw new AppError("DASHBOARD_NOT_FOUND", { message: "No such session" });
    return s;
  }

  /** An entry's data sealed for the session (before any transaction: see `audit`). */
  const sealAuditData = (s: { token: string; companyId: string }, data: Record<string, unknown>) =>
    deps.auditData ? deps.auditData.seal(s, data) : Promise.resolve(data);
  const openAuditEntries = async (entries: AuditEntry[]): Promise<AuditEntry[]> => {
    if (!deps.auditData) return entries;
    const out: AuditEntry[] = [];
    for (const e of entries) out.push({ ...e, data: await deps.auditData.open(e.sessionToken, e.data) });
    return out;
  };

  /**
   * Writes an audit entry; with `trx`, inside the transaction of the change it records, so a change
   * is never kept without its entry. A session-scoped entry's data is sealed under the session's key;
   * with `trx` the caller passes it sealed already (`sealAuditData` before the transaction).
   */
  async function audit(
    actor: Actor,
    action: string,
    input: Record<string, unknown>,
    sessionToken: string | null = null,
    trx?: Kysely<Database>,
  ): Promise<void> {
    const data =
      sessionToken !== null && !trx
        ? await sealAuditData({ token: sessionToken, companyId: actor.companyId }, input)
        : input;
    await (trx ? createDashboardRepository(trx) : dashboard).appendAudit({
      companyId: actor.companyId,
      userId: actor.id,
      userEmail: actor.email,
      sessionToken,
      action,
      data,
      createdAt: clock.now(),
    });
  }

  return {
    requireSession,
    audit,
    auditLog: async (companyId: string, limit: number) =>
      openAuditEntries(await dashboard.listAudit(companyId, { limit })),

    /**
     * A page of the company's sessions, newest first, with filters and search, all in SQL on indexes
     * (see `DashboardRepository.listSessions`): status, dates, document type, issuing state and reason
     * code are columns written with the findings; the search is the exact token or the blind index
     * (name words, document number, registration number, and when the text looks like one an e-mail
     * or phone). Pages are keyset (`after` = the previous page's `next_cursor`); `total` counts the
     * matches up to LIST_COUNT_CAP (`total_more`: there are more). Only the rows shown are opened.
     */
    async list(company: CompanyRecord, query: SessionListQuery) {
      const raw = query.q?.trim() ?? "";
      let search: SessionListFilter["search"];
      if (raw) {
        const groups: string[][] = [];
        if (deps.searchDigests) {
          const fields: BlindIndexField[] = ["name", "document_number", "registration_number"];
          if (raw.includes("@")) fields.push("email");
          if (/\d/.test(raw)) fields.push("phone");
          for (const field of fields) groups.push(await deps.searchDigests(company.id, field, raw));
        }
        search = {
          token: /^[0-9a-z]{40}$/.test(raw) ? raw : undefined,
          digestGroups: groups.filter((g) => g.length > 0),
        };
      }
      const filter: SessionListFilter = {
        status: query.status,
        from: query.from,
        to: query.to,
        documentType: query.documentType,
        country: query.country?.toUpperCase(),
        reasonCode: query.reasonCode,
        search,
      };
      const after = query.after ? decodeCursor(query.after) : null;
      const rows = await dashboard.listSessions(company.id, filter, after, query.pageSize + 1);
      const page = rows.slice(0, query.pageSize);
      const last = page.at(-1);
      const total = await dashboard.countSessions(company.id, filter, LIST_COUNT_CAP);
      const shown: SessionSummaryRow[] = [];
      for (const row of page) {
        const s = await sessions.findForCompany(company, row.token);
        shown.push(
          s ? { ...row, status: s.status, verification: s.verification, technical: s.technical } : row,
        );
      }
      return {
        items: shown.map(summarize),
        page_size: query.pageSize,
        has_more: rows.length > query.pageSize,
        next_cursor: rows.length > query.pageSize && last ? encodeCursor(last) : null,
        total: total.count,
        total_more: total.more,
      };
    },

    /** Everything the detail page shows. */
    async detail(company: CompanyRecord, token: string) {
      const s = await requireSession(company, token);
      const v = s.verification as SessionVerification & {
        visual?: Record<string, unknown>;
        corrections?: Record<string, { from: string; to: string; by: string; at: string }>;
      };
      const person = (v.person ?? {}) as Record<string, unknown>;
      const corrections = v.corrections ?? {};
      const visual = v.visual ?? {};
      const fields = CORRECTABLE_FIELDS.map((field) => {
        const current = str(person[field]);
        const mrz = corrections[field] ? corrections[field].from : current;
        const seen = str(visual[field]);
        return {
          field,
          mrz,
          visual: seen,
          value: current,
          corrected: corrections[field] !== undefined,
          mismatch:
            (seen !== "" && mrz !== "" && seen.toUpperCase() !== mrz.toUpperCase()) || current !== mrz,
        };
      });
      const media = await sessions.listMedia(s);
      const events = await sessions.events(s.token);
      const auditLog = await openAuditEntries(
        await dashboard.listAudit(company.id, { sessionToken: s.token }),
      );
      return {
        session_token: s.token,
        status: s.status,
        config_id: s.configId,
        created_at: new Date(s.createdAt).toISOString(),
        opened_at: s.openedAt === null ? null : new Date(s.openedAt).toISOString(),
        submitted_at: s.submittedAt === null ? null : new Date(s.submittedAt).toISOString(),
        completed_at: s.completedAt === null ? null : new Date(s.completedAt).toISOString(),
        steps: s.effectiveSteps.map((step) => String(step.type)),
        result: sessions.buildResult(s),
        fields,
        similarity: typeof v.similarity === "number" ? v.similarity : null,
        live: v.live === true,
        document_type: v.documentType ?? "",
        reason_codes: (v.reasonCodes ?? []).map((code) => ({
          code,
          description: REVIEW_REASON_CODES[code] ?? "",
        })),
        signals: v.signals ?? {},
        technical: s.technical,
        media: media.map((m) => ({
          media_id: m.id,
          kind: m.kind,
          content_type: m.contentType,
          size: m.size,
          created_at: new Date(m.createdAt).toISOString(),
        })),
        timeline: events.map((e) => ({
          type: e.type,
          at: new Date(e.createdAt).toISOString(),
          data: e.data,
        })),
        audit: auditLog.map((a) => ({
          action: a.action,
          by: a.userEmail,
          at: new Date(a.createdAt).toISOString(),
          data: a.data,
        })),
      };
    },

    /** The bytes of one media item of the company's session. */
    async media(company: CompanyRecord, token: string, mediaId: string) {
      const s = await requireSession(company, token);
      const m = (await sessions.listMedia(s)).find((x) => x.id === mediaId);
      const bytes = m ? await sessions.readMedia(m) : null;
      if (!m || !bytes) throw new AppError("DASHBOARD_NOT_FOUND", { message: "No such media item" });
      return { contentType: m.contentType, bytes };
    },

    /**
     * The operator's decision. Approve clears the reject reason; reject needs a reason code; back to
     * manual_check re-opens the case. The comment becomes `result_comment`.
     * @throws AppError SESSION_TRANSITION_INVALID (e.g. an expired session), PARAM_INVALID
     */
    async review(
      company: CompanyRecord,
      actor: Actor,
      token: string,
      input: { decision: string; reasonCode?: string | undefined; comment?: string | undefined },
    ) {
      const s = await requireSession(company, token);
      const to =
        input.decision === "approve"
          ? "approved"
          : input.decision === "reject"
            ? "rejected"
            : input.decision === "manual_check"
              ? "manual_check"
              : null;
      if (!to)
        throw new AppError("PARAM_INVALID", { message: "decision must be approve, reject or manual_check" });
      const comment = (input.comment ?? "").trim();
      if (comment.length > 2_000) throw new AppError("PARAM_INVALID", { message: "comment is too long" });
      let rejectReason = { value: "", description: "" };
      if (to === "rejected") {
        const code = input.reasonCode ?? "";
        const description = REVIEW_REASON_CODES[code];
        if (!description)
          throw new AppError("PARAM_INVALID", { message: "reason_code is not a known reason code" });
        rejectReason = { value: code, description };
      }
      const verification = { ...s.verification, rejectReason };
      // The comment is free text about the person: sealed in result_comment and in the audit entry,
      // and not copied into the timeline (whose event data stays in clear).
      const auditData = await sealAuditData(s, {
        from: s.status,
        to,
        reason_code: rejectReason.value,
        comment,
      });
      const after = await sessions.transition(
        s.token,
        to,
        "operator",
        { verification, resultComment: comment },
        { by: actor.email, userId: actor.id, reasonCode: rejectReason.value, commented: comment !== "" },
        (trx) => audit(actor, "session.review", auditData, s.token, trx),
      );
      dropOverview(company.id);
      return sessions.buildResult(after);
    },

    /** Corrects extracted person fields (compare-and-set on the session's version; the MRZ read is kept). */
    async correct(company: CompanyRecord, actor: Actor, token: string, fields: Record<string, unknown>) {
      const allowed = new Set<string>(CORRECTABLE_FIELDS);
      const entries = Object.entries(fields);
      if (entries.length === 0) throw new AppError("PARAM_INVALID", { message: "fields is empty" });
      for (const [k, val] of entries) {
        if (!allowed.has(k))
          throw new AppError("PARAM_INVALID", { message: `field "${k}" cannot be corrected` });
        if (typeof val !== "string" || val.length > 200)
          throw new AppError("PARAM_INVALID", {
            message: `field "${k}" must be a string of at most 200 characters`,
          });
      }
      for (let attempt = 0; attempt < 3; attempt++) {
        const s = await requireSession(company, token);
        if (s.status === "in_progress" || s.status === "expired" || s.status === "disagreed")
          throw new AppError("SESSION_TRANSITION_INVALID", {
            message: "Only decided sessions can be corrected",
          });
        const v = s.verification as Record<string, unknown>;
        const person = { ...personOf(v) };
        const corrections = {
          ...((v.corrections as Record<string, { from: string; to: string; by: string; at: string }>) ?? {}),
        };
        const changes: Record<string, { from: string; to: string }> = {};
        const now = clock.now();
        for (const [k, val] of entries) {
          const next = String(val).trim();
          const prev = str(person[k]);
          if (next === prev) continue;
          changes[k] = { from: prev, to: next };
          const original = corrections[k]?.from ?? prev;
          corrections[k] = { from: original, to: next, by: actor.email, at: new Date(now).toISOString() };
          if (next === "") delete person[k];
          else person[k] = next;
        }
        if (Object.keys(changes).length === 0) return sessions.buildResult(s);
        const auditData = await sealAuditData(s, { changes });
        const ok = await writeFindings(s, { ...v, person, corrections }, (trx) =>
          audit(actor, "session.correct", auditData, s.token, trx),
        );
        if (!ok) continue;
        dropOverview(company.id);
        await sessions.appendEvent(s, "session.corrected", { by: actor.email, fields: Object.keys(changes) });
        const after = await sessions.findForCompany(company, s.token);
        return sessions.buildResult(after ?? s);
      }
      throw new AppError("SESSION_TRANSITION_INVALID", {
        message: "The session changed concurrently; retry",
      });
    },

    /**
     * Counts per day by outcome, pass rate, top reason codes, median time to decision: SQL aggregates
     * (`DashboardRepository.overviewCounts`), kept OVERVIEW_CACHE_MS per company and window in this
     * process; a review or correction made here drops the company's entries at once, changes made
     * elsewhere (the engine, other processes) show within the TTL.
     */
    async overview(companyId: string, days: number): Promise<Overview> {
      const now = clock.now();
      const key = `${companyId}\u0000${days}`;
      const hit = overviewCache.get(key);
      if (hit && hit.until > now) return hit.value;
      const dayMs = 86_400_000;
      const start = Math.floor(now / dayMs) * dayMs - (days - 1) * dayMs;
      const figures = await dashboard.overviewCounts(companyId, start);
      const perDay = new Map<string, Record<string, number>>();
      for (let d = 0; d < days; d++) perDay.set(new Date(start + d * dayMs).toISOString().slice(0, 10), {});
      const totals: Record<string, number> = {};
      for (const r of figures.perDay) {
        const bucket = perDay.get(new Date(r.day * dayMs).toISOString().slice(0, 10));
        if (bucket) bucket[r.status] = (bucket[r.status] ?? 0) + r.count;
        totals[r.status] = (totals[r.status] ?? 0) + r.count;
      }
      const approved = totals.approved ?? 0;
      const rejected = totals.rejected ?? 0;
      const value = {
        days,
        from: new Date(start).toISOString(),
        totals,
        total: Object.values(totals).reduce((a, b) => a + b, 0),
        pass_rate: approved + rejected === 0 ? null : approved / (approved + rejected),
        median_decision_ms: figures.medianDecisionMs,
        per_day: [...perDay.entries()].map(([day, counts]) => ({ day, counts })),
        top_reason_codes: figures.reasons
          .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code))
          .slice(0, 8)
          .map(({ code, count }) => ({ code, count, description: REVIEW_REASON_CODES[code] ?? "" })),
        computed_at: new Date(now).toISOString(),
      };
      if (overviewCache.size >= 1_000) overviewCache.clear();
      overviewCache.set(key, { until: now + OVERVIEW_CACHE_MS, value });
      return value;
    },
  };
}

export type SessionReviewService = ReturnType<typeof createSessionReviewService>;
