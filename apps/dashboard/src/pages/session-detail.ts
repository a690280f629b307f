import { api, errorText, mediaUrl, type SessionDetail } from "../api.ts";
import { field, formatDate, h, statusBadge } from "../h.ts";
import type { PageContext } from "../main.ts";
import { callbacksSection } from "./callbacks.ts";
import { livenessRows } from "./liveness-summary.ts";
import { stepsSection } from "./session-steps.ts";

const LABELS: Record<string, string> = {
  first_name: "First name",
  last_name: "Last name",
  birthday: "Date of birth",
  sex: "Sex",
  nationality: "Nationality",
  issuing_state: "Issuing state",
  document_number: "Document number",
  document_expires: "Expires",
  personal_number: "Personal number",
};

function mediaSection(d: SessionDetail): HTMLElement {
  const frames = d.media.filter((m) => m.kind === "liveness-frame");
  const others = d.media.filter((m) => m.kind !== "liveness-frame");
  const item = (m: SessionDetail["media"][number]) => {
    const src = mediaUrl(d.session_token, m.media_id);
    const body = m.content_type.startsWith("video/")
      ? h("video", { src, controls: true, preload: "metadata" })
      : h("img", { src, alt: `${m.kind} capture`, loading: "lazy" });
    return h(
      "figure",
      { class: "capture", "data-media-kind": m.kind },
      h("a", { href: src, target: "_blank", rel: "noopener" }, body),
      h("figcaption", {}, m.kind),
    );
  };
  return h(
    "section",
    { class: "card" },
    h("h2", {}, "Captures"),
    others.length === 0 && frames.length === 0 ? h("p", { class: "hint" }, "No captures.") : null,
    h("div", { class: "captures" }, others.map(item)),
    frames.length > 0
      ? h(
          "details",
          {},
          h("summary", {}, `Liveness frames (${frames.length})`),
          h("div", { class: "captures frames" }, frames.slice(0, 48).map(item)),
        )
      : null,
  );
}

function fieldsSection(ctx: PageContext, d: SessionDetail, reload: () => void): HTMLElement {
  const inputs = new Map<string, HTMLInputElement>();
  const decided = !["in_progress", "expired", "disagreed"].includes(d.status);
  const rows = d.fields.map((f) => {
    const input = h("input", {
      value: f.value,
      "aria-label": `${LABELS[f.field] ?? f.field} (correct)`,
      disabled: !decided,
    });
    inputs.set(f.field, input);
    return h(
      "tr",
      { class: f.mismatch ? "mismatch" : "", "data-field": f.field },
      h("th", { scope: "row" }, LABELS[f.field] ?? f.field),
      h("td", {}, f.mrz || h("span", { class: "hint" }, "—")),
      h("td", {}, f.visual || h("span", { class: "hint" }, "not read")),
      h("td", {}, input, f.corrected ? h("small", { class: "hint block" }, "corrected") : null),
      h("td", {}, f.mismatch ? h("span", { class: "warn" }, "differs") : ""),
    );
  });
  const save = h(
    "button",
    { type: "submit", class: "btn secondary", disabled: !decided },
    "Save corrections",
  );
  const form = h(
    "form",
    {},
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "fields" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Field", "MRZ", "Visual zone", "Value in the result", ""].map((t) =>
              h("th", { scope: "col" }, t),
            ),
          ),
        ),
        h("tbody", {}, rows),
      ),
    ),
    decided ? save : h("p", { class: "hint" }, "Fields can be corrected once the session is decided."),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const changed: Record<string, string> = {};
    for (const f of d.fields) {
      const v = inputs.get(f.field)?.value.trim() ?? "";
      if (v !== f.value) changed[f.field] = v;
    }
    if (Object.keys(changed).length === 0) {
      ctx.notify("Nothing changed.");
      return;
    }
    save.disabled = true;
    api
      .correct(d.session_token, changed)
      .then(() => {
        ctx.notify(`Saved: ${Object.keys(changed).join(", ")}.`);
        reload();
      })
      .catch((err: unknown) => {
        ctx.notify(errorText(err), "error");
        save.disabled = false;
      });
  });
  return h("section", { class: "card" }, h("h2", {}, "Extracted data"), form);
}

function reviewSection(ctx: PageContext, d: SessionDetail, reload: () => void): HTMLElement {
  const canReview = ["manual_check", "approved", "rejected"].includes(d.status);
  if (!canReview) {
    return h(
      "section",
      { class: "card review" },
      h("h2", {}, "Review"),
      h("p", { class: "hint" }, `A session that is ${d.status.replace("_", " ")} cannot be reviewed.`),
    );
  }
  const reason = h(
    "select",
    { name: "reason_code" },
    h("option", { value: "" }, "Choose a reason…"),
    Object.entries(ctx.me.reason_codes).map(([code, text]) =>
      h("option", { value: code, title: text }, code),
    ),
  );
  const comment = h("textarea", { name: "comment", rows: 3, maxlength: 2000 });
  comment.value = d.result.result_comment;
  const status = h("p", { class: "error", role: "alert" });
  const act = (decision: string) => {
    if (decision === "reject" && !reason.value) {
      status.textContent = "Choose a reason code to reject.";
      reason.focus();
      return;
    }
    status.textContent = "";
    api
      .review(d.session_token, {
        decision,
        ...(decision === "reject" ? { reason_code: reason.value } : {}),
        comment: comment.value,
      })
      .then(() => {
        ctx.notify(
          `Session ${decision === "approve" ? "approved" : decision === "reject" ? "rejected" : "sent back to manual check"}.`,
        );
        reload();
      })
      .catch((err: unknown) => {
        status.textContent = errorText(err);
      });
  };
  const button = (decision: string, label: string, cls: string, enabled: boolean) =>
    h(
      "button",
      {
        type: "button",
        class: `btn ${cls}`,
        "data-action": decision,
        disabled: !enabled,
        onclick: () => act(decision),
      },
      label,
    );
  return h(
    "section",
    { class: "card review" },
    h("h2", {}, "Review"),
    field("Reason code (to reject)", reason),
    field("Comment (sent as result_comment)", comment),
    status,
    h(
      "div",
      { class: "buttons" },
      button("approve", "Approve", "primary", d.status !== "approved"),
      button("reject", "Reject", "danger", d.status !== "rejected"),
      button("manual_check", "Back to manual check", "secondary", d.status !== "manual_check"),
    ),
  );
}

function signalsSection(d: SessionDetail): HTMLElement {
  const s = d.signals;
  const presentation = s.presentation as Record<string, unknown> | null | undefined;
  const row = (k: string, v: Node | string) => h("tr", {}, h("th", { scope: "row" }, k), h("td", {}, v));
  const json = (v: unknown) => h("pre", {}, JSON.stringify(v, null, 2));
  return h(
    "section",
    { class: "card" },
    h("h2", {}, "Face and liveness"),
    h(
      "table",
      { class: "kv" },
      row("Similarity", d.similarity === null ? "—" : d.similarity.toFixed(3)),
      row("Live", d.live ? "yes" : "no"),
      ...livenessRows(s.liveness).map(([label, text]) => row(label, text)),
      row("Presentation signals", presentation ? JSON.stringify(presentation.gating ?? []) : "—"),
    ),
    h("details", {}, h("summary", {}, "All signals"), json(s)),
  );
}

export async function renderSessionDetail(ctx: PageContext, token: string): Promise<void> {
  const d = await api.session(token);
  document.title = `Session ${token.slice(0, 8)} · Verimat`;
  const reload = () => {
    void renderSessionDetail(ctx, token).then(() => {
      ctx.main.querySelector<HTMLElement>("[data-status]")?.focus();
    });
  };
  const kv = (k: string, v: Node | string) => h("tr", {}, h("th", { scope: "row" }, k), h("td", {}, v));
  ctx.main.replaceChildren(
    h(
      "div",
      { class: "page-head" },
      h(
        "div",
        {},
        h("a", { href: "#/sessions", class: "back" }, "← Sessions"),
        h("h1", {}, "Session ", h("code", {}, token)),
      ),
      h("div", { "data-status": d.status, tabindex: -1 }, statusBadge(d.status)),
    ),
    h(
      "div",
      { class: "grid2" },
      h(
        "div",
        {},
        reviewSection(ctx, d, reload),
        h(
          "section",
          { class: "card" },
          h("h2", {}, "Decision"),
          h(
            "table",
            { class: "kv" },
            kv("Result", d.result.result),
            kv("Reject reason", d.result.reject_reason.value || "—"),
            kv("Comment", d.result.result_comment || "—"),
            kv("Document type", d.document_type || "—"),
          ),
          h("h3", {}, "Reason codes"),
          d.reason_codes.length === 0
            ? h("p", { class: "hint" }, "None.")
            : h(
                "ul",
                { class: "reasons" },
                d.reason_codes.map((r) => h("li", {}, h("code", {}, r.code), " ", r.description)),
              ),
        ),
        signalsSection(d),
      ),
      h("div", {}, mediaSection(d), fieldsSection(ctx, d, reload), stepsSection(token, reload)),
    ),
    h(
      "div",
      { class: "grid2" },
      h(
        "section",
        { class: "card" },
        h("h2", {}, "Technical details"),
        h(
          "table",
          { class: "kv" },
          kv("IP address", d.technical.remoteAddress ?? "—"),
          kv("User agent", d.technical.userAgent ?? "—"),
          kv("Country", d.technical.countryCode || "—"),
          kv("Configuration", d.config_id ?? "—"),
          kv("Steps", d.steps.join(" → ")),
          kv("Created", formatDate(d.created_at)),
          kv("Opened", formatDate(d.opened_at)),
          kv("Submitted", formatDate(d.submitted_at)),
          kv("Decided", formatDate(d.completed_at)),
        ),
      ),
      h(
        "section",
        { class: "card" },
        h("h2", {}, "Timeline"),
        h(
          "ol",
          { class: "timeline" },
          d.timeline.map((e) =>
            h(
              "li",
              {},
              h("time", { datetime: e.at }, formatDate(e.at)),
              " ",
              h("strong", {}, e.type),
              typeof e.data.by === "string" ? ` by ${e.data.by}` : "",
            ),
          ),
        ),
        h("h2", {}, "Audit log"),
        d.audit.length === 0
          ? h("p", { class: "hint" }, "No changes by operators.")
          : h(
              "ol",
              { class: "timeline audit" },
              d.audit.map((a) =>
                h(
                  "li",
                  { "data-audit": a.action },
                  h("time", { datetime: a.at }, formatDate(a.at)),
                  " ",
                  h("strong", {}, a.action),
                  ` by ${a.by}`,
                  h("small", { class: "block hint" }, JSON.stringify(a.data)),
                ),
              ),
            ),
      ),
    ),
    callbacksSection(ctx, token),
  );
}
