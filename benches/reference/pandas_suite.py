"""The report's suite in pandas, written the obvious way (groupby, merge, shift), on the
same definitions as duckdb_suite.py's SQL (first public agent reply, first and last solve,
reopens, requester wait as time in new/open/on-hold before the last solve; surveys; calls),
over the history as pandas data frames in memory: what an analyst would write in a
notebook instead of calling `csm_metrics.report`. A speed reference, not an exactness one.

    python benches/reference/pandas_suite.py DIR [--runs 3]

DIR holds the history as Parquet (`csm-metrics convert`); loading into pandas is not timed.
"""

import argparse
import pathlib
import statistics
import time

import pandas as pd

Q = [0.5, 0.9, 0.95, 0.99]


def summary(s):
    return {"count": int(s.count()), "mean": s.mean(), "min": s.min(), "max": s.max(),
            **{f"p{int(q * 100)}": v for q, v in s.quantile(Q).items()}}


def suite(tickets, events, surveys, calls):
    st = events[events["kind"].isin(["created", "status"])][["ticket_id", "at", "kind", "status_to"]].copy()
    st["s"] = st["status_to"].where(st["kind"] != "created", "new")
    st = st.sort_values(["ticket_id", "at"], kind="stable")
    g = st.groupby("ticket_id", sort=False)
    st["nxt"] = g["at"].shift(-1)
    st["prev"] = g["s"].shift(1)
    solved_rows = st[st["s"] == "solved"]
    facts = pd.DataFrame({
        "first_solve": solved_rows.groupby("ticket_id")["at"].min(),
        "last_solve": solved_rows.groupby("ticket_id")["at"].max(),
    })
    facts = facts.reindex(st["ticket_id"].unique())
    reopen = (st["prev"] == "solved") & ~st["s"].isin(["solved", "closed"])
    facts["reopens"] = reopen.groupby(st["ticket_id"]).sum()
    facts["spam"] = (st["s"] == "spam").groupby(st["ticket_id"]).any()
    facts["last_status"] = g["s"].last()
    w = st.join(facts["last_solve"], on="ticket_id")
    w = w[w["s"].isin(["new", "open", "on_hold"]) & w["nxt"].notna() & (w["nxt"] <= w["last_solve"])]
    facts["requester_wait"] = (w["nxt"] - w["at"]).groupby(w["ticket_id"]).sum()
    msgs = events[(events["kind"] == "message") & (events["author_kind"] == "agent") & events["public"]]
    r = msgs.groupby("ticket_id")["at"].agg(first_reply="min", replies="count")
    t = tickets.set_index("ticket_id").join(facts, how="inner").join(r)
    t["replies"] = t["replies"].fillna(0)
    t = t[~t["spam"].astype(bool)]
    t["solved"] = t["last_status"].isin(["solved", "closed"]) & t["first_solve"].notna()

    def figures(x):
        s = x[x["solved"]]
        return {
            "tickets": len(x),
            "answered": int(x["first_reply"].notna().sum()),
            "unanswered": int((x["first_reply"].isna() & ~x["solved"]).sum()),
            "solved": len(s),
            "first_response": summary(x["first_reply"] - x["created_at"]),
            "first_resolution": summary(s["first_solve"] - s["created_at"]),
            "full_resolution": summary(s["last_solve"] - s["created_at"]),
            "requester_wait": summary(s["requester_wait"]),
            "reopen_rate": (s["reopens"] > 0).mean(),
            "one_touch_rate": (s["replies"] == 1).mean(),
            "replies_per_resolution": s["replies"].mean(),
            "resolved_within_24h": ((s["last_solve"] - s["created_at"]) <= 86400).mean(),
        }

    out = {"overall": figures(t), "by_team": {team: figures(x) for team, x in t.groupby("team")}}
    sv = {}
    for kind, x in surveys.groupby("kind"):
        sc = x["score"]
        sv[kind] = {"responses": len(x), "mean": sc.mean(),
                    "nps": 100 * ((sc >= 9).mean() - (sc <= 6).mean()),
                    "csat": 100 * (sc >= 4).mean()}
    out["surveys"] = sv
    a = calls[calls["answered_at"].notna()]
    wait = a["answered_at"] - a["offered_at"]
    out["calls"] = {"offered": len(calls), "answered": len(a), "asa": wait.mean(),
                    "service_level": (wait <= 20).sum() / len(calls),
                    "aht": (a["ended_at"] - a["answered_at"] + a["wrap_s"]).mean()}
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir", type=pathlib.Path)
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()
    frames = {n: pd.read_parquet(a.dir / f"{n}.parquet") for n in ("tickets", "events", "surveys", "calls")}
    times = []
    for k in range(a.runs):
        t0 = time.perf_counter()
        out = suite(**frames)
        times.append(time.perf_counter() - t0)
        print(f"run {k}: pandas {pd.__version__} suite {times[-1]:.3f} s ({len(out['by_team'])} teams)")
    print(f"median: pandas suite {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
