#!/usr/bin/env bash
# The browser test drives Debian's Chromium (playwright-core cannot download a browser
# here). Installs it when it is missing and this user can; otherwise says how, and fails.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  echo "Installing Debian's chromium for the browser test…" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null
  exit 0
fi
echo "The browser test needs /usr/bin/chromium: run 'sudo apt-get install chromium'." >&2
exit 1
