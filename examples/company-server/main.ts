/**
 * Runs the example company server: `npx tsx examples/company-server/main.ts` with VERIMAT_URL,
 * COMPANY_KEY, CALLBACK_SECRET (and SECRET_KEY for an HMAC company), PORT (default 3000).
 */
import { createExampleServer } from "./server.ts";

// biome-ignore lint/style/noProcessEnv: the example's own configuration
const env = process.env;
const required = (name: string): string => {
  const v = env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const server = createExampleServer({
  verimatUrl: required("VERIMAT_URL"),
  companyKey: required("COMPANY_KEY"),
  callbackSecrets: required("CALLBACK_SECRET").split(","),
  ...(env.SECRET_KEY ? { secretKey: env.SECRET_KEY } : {}),
});
const url = await server.listen(Number(env.PORT ?? 3000));
process.stdout.write(`Example shop on ${url}; callback URL: ${url}/verimat/callbacks\n`);
