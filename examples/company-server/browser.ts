/**
 * The example page's script: start a session on our server, then show the widget in an iframe
 * (`mountWidget`, resolves on "DONE") or go to it (`redirectToWidget`).
 */
import { mountWidget, redirectToWidget } from "@verimat/web";

function el(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} missing`);
  return e;
}

async function start(mode: "iframe" | "redirect"): Promise<{ sessionToken: string; widgetUrl: string }> {
  const res = await fetch("/api/start", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ mode }),
  });
  return (await res.json()) as { sessionToken: string; widgetUrl: string };
}

el("start-iframe").addEventListener("click", () => {
  void (async () => {
    const status = el("status");
    const { sessionToken, widgetUrl } = await start("iframe");
    status.textContent = "Verifying…";
    status.dataset.state = "running";
    const widget = mountWidget(el("widget"), { widgetUrl });
    await widget.done;
    widget.destroy();
    // The browser only says "finished": the outcome comes from our server (result API, callbacks).
    const s = await (await fetch(`/api/status/${sessionToken}`)).json();
    el("result").textContent = JSON.stringify(s);
    status.textContent = "Thank you, we are checking your documents.";
    status.dataset.state = "done";
  })();
});

el("start-redirect").addEventListener("click", () => {
  void start("redirect").then(({ widgetUrl }) => redirectToWidget(widgetUrl));
});
