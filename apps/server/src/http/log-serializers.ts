/**
 * What request logs may contain: method, path and parameter *names*. Values of sensitive parameters
 * (tokens, keys) are replaced, headers (Authorization, cookies) are never logged, nor client IPs
 * (personal data).
 */
const SENSITIVE =
  /^(session_token|sessiontoken|sessionid|company_key|companykey|secret_key|token|key|code|password)$/i;

export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const parts: string[] = [];
  for (const [k, v] of params)
    parts.push(`${k}=${SENSITIVE.test(k) ? "[redacted]" : v.length > 64 ? `${v.slice(0, 64)}…` : v}`);
  return `${url.slice(0, q)}?${parts.join("&")}`;
}

export const logSerializers = {
  req(req: { method: string; url: string; id?: string }) {
    return { method: req.method, url: redactUrl(req.url) };
  },
  res(res: { statusCode: number }) {
    return { statusCode: res.statusCode };
  },
};

/** Paths pino must blank wherever they appear in a logged object. */
export const logRedactPaths = [
  "req.headers.authorization",
  "req.headers.cookie",
  "*.company_key",
  "*.secret_key",
  "*.session_token",
  "*.password",
];
