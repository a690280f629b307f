#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/ by `npm run build` (run on install by `prepare`).
import "../dist/cli.js";
