import { api, type Configuration, errorText, type Step } from "../api.ts";
import { field, formatDate, h } from "../h.ts";
import type { PageContext } from "../main.ts";

const STEP_TYPES = [
  "identity-document",
  "liveness",
  "face-document",
  "general-document",
  "agreement",
  "user-questionnaire",
  "phone-number",
  "email",
  "geolocation",
  "company-data",
  "beneficiaries",
  "operator-questionnaire",
  "video-call",
  "language",
];

/**
 * Steps of the catalogue whose settings are edited as JSON (their flags; the server checks them on
 * save and names what is wrong), with a starting point and what the settings hold.
 */
const JSON_STEPS: Record<string, { start: Record<string, unknown>; hint: string }> = {
  "user-questionnaire": {
    start: {
      key: "questionnaire",
      questions: [{ key: "q1", type: "text", required: true, label: { en: "Question" } }],
    },
    hint: "key, questions [{key, type (text, number, date, single-choice, multiple-choice, yes-no, file), label, required, options, when}]",
  },
  "operator-questionnaire": {
    start: {
      key: "operator",
      questions: [{ key: "notes", type: "text", required: true, label: { en: "Notes" } }],
    },
    hint: "as a user questionnaire; filled in by operators on the session page",
  },
  "company-data": {
    start: {
      fields: ["company_name", "registration_number", "country", "legal_form", "address"],
      min_documents: 1,
    },
    hint: "fields, required_fields, min_documents, max_documents",
  },
  beneficiaries: {
    start: { min: 1, max: 10, child_flags: { liveness: true } },
    hint: "min, max, child_flags, child_steps, child_ttl_hours",
  },
  language: { start: { languages: ["en", "ka", "ru"] }, hint: "languages" },
  geolocation: { start: {}, hint: "required (true: the position cannot be refused)" },
  "video-call": {
    start: { wait_minutes: 5, record: true },
    hint: "wait_minutes (1–120: how long the person waits for an operator; absent: the server's VIDEO_CALL_WAIT_MINUTES), record (true by default: the operator's dashboard records the call as the session's video-call-recording; the person is told)",
  },
};
const DOC_TYPES = ["passport", "id", "driver_license", "residence_license"];
const LANGUAGES = ["", "en", "ka", "ru", "es", "uk", "el"];

/** Boolean global flags the builder offers, with what each does. */
const BOOL_FLAGS: [string, string][] = [
  ["liveness", "Active liveness (prompts and colour flash) instead of a still selfie"],
  ["allow_document_upload", "Allow uploading document photos instead of the camera"],
  ["allow_face_upload", "Allow uploading a selfie"],
  ["skip_agreement", "Skip the consent screen"],
  ["skip_document", "No identity document step unless listed below"],
  ["skip_face", "No face step unless listed below"],
  ["require_face_document", "Selfie holding the document"],
  ["skip_desktop", "Send desktop users to their phone"],
  ["restrict_url_sharing", "Do not offer to copy the session link"],
  ["requireHdMedia", "Require an HD camera"],
];

function checkbox(label: string, checked: boolean, onChange: (v: boolean) => void, name = ""): HTMLElement {
  const input = h("input", { type: "checkbox", name, ...(checked ? { checked: true } : {}) });
  input.addEventListener("change", () => onChange(input.checked));
  return h("label", { class: "check" }, input, ` ${label}`);
}

function listText(v: unknown): string {
  return Array.isArray(v) ? v.join(", ") : "";
}

function parseList(v: string): string[] {
  return v
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
}

export async function renderConfigurations(ctx: PageContext): Promise<void> {
  const { items } = await api.configurations();
  const admin = ctx.me.user.role === "admin";
  ctx.main.replaceChildren(
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, "Configurations"),
      admin
        ? h("a", { href: "#/configurations/new", class: "btn primary small" }, "New configuration")
        : null,
    ),
    h(
      "p",
      { class: "hint" },
      "Saved flows: pass the config_id to begin/ and the session follows these steps and flags.",
    ),
    items.length === 0
      ? h("p", { class: "empty card" }, "No configuration yet.")
      : h(
          "div",
          { class: "table-wrap card" },
          h(
            "table",
            {},
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["Name", "config_id", "Steps", "Updated"].map((t) => h("th", { scope: "col" }, t)),
              ),
            ),
            h(
              "tbody",
              {},
              items.map((c) =>
                h(
                  "tr",
                  {},
                  h("td", {}, admin ? h("a", { href: `#/configurations/${c.config_id}` }, c.name) : c.name),
                  h("td", {}, h("code", {}, c.config_id)),
                  h(
                    "td",
                    {},
                    c.steps.map((s) => s.type).join(" → ") || h("span", { class: "hint" }, "implicit"),
                  ),
                  h("td", {}, formatDate(c.updated_at)),
                ),
              ),
            ),
          ),
        ),
  );
}

export async function renderConfigEditor(ctx: PageContext, id: string): Promise<void> {
  // The step schemas (zod) and the step forms load with the editor, not with every page.
  const [{ BUILDER_STEPS, builderLabelOf }, { stepFormEditor, stepProblem }] = await Promise.all([
    import("@verimat/core/steps"),
    import("./step-forms.ts"),
  ]);
  const existing: Configuration | null = id === "new" ? null : await api.configuration(id);
  const state = {
    name: existing?.name ?? "",
    flags: { ...(existing?.flags ?? {}) } as Record<string, unknown>,
    steps: (existing?.steps ?? []).map((s) => ({ ...s, flags: { ...s.flags } })) as Step[],
  };
  const setFlag = (k: string, v: unknown) => {
    if (v === undefined || v === "" || v === false || (Array.isArray(v) && v.length === 0))
      delete state.flags[k];
    else state.flags[k] = v;
  };

  const stepsBox = h("ol", { class: "steps", "aria-label": "Steps in order" });
  let shownProblem = "";
  const renderSteps = (focus?: string) => {
    stepsBox.replaceChildren(
      ...state.steps.map((step, i) => {
        const move = (delta: number, label: string, key: string) =>
          h(
            "button",
            {
              type: "button",
              class: "btn secondary small",
              "data-move": key,
              "aria-label": `${label} step ${i + 1} (${step.type})`,
              disabled: i + delta < 0 || i + delta >= state.steps.length,
              onclick: () => {
                const [moved] = state.steps.splice(i, 1);
                if (moved) state.steps.splice(i + delta, 0, moved);
                renderSteps(`[data-index="${i + delta}"] [data-move="${key}"]`);
              },
            },
            label,
          );
        const settings: HTMLElement[] = [];
        const f = step.flags;
        if (step.type === "identity-document") {
          const chosen = Array.isArray(f.document_types) ? (f.document_types as string[]) : [];
          settings.push(
            h(
              "fieldset",
              {},
              h("legend", {}, "Documents"),
              DOC_TYPES.map((t) =>
                checkbox(t.replace("_", " "), chosen.includes(t), (on) => {
                  const next = new Set(Array.isArray(f.document_types) ? (f.document_types as string[]) : []);
                  if (on) next.add(t);
                  else next.delete(t);
                  if (next.size === 0) delete f.document_types;
                  else f.document_types = DOC_TYPES.filter((d) => next.has(d));
                }),
              ),
            ),
            checkbox("Allow upload", f.allow_document_upload === true, (on) => {
              f.allow_document_upload = on;
            }),
          );
        } else if (step.type === "liveness") {
          settings.push(
            checkbox("Active liveness", f.liveness === true, (on) => {
              f.liveness = on;
            }),
            checkbox("Allow selfie upload", f.allow_face_upload === true, (on) => {
              f.allow_face_upload = on;
            }),
          );
        } else if (step.type === "face-document") {
          settings.push(
            checkbox("Allow upload", f.allow_face_doc_upload === true, (on) => {
              f.allow_face_doc_upload = on;
            }),
          );
        } else if (step.type === "general-document") {
          const types = h("input", { value: listText(f.general_document_types) });
          types.addEventListener("change", () => {
            f.general_document_types = parseList(types.value);
          });
          settings.push(
            field("Document kinds (comma-separated)", types),
            checkbox("Allow capture", f.allow_capture === true, (on) => {
              f.allow_capture = on;
            }),
            checkbox("Allow upload", f.allow_upload === true, (on) => {
              f.allow_upload = on;
            }),
          );
        }
        // Catalogue steps get a form (with their settings as raw JSON underneath), checked as begin/ checks them.
        const catalogueForm = stepFormEditor(step, i, () => {
          // A refusal shown by the last save goes once every step passes again.
          if (shownProblem && status.textContent === shownProblem && !state.steps.some(stepProblem)) {
            status.textContent = "";
            shownProblem = "";
          }
        });
        if (catalogueForm) settings.push(catalogueForm);
        const jsonStep = catalogueForm ? undefined : JSON_STEPS[step.type];
        if (jsonStep) {
          const json = h("textarea", { rows: 8, "data-step-json": "", spellcheck: false });
          json.value = JSON.stringify(f, null, 2);
          const problem = h("small", { class: "hint", role: "status" });
          json.addEventListener("change", () => {
            try {
              const v: unknown = JSON.parse(json.value);
              if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
              step.flags = v as Record<string, unknown>;
              problem.textContent = "";
            } catch {
              problem.textContent = "Not a JSON object: the previous settings stay.";
            }
          });
          settings.push(field("Settings (JSON)", json, jsonStep.hint), problem);
        }
        const title = h("input", { value: typeof step.title === "string" ? step.title : "" });
        title.addEventListener("change", () => {
          if (title.value.trim()) step.title = title.value.trim();
          else delete step.title;
        });
        return h(
          "li",
          { class: "step card", "data-index": String(i), "data-type": step.type },
          h(
            "div",
            { class: "step-head" },
            h(
              "strong",
              {},
              `${i + 1}. ${builderLabelOf(step.type)}`,
              builderLabelOf(step.type) === step.type
                ? null
                : h("span", { class: "hint" }, ` (${step.type})`),
            ),
            h(
              "div",
              { class: "buttons" },
              move(-1, "Move up", "up"),
              move(1, "Move down", "down"),
              h(
                "button",
                {
                  type: "button",
                  class: "btn danger small",
                  "data-remove": "",
                  "aria-label": `Remove step ${i + 1} (${step.type})`,
                  onclick: () => {
                    state.steps.splice(i, 1);
                    renderSteps("[data-add-step]");
                  },
                },
                "Remove",
              ),
            ),
          ),
          h("div", { class: "step-settings" }, field("Title (optional)", title), ...settings),
        );
      }),
    );
    if (state.steps.length === 0)
      stepsBox.append(
        h("li", { class: "hint" }, "No explicit steps: the flags decide (document, then face)."),
      );
    if (focus) ctx.main.querySelector<HTMLElement>(focus)?.focus();
  };

  const addType = h(
    "select",
    { "aria-label": "Step to add" },
    STEP_TYPES.map((t) =>
      h("option", { value: t }, builderLabelOf(t) === t ? t : `${builderLabelOf(t)} (${t})`),
    ),
  );
  const addButton = h(
    "button",
    { type: "button", class: "btn secondary small", "data-add-step": "" },
    "Add step",
  );
  addButton.addEventListener("click", () => {
    const defaults: Record<string, Record<string, unknown>> = {
      "identity-document": { document_types: ["passport", "id"] },
      liveness: { liveness: true },
      ...Object.fromEntries(Object.entries(JSON_STEPS).map(([k, v]) => [k, structuredClone(v.start)])),
      // Selfie with ID, Proof of address: what the widget does without settings, shown as such.
      ...Object.fromEntries(
        BUILDER_STEPS.filter((b) => b.impliedBy).map((b) => [b.type, structuredClone(b.start)]),
      ),
    };
    state.steps.push({ type: addType.value, flags: { ...(defaults[addType.value] ?? {}) } });
    renderSteps(`[data-index="${state.steps.length - 1}"] [data-remove]`);
  });

  const name = h("input", { name: "name", value: state.name, required: true, maxlength: 200 });
  name.addEventListener("input", () => {
    state.name = name.value;
  });
  const language = h(
    "select",
    { name: "language" },
    LANGUAGES.map((l) =>
      h(
        "option",
        { value: l, ...(state.flags.language === l ? { selected: true } : {}) },
        l || "Browser language",
      ),
    ),
  );
  language.addEventListener("change", () => setFlag("language", language.value));
  const countries = h("input", {
    name: "document_countries",
    value: listText(state.flags.document_countries),
    placeholder: "GEO, UKR",
  });
  countries.addEventListener("change", () =>
    setFlag(
      "document_countries",
      parseList(countries.value).map((c) => c.toUpperCase()),
    ),
  );
  const returnUrl = h("input", {
    name: "return_url",
    type: "url",
    value: String(state.flags.return_url ?? ""),
    placeholder: "https://…",
  });
  returnUrl.addEventListener("change", () => setFlag("return_url", returnUrl.value.trim()));
  const docTypes = Array.isArray(state.flags.document_types) ? (state.flags.document_types as string[]) : [];

  const status = h("p", { class: "error", role: "alert" });
  const saveButton = h("button", { type: "submit", class: "btn primary" }, "Save");
  const previewBox = h("div", { class: "preview" });
  const form = h(
    "form",
    { class: "builder" },
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Name and flags"),
      field("Name", name),
      h(
        "div",
        { class: "row" },
        field("Language", language),
        field("Document countries (ISO alpha-3)", countries),
      ),
      field("Return URL", returnUrl, "Where the person goes back to when done (redirect flow)."),
      h(
        "fieldset",
        {},
        h("legend", {}, "Document types"),
        DOC_TYPES.map((t) =>
          checkbox(
            t.replace("_", " "),
            docTypes.includes(t),
            (on) => {
              const next = new Set(
                Array.isArray(state.flags.document_types) ? (state.flags.document_types as string[]) : [],
              );
              if (on) next.add(t);
              else next.delete(t);
              setFlag(
                "document_types",
                DOC_TYPES.filter((d) => next.has(d)),
              );
            },
            `doc-${t}`,
          ),
        ),
      ),
      h(
        "fieldset",
        {},
        h("legend", {}, "Options"),
        BOOL_FLAGS.map(([flag, label]) =>
          checkbox(label, state.flags[flag] === true, (on) => setFlag(flag, on), flag),
        ),
      ),
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Steps"),
      h(
        "p",
        { class: "hint" },
        "The consent screen always comes first unless skipped; listed steps replace the implicit ones.",
      ),
      stepsBox,
      h("div", { class: "inline" }, addType, addButton),
    ),
    status,
    h(
      "div",
      { class: "buttons" },
      saveButton,
      existing
        ? h(
            "button",
            {
              type: "button",
              class: "btn secondary",
              "data-action": "preview",
              onclick: () => {
                status.textContent = "";
                api
                  .preview(existing.config_id)
                  .then((p) => {
                    previewBox.replaceChildren(
                      h(
                        "p",
                        {},
                        "Test session started: ",
                        h(
                          "a",
                          { href: p.path, target: "_blank", rel: "noopener", "data-preview": "" },
                          "open the widget",
                        ),
                        ".",
                      ),
                    );
                    // Same origin as the dashboard (PUBLIC_URL may name another host behind a proxy).
                    window.open(p.path, "_blank", "noopener");
                  })
                  .catch((err: unknown) => {
                    status.textContent = errorText(err);
                  });
              },
            },
            "Preview in the widget",
          )
        : null,
      existing
        ? h(
            "button",
            {
              type: "button",
              class: "btn danger",
              onclick: () => {
                if (!confirm(`Delete "${existing.name}"? begin/ calls with its config_id will fail.`)) return;
                api
                  .deleteConfiguration(existing.config_id)
                  .then(() => ctx.navigate("#/configurations"))
                  .catch((err: unknown) => {
                    status.textContent = errorText(err);
                  });
              },
            },
            "Delete",
          )
        : null,
    ),
    previewBox,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    status.textContent = "";
    // The same checks begin/ and the server's save make, before sending.
    const bad = state.steps.map((s, i) => ({ i, problem: stepProblem(s, i) })).find((x) => x.problem);
    if (bad?.problem) {
      status.textContent = bad.problem;
      shownProblem = bad.problem;
      ctx.main.querySelector<HTMLElement>(`[data-index="${bad.i}"] [data-step-problem]`)?.scrollIntoView();
      return;
    }
    saveButton.disabled = true;
    api
      .saveConfiguration(existing?.config_id ?? null, {
        name: state.name,
        flags: state.flags,
        steps: state.steps,
      })
      .then((saved) => {
        ctx.notify(`Saved "${saved.name}" (config_id ${saved.config_id}).`);
        if (!existing) ctx.navigate(`#/configurations/${saved.config_id}`);
        else saveButton.disabled = false;
      })
      .catch((err: unknown) => {
        status.textContent = errorText(err);
        saveButton.disabled = false;
      });
  });
  renderSteps();
  ctx.main.replaceChildren(
    h(
      "div",
      { class: "page-head" },
      h(
        "div",
        {},
        h("a", { href: "#/configurations", class: "back" }, "← Configurations"),
        h("h1", {}, existing ? `Configuration ${existing.name}` : "New configuration"),
      ),
      existing ? h("code", { "data-config-id": existing.config_id }, existing.config_id) : null,
    ),
    form,
  );
}
