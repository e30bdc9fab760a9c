#!/usr/bin/env bash
# Prepares everything the browser tests need: Debian's chromium and the npm dependencies.
# Idempotent: CI calls it on every run, and a second call does nothing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ -x /usr/bin/chromium ]; then
  echo "chromium: present ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
else
  # The Debian package rather than playwright's downloaded build: it comes from the distribution
  # mirror (no extra download host) and its shared libraries are installed with it.
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  # Another apt/dpkg run holding the lock would make ours fail; wait for it instead (bounded).
  for _ in $(seq 1 120); do
    if ! fuser /var/lib/dpkg/lock-frontend /var/lib/apt/lists/lock >/dev/null 2>&1; then break; fi
    echo "waiting for another apt run to finish..."; sleep 5
  done
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends chromium
  /usr/bin/chromium --version
fi

# node_modules is current when npm's own record of what it installed matches the lockfile.
if [ -f "$here/node_modules/.package-lock.json" ] && node -e '
  const fs = require("fs");
  const want = JSON.parse(fs.readFileSync(process.argv[1], "utf8")).packages;
  const have = JSON.parse(fs.readFileSync(process.argv[2], "utf8")).packages;
  for (const [k, v] of Object.entries(want)) {
    if (k === "" || v.optional) continue;
    if (!have[k] || have[k].version !== v.version) process.exit(1);
  }' "$here/package-lock.json" "$here/node_modules/.package-lock.json"; then
  echo "node_modules: present and matching package-lock.json"
else
  (cd "$here" && npm ci --no-audit --no-fund)
fi
