/** The engine commands of the built CLI on real data from ../shared/eval (read in place). */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, "../../../..");
const evalDir = path.resolve(repoRoot, "../shared/eval");
const bin = path.join(repoRoot, "apps/server/bin/verimat.js");
if (!fs.existsSync(evalDir)) throw new Error(`evaluation data missing: ${evalDir}`);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-cli-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const lines = (s: string) =>
  s
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

it("compare prints one JSON line per pair, paths relative to the CSV", async () => {
  const faces = path.join(evalDir, "faces");
  const csv = path.join(tmp, "pairs.csv");
  const rel = (p: string) => path.relative(tmp, path.join(faces, p));
  // the first genuine and the first impostor pair of the eval set
  const rows = fs
    .readFileSync(path.join(faces, "pairs.csv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split(","));
  const genuine = rows.find((r) => r[2] === "1" && r[3] === "0");
  const impostor = rows.find((r) => r[2] === "0");
  if (!genuine || !impostor) throw new Error("pairs.csv has no usable rows");
  fs.writeFileSync(
    csv,
    `path_a,path_b\n${rel(genuine[0] ?? "")},${rel(genuine[1] ?? "")}\n${rel(impostor[0] ?? "")},${rel(impostor[1] ?? "")}\n`,
  );
  const { stdout } = await run("node", [bin, "compare", "--pairs", csv], { maxBuffer: 1 << 20 });
  const out = lines(stdout);
  expect(out).toHaveLength(2);
  expect(Object.keys(out[0] ?? {}).sort()).toEqual(["match", "path_a", "path_b", "similarity"]);
  expect(out[0]?.match).toBe(true);
  expect(out[1]?.match).toBe(false);
  expect(Number(out[0]?.similarity)).toBeGreaterThan(Number(out[1]?.similarity));
}, 120_000);

it("read-document prints the MRZ and the person for each file", async () => {
  const file = path.join(evalDir, "documents/passporteye-tests/passport-td3.jpg");
  const { stdout } = await run("node", [bin, "read-document", file], { maxBuffer: 1 << 20 });
  const [rec] = lines(stdout);
  expect(rec).toMatchObject({
    file,
    document_type: "passport",
    mrz: { valid: true, format: "TD3", fields: { documentNumber: "L898902C3", issuingState: "UTO" } },
    person: { last_name: "ERIKSSON", document_number: "L898902C3", citizenship: "UTO" },
  });
}, 120_000);
