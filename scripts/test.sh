#!/usr/bin/env bash
# The one test command (`npm test`, called by .ci/run): installs what the tests
# need, then runs the type check, the linter, the generated-file checks and
# every vitest suite. Real components only: a missing one fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-deps.sh

# Node dependencies exactly as locked (builds better-sqlite3 from source when no
# prebuilt binary can be fetched).
if ! npm ls --depth=0 >/dev/null 2>&1; then
  npm ci --no-audit --no-fund
fi

echo "== type check"; npm run -s typecheck
echo "== lint"; npm run -s lint
echo "== generated files"; npm run -s schemas:check; npm run -s dashboards:check
echo "== tests"
mkdir -p test-artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@" || status=$?
npx tsx scripts/test-summary.ts test-artifacts/vitest.json || status=1
exit "$status"
