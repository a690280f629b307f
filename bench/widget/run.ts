/**
 * bench/widget: the gzipped weight of the widget as a browser loads it from the built files
 * (apps/widget/dist). "First screen" is the HTML plus what it references (entry script, its static
 * imports, stylesheets); "to first camera frame" adds every chunk loaded later on the way to the
 * camera (today none: the widget is one chunk). Liveness sessions also load the face tracker in the
 * background (Human's browser build, three face models, the tfjs wasm binary), printed apart; the
 * server sends its script and JSON gzipped. Target: first screen < 60 kB gzipped.
 *
 *   node scripts/build.mjs && npx tsx bench/widget/run.ts
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { gzipSync } from "node:zlib";

const dist = path.resolve(import.meta.dirname, "../../apps/widget/dist");
const htmlPath = path.join(dist, "index.html");
if (!fs.existsSync(htmlPath)) {
  console.error("apps/widget/dist is missing: run `node scripts/build.mjs` first");
  process.exit(1);
}

const gz = (bytes: Buffer) => gzipSync(bytes, { level: 9 }).length;
const fileOf = (url: string) => path.join(dist, url.replace(/^\/widget-assets\//, ""));

/** A script and the chunks it imports statically (they load before it runs). */
function withStaticImports(file: string, seen: Set<string>): void {
  if (seen.has(file)) return;
  seen.add(file);
  const code = fs.readFileSync(file, "utf8");
  for (const m of code.matchAll(/(?:^|[;\n}])\s*import\s*(?:[^"'()]*?from\s*)?["']([^"']+)["']/g)) {
    const spec = m[1] ?? "";
    if (spec.startsWith(".") || spec.startsWith("/")) {
      withStaticImports(spec.startsWith("/") ? fileOf(spec) : path.resolve(path.dirname(file), spec), seen);
    }
  }
}

const html = fs.readFileSync(htmlPath);
const text = html.toString("utf8");
const firstScreen = new Set<string>();
for (const m of text.matchAll(/<script[^>]*src="([^"]+)"/g))
  withStaticImports(fileOf(m[1] ?? ""), firstScreen);
for (const m of text.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g))
  firstScreen.add(fileOf(m[1] ?? ""));
const everything = fs
  .readdirSync(dist)
  .filter((f) => /\.(js|css)$/.test(f))
  .map((f) => path.join(dist, f));

function report(label: string, files: Iterable<string>): number {
  let raw = html.length;
  let zipped = gz(html);
  for (const f of files) {
    const bytes = fs.readFileSync(f);
    raw += bytes.length;
    zipped += gz(bytes);
  }
  console.log(
    `${label.padEnd(34)} ${(zipped / 1024).toFixed(1).padStart(6)} kB gzipped (${(raw / 1024).toFixed(1)} kB raw)`,
  );
  return zipped;
}

for (const f of everything) {
  const bytes = fs.readFileSync(f);
  console.log(`  ${path.basename(f).padEnd(32)} ${(gz(bytes) / 1024).toFixed(1).padStart(6)} kB gzipped`);
}
const first = report("first screen (html + entry + css)", firstScreen);
report("up to the first camera frame", everything);
const js = [...firstScreen].filter((f) => f.endsWith(".js")).reduce((n, f) => n + gz(fs.readFileSync(f)), 0);
console.log(
  `first-screen JavaScript            ${(js / 1024).toFixed(1).padStart(6)} kB gzipped (target < 60 kB)`,
);

// The liveness face tracker, as served from /widget-assets/face/ (gzip where the server applies it).
const require = createRequire(import.meta.url);
const humanDist = path.dirname(require.resolve("@vladmandic/human"));
const wasmDist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm"));
const tracker = [
  path.join(humanDist, "human.esm.js"),
  ...["blazeface", "facemesh", "emotion"].flatMap((m) => [
    path.join(humanDist, `../models/${m}.json`),
    path.join(humanDist, `../models/${m}.bin`),
  ]),
  path.join(wasmDist, "tfjs-backend-wasm-simd.wasm"),
];
let trackerBytes = 0;
for (const f of tracker) {
  const bytes = fs.readFileSync(f);
  trackerBytes += f.endsWith(".bin") ? bytes.length : gz(bytes);
}
console.log(
  `liveness face tracker (background)  ${(trackerBytes / 1024).toFixed(0).padStart(6)} kB on the wire`,
);
process.exitCode = first > 60 * 1024 ? 1 : 0;
