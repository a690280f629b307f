import { Worker } from "node:worker_threads";

/**
 * Requests per second (2xx only) from autocannon with `connections` connections for `seconds`.
 * autocannon runs in its own thread: this process also hosts the S3 server (s3rver) the workers read
 * every capture from, and on its event loop the load would measure that instead of the API. (A fetch()
 * client cost more CPU than the API it measured, so the ratio read the client's share of the machine.)
 */
export async function requestRate(
  url: string,
  options: { method?: "GET" | "POST"; body?: string; seconds: number; connections?: number },
): Promise<number> {
  const source = `
    const { workerData, parentPort } = require("node:worker_threads");
    const autocannon = require("autocannon");
    const { url, method, body, seconds, connections } = workerData;
    autocannon({
      url, method, connections, duration: seconds,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body }),
    }).then((r) => parentPort.postMessage(r["2xx"] / seconds), () => parentPort.postMessage(-1));
  `;
  const worker = new Worker(source, {
    eval: true,
    workerData: {
      url,
      method: options.method ?? "GET",
      body: options.body,
      seconds: options.seconds,
      connections: options.connections ?? 16,
    },
  });
  const rate = await new Promise<number>((resolve, reject) => {
    worker.once("message", (n: number) => resolve(n));
    worker.once("error", reject);
  });
  await worker.terminate();
  if (rate < 0) throw new Error(`load on ${url} failed`);
  return rate;
}

/** begin/ calls per second for the company, as bench/cluster measures them. */
export function beginRate(
  api: string,
  companyKey: string,
  seconds: number,
  connections = 16,
): Promise<number> {
  const body = JSON.stringify({
    company_key: companyKey,
    flags: { liveness: false, document_types: ["passport"] },
  });
  return requestRate(`${api}/begin/`, { method: "POST", body, seconds, connections });
}
