/**
 * The step catalogue on a session's page: questionnaire answers, verified contact, position, the
 * operator questionnaires (a form per questionnaire; the server checks the answers like a person's),
 * and the KYB tree (company data, each beneficiary's child session with its status and result, or
 * the parent of a child session).
 * @module
 */
import { api, errorText, mediaUrl, type SessionSteps } from "../api.ts";
import { field, formatDate, h, statusBadge } from "../h.ts";

type Question = SessionSteps["operator_questionnaires"][number]["definition"]["questions"][number];

function label(q: { key: string; label?: unknown }): string {
  const l = q.label;
  if (typeof l === "string") return l;
  if (l && typeof l === "object") {
    const o = l as Record<string, string>;
    return o.en ?? Object.values(o)[0] ?? q.key;
  }
  return q.key;
}

function answerText(a: unknown): string {
  if (a === true) return "yes";
  if (a === false) return "no";
  if (Array.isArray(a)) return a.join(", ");
  if (a && typeof a === "object" && "file" in a) return `file ${String((a as { file: unknown }).file)}`;
  return String(a);
}

function control(q: Question, current: unknown): { el: HTMLElement; read: () => unknown } {
  if (q.type === "yes-no" || q.type === "single-choice") {
    const options = q.type === "yes-no" ? [{ value: "yes" }, { value: "no" }] : (q.options ?? []);
    const select = h(
      "select",
      { name: q.key },
      h("option", { value: "" }, "—"),
      options.map((o) =>
        h("option", { value: o.value }, label({ key: o.value, label: (o as { label?: unknown }).label })),
      ),
    );
    select.value =
      current === true ? "yes" : current === false ? "no" : typeof current === "string" ? current : "";
    return {
      el: select,
      read: () =>
        select.value === "" ? undefined : q.type === "yes-no" ? select.value === "yes" : select.value,
    };
  }
  const input = h("input", {
    name: q.key,
    type: q.type === "number" ? "number" : q.type === "date" ? "date" : "text",
    value: current === undefined || current === null ? "" : answerText(current),
  });
  return {
    el: input,
    read: () => {
      const v = input.value.trim();
      if (v === "") return undefined;
      if (q.type === "number") return Number(v);
      if (q.type === "multiple-choice")
        return v
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean);
      return v;
    },
  };
}

function operatorForm(
  token: string,
  q: SessionSteps["operator_questionnaires"][number],
  reload: () => void,
): HTMLElement {
  const given = new Map((q.answers ?? []).map((a) => [a.key, a.answer]));
  const readers = new Map<string, () => unknown>();
  const status = h("p", { class: "hint", role: "status" });
  const form = h(
    "form",
    { "data-operator-questionnaire": q.definition.key },
    q.definition.questions.map((question) => {
      const c = control(question, given.get(question.key));
      readers.set(question.key, c.read);
      return field(`${label(question)}${question.required ? "" : " (optional)"}`, c.el);
    }),
    h("button", { type: "submit", class: "btn primary" }, "Save answers"),
    status,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const answers: Record<string, unknown> = {};
    for (const [k, read] of readers) {
      const v = read();
      if (v !== undefined) answers[k] = v;
    }
    api.answerOperatorQuestionnaire(token, q.index, answers).then(reload, (err: unknown) => {
      status.textContent = errorText(err);
    });
  });
  return h("div", {}, h("h3", {}, `Operator questionnaire “${q.definition.key}”`), form);
}

/** The card, filled in once the steps API answered (nothing for sessions without catalogue steps). */
export function stepsSection(token: string, reload: () => void): HTMLElement {
  const card = h("section", { class: "card", "data-steps": "" }, h("h2", {}, "Questionnaires and KYB"));
  api.sessionSteps(token).then(
    (d) => {
      const kv = (k: string, v: Node | string) => h("tr", {}, h("th", { scope: "row" }, k), h("td", {}, v));
      const parts: HTMLElement[] = [];
      if (d.parent_session_id)
        parts.push(
          h(
            "p",
            {},
            "Beneficiary of the KYB session ",
            h("a", { href: `#/sessions/${d.parent_session_id}` }, h("code", {}, d.parent_session_id)),
          ),
        );
      if (d.contact.email || d.contact.phone)
        parts.push(
          h(
            "table",
            { class: "kv" },
            kv("Verified e-mail", d.contact.email ?? "—"),
            kv("Verified phone", d.contact.phone ?? "—"),
          ),
        );
      if (d.geolocation)
        parts.push(h("table", { class: "kv" }, kv("Position", JSON.stringify(d.geolocation))));
      if (d.video_call)
        parts.push(
          h("h3", {}, "Video call"),
          h(
            "table",
            { class: "kv", "data-video-call": d.video_call.outcome },
            kv("Outcome", d.video_call.outcome),
            kv("Note", d.video_call.note || "—"),
            kv("Operator", d.video_call.operator),
            kv("Started", formatDate(d.video_call.started_at)),
            kv("Duration", `${d.video_call.duration_seconds} s`),
            kv(
              "Stills",
              d.video_call.stills.length === 0
                ? "—"
                : h(
                    "span",
                    {},
                    d.video_call.stills.map((id) =>
                      h("img", { src: mediaUrl(token, id), alt: "Still", width: 120 }),
                    ),
                  ),
            ),
            d.video_call.recording
              ? kv(
                  "Recording",
                  h("video", {
                    src: mediaUrl(token, d.video_call.recording),
                    controls: true,
                    preload: "metadata",
                    width: 320,
                    "data-recording": d.video_call.recording,
                  }),
                )
              : null,
          ),
        );
      for (const q of d.questionnaires)
        parts.push(
          h("h3", {}, `Answers “${q.key}”`),
          h(
            "table",
            { class: "kv" },
            q.questions.map((a) => kv(a.key, answerText(a.answer))),
          ),
        );
      for (const q of d.operator_questionnaires) parts.push(operatorForm(token, q, reload));
      if (d.company_data)
        parts.push(
          h("h3", {}, "Company"),
          h(
            "table",
            { class: "kv" },
            Object.entries(d.company_data.fields).map(([k, v]) => kv(k, v)),
            kv("Registration documents", `${d.company_data.documents.length}`),
          ),
        );
      if (d.beneficiaries.length > 0)
        parts.push(
          h("h3", {}, "Beneficiaries"),
          h(
            "ul",
            { class: "tree", "data-beneficiaries": "" },
            d.beneficiaries.map((b) =>
              h(
                "li",
                {},
                h("a", { href: `#/sessions/${b.session_token}` }, `${b.first_name} ${b.last_name}`),
                ` — ${b.roles.join(", ")}${b.share === null ? "" : `, ${b.share}%`}${b.required ? "" : " (optional)"} `,
                statusBadge(b.status),
                b.result?.reject_reason.value ? ` ${b.result.reject_reason.value}` : "",
              ),
            ),
          ),
        );
      if (parts.length === 0) card.remove();
      else card.append(...parts);
    },
    (err: unknown) => card.append(h("p", { class: "hint" }, errorText(err))),
  );
  return card;
}
