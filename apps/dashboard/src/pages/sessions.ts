import { api } from "../api.ts";
import { field, formatDate, h, statusBadge } from "../h.ts";
import type { PageContext } from "../main.ts";

const STATUSES = ["", "manual_check", "approved", "rejected", "in_progress", "expired", "disagreed"];
const DOC_TYPES = ["", "passport", "id", "driver_license", "residence_license"];
const FILTERS = ["q", "status", "document_type", "country", "reason_code", "from", "to"] as const;

export async function renderSessions(ctx: PageContext): Promise<void> {
  const q = ctx.query;
  // Keyset pages: `after` is the previous page's cursor; `page` only numbers the page for display.
  const page = Math.max(1, Number(q.get("page") ?? 1) || 1);
  const after = q.get("after") ?? "";
  const select = (name: string, options: string[], labels: Record<string, string> = {}) =>
    h(
      "select",
      { name },
      options.map((o) =>
        h(
          "option",
          { value: o, ...(q.get(name) === o ? { selected: true } : {}) },
          labels[o] ?? (o ? o.replace("_", " ") : "Any"),
        ),
      ),
    );
  const input = (name: string, type = "text", extra: Record<string, string> = {}) =>
    h("input", { name, type, value: q.get(name) ?? "", ...extra });
  const reasons = ["", ...Object.keys(ctx.me.reason_codes)];
  const form = h(
    "form",
    { class: "filters", role: "search" },
    field("Search", input("q", "search", { placeholder: "Name, document number or token" })),
    field("Status", select("status", STATUSES)),
    field("Document", select("document_type", DOC_TYPES)),
    field("Country", input("country", "text", { maxlength: "3", placeholder: "GEO", class: "short" })),
    field("Reason code", select("reason_code", reasons)),
    field("From", input("from", "date")),
    field("To", input("to", "date")),
    h(
      "div",
      { class: "field actions-inline" },
      h("button", { type: "submit", class: "btn primary" }, "Apply"),
    ),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const next = new URLSearchParams();
    for (const name of FILTERS) {
      const v = String(data.get(name) ?? "").trim();
      if (v) next.set(name, v);
    }
    ctx.navigate(`#/sessions?${next.toString()}`);
  });
  const query = new URLSearchParams();
  for (const name of FILTERS) {
    const v = q.get(name);
    if (v) query.set(name, v);
  }
  if (after) query.set("after", after);
  query.set("page_size", "25");
  const list = await api.sessions(query);
  const pageLink = (cursor: string | null, p: number, label: string, rel: string) => {
    const next = new URLSearchParams(query);
    next.delete("page_size");
    next.delete("after");
    if (cursor) {
      next.set("after", cursor);
      next.set("page", String(p));
    }
    return h("a", { href: `#/sessions?${next.toString()}`, class: "btn secondary small", rel }, label);
  };
  const total = `${list.total_more ? "more than " : ""}${list.total.toLocaleString("en")} matching`;
  const rows = list.items.map((s) =>
    h(
      "tr",
      { "data-token": s.session_token },
      h(
        "td",
        {},
        h("a", { href: `#/sessions/${s.session_token}` }, h("code", {}, `${s.session_token.slice(0, 10)}…`)),
      ),
      h("td", {}, statusBadge(s.status)),
      h("td", {}, s.name || h("span", { class: "hint" }, "—")),
      h(
        "td",
        {},
        s.document_type || "—",
        s.document_number ? h("small", { class: "hint block" }, s.document_number) : null,
      ),
      h("td", {}, s.country || "—"),
      h("td", { class: "num" }, s.similarity === null ? "—" : s.similarity.toFixed(2)),
      h(
        "td",
        {},
        s.reason_codes.map((c) => h("code", { class: "tag" }, c)),
      ),
      h("td", {}, formatDate(s.created_at)),
    ),
  );
  ctx.main.replaceChildren(
    h("div", { class: "page-head" }, h("h1", {}, "Sessions")),
    form,
    list.items.length === 0
      ? h("p", { class: "empty card" }, "No session matches these filters.")
      : h(
          "div",
          { class: "table-wrap card" },
          h(
            "table",
            { class: "sessions" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                [
                  "Token",
                  "Status",
                  "Name",
                  "Document",
                  "Country",
                  "Similarity",
                  "Reason codes",
                  "Created",
                ].map((t) => h("th", { scope: "col" }, t)),
              ),
            ),
            h("tbody", {}, rows),
          ),
        ),
    h(
      "nav",
      { class: "pager", "aria-label": "Pages" },
      after ? pageLink(null, 1, "← Newest", "first") : null,
      h("span", {}, `Page ${page} · ${total}`),
      list.next_cursor ? pageLink(list.next_cursor, page + 1, "Older →", "next") : null,
    ),
  );
}
