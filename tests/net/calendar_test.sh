#!/usr/bin/env bash
# The calendars as a calendar program reads them: a real accordd loaded
# with examples/ serves /api/v1/calendar.ics and one agreement's, and
# Python's icalendar library (Debian's python3-icalendar) parses both and
# checks their events, dates and UIDs (tests/net/calendar_check.py).
#   calendar_test.sh ACCORDD REPOSITORY
set -euo pipefail
accordd="$1"
repository="$2"
work=$(mktemp -d)
server=""
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
export no_proxy='*' NO_PROXY='*'  # loopback only, whatever the machine's proxy

# Debian's python3 has python3-icalendar; another python3 first on PATH may not.
python=python3
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import icalendar' 2>/dev/null; then python="$candidate"; break; fi
done

"$accordd" --data "$work/data" --no-auth --port 0 --http-port any 2>"$work/accordd.log" &
server=$!
http_port=""
for _ in $(seq 1 200); do
  http_port=$(sed -n 's|.*HTTP at http://127\.0\.0\.1:\([0-9]*\)/api/v1/.*|\1|p' "$work/accordd.log")
  [[ -n "$http_port" ]] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/accordd.log" >&2; exit 1; }
  sleep 0.05
done
[[ -n "$http_port" ]] || { echo "accordd did not serve HTTP" >&2; exit 1; }
api="http://127.0.0.1:$http_port/api/v1"

for file in cospar-apsco-mou apsco-convention open-arrangement; do
  while IFS= read -r command; do
    curl -sS --fail-with-body -o /dev/null "$api/agreements" \
      -H 'Content-Type: application/json' --data "$command"
  done <"$repository/examples/$file.ndjson"
done
curl -sS --fail-with-body -o "$work/all.ics" "$api/calendar.ics"
curl -sS --fail-with-body -o "$work/mou.ics" "$api/agreements/cospar-apsco-mou/calendar.ics"
"$python" "$repository/tests/net/calendar_check.py" "$work/all.ics" "$work/mou.ics"
