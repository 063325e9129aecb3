#!/usr/bin/env bash
# Debian packages the portal needs beyond Python: venv support for Debian's own python3 (built
# with PGO and LTO, the Makefile prefers it), a CJK font and HarfBuzz's subsetter for fast, small
# PDFs (WeasyPrint), poppler-utils to check PDFs in tests, chromium for browser tests.
# Installs what is missing when run as root; otherwise says what to install.
set -euo pipefail
PKGS=(python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-microhei poppler-utils)
if [[ "${CQO_BROWSER_TESTS:-1}" != "0" ]]; then PKGS+=(chromium); fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "!! Missing Debian packages: ${missing[*]}" >&2
  echo "!! Install them with: sudo apt-get install -y ${missing[*]}" >&2
  echo "!! (Chinese in PDFs needs the font; WeasyPrint subsets fonts far more slowly without libharfbuzz-subset0.)" >&2
  exit 0
fi
echo ">> installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || true
apt-get install -y -qq --no-install-recommends "${missing[@]}"
