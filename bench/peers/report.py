#!/usr/bin/python3
"""Prints scripts/bench's one table from its results file.

Each line of the results file is "ROUND KEY VALUE" (tab-separated), one
figure of one round. A figure shown is the median of its rounds; a ratio is
the median of each round's ratio (accord and the peer ran in the same
minutes of that round), with the rounds' lowest and highest in brackets
when there were several. A measure no round produced is shown as missing.
"""
import statistics
import sys
from collections import defaultdict

results_file, command, replay_events = sys.argv[1], sys.argv[2], int(sys.argv[3])
by_round = defaultdict(dict)
for line in open(results_file):
    parts = line.split("\t")
    if len(parts) == 3:
        by_round[int(parts[0])][parts[1]] = float(parts[2])
rounds = sorted(by_round)


def median(key):
    values = [by_round[r][key] for r in rounds if key in by_round[r]]
    return statistics.median(values) if values else None


def ratio(a, b):
    values = [by_round[r][a] / by_round[r][b] for r in rounds
              if a in by_round[r] and b in by_round[r] and by_round[r][b] > 0]
    return (statistics.median(values), min(values), max(values)) if values else None


def figure(value, unit):
    if value is None:
        return "missing"
    if unit == "s":
        return "%.3f s" % value
    if unit == "MB":
        return "%.1f MB" % value
    return "{:,.0f} {}".format(value, unit)


rows = []


def row(measure, unit, accord, peer_name, peer, target=None, higher=True):
    r = ratio(accord, peer)
    shown = "missing"
    met = ""
    if r:
        shown = "%.2f" % r[0] + (" (%.2f-%.2f)" % (r[1], r[2]) if len(rounds) > 1 else "")
        if target is not None:
            met = "yes" if (r[0] >= target if higher else r[0] <= target) else "**no**"
    elif target is not None:
        met = "not measured"
    goal = "" if target is None else ("at least %.1fx" % target if higher else "at most %.1fx" % target)
    rows.append((measure, figure(median(accord), unit), peer_name, figure(median(peer), unit),
                 shown, goal, met))


ev = "ev/s"
row("64 connections: raw appends (append_events, 8 in flight)", ev, "accord_raw64",
    "Redis XADD, appendfsync always (-P 8)", "redis64", 1.0)
row("64 connections: milestones (log_milestone, lifecycle rules)", ev, "accord_ms64",
    "Redis XADD, appendfsync always (-P 8)", "redis64", 0.8)
row("64 connections: raw appends", ev, "accord_raw64",
    "PostgreSQL insert + version bump (pgbench)", "pg64", 3.0)
row("64 connections: milestones", ev, "accord_ms64",
    "PostgreSQL insert + version bump (pgbench)", "pg64", 3.0)
row("64 connections: raw appends (reference)", ev, "accord_raw64",
    "raw RocksDB, 1 event per synced WriteBatch, 64 threads", "rocks64")
row("1 connection: p50 of a durable raw append", "us", "accord_raw1_p50",
    "Redis XADD, appendfsync always", "redis1_p50", 1.0, higher=False)
row("1 connection: p50 of a durable raw append", "us", "accord_raw1_p50",
    "PostgreSQL insert + version bump (p50 of pgbench's log)", "pg1_p50")
row("1 connection: p50 of a milestone (reference)", "us", "accord_ms1_p50",
    "Redis XADD, appendfsync always", "redis1_p50")
row("1 connection: p50 of a durable raw append (reference)", "us", "accord_raw1_p50",
    "raw RocksDB, 1 synced WriteBatch", "rocks1_p50")
row("replay %s events: TCP catch-up from position 0, stored records" % format(replay_events, ","),
    ev, "accord_catchup", "Redis XRANGE pages of 1,000 (bench/peers/redis_xrange.py)",
    "redis_xrange", 1.0)
row("replay %s events: TCP catch-up from position 0, stored records" % format(replay_events, ","),
    ev, "accord_catchup", "PostgreSQL COPY (SELECT ... ORDER BY position) through psql", "pg_copy")
row("replay %s events: TCP catch-up, one decoded event a frame (reference)"
    % format(replay_events, ","), ev, "accord_catchup_events",
    "Redis XRANGE pages of 1,000 (bench/peers/redis_xrange.py)", "redis_xrange")
row("replay %s events: projection rebuild" % format(replay_events, ","), ev,
    "accord_rebuild", "raw RocksDB scan parsing the same records", "rocks_scan", 0.8)
row("memory of accordd: %s events against a tenth of them" % format(replay_events, ","), "MB",
    "accord_mem_large", "accordd on %s events" % format(replay_events // 10, ","),
    "accord_mem_small", 1.2, higher=False)

startup = median("accord_startup")
rows.append(("start-up on %s events: first answer" % format(replay_events, ","),
             figure(startup, "s"), "", "", "", "under 1 s",
             "" if startup is None else ("yes" if startup < 1.0 else "**no**")))
row("bulk logging: `accord log`, default window (128 commands in flight)", "commands/s",
    "accord_log_windowed", "`accord log --window 1` (one at a time, as before)",
    "accord_log_window1", 10.0)
def absolute(measure, key, target):
    value = median(key)
    met = "not measured" if value is None else ("yes" if value >= target else "**no**")
    rows.append((measure, figure(value, "records/s"), "", "", "",
                 "at least {:,} records/s".format(target), met))


absolute("export, binary (accord-local export --binary)", "export_binary", 200000)
absolute("import, binary (accord-local import, an empty folder)", "import_binary", 200000)
row("export, NDJSON (reference)", "records/s", "export_ndjson", "export, binary", "export_binary")
row("import, NDJSON (reference)", "records/s", "import_ndjson", "import, binary", "import_binary")
row("import over TCP (accord import, a fresh accordd)", "records/s", "import_tcp_binary",
    "accord-local import (the store alone)", "import_binary", 1.0)

header = ("measure", "accord", "peer", "peer's", "accord/peer", "target (issue 15)", "met")
print("| " + " | ".join(header) + " |")
print("|" + "|".join(" --- " for _ in header) + "|")
for r in rows:
    print("| " + " | ".join(r) + " |")
print()
print("%d round%s; figures are medians, ratios the median of each round's ratio (lowest-highest)."
      % (len(rounds), "" if len(rounds) == 1 else "s"))
print("command: " + command)
