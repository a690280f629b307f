import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // The SDKs export their build (dist/); tests read their source, as tsc does ("verimat-source").
  resolve: {
    alias: {
      "@verimat/sdk": fileURLToPath(new URL("./sdk/node/src/index.ts", import.meta.url)),
      "@verimat/web": fileURLToPath(new URL("./sdk/web/src/index.ts", import.meta.url)),
    },
  },
  test: {
    include: [
      "apps/*/src/**/*.test.ts",
      "apps/widget/e2e/**/*.test.ts",
      "apps/dashboard/e2e/**/*.test.ts",
      "packages/*/src/**/*.test.ts",
      "packages/*/test/**/*.test.ts",
      "sdk/*/src/**/*.test.ts",
      "examples/**/*.test.ts",
    ],
    exclude: ["**/node_modules/**", "**/dist/**"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default"],
  },
});
