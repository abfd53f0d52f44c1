#!/usr/bin/env bash
# Documents end to end, as a user runs the tools against a real accordd:
# accord attach stores and records a file; accord check-file proves it on
# the client (and refuses a changed copy); a backup carries the documents
# and verifies offline; accord-local export and import carry them (NDJSON
# and binary), and the imported folder, served again, gives back the same
# bytes; so does accord import of either export into a fresh server.
#   documents_end_to_end.sh BIN_DIR EXAMPLES
set -euo pipefail
bin="$1"
examples="$2"
work=$(mktemp -d)
server=""
stop() {
  if [[ -n "$server" ]]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
  fi
}
trap 'stop; rm -rf "$work"' EXIT
export no_proxy='*' NO_PROXY='*'

tokens="$work/tokens"
logger=$("$bin/accordd" --tokens "$tokens" --add-user legal-affairs --role logger 2>/dev/null)
admin=$("$bin/accordd" --tokens "$tokens" --add-user ops --role admin 2>/dev/null)

# Starts accordd on folder $1; sets port, http_port.
serve() {
  : >"$work/accordd.log"
  "$bin/accordd" --data "$1" --tokens "$tokens" --port 0 --http-port any 2>"$work/accordd.log" &
  server=$!
  port=""
  for _ in $(seq 1 200); do
    port=$(sed -n 's/.*serving .* on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/accordd.log")
    [[ -n "$port" ]] && break
    kill -0 "$server" 2>/dev/null || { cat "$work/accordd.log" >&2; exit 1; }
    sleep 0.05
  done
  [[ -n "$port" ]] || { echo "accordd did not start" >&2; exit 1; }
  http_port=$(sed -n 's|.*HTTP at http://127\.0\.0\.1:\([0-9]*\)/api/v1/.*|\1|p' "$work/accordd.log")
}

serve "$work/data"
accord() { "$bin/accord" --port "$port" --token "$logger" "$@"; }
vkey=$("$bin/accordd" --data "$work/data" --print-verifier-key)
accord log "$examples/cospar-apsco-mou.ndjson" >/dev/null
visit=$(accord history cospar-apsco-mou --json | sed -n 's/.*"eventId": *"\([^"]*\)".*"eventType": *"accord.v1.VisitHeld".*/\1/p' | head -n 1)
[[ -n "$visit" ]] || { echo "no visit in the MoU's history" >&2; exit 1; }

printf '%%PDF-1.7\nthe memorandum as signed on 5 November 2024\n' >"$work/mou-signed.pdf"
accord attach --agreement cospar-apsco-mou --event "$visit" --note "as signed" "$work/mou-signed.pdf" | tee "$work/attach.txt"
grep -q "attached" "$work/attach.txt"
# A retry with the same event id writes nothing.
event_id=$(uuidgen 2>/dev/null || python3 -c 'import uuid; print(uuid.uuid4())')
accord attach --agreement cospar-apsco-mou --event-id "$event_id" "$work/mou-signed.pdf" >/dev/null
accord attach --agreement cospar-apsco-mou --event-id "$event_id" "$work/mou-signed.pdf" | grep -q "(already logged)"
# An unknown event is refused with the rules' sentence.
if accord attach --agreement cospar-apsco-mou --event 00000000-0000-4000-8000-000000000999 "$work/mou-signed.pdf" 2>"$work/refused.txt"; then
  echo "an attach to an unknown event was accepted" >&2; exit 1
fi
grep -q "UNKNOWN_EVENT" "$work/refused.txt"

# check-file proves the file on the client.
accord check-file "$work/mou-signed.pdf" --vkey "$vkey" | tee "$work/check.txt"
grep -q "agreement cospar-apsco-mou, event .*(about $visit).*proved in the log of" "$work/check.txt"
[[ $(grep -c "proved in the log of" "$work/check.txt") -eq 2 ]]  # attached twice
# Against a saved checkpoint too.
accord checkpoint --vkey "$vkey" --out "$work/checkpoint.txt" >/dev/null
accord check-file "$work/mou-signed.pdf" --vkey "$vkey" --checkpoint "$work/checkpoint.txt" | grep -q "proved"
# A changed copy is not recorded.
cp "$work/mou-signed.pdf" "$work/changed.pdf"
printf ' ' >>"$work/changed.pdf"
if accord check-file "$work/changed.pdf" --vkey "$vkey" 2>"$work/changed.txt"; then
  echo "a changed copy was proved" >&2; exit 1
fi
grep -q "NOT RECORDED" "$work/changed.txt"
# Another key is refused.
other_key=$("$bin/accordd" --data "$work/other" --print-verifier-key)
if accord check-file "$work/mou-signed.pdf" --vkey "$other_key" 2>/dev/null; then
  echo "a proof was accepted under another key" >&2; exit 1
fi

# A backup carries the documents, and verifies offline.
"$bin/accord" --port "$port" --token "$admin" backup "$work/backup" >/dev/null
sha=$(sha256sum "$work/mou-signed.pdf" | cut -d' ' -f1)
cmp "$work/backup/documents/${sha:0:2}/${sha:2}" "$work/mou-signed.pdf"
stop
"$bin/accord-local" --data "$work/backup" verify | grep -q "2 documents recorded are stored"
"$bin/accord-local" --data "$work/data" verify | grep -q "2 documents recorded are stored"

# Export and import carry them: the same log, the same bytes served.
"$bin/accord-local" --data "$work/data" export >"$work/export.ndjson"
grep -q '"content":' "$work/export.ndjson"
"$bin/accord-local" --data "$work/copy" import "$work/export.ndjson" | grep -q "and 1 documents"
"$bin/accord-local" --data "$work/copy" export >"$work/again.ndjson"
cmp "$work/export.ndjson" "$work/again.ndjson"
"$bin/accord-local" --data "$work/copy" verify >/dev/null
serve "$work/copy"
curl -sf -H "Authorization: Bearer $logger" "http://127.0.0.1:$http_port/api/v1/documents/$sha" -o "$work/downloaded.pdf"
cmp "$work/downloaded.pdf" "$work/mou-signed.pdf"
stop

# The binary export carries them as well.
"$bin/accord-local" --data "$work/data" export --binary >"$work/export.bin"
"$bin/accord-local" --data "$work/copy-binary" import "$work/export.bin" | grep -q "and 1 documents (binary)"
"$bin/accord-local" --data "$work/copy-binary" export | cmp - "$work/export.ndjson"
"$bin/accord-local" --data "$work/copy-binary" verify | grep -q "2 documents recorded are stored"

# accord import sends either export to a fresh server (admins only): the
# same log, the same bytes served.
for format in ndjson bin; do
  serve "$work/served-$format"
  if "$bin/accord" --port "$port" --token "$logger" import "$work/export.$format" 2>"$work/denied.txt"; then
    echo "a logger imported" >&2; exit 1
  fi
  grep -q "PERMISSION_DENIED" "$work/denied.txt"
  "$bin/accord" --port "$port" --token "$admin" import "$work/export.$format" --batch-records 7 |
    grep -q "imported [0-9]* events and 1 documents"
  curl -sf -H "Authorization: Bearer $logger" "http://127.0.0.1:$http_port/api/v1/documents/$sha" -o "$work/downloaded-$format.pdf"
  cmp "$work/downloaded-$format.pdf" "$work/mou-signed.pdf"
  stop
  "$bin/accord-local" --data "$work/served-$format" export | cmp - "$work/export.ndjson"
  "$bin/accord-local" --data "$work/served-$format" verify | grep -q "2 documents recorded are stored"
done

# A damaged document fails verify, naming it.
chmod u+w "$work/copy/documents/${sha:0:2}/${sha:2}"
printf 'X' >>"$work/copy/documents/${sha:0:2}/${sha:2}"
if "$bin/accord-local" --data "$work/copy" verify 2>"$work/damaged.txt"; then
  echo "a damaged document verified" >&2; exit 1
fi
grep -q "$sha" "$work/damaged.txt"
echo "documents: attached, proved, backed up, exported and imported"
