#!/usr/bin/env bash
# CTest's WebDesk: the web desk's browser tests (web_desk.test.mjs) with
# node --test, Playwright driving Debian's chromium against the accordd given
# (its npm packages are installed here by scripts/setup, from package-lock.json).
#   run.sh PATH/TO/accordd SCREENSHOT_FOLDER
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ ! -d "$here/node_modules/playwright-core" || ! -d "$here/node_modules/axe-core" ]]; then
  echo "web desk: no playwright-core or axe-core in $here/node_modules: run scripts/setup (it runs npm ci there)" >&2
  exit 1
fi
export ACCORDD=$1 WEB_SCREENSHOTS=$2
cd "$here"
node --test --test-reporter=spec --test-timeout=110000 web_desk.test.mjs
echo "web desk: browser tests passed; screenshots in $WEB_SCREENSHOTS"
