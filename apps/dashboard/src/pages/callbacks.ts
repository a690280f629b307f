/**
 * Callback history: the company's events (the Callbacks page, filtered by status) and one session's
 * (a card on the session page). Each event shows its status, when the next attempt is due, and its
 * attempts (status code, latency, the start of the receiver's answer); Replay sends the same event
 * (same id and body) again. Bodies are never shown: one carrying a one-time code is marked sealed.
 * @module
 */
import { api, type CallbackEvent, errorText } from "../api.ts";
import { formatDate, h } from "../h.ts";
import type { PageContext } from "../main.ts";

const STATUSES = ["", "pending", "delivered", "failed"];

function attemptsTable(e: CallbackEvent): HTMLElement {
  if (e.attempts_history.length === 0) return h("p", { class: "hint" }, "No attempt yet.");
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "attempts" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["#", "When", "Answer", "Latency", "Response"].map((t) => h("th", { scope: "col" }, t)),
        ),
      ),
      h(
        "tbody",
        {},
        e.attempts_history.map((a) =>
          h(
            "tr",
            { "data-attempt": a.attempt, class: a.ok ? "ok" : "failed" },
            h("td", {}, String(a.attempt)),
            h("td", {}, h("time", { datetime: a.at }, formatDate(a.at))),
            h("td", {}, a.status_code === null ? (a.error ?? "no answer") : `HTTP ${a.status_code}`),
            h("td", {}, `${a.latency_ms} ms`),
            h("td", {}, a.response_excerpt ? h("code", { class: "excerpt" }, a.response_excerpt) : "—"),
          ),
        ),
      ),
    ),
  );
}

function eventItem(
  ctx: PageContext,
  e: CallbackEvent,
  reload: () => void,
  showSession: boolean,
): HTMLElement {
  const replay = h(
    "button",
    { type: "button", class: "btn small secondary", "data-action": "replay" },
    "Replay",
  );
  replay.addEventListener("click", () => {
    replay.disabled = true;
    api
      .replayCallback(e.event_id)
      .then(() => {
        ctx.notify(`Event ${e.event_id} queued again.`);
        reload();
      })
      .catch((err: unknown) => {
        ctx.notify(errorText(err), "error");
        replay.disabled = false;
      });
  });
  const status =
    e.status === "pending" && e.next_attempt_at
      ? `pending · next attempt ${formatDate(e.next_attempt_at)}`
      : e.status === "delivered"
        ? `delivered ${formatDate(e.delivered_at)}`
        : e.status;
  return h(
    "li",
    { class: "callback", "data-event": e.event_id, "data-callback-status": e.status },
    h(
      "div",
      { class: "callback-head" },
      h("strong", {}, e.type),
      " ",
      h("span", { class: `badge c-${e.status}` }, status),
      " ",
      h("small", { class: "hint" }, `${e.event_id} · ${formatDate(e.created_at)}`),
      showSession && e.session_id
        ? h(
            "a",
            { href: `#/sessions/${e.session_id}`, class: "session-link" },
            e.session_id.slice(0, 10),
            "…",
          )
        : null,
      e.body_sealed
        ? h("small", { class: "hint block" }, "Body sealed (it carries a one-time code or link).")
        : null,
      replay,
    ),
    attemptsTable(e),
  );
}

function eventList(ctx: PageContext, items: CallbackEvent[], reload: () => void, showSession: boolean) {
  return items.length === 0
    ? h("p", { class: "hint" }, "No callback events.")
    : h(
        "ol",
        { class: "callbacks" },
        items.map((e) => eventItem(ctx, e, reload, showSession)),
      );
}

/** The session page's card: this session's events; loads on its own (the page does not wait). */
export function callbacksSection(ctx: PageContext, token: string): HTMLElement {
  const body = h("div", {}, h("p", { class: "hint" }, "Loading…"));
  const load = () => {
    api
      .sessionCallbacks(token)
      .then((r) => body.replaceChildren(eventList(ctx, r.items, load, false)))
      .catch((err: unknown) => body.replaceChildren(h("p", { class: "error" }, errorText(err))));
  };
  load();
  return h("section", { class: "card", "data-section": "callbacks" }, h("h2", {}, "Callbacks"), body);
}

/** `#/callbacks?status=…`: the company's callback history. */
export async function renderCallbacks(ctx: PageContext): Promise<void> {
  document.title = "Callbacks · Verimat";
  const status = ctx.query.get("status") ?? "";
  const query = new URLSearchParams({ limit: "100", ...(status ? { status } : {}) });
  const page = await api.callbacks(query);
  const select = h(
    "select",
    { name: "status", "aria-label": "Status" },
    STATUSES.map((s) => h("option", { value: s, ...(s === status ? { selected: true } : {}) }, s || "Any")),
  );
  select.addEventListener("change", () =>
    ctx.navigate(select.value ? `#/callbacks?status=${select.value}` : "#/callbacks"),
  );
  const list = h("div", {});
  const reload = () => {
    api
      .callbacks(query)
      .then((p) => list.replaceChildren(eventList(ctx, p.items, reload, true)))
      .catch((err: unknown) => ctx.notify(errorText(err), "error"));
  };
  list.replaceChildren(eventList(ctx, page.items, reload, true));
  ctx.main.replaceChildren(
    h("div", { class: "page-head" }, h("h1", {}, "Callbacks"), select),
    h(
      "p",
      { class: "hint", "data-counts": "" },
      `${page.counts.delivered} delivered · ${page.counts.pending} pending · ${page.counts.failed} failed`,
    ),
    h("section", { class: "card" }, list),
  );
}
