import { Worker } from "node:worker_threads";

/**
 * begin/ calls per second (2xx only) from autocannon with `connections` connections for `seconds`.
 * autocannon runs in its own thread: this process also hosts the S3 server (s3rver) the workers read
 * every capture from, and on its event loop the load would measure that instead of the API. (A fetch()
 * client cost more CPU than the API it measured, so the ratio read the client's share of the machine.)
 */
export async function beginRate(
  api: string,
  companyKey: string,
  seconds: number,
  connections = 16,
): Promise<number> {
  const source = `
    const { workerData, parentPort } = require("node:worker_threads");
    const autocannon = require("autocannon");
    const { api, companyKey, seconds, connections } = workerData;
    autocannon({
      url: api + "/begin/", method: "POST", connections, duration: seconds,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ company_key: companyKey, flags: { liveness: false, document_types: ["passport"] } }),
    }).then((r) => parentPort.postMessage(r["2xx"] / seconds), () => parentPort.postMessage(-1));
  `;
  const worker = new Worker(source, { eval: true, workerData: { api, companyKey, seconds, connections } });
  const rate = await new Promise<number>((resolve, reject) => {
    worker.once("message", (n: number) => resolve(n));
    worker.once("error", reject);
  });
  await worker.terminate();
  if (rate < 0) throw new Error("begin/ load failed");
  return rate;
}
