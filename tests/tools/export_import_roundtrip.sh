#!/usr/bin/env bash
# accord-local export, then import into an empty data folder: the same log,
# byte for byte (the second export equals the first), and it verifies; the
# same through the binary export, and across formats. An edited record in
# a binary export is refused, naming its position, with nothing written; a
# cut binary export and a file that is no export are clear errors.
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
head_hash() { "$tool" --data "$1" verify | sed -n 's/^head hash: //p'; }
original=$(head_hash "$work/original")

# Binary: the same log, byte for byte, and the same export again.
"$tool" --data "$work/original" export --binary >"$work/first.export"
"$tool" --data "$work/binary" import "$work/first.export" | grep -q "imported 42 events and 0 documents (binary)"
[[ $(head_hash "$work/binary") == "$original" ]]
"$tool" --data "$work/binary" export --binary >"$work/second.export"
cmp "$work/first.export" "$work/second.export"
"$tool" --data "$work/binary" export >"$work/from-binary.ndjson"
cmp "$work/first.ndjson" "$work/from-binary.ndjson"
# Across formats: NDJSON in, binary out, equals the binary export.
"$tool" --data "$work/copy" export --binary | cmp - "$work/first.export"
# One agreement's binary export holds its records as stored.
"$tool" --data "$work/original" export --binary cospar-apsco-mou >"$work/mou.export"
"$tool" --data "$work/original" export cospar-apsco-mou >"$work/mou.ndjson"
"$tool" --data "$work/mou" import "$work/mou.export" >/dev/null
"$tool" --data "$work/mou" export cospar-apsco-mou | cmp - "$work/mou.ndjson"

# An edited byte: the last record's (position 41) last byte, just before
# its hash (34 bytes) and the end item (5 bytes). Refused, naming it, and
# nothing of its batch is written.
size=$(stat -c %s "$work/first.export")
offset=$((size - 5 - 34 - 1))
cp "$work/first.export" "$work/edited.export"
byte=$(od -An -tu1 -j "$offset" -N1 "$work/edited.export" | tr -d ' ')
printf "$(printf '\\%03o' $(((byte + 1) % 256)))" |
  dd of="$work/edited.export" bs=1 seek="$offset" conv=notrunc status=none
if "$tool" --data "$work/edited" import "$work/edited.export" 2>"$work/edited.txt"; then
  echo "an edited export was imported" >&2; exit 1
fi
grep -q "record at position 41: it does not match its hash; nothing of its batch (positions 0 to 41) was written" "$work/edited.txt"
grep -q "the log holds 0 records" "$work/edited.txt"
"$tool" --data "$work/edited" verify | grep -q "^verified: 0 events"

# Cut short: without its end item, and inside an item. Clear errors.
head -c $((size - 5)) "$work/first.export" >"$work/cut.export"
if "$tool" --data "$work/cut" import "$work/cut.export" 2>"$work/cut.txt"; then
  echo "a cut export was imported" >&2; exit 1
fi
grep -q "cut.export is cut short after 42 records and 0 documents (byte $((size - 5))): it ends without its end item" "$work/cut.txt"
head -c 3000 "$work/first.export" >"$work/cut-inside.export"
if "$tool" --data "$work/cut-inside" import "$work/cut-inside.export" 2>"$work/cut-inside.txt"; then
  echo "a cut export was imported" >&2; exit 1
fi
grep -q "is damaged or cut short after [0-9]* records" "$work/cut-inside.txt"
# Neither format.
printf 'hello\n' >"$work/hello.txt"
if "$tool" --data "$work/hello" import "$work/hello.txt" 2>"$work/hello.err"; then
  echo "a text file was imported" >&2; exit 1
fi
grep -q "is not an export" "$work/hello.err"
echo "round trip: byte for byte"
