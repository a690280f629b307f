/**
 * A demo "company site" served by the service on first run: it creates sessions through the real
 * external API (with the demo company's key, as a company's server would) and opens the widget by
 * redirect and in an iframe, then shows the result the company would fetch.
 * @module
 */
import type { FastifyPluginAsync } from "fastify";
import { escapeHtml, page } from "./html.ts";

export interface DemoDeps {
  companyKey: string;
  publicUrl: string;
}

export const demoPageRoutes: FastifyPluginAsync<DemoDeps> = async (app, deps) => {
  const callApi = async (url: string, payload: Record<string, unknown>) => {
    const res = await app.inject({
      method: "POST",
      url,
      payload: { company_key: deps.companyKey, ...payload },
    });
    return { status: res.statusCode, body: res.body };
  };

  app.get("/demo", async (_request, reply) => {
    reply.type("text/html; charset=utf-8");
    return page(
      "Verimat demo",
      `<h1>Demo company</h1>
<p>This page plays a company's website. Its server calls <code>POST /begin/</code> with the demo company's key, then sends you to the widget.</p>
<p><a class="btn" href="/demo/start?mode=redirect">Verify by redirect</a></p>
<p><a class="btn" href="/demo/start?mode=iframe">Verify in an iframe</a></p>`,
    );
  });

  app.get<{ Querystring: { mode?: string } }>("/demo/start", async (request, reply) => {
    const mode = request.query.mode === "iframe" ? "iframe" : "redirect";
    const flags: Record<string, unknown> = { liveness: true };
    if (mode === "redirect") flags.return_url = `${deps.publicUrl}/demo/return`;
    const r = await callApi("/external-api/begin/", { flags });
    if (r.status !== 200)
      return reply
        .code(502)
        .type("text/html")
        .send(page("Demo", `<p>begin failed: ${escapeHtml(r.body)}</p>`));
    const token = JSON.parse(r.body) as string;
    const widgetUrl = `${deps.publicUrl}/?session_token=${encodeURIComponent(token)}`;
    if (mode === "redirect") return reply.redirect(widgetUrl, 303);
    const origin = JSON.stringify(new URL(deps.publicUrl).origin);
    reply.type("text/html; charset=utf-8");
    return page(
      "Verimat demo (iframe)",
      `<h1>Demo company — embedded widget</h1>
<iframe src="${escapeHtml(widgetUrl)}" allow="camera; microphone; fullscreen; autoplay"></iframe>
<p id="status">Waiting for the widget to finish…</p>
<script>
window.addEventListener("message", function (e) {
  if (e.origin !== ${origin} || e.data !== "DONE") return;
  location.href = "/demo/return?session_token=" + encodeURIComponent(${JSON.stringify(token)});
});
</script>`,
    );
  });

  app.get<{ Querystring: { session_token?: string } }>("/demo/return", async (request, reply) => {
    const token = request.query.session_token ?? "";
    const r = await callApi("/external-api/result/", { session_token: token });
    let pretty = r.body;
    try {
      pretty = JSON.stringify(JSON.parse(r.body), null, 2);
    } catch {
      // show the raw body
    }
    reply.type("text/html; charset=utf-8");
    return page(
      "Verimat demo result",
      `<h1>Result fetched by the company's server</h1><pre>${escapeHtml(pretty)}</pre><p><a class="btn" href="/demo">Start again</a></p>`,
    );
  });
};
