/**
 * The input steps' shell: loads the current step's definition from the server, shows its form, sends
 * the input, and reports the new step counter. Errors about the input (a wrong code, a missing
 * answer) stay on the form with the server's message; session errors go to the widget's shell.
 * @module
 */
import type { QuestionnaireDef } from "../flow/step-forms.ts";
import { questionOfError } from "../flow/step-forms.ts";
import type { InputStepType } from "../flow/widget-flow.ts";
import { h, show } from "../ui/h.ts";
import { showError } from "./form-ui.ts";
import { type BeneficiaryStatus, renderBeneficiaries } from "./render-beneficiaries.ts";
import { type CompanySpec, renderCompanyData } from "./render-company-data.ts";
import { renderGeolocation } from "./render-geolocation.ts";
import { renderLanguage } from "./render-language.ts";
import { renderOtp } from "./render-otp.ts";
import { renderQuestionnaire } from "./render-questionnaire.ts";
import { stepTranslator } from "./step-messages.ts";
import { StepApiError, type StepsApi } from "./steps-api.ts";
import "./steps.css";

export interface InputStepOptions {
  type: InputStepType;
  lang: string;
  api: StepsApi;
  /** The step is done: the server's step counter, and the chosen language after a language step. */
  onDone: (currentStep: number, language?: string) => void;
  /** Anything that is not about the input (session closed or expired, network): the shell decides. */
  onFailure: (err: unknown) => void;
}

interface Definition {
  index: number;
  type: string;
  languages?: string[];
  questionnaire?: QuestionnaireDef;
  channel?: "email" | "sms";
  pending?: { destination: string } | null;
  required?: boolean;
  spec?: CompanySpec;
  min?: number;
  max?: number;
  roles?: string[];
}

/** Input errors the form shows; everything else goes to the shell. */
function inputError(err: unknown): { message: string } | null {
  if (
    err instanceof StepApiError &&
    err.status >= 400 &&
    err.status < 500 &&
    !err.code.startsWith("SESSION_")
  ) {
    if (err.code === "STEP_NOT_IN_SESSION" || err.code === "STEP_OUT_OF_ORDER") return null;
    return { message: err.serverMessage || err.code };
  }
  return null;
}

export function renderInputStep(root: HTMLElement, o: InputStepOptions): void {
  const t = stepTranslator(o.lang);
  show(root, h("p", { class: "loading", role: "status" }, "…"));
  const describe = (err: unknown) => {
    const d = inputError(err);
    if (!d) o.onFailure(err);
    return d;
  };
  o.api.get<Definition>("current").then((def) => {
    switch (def.type) {
      case "language":
        show(
          root,
          renderLanguage(t, def.languages ?? ["en"], (lang) =>
            o.api
              .post<{ currentStep: number; language: string }>("language", { language: lang })
              .then((r) => o.onDone(r.currentStep, r.language), o.onFailure),
          ),
        );
        return;
      case "user-questionnaire": {
        const qdef = def.questionnaire ?? { key: "q", title: null, questions: [] };
        const { element, form } = renderQuestionnaire({
          t: stepTranslator(o.lang),
          lang: o.lang,
          def: qdef,
          upload: (file) => o.api.upload("questionnaire-file", file, file.name).then((r) => r.id),
          submit: (answers) => {
            o.api.post<{ currentStep: number }>("questionnaire", { answers }).then(
              (r) => o.onDone(r.currentStep),
              (err: unknown) => {
                const d = describe(err);
                if (d)
                  showError(
                    form,
                    questionOfError(
                      d.message,
                      qdef.questions.map((q) => q.key),
                    ),
                    d.message,
                  );
              },
            );
          },
        });
        show(root, element);
        return;
      }
      case "phone-number":
      case "email":
        renderOtp(root, {
          t,
          channel: def.channel ?? (def.type === "email" ? "email" : "sms"),
          pending: def.pending ?? null,
          send: (destination) => o.api.post<{ destination: string }>("otp/send", { destination }),
          verify: (code) =>
            o.api.post<{ currentStep: number }>("otp/verify", { code }).then((r) => o.onDone(r.currentStep)),
          describe,
        });
        return;
      case "geolocation":
        show(
          root,
          renderGeolocation(t, def.required === true, (report) =>
            o.api
              .post<{ currentStep: number }>("geolocation", report)
              .then((r) => o.onDone(r.currentStep), o.onFailure),
          ),
        );
        return;
      case "company-data":
        show(
          root,
          renderCompanyData({
            t,
            spec: def.spec ?? {
              fields: ["company_name"],
              required: ["company_name"],
              minDocuments: 0,
              maxDocuments: 5,
            },
            upload: (file) => o.api.upload("company-document", file, file.name).then((r) => r.id),
            submit: (data) =>
              o.api.post<{ currentStep: number }>("company-data", data).then((r) => o.onDone(r.currentStep)),
            describe,
          }),
        );
        return;
      case "beneficiaries": {
        let after = def.index + 1;
        renderBeneficiaries(root, {
          t,
          min: def.min ?? 1,
          max: def.max ?? 10,
          roles: def.roles ?? ["owner", "director"],
          submit: (beneficiaries) =>
            o.api.post<{ currentStep: number }>("beneficiaries", { beneficiaries }).then((r) => {
              after = r.currentStep;
            }),
          progress: () =>
            o.api.get<{ beneficiaries: BeneficiaryStatus[] }>("beneficiaries").then((r) => r.beneficiaries),
          resend: (id) =>
            o.api.post(`beneficiaries/${encodeURIComponent(id)}/resend`, {}).then(() => undefined),
          describe,
          onContinue: () => o.onDone(after),
        });
        return;
      }
      default:
        o.onFailure(new StepApiError(409, "STEP_NOT_IN_SESSION", ""));
    }
  }, o.onFailure);
}
