#!/usr/bin/env bash
# System packages the tests need beyond npm. Idempotent; installs only what is missing.
set -euo pipefail
need=()
# OCR-B renders the synthetic MRZ documents in packages/engine/src/document/fixtures.
[ -f /usr/share/fonts/opentype/ocr-b/OCRB.otf ] || need+=(fonts-ocr-b)
# Debian's Chromium runs the widget's browser tests (apps/widget/e2e, driven by playwright-core).
dpkg -s chromium >/dev/null 2>&1 || need+=(chromium)
# Debian's Firefox ESR runs the widget's Firefox tests (WebDriver BiDi through playwright-core).
dpkg -s firefox-esr >/dev/null 2>&1 || need+=(firefox-esr)
# Debian's WebKitGTK runs the widget's WebKit test (the engine of Safari): WebKitWebDriver and its
# MiniBrowser (libwebkit2gtk-4.1-0, with the GStreamer plugins it recommends), on a virtual X display.
dpkg -s webkit2gtk-driver >/dev/null 2>&1 || need+=(webkit2gtk-driver)
dpkg -s xvfb >/dev/null 2>&1 || need+=(xvfb)
# openssl makes the self-signed certificate of the logo server in the widget's logo test.
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# (further system packages are added here as they arrive)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing system packages: ${need[*]} (install them with apt-get)" >&2; exit 1
  fi
fi
