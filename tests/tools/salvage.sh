#!/usr/bin/env bash
# The issue's reproduction, with accord-local: a byte flipped inside a
# logged event in the write-ahead log. Every command refuses the folder,
# naming the WAL and the positions; salvage copies the intact prefix into a
# new folder and prints exactly which positions were lost.
set -euo pipefail
tool="$1"
examples="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$tool" --data "$work/data" load "$examples/cospar-apsco-mou.ndjson" "$examples/apsco-convention.ndjson" >/dev/null
total=$("$tool" --data "$work/data" verify | sed -n 's/^verified: \([0-9]*\) events.*/\1/p')
wal=$(ls "$work"/data/*.log | tail -1)
# Flip one byte of the text of the note logged at position 6.
offset=$(grep -abo 'embarking' "$wal" | head -1 | cut -d: -f1)
printf "$(printf '\\x%02x' $(( $(od -An -tu1 -j "$offset" -N1 "$wal") ^ 1 )))" |
  dd of="$wal" bs=1 seek="$offset" conv=notrunc status=none

for command in verify "show cospar-apsco-mou"; do
  if out=$("$tool" --data "$work/data" $command 2>&1); then
    echo "FAIL: $command opened the damaged folder: $out"
    exit 1
  fi
  grep -q "write-ahead log $(basename "$wal") has a damaged record" <<<"$out"
done
out=$("$tool" salvage "$work/data" "$work/new" 2>/dev/null)
echo "$out"
grep -q '^salvaged: positions 0 to 5 (6 records)' <<<"$out"
grep -q "^LOST: positions 6 to $((total - 1)) ($((total - 6)) records)\$" <<<"$out"
"$tool" --data "$work/new" verify | grep -q '^verified: 6 events'
echo "salvage: refused, then salvaged with the loss named"
