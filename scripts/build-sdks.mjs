// Builds the SDKs (sdk/node = @verimat/sdk, sdk/web = @verimat/web) into their dist/: ES modules and
// .d.ts declarations from tsc (each package's tsconfig.build.json). Run by scripts/build.mjs, or alone:
//   node scripts/build-sdks.mjs
// In this repository the packages resolve to their TypeScript source through the "verimat-source"
// export condition (tsconfig customConditions, the Vitest alias), so tests and tsc need no build.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

/** Relative `.ts` specifiers in declarations become `.js` (tsc rewrites them only in the JS). */
function rewriteDeclarations(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) rewriteDeclarations(file);
    else if (entry.name.endsWith(".d.ts")) {
      const text = fs.readFileSync(file, "utf8");
      fs.writeFileSync(file, text.replace(/(from\s+["']\.{1,2}\/[^"']+)\.ts(["'])/g, "$1.js$2"));
    }
  }
}

for (const pkg of ["sdk/node", "sdk/web"]) {
  const dir = path.join(root, pkg);
  fs.rmSync(path.join(dir, "dist"), { recursive: true, force: true });
  execFileSync(process.execPath, [tsc, "-p", path.join(dir, "tsconfig.build.json")], { stdio: "inherit" });
  rewriteDeclarations(path.join(dir, "dist"));
}
