// Builds the deployables: the server bundle (API, CLI, workers) with esbuild, then the widget with Vite.
// Workspace packages (@verimat/*) are bundled from source; every other package stays external.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const serverDir = path.join(root, "apps/server");

/** @type {import('esbuild').Plugin} */
const externalizeDeps = {
  name: "externalize-deps",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("@verimat/")) return undefined;
      return { path: args.path, external: true };
    });
  },
};

// Chunk names are content hashes: clear old ones so dist/ holds exactly this build.
fs.rmSync(path.join(serverDir, "dist"), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: {
    main: path.join(serverDir, "src/main.ts"),
    cli: path.join(serverDir, "src/cli.ts"),
    "verify-worker": path.join(serverDir, "src/verification/verify-worker.ts"),
  },
  outdir: path.join(serverDir, "dist"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  plugins: [externalizeDeps],
});

// The SDKs (@verimat/sdk, @verimat/web): ES modules and declarations in sdk/*/dist.
await import("./build-sdks.mjs");

// The widget: a static bundle served by the server at / and /widget-assets/ (apps/widget/dist).
// Hashed file names let the server cache them for a year; no inline script, for a strict CSP.
const { build: viteBuild } = await import("vite");
const widgetDir = path.join(root, "apps/widget");
await viteBuild({
  root: widgetDir,
  base: "/widget-assets/",
  configFile: false,
  logLevel: "warn",
  build: {
    outDir: path.join(widgetDir, "dist"),
    emptyOutDir: true,
    assetsDir: "",
    target: "es2020",
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});

// The operator dashboard: served by the server at /dashboard/, its hashed assets at /dashboard/assets/.
const dashboardDir = path.join(root, "apps/dashboard");
await viteBuild({
  root: dashboardDir,
  base: "/dashboard/",
  configFile: false,
  logLevel: "warn",
  build: {
    outDir: path.join(dashboardDir, "dist"),
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2020",
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
