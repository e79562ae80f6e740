"""Independent figures for incidents_slice.csv, by the rules of examples/servicenow.rs
(times read in UTC). Run: python3 tests/data/servicenow/expected.py"""
import csv, datetime, json, statistics, sys, os

STATES = {"New": "new", "Active": "open", "Awaiting User Info": "pending",
          "Awaiting Vendor": "on_hold", "Awaiting Problem": "on_hold",
          "Awaiting Evidence": "on_hold", "Resolved": "solved", "Closed": "closed"}

def t(s):
    try:
        d, h = s.split(" ")
        dd, mm, yy = map(int, d.split("/"))
        H, M = map(int, h.split(":"))
        return int(datetime.datetime(yy, mm, dd, H, M, tzinfo=datetime.timezone.utc).timestamp())
    except ValueError:
        return None

def num(s):
    d = "".join(c for c in s if c.isdigit())
    return int(d) if d else None

path = os.path.join(os.path.dirname(__file__), "incidents_slice.csv")
rows = list(csv.reader(open(path)))[1:]
rejected, corrected = {}, {}
def bump(m, k): m[k] = m.get(k, 0) + 1
inc = {}
for r in rows:
    if len(r) != 36: bump(rejected, "malformed_row"); continue
    if r[1] not in STATES: bump(rejected, "unknown_state"); continue
    opened, at = t(r[9]), t(r[13])
    if opened is None: bump(rejected, "missing_opened_at"); continue
    if at is None: bump(rejected, "missing_updated_at"); continue
    group, agent = num(r[23]), num(r[24])
    if r[0] not in inc:
        if num(r[7]) is None: bump(corrected, "unknown_caller")
        inc[r[0]] = dict(opened=opened, prio=r[22], state=None, who=(group, agent),
                         resolved=None, last=0, open=True, solved=False)
    i = inc[r[0]]
    if i["prio"] != r[22]: i["prio"] = r[22]; bump(corrected, "priority_changed")
    events = []
    if (group, agent) != i["who"]: events.append(("assign", at)); i["who"] = (group, agent)
    st = STATES[r[1]]
    if i["state"] != st: events.append((st, at)); i["state"] = st
    i["made"], i["reassigned"], i["reopened"] = r[6] == "true", int(r[3]) > 0, int(r[4]) > 0
    if st in ("solved", "closed") and i["resolved"] is None:
        res = t(r[34])
        if res is None: bump(corrected, "resolved_without_resolved_at"); res = at
        if res < opened: bump(corrected, "resolved_before_opened")
        i["resolved"] = res
    for kind, when in events:
        # The tracker's rules: released tickets, before creation, out of order.
        if not i["open"]: bump(rejected, "ticket_not_in_play"); continue
        if when < opened: bump(rejected, "before_creation"); continue
        if when - opened < i["last"]: bump(rejected, "out_of_order"); continue
        i["last"] = when - opened
        if kind == "closed": i["open"] = False
n = len(inc)
out = {"events": len(rows), "incidents": n, "rejected": rejected, "corrected": corrected,
       "reopened_share": sum(i["reopened"] for i in inc.values()) / n,
       "reassigned_share": sum(i["reassigned"] for i in inc.values()) / n,
       "made_sla_share": sum(i["made"] for i in inc.values()) / n, "by_priority": {}}
for p in sorted({i["prio"] for i in inc.values()}):
    xs = [i for i in inc.values() if i["prio"] == p]
    hours = [(i["resolved"] - i["opened"]) / 3600 for i in xs
             if i["resolved"] is not None and i["resolved"] >= i["opened"]]
    out["by_priority"][p] = {"incidents": len(xs),
        "made_sla_share": sum(i["made"] for i in xs) / len(xs),
        "resolution_hours": {"count": len(hours), "mean": statistics.fmean(hours) if hours else None,
                             "min": min(hours, default=None), "max": max(hours, default=None)}}
json.dump(out, sys.stdout, indent=1, sort_keys=True)
print()
