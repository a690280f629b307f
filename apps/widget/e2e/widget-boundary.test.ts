/** The widget runs in people's browsers: it must never pull in server code (keys, database, engine). */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src");
const FORBIDDEN = /from\s+["'](@verimat\/(?!widget)[^"']*|[^"']*apps\/server[^"']*|node:[^"']*)["']/;

describe("widget boundary", () => {
  it("imports nothing from the server, the other packages or Node", () => {
    const files = fs
      .readdirSync(src, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    expect(files.length).toBeGreaterThan(5);
    const offenders = files.filter((f) => FORBIDDEN.test(fs.readFileSync(path.join(src, f), "utf8")));
    expect(offenders).toEqual([]);
  });
});
