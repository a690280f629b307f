/** Minimal, dependency-free HTML helpers for the server-rendered pages (placeholder widget, demo). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function page(title: string, body: string, extraHead = ""): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.5rem}code,pre{background:#f2f4f8;padding:.1rem .3rem;border-radius:4px}pre{padding:1rem;overflow:auto}
.btn{display:inline-block;padding:.6rem 1rem;border-radius:6px;background:#2457d6;color:#fff;text-decoration:none;margin:.25rem 0;border:0;font:inherit;cursor:pointer}
iframe{width:100%;height:34rem;border:1px solid #ccd;border-radius:8px}</style>${extraHead}</head>
<body>${body}</body></html>`;
}
