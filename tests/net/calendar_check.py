"""Reads the calendars accordd served (tests/net/calendar_test.sh) with a
real iCalendar parser and checks what a calendar program would show: one
all-day entry per dated open plan of the examples, over the whole span of
its date, with a stable UID from its event id.

    calendar_check.py ALL.ics MOU.ics
"""
import datetime
import sys

import icalendar

TITLE = "Memorandum of Understanding between COSPAR and APSCO"
EXPECTED = {
    # UID: (SUMMARY, DTSTART, DTEND (the day after the last), precision words)
    "c05a0000-0000-4000-8000-000000000004.signing@accord": (
        "Planned signing: " + TITLE, datetime.date(2024, 9, 1), datetime.date(2024, 12, 1),
        "a season"),
    "c05a0000-0000-4000-8000-000000000005.second-meeting@accord": (
        "Planned meeting: " + TITLE, datetime.date(2024, 9, 1), datetime.date(2024, 12, 1),
        "a season"),
    "c05a0000-0000-4000-8000-000000000006.sharjah-symposium@accord": (
        "Planned event: " + TITLE, datetime.date(2024, 11, 5), datetime.date(2024, 11, 8),
        "a range"),
}


def check(path):
    raw = open(path, "rb").read()
    assert raw.endswith(b"\r\n"), path
    for line in raw.split(b"\r\n")[:-1]:
        assert b"\n" not in line, f"{path}: a line that does not end in CRLF"
        assert len(line) <= 75, f"{path}: a line of {len(line)} octets: {line!r}"
    calendar = icalendar.Calendar.from_ical(raw)
    assert str(calendar["VERSION"]) == "2.0", calendar["VERSION"]
    assert str(calendar["PRODID"]).startswith("-//accord//"), calendar["PRODID"]
    events = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event["UID"])
        assert uid not in events, f"{path}: UID {uid} twice"
        events[uid] = event
    assert set(events) == set(EXPECTED), f"{path}: {sorted(events)}"
    for uid, (summary, start, end, precision) in EXPECTED.items():
        event = events[uid]
        assert str(event["SUMMARY"]) == summary, event["SUMMARY"]
        dtstart, dtend = event["DTSTART"].dt, event["DTEND"].dt
        # All-day: dates, not times.
        assert type(dtstart) is datetime.date and type(dtend) is datetime.date, (dtstart, dtend)
        assert (dtstart, dtend) == (start, end), (uid, dtstart, dtend)
        assert str(event["STATUS"]) == "TENTATIVE"
        stamp = event["DTSTAMP"].dt
        assert isinstance(stamp, datetime.datetime) and stamp.utcoffset() == datetime.timedelta(0)
        description = str(event["DESCRIPTION"])
        assert "the source gives " + precision in description, description
        # Judged on the real today, long after autumn 2024.
        assert "Status: OVERDUE on " in description, description
    return events


all_events = check(sys.argv[1])
mou_events = check(sys.argv[2])
for uid in all_events:
    # The same entry in both files (each file is stamped when it is made).
    def unstamped(event):
        return [line for line in event.to_ical().split(b"\r\n") if not line.startswith(b"DTSTAMP")]
    assert unstamped(all_events[uid]) == unstamped(mou_events[uid]), uid
print(f"calendars: {len(all_events)} events each, parsed by icalendar {icalendar.__version__}")
