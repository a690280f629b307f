/**
 * The phone-number and email steps: the person types a number or address, gets a 6-digit code and
 * types it back. A pending code (after a reload) goes straight to the code form.
 * @module
 */
import { h, show as showScreen } from "../ui/h.ts";
import { field, formError, showError } from "./form-ui.ts";
import { button } from "./render-message.ts";
import type { StepTranslate } from "./step-messages.ts";

export interface OtpOptions {
  t: StepTranslate;
  channel: "email" | "sms";
  pending: { destination: string } | null;
  send: (destination: string) => Promise<{ destination: string }>;
  verify: (code: string) => Promise<void>;
  /** Server errors: { code, message } shown inline; others go to the shell. */
  describe: (err: unknown) => { message: string } | null;
}

export function renderOtp(root: HTMLElement, o: OtpOptions): void {
  const { t } = o;
  const email = o.channel === "email";

  function askDestination(): void {
    const input = h("input", {
      type: email ? "email" : "tel",
      name: "destination",
      autocomplete: email ? "email" : "tel",
      inputmode: email ? "email" : "tel",
      required: true,
    });
    const form = h(
      "form",
      { novalidate: true },
      field(email ? t("emailTitle") : t("phoneTitle"), input, {
        hint: email ? t("emailHint") : t("phoneHint"),
        name: "destination",
      }),
      formError(),
    );
    const submit = () => {
      o.send(input.value).then(
        (r) => askCode(r.destination),
        (err: unknown) => {
          const d = o.describe(err);
          if (d) showError(form, "destination", d.message);
        },
      );
    };
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      submit();
    });
    show(
      h(
        "section",
        { class: "screen", "data-screen": email ? "email" : "phone-number" },
        h("h1", {}, email ? t("emailTitle") : t("phoneTitle")),
        form,
        h("div", { class: "actions" }, button(t("sendCode"), "send-code", submit)),
      ),
    );
    input.focus();
  }

  function askCode(destination: string): void {
    const input = h("input", {
      type: "text",
      name: "code",
      class: "code-input",
      inputmode: "numeric",
      autocomplete: "one-time-code",
      pattern: "[0-9]{6}",
      maxlength: "6",
      required: true,
    });
    const form = h("form", { novalidate: true }, field(t("codeLabel"), input, { name: "code" }), formError());
    const submit = () => {
      o.verify(input.value.trim()).catch((err: unknown) => {
        const d = o.describe(err);
        if (d) showError(form, "code", d.message);
      });
    };
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      submit();
    });
    const resend = button(
      t("resend"),
      "resend-code",
      () => {
        o.send(destination).then(
          () => showError(form, "code", t("codeSentTo", { destination })),
          (err: unknown) => {
            const d = o.describe(err);
            if (d) showError(form, "code", d.message);
          },
        );
      },
      "secondary",
    );
    show(
      h(
        "section",
        { class: "screen", "data-screen": "otp-code" },
        h("h1", {}, t("codeTitle")),
        h("p", {}, t("codeSentTo", { destination })),
        form,
        h("div", { class: "actions" }, button(t("verify"), "verify-code", submit), resend),
      ),
    );
    input.focus();
  }

  function show(section: HTMLElement): void {
    showScreen(root, section);
  }

  if (o.pending) askCode(o.pending.destination);
  else askDestination();
}
