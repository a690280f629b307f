import { api } from "../api.ts";
import { layoutChart, OUTCOMES } from "../chart-layout.ts";
import { h, svg } from "../h.ts";
import type { PageContext } from "../main.ts";

function duration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

function chart(perDay: { day: string; counts: Record<string, number> }[]): Element {
  const l = layoutChart(perDay, { width: 720, height: 220, left: 36, bottom: 24 });
  const grid = l.ticks.map((t) =>
    svg(
      "g",
      {},
      svg("line", { x1: 36, x2: 720, y1: t.y, y2: t.y, class: "grid" }),
      svg("text", { x: 30, y: t.y + 4, "text-anchor": "end", class: "axis" }, String(t.value)),
    ),
  );
  const bars = l.bars.map((b, i) => {
    const title = `${b.day}: ${b.total} session${b.total === 1 ? "" : "s"}${b.segments
      .map((s) => `, ${s.count} ${s.outcome.replace("_", " ")}`)
      .join("")}`;
    const label =
      i % Math.max(1, Math.ceil(l.bars.length / 10)) === 0
        ? svg("text", { x: b.x, y: 214, class: "axis" }, b.day.slice(5))
        : null;
    return svg(
      "g",
      {},
      svg("title", {}, title),
      ...b.segments.map((s) =>
        svg("rect", {
          x: s.x,
          y: s.y,
          width: s.width,
          height: Math.max(0.5, s.height),
          class: `o-${s.outcome}`,
        }),
      ),
      ...(label ? [label] : []),
    );
  });
  const figure = svg(
    "svg",
    { viewBox: "0 -10 720 230", role: "img", "aria-label": "Sessions per day by outcome", class: "chart" },
    ...grid,
    ...bars,
  );
  const legend = h(
    "ul",
    { class: "legend" },
    OUTCOMES.map((o) => h("li", {}, h("span", { class: `swatch o-${o}` }), o.replace("_", " "))),
  );
  // The same numbers as a table, for screen readers and keyboard users.
  const table = h(
    "details",
    {},
    h("summary", {}, "Show the numbers"),
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", {}, "Day"),
          OUTCOMES.map((o) => h("th", {}, o.replace("_", " "))),
        ),
      ),
      h(
        "tbody",
        {},
        perDay.map((d) =>
          h(
            "tr",
            {},
            h("td", {}, d.day),
            OUTCOMES.map((o) => h("td", {}, d.counts[o] ?? 0)),
          ),
        ),
      ),
    ),
  );
  return h(
    "figure",
    { class: "card" },
    h("figcaption", {}, "Sessions per day by outcome"),
    figure,
    legend,
    table,
  );
}

export async function renderOverview(ctx: PageContext): Promise<void> {
  const days = Number(ctx.query.get("days") ?? 30) || 30;
  const o = await api.overview(days);
  const select = h(
    "select",
    { id: "days" },
    [7, 30, 90].map((d) =>
      h("option", { value: String(d), ...(d === days ? { selected: true } : {}) }, `${d} days`),
    ),
  );
  select.addEventListener("change", () => ctx.navigate(`#/overview?days=${select.value}`));
  const stat = (label: string, value: string, test: string) =>
    h(
      "div",
      { class: "stat card", "data-stat": test },
      h("span", { class: "label" }, label),
      h("strong", {}, value),
    );
  ctx.main.replaceChildren(
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, "Overview"),
      h("div", { class: "inline" }, h("label", { for: "days" }, "Period"), select),
    ),
    h(
      "div",
      { class: "stats" },
      stat("Sessions", String(o.total), "total"),
      stat("Pass rate", o.pass_rate === null ? "—" : `${Math.round(o.pass_rate * 100)} %`, "pass-rate"),
      stat("Waiting for review", String(o.totals.manual_check ?? 0), "manual"),
      stat("Median time to decision", duration(o.median_decision_ms), "median"),
    ),
    chart(o.per_day),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Most common reason codes"),
      o.top_reason_codes.length === 0
        ? h("p", { class: "hint" }, "No reason codes in this period.")
        : h(
            "table",
            {},
            h("thead", {}, h("tr", {}, h("th", {}, "Code"), h("th", {}, "Sessions"), h("th", {}, "Meaning"))),
            h(
              "tbody",
              {},
              o.top_reason_codes.map((r) =>
                h(
                  "tr",
                  {},
                  h(
                    "td",
                    {},
                    h(
                      "a",
                      { href: `#/sessions?reason_code=${encodeURIComponent(r.code)}` },
                      h("code", {}, r.code),
                    ),
                  ),
                  h("td", {}, r.count),
                  h("td", {}, r.description),
                ),
              ),
            ),
          ),
    ),
  );
}
