#!/usr/bin/env bash
# npm run eval: the engine's accuracy figures over ../shared/eval (read in place) and the MRZ vectors.
set -euo pipefail
cd "$(dirname "$0")/.."
section() { printf '\n===== %s =====\n' "$1"; }
section "MRZ text vectors (../shared/eval/mrz): every case must parse as expected"
npx vitest run --reporter=dot packages/engine/src/mrz/parse-mrz.vectors.test.ts
section "Face match (../shared/eval/faces/pairs.csv, same_photo pairs dropped)"
npx tsx packages/engine/src/face/eval-faces.ts
section "Documents / MRZ OCR (../shared/eval/documents)"
npx tsx packages/engine/src/document/eval-documents.ts
section "Presentation attacks and liveness (../shared/eval/faces/spoof + synthetic attacks)"
npx tsx packages/engine/src/liveness/eval-liveness.ts
section "PDF417 (../shared/eval/barcodes)"
npx tsx packages/engine/src/barcode/eval-pdf417.ts
