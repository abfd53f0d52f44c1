#!/usr/bin/env bash
# Export and import at scale (issue 15: "export and import: at least 200,000
# records/s"; "an import of exported records over TCP as fast as the store
# takes them").
#
#   bench/export_import.sh [BUILD_DIR [EVENTS]]      (defaults: build, 1000000)
#
# Makes a log of EVENTS events (accord-bench's replay log: 100 per
# agreement, notes of ~300 bytes), then times, each on its own:
#   export_ndjson      accord-local export            > log.ndjson
#   export_binary      accord-local export --binary   > log.export
#   import_ndjson      accord-local import log.ndjson   into an empty folder
#   import_binary      accord-local import log.export   into an empty folder
#   import_tcp_binary  accord import log.export         into a fresh accordd (an
#                      empty folder, started here on a free port, stopped at the end)
# and prints one line each, `name records seconds records_per_s`, then
# `ratio_tcp_over_local_import RATIO` (import_tcp_binary over import_binary).
# Every import is checked: the same head hash as the original log. The
# commands run are printed (on stderr, prefixed with "+").
#   ACCORD_BENCH_DIR   where the log and the copies go (default: a temporary
#                      directory, removed at the end)
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
events=${2:-1000000}
work=${ACCORD_BENCH_DIR:-}
keep=1
if [[ -z "$work" ]]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/accord-export-import.XXXXXX")
  keep=0
fi
mkdir -p "$work"
server=""
cleanup() {
  if [[ -n "$server" ]]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  if [[ $keep -eq 0 ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT
export no_proxy='*' NO_PROXY='*'

local_tool="$build/tools/accord-local"
client="$build/tools/accord"
accordd="$build/tools/accordd"
bench="$build/bench/accord-bench"
for program in "$local_tool" "$client" "$accordd" "$bench"; do
  [[ -x "$program" ]] || { echo "export_import.sh: no $program: build it first" >&2; exit 1; }
done

# The result lines go to the script's standard output (fd 3), whatever the
# command timed does with its own.
exec 3>&1
show() { echo "+ $*" >&2; }
now() { date +%s.%N; }
# line NAME SECONDS: one result line.
line() {
  awk -v name="$1" -v records="$events" -v seconds="$2" \
    'BEGIN { printf "%s %d %.3f %.0f\n", name, records, seconds, records / seconds }' >&3
}
head_hash() { "$local_tool" --data "$1" verify | sed -n 's/^head hash: //p'; }

# The log: accord-bench builds it (unsynced, as its replay does) into
# $work/bench/log-large, then catches up on it once over TCP, which is not
# measured here.
log="$work/bench/log-large"
if [[ ! -d "$log" ]]; then
  show "$bench" --dir "$work/bench" --replay-events "$events" --no-appends --no-replay --no-http \
    --no-cluster --catch-up-rounds 1
  "$bench" --dir "$work/bench" --replay-events "$events" --no-appends --no-replay --no-http \
    --no-cluster --catch-up-rounds 1 >"$work/bench.out"
fi
verified=$("$local_tool" --data "$log" verify)
original=$(sed -n 's/^head hash: //p' <<<"$verified")
records=$(sed -n 's/^verified: \([0-9]*\) events.*/\1/p' <<<"$verified")
[[ "$records" -eq "$events" ]] || { echo "the log holds $records events, not $events" >&2; exit 1; }

# Sets $cpu to the CPU seconds (user and system) of every child process
# waited for so far. `times` runs in this shell, not in a subshell (whose
# children are its own).
children_cpu() {
  times >"$work/times.txt"
  cpu=$(awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/);
                       print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$work/times.txt")
}
# CPU seconds of a running process.
process_cpu() {
  awk -v tick="$(getconf CLK_TCK)" '{ print ($14 + $15) / tick }' "/proc/$1/stat"
}
# timed NAME COMMAND...: runs it, prints its line, keeps its seconds in
# $seconds; says on stderr how much CPU it took (on a busy machine the wall
# clock is partly the other work's).
timed() {
  local name=$1
  shift
  local start end cpu_before cpu_after
  children_cpu
  cpu_before=$cpu
  start=$(now)
  "$@"
  end=$(now)
  children_cpu
  cpu_after=$cpu
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
  line "$name" "$seconds"
  awk -v name="$name" -v records="$events" -v a="$cpu_before" -v b="$cpu_after" \
    -v load="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { cpu = b - a; if (cpu <= 0) cpu = 0.001
             printf "# %s: %.2f CPU seconds in the tool (%.0f records per CPU second); load average %s\n",
                    name, b - a, records / cpu, load }' >&2
}

rm -rf "$work/ndjson" "$work/binary" "$work/tcp"
# Timings on a busy machine are the machine's: say how busy it was.
echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
show "$local_tool" --data "$log" export ">" "$work/log.ndjson"
timed export_ndjson sh -c '"$0" --data "$1" export >"$2"' "$local_tool" "$log" "$work/log.ndjson"
show "$local_tool" --data "$log" export --binary ">" "$work/log.export"
timed export_binary sh -c '"$0" --data "$1" export --binary >"$2"' "$local_tool" "$log" \
  "$work/log.export"
show "$local_tool" --data "$work/ndjson" import "$work/log.ndjson"
timed import_ndjson "$local_tool" --data "$work/ndjson" import "$work/log.ndjson" >/dev/null
# --timings: how long the store's writes (ImportEntries) took of it, on stderr.
show "$local_tool" --data "$work/binary" import --timings "$work/log.export"
timed import_binary "$local_tool" --data "$work/binary" import --timings "$work/log.export" >/dev/null
local_seconds=$seconds

# A fresh accordd on a free port, an admin's token.
tokens="$work/tokens"
rm -f "$tokens"
admin=$("$accordd" --tokens "$tokens" --add-user bench --role admin 2>/dev/null)
show "$accordd" --data "$work/tcp" --tokens "$tokens" --port 0 --http-port 0
: >"$work/accordd.log"  # read below before the server's shell may have made it
"$accordd" --data "$work/tcp" --tokens "$tokens" --port 0 --http-port 0 2>"$work/accordd.log" &
server=$!
port=""
for _ in $(seq 1 400); do
  port=$(sed -n 's/.*serving .* on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/accordd.log")
  [[ -n "$port" ]] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/accordd.log" >&2; exit 1; }
  sleep 0.05
done
[[ -n "$port" ]] || { echo "accordd did not start" >&2; exit 1; }
show "$client" --port "$port" --token '$ADMIN' import "$work/log.export"
timed import_tcp_binary "$client" --port "$port" --token "$admin" import "$work/log.export" >/dev/null
tcp_seconds=$seconds
awk -v cpu="$(process_cpu "$server")" -v records="$events" \
  'BEGIN { printf "# import_tcp_binary: %.2f CPU seconds in accordd (its projections catching up too)\n", cpu }' >&2
kill "$server"
wait "$server" || true
server=""

for copy in ndjson binary tcp; do
  got=$(head_hash "$work/$copy")
  [[ "$got" == "$original" ]] || {
    echo "the $copy import's head hash $got is not the original's $original" >&2
    exit 1
  }
done
awk -v local="$local_seconds" -v tcp="$tcp_seconds" \
  'BEGIN { printf "ratio_tcp_over_local_import %.2f\n", local / tcp }'
