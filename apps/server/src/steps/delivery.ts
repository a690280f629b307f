/**
 * Delivery of one-time codes and beneficiary links: e-mail through SMTP (nodemailer), SMS through a
 * provider — the company's own provider via Identomat's callbacks (`one-time-password-request`,
 * `email-one-time-password-request`) or a generic HTTP provider. `createMessenger` picks one per
 * message from the company's settings and what the server has configured.
 * @module
 */
import { AppError } from "@verimat/core";
import type { CompanyRecord } from "@verimat/db";
import nodemailer from "nodemailer";
import type { Config } from "../config.ts";

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface EmailSender {
  send(message: EmailMessage): Promise<void>;
}

/** An SMS provider: hands one text to one number, or throws. */
export interface SmsProvider {
  send(to: string, text: string): Promise<void>;
}

/** The callbacks API this code needs (apps/server/src/callbacks `CallbackService.enqueue`). */
export interface CallbackEnqueuer {
  enqueue(
    companyId: string,
    event: { type: string; sessionId?: string | null; fields?: Record<string, unknown> },
  ): Promise<string | null>;
}

/** SMTP through nodemailer; one pooled transport per process. */
export function createSmtpSender(smtp: NonNullable<Config["smtp"]>): EmailSender {
  const transport = smtp.url
    ? nodemailer.createTransport(smtp.url)
    : nodemailer.createTransport({
        host: smtp.host ?? "localhost",
        port: smtp.port,
        secure: smtp.secure,
        ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.pass ?? "" } } : {}),
      });
  return {
    async send(m) {
      await transport.sendMail({ from: smtp.from, to: m.to, subject: m.subject, text: m.text });
    },
  };
}

/** Fills `{{to}}` / `{{text}}` in the body template, JSON-escaped (the template is JSON). */
export function fillSmsTemplate(template: string, to: string, text: string): string {
  const esc = (s: string) => JSON.stringify(s).slice(1, -1);
  return template.replaceAll("{{to}}", esc(to)).replaceAll("{{text}}", esc(text));
}

/** The generic HTTP provider: POST of the filled template, 2xx within 10 s counts as sent. */
export function createHttpSmsProvider(cfg: NonNullable<Config["smsHttp"]>): SmsProvider {
  return {
    async send(to, text) {
      const res = await fetch(cfg.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(cfg.authorization ? { authorization: cfg.authorization } : {}),
        },
        body: fillSmsTemplate(cfg.body, to, text),
        redirect: "manual",
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status >= 300) throw new Error(`SMS provider answered ${res.status}`);
    },
  };
}

export type Channel = "email" | "sms";

export interface Messenger {
  /**
   * Sends a one-time code. Through the company's callback the code travels in the event's `text` (as
   * Identomat does); the company's own provider delivers it.
   * @throws AppError OTP_CHANNEL_UNAVAILABLE / OTP_DELIVERY_FAILED
   */
  sendCode(
    company: CompanyRecord,
    sessionId: string,
    channel: Channel,
    to: string,
    text: string,
    subject: string,
  ): Promise<"smtp" | "http" | "callback">;
  /** A beneficiary's link (Identomat's share-session-link events when the company's provider sends). */
  sendLink(
    company: CompanyRecord,
    sessionId: string,
    channel: Channel,
    to: string,
    text: string,
    link: string,
    subject: string,
  ): Promise<"smtp" | "http" | "callback">;
}

export interface MessengerDeps {
  email: EmailSender | null;
  sms: SmsProvider | null;
  callbacks: CallbackEnqueuer | null;
}

/**
 * The company's `settings.sms_provider` / `settings.email_provider` = "callback" sends through its
 * callback URL; otherwise the server's SMTP / HTTP provider, and the callback as the last resort when
 * the company has a callback URL.
 */
export function createMessenger(deps: MessengerDeps): Messenger {
  async function deliver(
    company: CompanyRecord,
    channel: Channel,
    callback: { type: string; sessionId: string; fields: Record<string, unknown> },
    direct: () => Promise<void>,
  ): Promise<"smtp" | "http" | "callback"> {
    const setting = company.settings[channel === "sms" ? "sms_provider" : "email_provider"];
    const server = channel === "sms" ? deps.sms : deps.email;
    const viaCallback =
      setting === "callback" || (server === null && company.callbackUrl !== null && deps.callbacks !== null);
    try {
      if (viaCallback) {
        if (!deps.callbacks || !company.callbackUrl) throw new AppError("OTP_CHANNEL_UNAVAILABLE");
        const id = await deps.callbacks.enqueue(company.id, callback);
        if (id === null) throw new AppError("OTP_CHANNEL_UNAVAILABLE");
        return "callback";
      }
      if (!server) throw new AppError("OTP_CHANNEL_UNAVAILABLE");
      await direct();
      return channel === "sms" ? "http" : "smtp";
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError("OTP_DELIVERY_FAILED", { cause: err, detail: (err as Error).message });
    }
  }

  return {
    sendCode(company, sessionId, channel, to, text, subject) {
      const callback =
        channel === "sms"
          ? { type: "one-time-password-request", sessionId, fields: { text, phoneNumber: to } }
          : { type: "email-one-time-password-request", sessionId, fields: { text, email: to, subject } };
      return deliver(company, channel, callback, async () => {
        if (channel === "sms") await deps.sms?.send(to, text);
        else await deps.email?.send({ to, subject, text });
      });
    },
    sendLink(company, sessionId, channel, to, text, link, subject) {
      const callback =
        channel === "sms"
          ? {
              type: "share-session-link-via-sms",
              sessionId,
              fields: { text, phoneNumber: to, sessionLink: link },
            }
          : {
              type: "share-session-link-via-email",
              sessionId,
              fields: { text, email: to, subject, sessionLink: link },
            };
      return deliver(company, channel, callback, async () => {
        if (channel === "sms") await deps.sms?.send(to, text);
        else await deps.email?.send({ to, subject, text });
      });
    },
  };
}
