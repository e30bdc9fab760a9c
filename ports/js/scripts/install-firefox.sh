#!/usr/bin/env bash
# Prepares everything the Firefox test (test/firefox.test.js) needs: Debian's firefox-esr and the
# npm dependencies (puppeteer-core drives it over WebDriver BiDi and never downloads a browser).
# Idempotent: CI calls it on every run, and a second call does nothing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ -x /usr/bin/firefox-esr ]; then
  echo "firefox-esr: present ($(/usr/bin/firefox-esr --version 2>/dev/null || echo 'version unknown'))"
else
  # The Debian package rather than a downloaded build: it comes from the distribution mirror (no
  # extra download host) and its shared libraries are installed with it.
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  # Another apt/dpkg run holding the lock would make ours fail; wait for it instead (bounded).
  for _ in $(seq 1 120); do
    if ! fuser /var/lib/dpkg/lock-frontend /var/lib/apt/lists/lock >/dev/null 2>&1; then break; fi
    echo "waiting for another apt run to finish..."; sleep 5
  done
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends firefox-esr
  /usr/bin/firefox-esr --version
fi

# puppeteer-core is a devDependency: its presence means npm ci (or npm install) has run here.
if [ -d "$here/node_modules/puppeteer-core" ]; then
  echo "node_modules: present"
else
  (cd "$here" && npm ci --no-audit --no-fund)
fi
