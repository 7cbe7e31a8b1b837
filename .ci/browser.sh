#!/usr/bin/env bash
# Headless Chromium, its WebDriver and a CJK font, from Debian packages, for the console's browser tests
# (tests/console); and LibreOffice, poppler and the 公文 fonts (GB/T 9704: Noto Serif/Sans CJK SC from
# fonts-noto-cjk, cwTeX 仿宋 from fonts-cwtex-fs, substituted for 方正小标宋简体/仿宋_GB2312 by
# .ci/fonts-gbt9704.conf) for the document tests (tests/indicators/test_documents_pdf.py), which render
# every .docx/.xlsx to PDF. Idempotent and quick when everything is there. Called by .ci/run:
#   bash .ci/browser.sh
# Without these packages those tests skip (and say why); nothing is downloaded by the test tools.
set -euo pipefail

have_font() {
  command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh family 2>/dev/null | grep -qiE "noto (sans|serif) cjk|wenquanyi"
}

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FONT_CONF=/etc/fonts/conf.d/65-caseload-gbt9704.conf
DOCUMENT_PACKAGES="libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils fonts-noto-cjk fonts-cwtex-fs"

have_documents() {
  command -v soffice >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1 \
    && [ -f /usr/share/fonts/truetype/cwtex/cwfs.ttf ] && cmp -s "$HERE/fonts-gbt9704.conf" "$FONT_CONF"
}

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && have_font && have_documents; then
  echo "==> browser tests: $(/usr/bin/chromium --version 2>/dev/null || echo chromium), fonts present"
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "==> browser tests: not root, cannot install chromium/chromium-driver/fonts-noto-cjk; they will skip" >&2
  exit 0
fi
echo "==> installing chromium, chromium-driver and $DOCUMENT_PACKAGES (Debian packages)"
apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  chromium chromium-driver $DOCUMENT_PACKAGES >/dev/null
install -m 0644 "$HERE/fonts-gbt9704.conf" "$FONT_CONF"
fc-cache -f >/dev/null 2>&1 || true
soffice --version 2>/dev/null || true
/usr/bin/chromium --version
