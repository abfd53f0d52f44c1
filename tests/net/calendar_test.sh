#!/usr/bin/env bash
# The calendars as a calendar program reads them: a real accordd loaded
# with examples/ serves /api/v1/calendar.ics and one agreement's, and
# Python's icalendar library (Debian's python3-icalendar) parses both and
# checks their events, dates and UIDs (tests/net/calendar_check.py).
#   calendar_test.sh ACCORDD REPOSITORY
set -euo pipefail
accordd="$1"
repository="$2"
source "$(dirname "$0")/real_accordd.sh"

# Debian's python3 has python3-icalendar; another python3 first on PATH may not.
python=python3
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import icalendar' 2>/dev/null; then python="$candidate"; break; fi
done

start_accordd "$accordd" --data "$work/data" --no-auth
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
