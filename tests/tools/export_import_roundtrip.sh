#!/usr/bin/env bash
# accord-local export, then import into an empty data folder: the same log,
# byte for byte (the second export equals the first), and it verifies.
set -euo pipefail
tool="$1"
examples="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$tool" --data "$work/original" load "$examples/cospar-apsco-mou.ndjson" "$examples/apsco-convention.ndjson" >/dev/null
"$tool" --data "$work/original" export >"$work/first.ndjson"
"$tool" --data "$work/copy" import "$work/first.ndjson"
"$tool" --data "$work/copy" export >"$work/second.ndjson"
cmp "$work/first.ndjson" "$work/second.ndjson"
"$tool" --data "$work/copy" verify
[[ $(wc -l <"$work/first.ndjson") -eq 42 ]]
"$tool" --data "$work/copy" audit cospar-apsco-mou | grep '^\*\*Log verification:\*\* passed' >/dev/null
"$tool" --data "$work/copy" report --csv | grep '^pipeline,cospar-apsco-mou,stage,agreed$' >/dev/null
"$tool" --data "$work/copy" report --csv --today 2026-11-23 | grep '^overdue,cospar-apsco-mou,signing,' >/dev/null
echo "round trip: byte for byte"
