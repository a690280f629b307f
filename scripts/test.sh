#!/usr/bin/env bash
# The one test command (npm test, and .ci/run): installs what the tests need beyond npm,
# then lint, format check, type check, build and every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-deps.sh
npx biome ci --colors=off .
npm run --silent typecheck
node scripts/build.mjs
npx vitest run
