#!/usr/bin/python3
"""Reads a whole Redis stream from its start by XRANGE pages, as a replay
tool would, and prints "ENTRIES SECONDS".

The socket and the requests are written here in the open (RESP over one TCP
connection, one page requested after the previous one arrived, the next
page starting after the last id seen); the replies are parsed by hiredis,
the C parser redis-py itself uses (Debian's python3-hiredis), so that what
is measured is Redis and not a Python loop over every field. PyPI is not
needed.
"""
import argparse
import socket
import sys
import time

import hiredis


def command(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", type=int, default=0)
    parser.add_argument("--stream", default="replay")
    parser.add_argument("--count", type=int, default=1000, help="entries per XRANGE page")
    parser.add_argument("--expect", type=int, default=0, help="fail unless this many entries")
    args = parser.parse_args()

    sock = socket.create_connection((args.host, args.port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = hiredis.Reader()

    def call(*args):
        sock.sendall(command(*args))
        reply = False
        while reply is False:
            data = sock.recv(1 << 20)
            if not data:
                sys.exit("redis_xrange: the connection closed")
            reader.feed(data)
            reply = reader.gets()
        if isinstance(reply, hiredis.ReplyError):
            sys.exit("redis_xrange: %s" % reply)
        return reply

    call(b"SELECT", args.db)
    entries = 0
    start_id = b"-"
    started = time.perf_counter()
    while True:
        page = call(b"XRANGE", args.stream, start_id, b"+", b"COUNT", args.count)
        if not page:
            break
        entries += len(page)
        start_id = b"(" + page[-1][0]  # exclusive: the entries after the last one seen
        if len(page) < args.count:
            break
    seconds = time.perf_counter() - started
    if args.expect and entries != args.expect:
        sys.exit("redis_xrange: read %d entries, expected %d" % (entries, args.expect))
    print(entries, "%.3f" % seconds)


if __name__ == "__main__":
    main()
