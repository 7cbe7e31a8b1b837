#!/usr/bin/env bash
# Headless Chromium, its WebDriver and a CJK font, from Debian packages, for the console's browser tests
# (tests/console). Idempotent and quick when everything is there. Called by .ci/run before the tests:
#   bash .ci/browser.sh
# Without these packages the browser tests skip (and say why); nothing is downloaded by the test tools.
set -euo pipefail

have_font() {
  command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh family 2>/dev/null | grep -qiE "noto (sans|serif) cjk|wenquanyi"
}

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && have_font; then
  echo "==> browser tests: $(/usr/bin/chromium --version 2>/dev/null || echo chromium), fonts present"
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "==> browser tests: not root, cannot install chromium/chromium-driver/fonts-noto-cjk; they will skip" >&2
  exit 0
fi
echo "==> installing chromium, chromium-driver and fonts-noto-cjk (Debian packages)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null
/usr/bin/chromium --version
