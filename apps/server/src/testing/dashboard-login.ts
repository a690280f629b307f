/** Signs a dashboard user in against the in-memory app, for integration tests. */
import type { FastifyInstance } from "fastify";
import { DASHBOARD_COOKIE } from "../dashboard/dashboard-routes.ts";

export interface DashboardLogin {
  /** `name=value` of the session cookie, ready for a `cookie` header. */
  cookie: string;
  /** For the `x-csrf-token` header of every state-changing call. */
  csrf: string;
}

/** Throws (naming the answer) unless the login succeeds and sets the session cookie. */
export async function dashboardLogin(
  http: FastifyInstance,
  email: string,
  password: string,
): Promise<DashboardLogin> {
  const res = await http.inject({
    method: "POST",
    url: "/dashboard/api/login",
    payload: { email, password },
  });
  if (res.statusCode !== 200) throw new Error(`login of ${email}: ${res.statusCode} ${res.body}`);
  const raw = res.headers["set-cookie"];
  const line = (Array.isArray(raw) ? raw : [raw ?? ""]).find((c) => c.startsWith(`${DASHBOARD_COOKIE}=`));
  if (!line) throw new Error(`login of ${email}: no ${DASHBOARD_COOKIE} cookie`);
  return { cookie: line.split(";")[0] ?? "", csrf: (res.json() as { csrf_token: string }).csrf_token };
}
