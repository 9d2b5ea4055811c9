# Sourced by scripts/plan, scripts/test and .ci/run: makes sure this checkout can run.
# - Node 22 or newer (the Pulumi SDK requires it): when the system Node is older, a Node 22 binary
#   is installed from the npm registry into .tools/ (a few seconds) and put first on PATH.
# - Dependencies installed from the lock file (npm ci), again whenever package-lock.json changes.
# - The policy pack compiled to JavaScript (policypack/bin), rebuilt when its sources change.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 22 ]; then
  if [ ! -x "$ROOT/.tools/node_modules/.bin/node" ]; then
    echo "bootstrap: system Node is $(node -v 2>/dev/null || echo missing); installing Node 22 into .tools/ …" >&2
    npm install --prefix "$ROOT/.tools" --no-audit --no-fund --loglevel=error node@22 >&2
  fi
  export PATH="$ROOT/.tools/node_modules/.bin:$PATH"
fi

stamp="$ROOT/node_modules/.package-lock.stamp"
if [ ! -f "$stamp" ] || ! cmp -s "$ROOT/package-lock.json" "$stamp"; then
  echo "bootstrap: installing dependencies (npm ci) …" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  cp "$ROOT/package-lock.json" "$stamp"
fi

if [ ! -f "$ROOT/policypack/bin/index.js" ] || [ -n "$(find "$ROOT/policypack" -name '*.ts' -not -path '*/node_modules/*' -not -path '*/test/*' -newer "$ROOT/policypack/bin/index.js" -print -quit)" ]; then
  echo "bootstrap: building the policy pack …" >&2
  npm run --silent build:pack >&2
fi
