#!/usr/bin/env bash
# tests/lib/npm.sh: install the npm packages the tests drive (tests/js:
# matrix-js-sdk, a real Matrix client) from the lockfile.  Idempotent: npm ci
# runs again only when package-lock.json is newer than what it installed.
set -euo pipefail
cd "$(dirname "$0")/../js"
if ! command -v npm >/dev/null 2>&1; then
	echo "npm.sh: npm not found (Debian: apt-get install nodejs npm)" >&2
	exit 1
fi
stamp=node_modules/.package-lock.json
if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ]; then
	exit 0
fi
echo "npm.sh: npm ci in tests/js" >&2
npm ci --no-audit --no-fund --loglevel=error >&2
