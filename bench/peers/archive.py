#!/usr/bin/python3
"""Writes an archive of COMMANDS commands for `accord log` (NDJSON, one
accord.v1.Command per line, as the examples are): agreements of ten lines
each, a proposal then nine notes, the agreements' lines interleaved as an
office's archive of many agreements would be.

    archive.py COMMANDS PREFIX > archive.ndjson

PREFIX names the agreements (PREFIX-0, PREFIX-1, ...) and seeds the event
ids, so that two archives with different prefixes can go into one log.
"""
import json
import sys
import uuid

commands, prefix = int(sys.argv[1]), sys.argv[2]
per_agreement = 10
agreements = max(1, -(-commands // per_agreement))  # rounded up: COMMANDS lines in all
# Interleaved: line k of every agreement, then line k + 1 of every agreement.
written = 0
for line in range(per_agreement):
    for a in range(agreements):
        if written == commands:
            break
        agreement = "%s-%d" % (prefix, a)
        command = {
            "agreementId": agreement,
            "eventId": str(uuid.uuid5(uuid.NAMESPACE_URL, "%s/%d" % (agreement, line))),
            "effective": {"precision": "DAY", "date": {"year": 2024, "month": 1 + line, "day": 1 + a % 28}},
        }
        if line == 0:
            command["milestone"] = {"agreementProposed": {
                "title": "Archived memorandum %d" % a,
                "kind": "MEMORANDUM_OF_UNDERSTANDING",
                "parties": [{"organisationId": "cospar", "name": "Committee on Space Research",
                             "role": "SIGNATORY"},
                            {"organisationId": "apsco",
                             "name": "Asia-Pacific Space Cooperation Organization",
                             "role": "SIGNATORY"}]}}
        else:
            command["milestone"] = {"noteAdded": {
                "text": "Archived note %d of memorandum %d: " % (line, a) + "n" * 200,
                "source": "the office's paper archive"}}
        sys.stdout.write(json.dumps(command) + "\n")
        written += 1
