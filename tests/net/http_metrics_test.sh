#!/usr/bin/env bash
# /metrics as Prometheus scrapes it from a real accordd: promtool accepts
# every scrape without a complaint, and the counters move as milestones are
# logged and refused over HTTP and as raw appends come over TCP.
#   http_metrics_test.sh ACCORDD ACCORD_CLI PROMTOOL REPOSITORY
set -euo pipefail
accordd="$1"
cli="$2"
promtool="$3"
repository="$4"
source "$(dirname "$0")/real_accordd.sh"

token=$("$accordd" --tokens "$work/tokens" --add-user clerk --role logger 2>/dev/null)
start_accordd "$accordd" --data "$work/data" --tokens "$work/tokens"
metrics="http://127.0.0.1:$http_port/metrics"

# Scrapes into $1, checked by promtool: any line it prints is a complaint.
scrape() {
  curl -sS --fail-with-body "$metrics" -o "$1"
  if ! complaints=$("$promtool" check metrics <"$1" 2>&1) || [[ -n "$complaints" ]]; then
    echo "promtool: $complaints" >&2
    exit 1
  fi
}
# The value of the sample named exactly $2 in scrape $1 (0 when absent).
value() { awk -v name="$2" '$1 == name { print $2; found = 1 } END { if (!found) print 0 }' "$1"; }

scrape "$work/before.txt"
grep -q '^# TYPE accord_request_duration_seconds histogram' "$work/before.txt"
grep -q '^accord_connections{door="http"} ' "$work/before.txt"

# Two milestones logged over HTTP, one refused, one read that is not found.
head -n 2 "$repository/examples/cospar-apsco-mou.ndjson" | while IFS= read -r command; do
  curl -sS --fail-with-body -o /dev/null "http://127.0.0.1:$http_port/api/v1/agreements" \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data "$command"
done
refused=$(curl -sS -o /dev/null -w '%{http_code}' \
  "http://127.0.0.1:$http_port/api/v1/agreements/cospar-apsco-mou/milestones" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  --data '{"effective": {"asStated": "2024"}, "milestone": {"agreementSigned": {"partyId": "cospar"}}}')
[[ "$refused" == 422 ]] || { echo "a signature before terms answered $refused" >&2; exit 1; }
curl -sS -o /dev/null "http://127.0.0.1:$http_port/api/v1/agreements/nothing-here" \
  -H "Authorization: Bearer $token"
# And a read over TCP: the other door's figures move too.
"$cli" --port "$tcp_port" --token "$token" show cospar-apsco-mou >/dev/null

scrape "$work/after.txt"
check() {  # name, expected increase
  local before after
  before=$(value "$work/before.txt" "$1")
  after=$(value "$work/after.txt" "$1")
  if ! awk -v b="$before" -v a="$after" -v d="$2" 'BEGIN { exit !(a - b == d) }'; then
    echo "$1 went from $before to $after, not up by $2" >&2
    exit 1
  fi
}
check 'accord_milestones_total{outcome="logged"}' 2
check 'accord_milestones_total{outcome="rejected"}' 1
check 'accord_milestone_rejections_total{code="TERMS_NOT_AGREED"}' 1
check 'accord_errors_total{kind="get_agreement",code="NOT_FOUND"}' 1
check 'accord_request_duration_seconds_count{door="http",kind="log_milestone"}' 3
check 'accord_request_duration_seconds_count{door="tcp",kind="get_agreement"}' 1
check 'accord_log_records' 2
check 'accord_store_group_commit_events_sum' 2
echo "metrics: promtool accepts both scrapes; the counters moved"
