#!/usr/bin/env python3
"""Independent computation of the ticket, survey and call figures of a history in the
replay CSV format, straight from the definitions of the crate's metric contract, without
the crate. Regenerates tests/data/sample_slice/expected.json:

    python3 tests/data/expected.py tests/data/sample_slice > tests/data/sample_slice/expected.json

Counts, rates and means only (quantiles are the sketch's business, tested elsewhere).
With a second argument `--new-york`, business-time figures are added on a calendar of
America/New_York, Monday to Friday 09:00-17:00, closed on the eleven US federal holidays of
2025, by a day-by-day walk (the spec of examples/new_york_2025.json).
"""
import csv, json, sys
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

NY = ZoneInfo("America/New_York")
HOLIDAYS = {date(2025, m, d) for m, d in [(1, 1), (1, 20), (2, 17), (5, 26), (6, 19), (7, 4),
                                          (9, 1), (10, 13), (11, 11), (11, 27), (12, 25)]}

def business(a, b):
    """Business seconds between Unix instants a <= b, walking the local days."""
    total, day = 0, datetime.fromtimestamp(a, NY).date()
    last = datetime.fromtimestamp(b, NY).date()
    while day <= last:
        if day.weekday() < 5 and day not in HOLIDAYS:
            s = datetime.combine(day, time(9), NY).timestamp()
            e = datetime.combine(day, time(17), NY).timestamp()
            total += max(0, min(b, e) - max(a, s))
        day += timedelta(days=1)
    return int(total)

d = sys.argv[1]
BUSINESS = "--new-york" in sys.argv[2:]
tickets = {int(r["ticket_id"]): r for r in csv.DictReader(open(f"{d}/tickets.csv"))}
events = defaultdict(list)
for r in csv.DictReader(open(f"{d}/events.csv")):
    events[int(r["ticket_id"])].append(r)

def facts(tid):
    t = tickets[tid]
    created = int(t["created_at"])
    status, since, closed = "new", created, False
    waits = 0  # new + open + on-hold
    first_reply = first_solved = last_solved = None
    replies = reopens = 0
    for e in events[tid]:
        if closed:
            continue  # late events after close do not count
        at = int(e["at"])
        if e["kind"] == "message" and e["author_kind"] == "agent" and e["public"] == "true":
            replies += 1
            if first_reply is None:
                first_reply = at
        elif e["kind"] == "status":
            to = e["status_to"]
            if status in ("new", "open", "on_hold"):
                waits += at - since
            since = at
            if to == "solved" and status != "solved":
                first_solved = first_solved or at
                last_solved = at
            elif to == "closed":
                closed = True
            elif status == "solved" and to in ("open", "pending", "new", "on_hold"):
                reopens += 1
            if to != "closed":
                status = to
            elif status != "solved":
                status = "closed_unsolved"
    solved = status == "solved"
    return dict(team=t["team"], frt=None if first_reply is None else first_reply - created,
                bfrt=None if first_reply is None else business(created, first_reply),
                bfull=solved and business(created, last_solved),
                solved=solved, first=solved and first_solved - created,
                full=solved and last_solved - created, wait=waits, replies=replies,
                reopened=reopens > 0)

def summary(fs):
    ans = [f["frt"] for f in fs if f["frt"] is not None]
    sol = [f for f in fs if f["solved"]]
    n = len(sol)
    mean = lambda xs: sum(xs) / len(xs) if xs else None
    extra = {}
    if BUSINESS:
        bans = [f["bfrt"] for f in fs if f["bfrt"] is not None]
        extra = {
            "first_response_business": {"count": len(bans), "mean": mean(bans)},
            "full_resolution_business": {"count": n, "mean": mean([f["bfull"] for f in sol])},
            "first_response_within_8h_business": sum(x <= 8 * 3600 for x in bans) / len(bans),
        }
    return extra | {
        "tickets": len(fs), "answered": len(ans), "solved": n,
        "first_response": {"count": len(ans), "mean": mean(ans)},
        "first_resolution": {"mean": mean([f["first"] for f in sol])},
        "full_resolution": {"count": n, "mean": mean([f["full"] for f in sol])},
        "requester_wait": {"mean": mean([f["wait"] for f in sol])},
        "reopen_rate": sum(f["reopened"] for f in sol) / n,
        "one_touch_rate": sum(f["replies"] == 1 for f in sol) / n,
        "replies_per_resolution": sum(f["replies"] for f in sol) / n,
        "resolved_within_24h": sum(f["full"] <= 86400 for f in sol) / n,
    }

fs = [facts(t) for t in tickets]
teams = sorted({f["team"] for f in fs})
out = {"tickets": {"overall": summary(fs),
                   "by_team": {t: summary([f for f in fs if f["team"] == t]) for t in teams}}}

surveys = defaultdict(list)
for r in csv.DictReader(open(f"{d}/surveys.csv")):
    surveys[r["kind"]].append(int(r["score"]))
def nps(xs):
    return {"responses": len(xs), "score": 100 * (sum(x >= 9 for x in xs) - sum(x <= 6 for x in xs)) / len(xs)}
out["surveys"] = {
    "nps": nps(surveys["nps"]), "enps": nps(surveys["enps"]),
    "csat": {"responses": len(surveys["csat"]),
             "score": 100 * sum(x >= 4 for x in surveys["csat"]) / len(surveys["csat"]),
             "mean": sum(surveys["csat"]) / len(surveys["csat"])},
    "ces": {"responses": len(surveys["ces"]), "mean": sum(surveys["ces"]) / len(surveys["ces"])},
}

offered = answered = short = abandoned = within = 0
wait = handle = 0
for c in csv.DictReader(open(f"{d}/calls.csv")):
    offered += 1
    o, e = int(c["offered_at"]), int(c["ended_at"])
    if c["answered_at"]:
        a = int(c["answered_at"])
        answered += 1; wait += a - o; within += a - o <= 20
        handle += e - a + int(c["wrap_s"])
    elif e - o < 5:
        short += 1
    else:
        abandoned += 1
base = offered - short
out["calls"] = {"offered": offered, "answered": answered, "short_abandons": short,
                "asa": wait / answered, "abandon_rate": abandoned / base,
                "service_level_20s": within / base, "aht": handle / answered}
json.dump(out, sys.stdout, indent=1)
print()
