#!/usr/bin/env bash
# `accord log` with a window of commands in flight (tools/accord_cli.cc):
# each agreement's lines are decided in file order (versions follow the
# file), answers are printed in file order, a refused line is reported with
# its line number and the rest go on, and the log verifies afterwards; a
# server killed mid-file leaves the lines in flight named as perhaps logged,
# and logging the file again completes it.
#   windowed_log.sh ACCORDD ACCORD
set -euo pipefail
accordd=$1 accord=$2
dir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT
: >"$dir/log"  # read below before the server's shell may have made it
"$accordd" --data "$dir/data" --no-auth --port 0 --http-port 0 2>"$dir/log" &
server=$!
port=""
for _ in $(seq 1 200); do
  port=$(sed -n 's/.*serving .* on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$dir/log")
  [[ -n "$port" ]] && break
  sleep 0.05
done
[[ -n "$port" ]] || { cat "$dir/log"; exit 1; }

# 300 agreements, their lines interleaved: a proposal each, then four notes
# each, round after round; line 301 is a step the rules refuse.
python3 - "$dir/archive.ndjson" <<'PY'
import json, sys
out = open(sys.argv[1], "w")
n = 0
def line(agreement, milestone):
    global n
    n += 1
    out.write(json.dumps({"agreementId": agreement, "eventId": f"d0000000-0000-4000-8000-{n:012d}",
                          "milestone": milestone}) + "\n")
parties = [{"organisationId": "cospar", "name": "COSPAR", "role": "SIGNATORY"},
           {"organisationId": "apsco", "name": "APSCO", "role": "SIGNATORY"}]
for a in range(300):
    line(f"w-{a:03d}", {"agreementProposed": {"title": f"Arrangement {a}", "kind": "MEMORANDUM_OF_UNDERSTANDING", "parties": parties}})
line("w-000", {"agreementSigned": {"partyId": "cospar"}})  # line 301: refused, terms not agreed
for r in range(4):
    for a in range(300):
        line(f"w-{a:03d}", {"noteAdded": {"text": f"note {r} of {a}"}})
PY

status=0
"$accord" --port "$port" log --window 64 "$dir/archive.ndjson" >"$dir/out" 2>"$dir/err" || status=$?
[[ $status -eq 1 ]] || { echo "expected exit 1 (one line refused), got $status"; cat "$dir/err"; exit 1; }
grep -q "archive.ndjson:301: refused (TERMS_NOT_AGREED)" "$dir/err" || { cat "$dir/err"; exit 1; }
[[ $(wc -l <"$dir/err") -eq 1 ]] || { echo "only line 301 fails:"; cat "$dir/err"; exit 1; }
[[ $(wc -l <"$dir/out") -eq 1500 ]] || { echo "1500 lines logged, not $(wc -l <"$dir/out")"; exit 1; }
# Printed in file order: the first 300 lines are the proposals (v0), then
# every note round in turn; each agreement's versions follow the file.
python3 - "$dir/out" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1])]
for i, row in enumerate(rows):
    agreement, version = row[0], int(row[1][1:])
    want_agreement = f"w-{i % 300:03d}"
    want_version = i // 300
    if (agreement, version) != (want_agreement, want_version):
        sys.exit(f"row {i}: {agreement} v{version}, expected {want_agreement} v{want_version}")
PY
"$accord" --port "$port" verify | grep -q "^verified: 1500 events in 300 agreements"

# Several files, parsed as they go: an empty one, then one whose second line
# does not parse, then one that goes on with an agreement of the file before.
: >"$dir/empty.ndjson"
python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
def command(n, agreement, milestone):
    return json.dumps({"agreementId": agreement, "eventId": f"e0000000-0000-4000-8000-{n:012d}",
                       "milestone": milestone}) + "\n"
with open(d + "/more.ndjson", "w") as out:
    out.write(command(1, "w-000", {"noteAdded": {"text": "one more"}}))
    out.write("{not json\n")
with open(d + "/last.ndjson", "w") as out:
    out.write("\n" + command(2, "w-000", {"noteAdded": {"text": "and the last"}}))
PY
status=0
"$accord" --port "$port" log "$dir/empty.ndjson" "$dir/more.ndjson" "$dir/last.ndjson" \
  >"$dir/out2" 2>"$dir/err2" || status=$?
[[ $status -eq 1 ]] || { echo "expected exit 1 (one line does not parse), got $status"; exit 1; }
grep -q "more.ndjson:2: not a command" "$dir/err2" || { cat "$dir/err2"; exit 1; }
[[ $(grep -c '\.ndjson:[0-9]*: ' "$dir/err2") -eq 1 ]] || { cat "$dir/err2"; exit 1; }
[[ "$(awk '{print $1, $2}' "$dir/out2" | tr '\n' ' ')" == "w-000 v5 w-000 v6 " ]] ||
  { echo "the two notes in file order:"; cat "$dir/out2"; exit 1; }

# The server killed mid-file: the lines in flight are named as perhaps
# logged, the rest as not sent; logging the same file again into the
# restarted server completes it (what was logged answers "already logged").
python3 - "$dir/big.ndjson" <<'PY'
import json, sys
with open(sys.argv[1], "w") as out:
    for r in range(10):
        for a in range(2000):
            milestone = ({"agreementProposed": {"title": f"Kept {a}", "kind": "MEMORANDUM_OF_UNDERSTANDING",
                          "parties": [{"organisationId": "cospar", "name": "COSPAR", "role": "SIGNATORY"},
                                      {"organisationId": "apsco", "name": "APSCO", "role": "SIGNATORY"}]}}
                         if r == 0 else {"noteAdded": {"text": f"note {r} of {a}"}})
            out.write(json.dumps({"agreementId": f"k-{a:04d}",
                                  "eventId": f"f0000000-0000-4000-8000-{r * 2000 + a:012d}",
                                  "milestone": milestone}) + "\n")
PY
"$accord" --port "$port" log "$dir/big.ndjson" >"$dir/out3" 2>"$dir/err3" &
client=$!
until [[ -s "$dir/out3" ]]; do sleep 0.01; done  # answers are coming: commands are in flight
kill -9 "$server"
status=0
wait "$client" || status=$?
[[ $status -eq 1 ]] || { echo "expected exit 1 after the server died, got $status"; exit 1; }
in_flight=$(grep -c ': sent, but no answer came (it may be logged): ' "$dir/err3" || true)
not_sent=$(grep -c ': not sent: the connection was lost' "$dir/err3" || true)
answered=$(wc -l <"$dir/out3")
((in_flight >= 1 && in_flight <= 128)) || { echo "$in_flight lines in flight, not 1 to 128"; exit 1; }
((answered + in_flight + not_sent + $(grep -vc ': sent, but no answer\|: not sent: ' "$dir/err3" || true) == 20000)) ||
  { echo "every line accounted for: $answered + $in_flight + $not_sent"; head "$dir/err3"; exit 1; }
: >"$dir/log2"
"$accordd" --data "$dir/data" --no-auth --port 0 --http-port 0 2>"$dir/log2" &
server=$!
port=""
for _ in $(seq 1 200); do
  port=$(sed -n 's/.*serving .* on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$dir/log2")
  [[ -n "$port" ]] && break
  sleep 0.05
done
[[ -n "$port" ]] || { cat "$dir/log2"; exit 1; }
"$accord" --port "$port" log "$dir/big.ndjson" >"$dir/out4"
[[ $(grep -c "(already logged)" "$dir/out4") -ge $answered ]] || { echo "fewer already logged than answered"; exit 1; }
"$accord" --port "$port" verify | grep -q "^verified: 21502 events in 2300 agreements" ||
  { "$accord" --port "$port" verify; exit 1; }

echo "windowed log: 1500 lines in file order, each agreement's versions in file order, line 301 refused, verified; three files in order, a line that does not parse named; a server killed mid-file named the lines in flight, and the file logged again completed the log"
