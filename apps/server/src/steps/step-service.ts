/**
 * The server side of the step catalogue: each step's input is checked here and, once it passes, its
 * data lands in the session's `verification` and the step is completed in one compare-and-set write
 * (data and progress cannot part). Language, user questionnaires, phone/e-mail codes, geolocation and
 * KYB company data; operator questionnaires are filled through the dashboard API; beneficiaries live
 * in kyb-service.ts.
 * @module
 */
import { iso1A2Code } from "@rapideditor/country-coder";
import {
  AppError,
  BENEFICIARY_ROLES,
  beneficiariesSpecOf,
  type Clock,
  companyDataSpecOf,
  type GeolocationRecord,
  normaliseEmail,
  normalisePhone,
  parseGeolocation,
  type Questionnaire,
  questionnaireOf,
  SERVER_CHECKED_STEP_TYPES,
  type SessionStep,
  type SessionVerification,
  toSessionStep,
  validateAnswers,
  validateCompanyData,
} from "@verimat/core";
import type { Database, SessionRecord } from "@verimat/db";
import type { Kysely } from "kysely";
import type { CompanyService } from "../services/company-service.ts";
import type { SessionService } from "../services/session-service.ts";
import type { Channel, Messenger } from "./delivery.ts";
import type { IpCountryLookup } from "./ip-country.ts";
import { type OtpService, RESEND_PAUSE_MS } from "./otp-service.ts";

export interface StepServiceDeps {
  clock: Clock;
  sessions: SessionService;
  companies: CompanyService;
  otp: OtpService;
  messenger: Messenger;
  ipCountry: IpCountryLookup;
}

/** Languages a language step may offer when it lists none (the widget's locales; `gr` is Greek). */
export const DEFAULT_LANGUAGES = ["en", "ka", "ru", "es", "uk", "el"];

const CODE_TEXT: Record<string, (code: string) => string> = {
  en: (c) => `Your verification code is ${c}. It is valid for 10 minutes. Never share it.`,
  ka: (c) => `თქვენი დამადასტურებელი კოდია ${c}. ის მოქმედებს 10 წუთი. არავის გაუზიაროთ.`,
  ru: (c) => `Ваш код подтверждения: ${c}. Он действует 10 минут. Никому его не сообщайте.`,
  es: (c) => `Su código de verificación es ${c}. Es válido durante 10 minutos. No lo comparta.`,
  uk: (c) => `Ваш код підтвердження: ${c}. Він дійсний 10 хвилин. Нікому його не повідомляйте.`,
  el: (c) => `Ο κωδικός επαλήθευσης είναι ${c}. Ισχύει για 10 λεπτά. Μην τον κοινοποιείτε.`,
};

function languageOf(s: SessionRecord): string {
  const v = s.verification as SessionVerification;
  const flag = (s.flags as { language?: unknown }).language;
  const lang = (v.language ?? (typeof flag === "string" ? flag : "en")).toLowerCase().slice(0, 2);
  return lang === "gr" ? "el" : lang;
}

export function createStepService(deps: StepServiceDeps) {
  const { clock, sessions } = deps;

  /** The current step, which must be of `type`; the session must still be taking input. */
  function current(s: SessionRecord, types: readonly string[]): { index: number; step: SessionStep } {
    if (s.status !== "in_progress" || s.submittedAt !== null) throw new AppError("SESSION_CLOSED");
    const raw = s.effectiveSteps[s.currentStep];
    if (!raw || !types.includes(String(raw.type)))
      throw new AppError("STEP_NOT_IN_SESSION", { message: `the current step is not ${types.join(" / ")}` });
    return { index: s.currentStep, step: toSessionStep(raw) };
  }

  /**
   * Writes the step's data and moves past it in one compare-and-set (a concurrent change → the caller
   * reloads). @throws AppError STEP_OUT_OF_ORDER
   */
  async function completeWith(
    s: SessionRecord,
    index: number,
    mutate: (v: SessionVerification) => SessionVerification,
    eventData: Record<string, unknown> = {},
  ): Promise<SessionRecord> {
    const verification = mutate({ ...(s.verification as SessionVerification) });
    const after = await sessions.patch(
      s,
      { verification: { ...verification }, currentStep: index + 1, lastActivityAt: clock.now() },
      {
        type: "step.completed",
        data: { index, type: String(s.effectiveSteps[index]?.type ?? ""), ...eventData },
      },
    );
    if (!after)
      throw new AppError("STEP_OUT_OF_ORDER", { message: "The session changed meanwhile; reload it" });
    return after;
  }

  /**
   * Changes `verification` without moving the steps (operator answers, KYB progress); retried on races.
   * `also` adds a timeline event and further rows (the dashboard's audit entry) to the same transaction.
   */
  async function patchVerification(
    token: string,
    mutate: (v: SessionVerification, s: SessionRecord) => SessionVerification,
    also: {
      event?: { type: string; data: Record<string, unknown> };
      within?: (trx: Kysely<Database>) => Promise<void>;
    } = {},
  ): Promise<SessionRecord> {
    for (let i = 0; i < 5; i++) {
      const s = await sessions.find(token);
      if (!s) throw new AppError("SESSION_UNKNOWN");
      const verification = mutate({ ...(s.verification as SessionVerification) }, s);
      // Nothing to change (e.g. another settle wrote the same progress first): no write, no version
      // bump that would make every other concurrent writer retry.
      if (JSON.stringify(verification) === JSON.stringify(s.verification)) return s;
      const after = await sessions.patch(s, { verification: { ...verification } }, also.event, also.within);
      if (after) return after;
    }
    throw new AppError("SESSION_TRANSITION_INVALID", { message: "The session changed concurrently; retry" });
  }

  function putQuestionnaire(v: SessionVerification, q: Questionnaire): SessionVerification {
    const list = (v.questionnaires ?? []).filter((x) => x.key !== q.key);
    return { ...v, questionnaires: [...list, q] };
  }

  async function mediaIds(s: SessionRecord, kind: string): Promise<Set<string>> {
    return new Set((await sessions.listMedia(s)).filter((m) => m.kind === kind).map((m) => m.id));
  }

  function channelOf(type: string): Channel {
    return type === "email" ? "email" : "sms";
  }

  return {
    completeWith,
    patchVerification,
    current,

    /** What the widget needs to show the current input step (questions, fields, languages…). */
    async describeCurrent(s: SessionRecord): Promise<Record<string, unknown>> {
      const { index, step } = current(s, SERVER_CHECKED_STEP_TYPES);
      const type = String(step.type);
      const base = { index, type, title: step.title ?? step.flags.title ?? null };
      switch (type) {
        case "language": {
          const listed = step.flags.languages ?? step.languages;
          return {
            ...base,
            languages: Array.isArray(listed)
              ? listed.filter((x) => typeof x === "string")
              : DEFAULT_LANGUAGES,
          };
        }
        case "user-questionnaire":
          return { ...base, questionnaire: questionnaireOf(step, index) };
        case "phone-number":
        case "email":
          return {
            ...base,
            channel: channelOf(type),
            pending: await this.pendingCode(s),
            resendPauseMs: RESEND_PAUSE_MS,
          };
        case "geolocation":
          return { ...base, required: step.flags.required === true };
        case "company-data":
          return { ...base, spec: companyDataSpecOf(step, index) };
        case "beneficiaries": {
          const spec = beneficiariesSpecOf(step, index);
          return { ...base, min: spec.min, max: spec.max, roles: BENEFICIARY_ROLES };
        }
        default:
          return base;
      }
    },

    async chooseLanguage(s: SessionRecord, language: unknown): Promise<SessionRecord> {
      const { index, step } = current(s, ["language"]);
      const listed = step.flags.languages ?? step.languages;
      const offered = Array.isArray(listed)
        ? listed.filter((x): x is string => typeof x === "string")
        : DEFAULT_LANGUAGES;
      const lang = typeof language === "string" ? language.toLowerCase() : "";
      const normal = lang === "gr" ? "el" : lang;
      if (!offered.map((x) => (x === "gr" ? "el" : x.toLowerCase())).includes(normal))
        throw new AppError("PARAM_INVALID", { message: `language must be one of ${offered.join(", ")}` });
      return completeWith(s, index, (v) => ({ ...v, language: normal }), { language: normal });
    },

    async answerQuestionnaire(s: SessionRecord, answers: unknown): Promise<SessionRecord> {
      const { index, step } = current(s, ["user-questionnaire"]);
      const def = questionnaireOf(step, index);
      const files = def.questions.some((q) => q.type === "file")
        ? await mediaIds(s, "questionnaire-file")
        : new Set<string>();
      const questions = validateAnswers(def, answers, (id) => files.has(id));
      return completeWith(s, index, (v) => putQuestionnaire(v, { key: def.key, questions }), {
        key: def.key,
      });
    },

    /**
     * An operator's answers to an `operator-questionnaire` step (any time, also after the person
     * finished). `also` (the timeline event, the audit entry) is written in the answers' transaction:
     * answers are never kept without their audit entry. Answers equal to the stored ones write nothing.
     */
    async answerAsOperator(
      s: SessionRecord,
      stepIndex: number,
      answers: unknown,
      also: {
        event?: { type: string; data: Record<string, unknown> };
        within?: (trx: Kysely<Database>, questionnaire: Questionnaire) => Promise<void>;
      } = {},
    ): Promise<SessionRecord> {
      const raw = s.effectiveSteps[stepIndex];
      if (raw?.type !== "operator-questionnaire")
        throw new AppError("STEP_NOT_IN_SESSION", { message: "no operator questionnaire at that index" });
      const def = questionnaireOf(toSessionStep(raw), stepIndex);
      const files = await mediaIds(s, "questionnaire-file");
      const questions = validateAnswers(def, answers, (id) => files.has(id));
      const q: Questionnaire = { key: def.key, questions };
      const within = also.within;
      return patchVerification(s.token, (v) => putQuestionnaire(v, q), {
        ...(also.event ? { event: also.event } : {}),
        ...(within ? { within: (trx: Kysely<Database>) => within(trx, q) } : {}),
      });
    },

    /** Sends a code to the number / address typed in the current phone-number or email step. */
    async sendCode(
      s: SessionRecord,
      destination: unknown,
    ): Promise<{ destination: string; expiresAt: number; via: string }> {
      const { step } = current(s, ["phone-number", "email"]);
      const channel = channelOf(String(step.type));
      const to = channel === "email" ? normaliseEmail(destination) : normalisePhone(destination);
      const company = await deps.companies.require(s.companyId);
      const issued = await deps.otp.issue(s.token, channel, to);
      // The address is kept in the session's sealed verification, not beside the code.
      await patchVerification(s.token, (v) => ({
        ...v,
        pendingContact: { ...v.pendingContact, [channel]: to },
      }));
      const text = (CODE_TEXT[languageOf(s)] ?? CODE_TEXT.en ?? ((c: string) => c))(issued.code);
      const via = await deps.messenger.sendCode(
        company,
        s.token,
        channel,
        to,
        text,
        "Your verification code",
      );
      await sessions.appendEvent(s, "otp.sent", { channel, via });
      return { destination: to, expiresAt: issued.expiresAt, via };
    },

    async pendingCode(s: SessionRecord): Promise<{ destination: string; expiresAt: number } | null> {
      const step = s.effectiveSteps[s.currentStep];
      if (!step || (step.type !== "email" && step.type !== "phone-number")) return null;
      const channel = channelOf(String(step.type));
      const pending = await deps.otp.pending(s.token, channel);
      const destination = (s.verification as SessionVerification).pendingContact?.[channel];
      return pending && destination ? { destination, expiresAt: pending.expiresAt } : null;
    },

    /** A right code completes the step and records the verified value for `person.email` / `person.phone`. */
    async verifyCode(s: SessionRecord, code: unknown): Promise<SessionRecord> {
      const { index, step } = current(s, ["phone-number", "email"]);
      const channel = channelOf(String(step.type));
      await deps.otp.verify(s.token, channel, code);
      // Re-read: the destination was stored when the code was sent (possibly by another request).
      const fresh = (await sessions.find(s.token)) ?? s;
      const destination = (fresh.verification as SessionVerification).pendingContact?.[channel] ?? "";
      return completeWith(
        fresh,
        index,
        (v) => ({
          ...v,
          contact: {
            ...v.contact,
            ...(channel === "email" ? { email: destination } : { phone: destination }),
          },
        }),
        { channel },
      );
    },

    /**
     * The browser's position (with consent) beside the IP's country; a refusal is recorded too unless
     * the step sets `required`. The mismatch is a signal (reason code in `signals`), not a decision.
     */
    async recordGeolocation(s: SessionRecord, input: unknown, ip: string): Promise<SessionRecord> {
      const { index, step } = current(s, ["geolocation"]);
      const g = parseGeolocation(input);
      const hasPosition = g.consent && g.latitude !== undefined && g.longitude !== undefined;
      if (step.flags.required === true && !hasPosition)
        throw new AppError("GEOLOCATION_INVALID", { message: "this step needs the position" });
      const positionCountry =
        hasPosition && g.latitude !== undefined && g.longitude !== undefined
          ? (iso1A2Code([g.longitude, g.latitude]) ?? null)
          : null;
      const ipCountry = deps.ipCountry.lookup(ip);
      const record: GeolocationRecord = {
        consent: g.consent,
        latitude: hasPosition ? (g.latitude ?? null) : null,
        longitude: hasPosition ? (g.longitude ?? null) : null,
        accuracy: hasPosition ? (g.accuracy ?? null) : null,
        positionCountry,
        ipCountry,
        countryMismatch: positionCountry && ipCountry ? positionCountry !== ipCountry : null,
        recordedAt: clock.now(),
      };
      return completeWith(s, index, (v) => ({
        ...v,
        geolocation: { ...record, ...(g.error ? { error: g.error } : {}) },
        signals: {
          ...(v.signals ?? {}),
          geolocation_country_mismatch: record.countryMismatch,
        },
      }));
    },

    async submitCompanyData(s: SessionRecord, input: unknown): Promise<SessionRecord> {
      const { index, step } = current(s, ["company-data"]);
      const spec = companyDataSpecOf(step, index);
      const docs = await mediaIds(s, "company-document");
      const data = validateCompanyData(spec, input, (id) => docs.has(id));
      return completeWith(s, index, (v) => ({
        ...v,
        company: { fields: data.fields as Record<string, string>, documents: data.documents },
      }));
    },
  };
}

export type StepService = ReturnType<typeof createStepService>;
