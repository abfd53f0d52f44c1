# Sourced by the tests that run a real accordd (http_docs_test.sh,
# http_metrics_test.sh, calendar_test.sh): a work folder removed on exit
# with the server, loopback without the machine's proxy, and
#   start_accordd ACCORDD ARGS...
# which starts accordd with ARGS on free TCP and HTTP ports, its log in
# $work/accordd.log, and sets $server (its pid), $tcp_port and $http_port
# once both doors listen; it exits, showing the log, if accordd does not.
work=$(mktemp -d)
server=""
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
export no_proxy='*' NO_PROXY='*'  # loopback only, whatever the machine's proxy

start_accordd() {
  local accordd="$1"
  shift
  # Made here: the server's shell creates it only once it runs, and the
  # first read below must not find it missing.
  : >"$work/accordd.log"
  "$accordd" "$@" --port 0 --http-port any 2>"$work/accordd.log" &
  server=$!
  http_port=""
  tcp_port=""
  for _ in $(seq 1 200); do
    http_port=$(sed -n 's|.*HTTP at http://127\.0\.0\.1:\([0-9]*\)/api/v1/.*|\1|p' "$work/accordd.log")
    tcp_port=$(sed -n 's/.* on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/accordd.log")
    [[ -n "$http_port" && -n "$tcp_port" ]] && return 0
    kill -0 "$server" 2>/dev/null || { cat "$work/accordd.log" >&2; exit 1; }
    sleep 0.05
  done
  echo "accordd did not serve both doors" >&2
  cat "$work/accordd.log" >&2
  exit 1
}
