/**
 * The deployment files, checked statically (no Docker daemon is needed, and none is assumed): every
 * environment variable compose.yaml gives a Verimat process is one the configuration reads, every
 * configuration variable is in the README's table, the roles compose starts are CLI commands, and the
 * Dockerfile's paths and install steps fit the repository. The YAML is read with a small line reader
 * for this file's shape (block mappings, flow sequences), so no YAML library is needed.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES } from "./config.ts";

const root = path.resolve(import.meta.dirname, "../../..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");

interface ComposeBlock {
  /** `x-verimat` or a service name. */
  name: string;
  lines: string[];
}

/** Top-level `x-*` blocks and each service under `services:`, as their raw lines. */
function composeBlocks(text: string): ComposeBlock[] {
  const out: ComposeBlock[] = [];
  let inServices = false;
  let current: ComposeBlock | null = null;
  for (const line of text.split("\n")) {
    const top = /^([A-Za-z][\w-]*):/.exec(line);
    if (top?.[1]) {
      inServices = top[1] === "services";
      current = top[1].startsWith("x-") ? { name: top[1], lines: [] } : null;
      if (current) out.push(current);
      continue;
    }
    const service = inServices ? /^ {2}([\w-]+):\s*$/.exec(line) : null;
    if (service?.[1]) {
      current = { name: service[1], lines: [] };
      out.push(current);
      continue;
    }
    current?.lines.push(line);
  }
  return out;
}

/** The keys of every `environment:` mapping in a block, commented-out examples (`# KEY: …`) included. */
function environmentKeys(block: ComposeBlock): string[] {
  const keys: string[] = [];
  let envIndent = -1;
  for (const line of block.lines) {
    const indent = line.length - line.trimStart().length;
    if (/^\s*environment:/.test(line)) {
      envIndent = indent;
      continue;
    }
    if (envIndent < 0 || line.trim() === "") continue;
    if (indent <= envIndent) {
      envIndent = -1;
      continue;
    }
    const m = /^\s*(?:#\s*)?([A-Z][A-Z0-9_]*):/.exec(line);
    if (m?.[1]) keys.push(m[1]);
  }
  return keys;
}

const compose = read("compose.yaml");
const blocks = composeBlocks(compose);
const verimatBlocks = blocks.filter(
  (b) => b.name === "x-verimat" || b.lines.some((l) => /<<: \*verimat\b/.test(l)),
);
const cliSource = read("apps/server/src/cli.ts");
const cliCommands = new Set([...cliSource.matchAll(/\.command\("([a-z-]+)"\)/g)].map((m) => m[1]));

describe("compose.yaml", () => {
  it("runs Verimat as API processes and a worker on the shared anchor", () => {
    expect(verimatBlocks.map((b) => b.name).sort()).toEqual(["api-1", "api-2", "worker", "x-verimat"]);
    for (const b of verimatBlocks.filter((x) => x.name !== "x-verimat")) {
      const command = b.lines.map((l) => /^\s*command: \["([a-z-]+)"\]/.exec(l)?.[1]).find(Boolean);
      expect(command, b.name).toBeDefined();
      expect(cliCommands.has(command ?? ""), `${b.name}: ${command}`).toBe(true);
    }
  });

  it("sets only variables the configuration reads", () => {
    const known = new Set(CONFIG_VARIABLES);
    const used = verimatBlocks.flatMap(environmentKeys);
    expect(used).toEqual(expect.arrayContaining(["DATABASE_URL", "REDIS_URL", "S3_BUCKET", "MASTER_KEY"]));
    expect(used.filter((k) => !known.has(k))).toEqual([]);
  });

  it("creates the bucket it configures and points Verimat at its own services", () => {
    const env = (key: string) => new RegExp(`^\\s+${key}: (.+)$`, "m").exec(compose)?.[1]?.trim();
    const bucket = env("S3_BUCKET");
    expect(compose).toContain(`mc mb --ignore-existing local/${bucket}`);
    for (const [key, service] of [
      ["DATABASE_URL", "postgres"],
      ["REDIS_URL", "redis"],
      ["S3_ENDPOINT", "minio"],
    ] as const) {
      expect(new URL(env(key) ?? "").hostname, key).toBe(service);
      expect(blocks.some((b) => b.name === service)).toBe(true);
    }
  });
});

describe("README configuration table", () => {
  it("documents every configuration variable", () => {
    const readme = read("README.md");
    const start = readme.indexOf("## Configuration");
    const table = readme.slice(start, readme.indexOf("\n## ", start + 1));
    expect(CONFIG_VARIABLES.filter((k) => !table.includes(`\`${k}\``))).toEqual([]);
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  const ignored = read(".dockerignore")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));

  it("copies paths that exist and keeps what the build needs in the context", () => {
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)) {
      for (const src of (m[1] ?? "").split(/\s+/))
        expect(fs.existsSync(path.join(root, src)), src).toBe(true);
    }
    for (const needed of [
      "package.json",
      "package-lock.json",
      ".npmrc",
      "scripts",
      "apps",
      "packages",
      "sdk",
    ]) {
      expect(ignored.includes(needed) || ignored.includes(`/${needed}`), needed).toBe(false);
    }
    // Built output is rebuilt in the image, never copied from the host.
    expect(ignored).toEqual(expect.arrayContaining(["node_modules", "**/node_modules", "**/dist"]));
  });

  it("installs with dev dependencies (the build needs them), builds, then drops them", () => {
    const run = dockerfile.replace(/\\\n/g, " ");
    const ci = run.search(/npm ci\b/);
    const prune = run.search(/npm prune --omit=dev/);
    expect(ci).toBeGreaterThan(-1);
    // `npm ci --omit=dev` would leave out esbuild and vite, which `prepare` (the build) runs.
    expect(run).not.toMatch(/npm ci[^&\n]*--omit=dev/);
    expect(prune).toBeGreaterThan(ci);
    const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepare).toBe("node scripts/build.mjs");
  });

  it("starts the CLI launcher with a role the CLI knows", () => {
    const entry = /^ENTRYPOINT \["node", "([^"]+)"\]/m.exec(dockerfile)?.[1] ?? "";
    expect(fs.existsSync(path.join(root, entry)), entry).toBe(true);
    const cmd = /^CMD \["([a-z-]+)"\]/m.exec(dockerfile)?.[1] ?? "";
    expect(cliCommands.has(cmd), cmd).toBe(true);
    // Both stages on one Node major (native modules built in the first load in the second), one that
    // package.json's engines allows.
    const majors = [...dockerfile.matchAll(/^FROM node:(\d+)-/gm)].map((m) => Number(m[1]));
    expect(majors).toHaveLength(2);
    expect(new Set(majors).size).toBe(1);
    const engines = JSON.parse(read("package.json")) as { engines: { node: string } };
    const minimum = Number(/^>=(\d+)/.exec(engines.engines.node)?.[1]);
    expect(majors[0]).toBeGreaterThanOrEqual(minimum);
  });
});
