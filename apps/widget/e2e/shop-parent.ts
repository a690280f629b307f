/** What both browsers' widget tests share: the embedding shop's pages, and begin/ on the test app. */
import http from "node:http";
import type { TestApp } from "../../server/src/testing/test-app.ts";

/**
 * The embedding site on its own origin: `/parent?token=…[&allow=0]` frames the widget (with
 * `allow="camera"` unless allow=0) and records the messages it receives in `window.messages`; any
 * other path is the return_url target.
 */
export function startShopParent(widgetBase: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    res.setHeader("content-type", "text/html");
    if (url.pathname === "/parent") {
      const src = `${widgetBase}/?session_token=${encodeURIComponent(url.searchParams.get("token") ?? "")}`;
      const allow = url.searchParams.get("allow") === "0" ? "" : ' allow="camera"';
      res.end(`<!doctype html><title>Shop</title><h1>Shop checkout</h1>
<iframe src="${src}"${allow} style="width:420px;height:640px;border:1px solid #999"></iframe>
<script>window.messages=[];addEventListener("message",(e)=>window.messages.push({origin:e.origin,data:e.data}));</script>`);
      return;
    }
    res.end("<!doctype html><title>Back</title><h1>Back at the shop</h1>");
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** A session token from begin/ on the test app. */
export async function beginSession(
  t: TestApp,
  flags: Record<string, unknown>,
  companyKey: string,
  steps?: unknown[],
): Promise<string> {
  const res = await t.http.inject({
    method: "POST",
    url: "/begin/",
    payload: { company_key: companyKey, flags, ...(steps ? { steps } : {}) },
  });
  return JSON.parse(res.body) as string;
}
