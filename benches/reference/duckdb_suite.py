"""The side-by-side reference for `csm-metrics report`: the same ticket, survey and call
suite computed in plain SQL by DuckDB (a columnar engine, on every core) over the same CSV
history. A speed reference, not an exactness one: the SQL follows the contract's main
rules (first public agent reply, first and last solve, reopens, requester wait as time in
new/open/on-hold) without the crate's edge cases (duplicates, late events, merges).

    pip install duckdb
    python3 benches/reference/duckdb_suite.py DIR [--threads N] [--parquet]

Prints the wall time from opening the files to the last result.
"""

import sys
import time

import duckdb

SUITE = """
WITH st AS (
  SELECT ticket_id, "at", CASE WHEN kind = 'created' THEN 'new' ELSE status_to END AS s
  FROM events WHERE kind IN ('created', 'status')
), st2 AS (
  SELECT *, lead("at") OVER w AS nxt, lag(s) OVER w AS prev
  FROM st WINDOW w AS (PARTITION BY ticket_id ORDER BY "at")
), facts AS (
  SELECT ticket_id,
    min("at") FILTER (WHERE s = 'solved') AS first_solve,
    max("at") FILTER (WHERE s = 'solved') AS last_solve,
    count(*) FILTER (WHERE prev = 'solved' AND s NOT IN ('solved', 'closed')) AS reopens,
    bool_or(s = 'spam') AS spam,
    arg_max(s, "at") AS last_status
  FROM st2 GROUP BY ticket_id
), waits AS (
  SELECT st2.ticket_id, sum(st2.nxt - st2.at) AS requester_wait
  FROM st2 JOIN facts USING (ticket_id)
  WHERE st2.s IN ('new', 'open', 'on_hold') AND st2.nxt IS NOT NULL AND st2.nxt <= facts.last_solve
  GROUP BY st2.ticket_id
), replies AS (
  SELECT ticket_id, min("at") AS first_reply, count(*) AS replies
  FROM events WHERE kind = 'message' AND author_kind = 'agent' AND public
  GROUP BY ticket_id
), per_ticket AS (
  SELECT t.team, t.created_at, f.*, w.requester_wait, r.first_reply, coalesce(r.replies, 0) AS replies,
    f.last_status IN ('solved', 'closed') AND f.first_solve IS NOT NULL AS solved
  FROM tickets t JOIN facts f USING (ticket_id)
  LEFT JOIN waits w USING (ticket_id) LEFT JOIN replies r USING (ticket_id)
  WHERE NOT f.spam
)
SELECT team,
  count(*) AS tickets,
  count(first_reply) AS answered,
  count(*) FILTER (WHERE first_reply IS NULL AND NOT solved) AS unanswered,
  count(*) FILTER (WHERE solved) AS solved,
  avg(first_reply - created_at) AS frt_mean,
  quantile_cont(first_reply - created_at, [0.5, 0.9, 0.95, 0.99]) AS frt_q,
  min(first_reply - created_at), max(first_reply - created_at),
  quantile_cont(first_solve - created_at, [0.5, 0.9, 0.95, 0.99]) FILTER (WHERE solved) AS first_res_q,
  avg(first_solve - created_at) FILTER (WHERE solved),
  quantile_cont(last_solve - created_at, [0.5, 0.9, 0.95, 0.99]) FILTER (WHERE solved) AS full_res_q,
  avg(last_solve - created_at) FILTER (WHERE solved),
  quantile_cont(requester_wait, [0.5, 0.9, 0.95, 0.99]) FILTER (WHERE solved) AS wait_q,
  avg(CASE WHEN reopens > 0 THEN 1.0 ELSE 0.0 END) FILTER (WHERE solved) AS reopen_rate,
  avg(CASE WHEN replies = 1 THEN 1.0 ELSE 0.0 END) FILTER (WHERE solved) AS one_touch_rate,
  avg(replies) FILTER (WHERE solved) AS replies_per_resolution,
  avg(CASE WHEN last_solve - created_at <= 86400 THEN 1.0 ELSE 0.0 END) FILTER (WHERE solved) AS within_24h
FROM per_ticket GROUP BY ROLLUP (team)
"""

SURVEYS = """
SELECT kind, count(*), avg(score),
  avg(CASE WHEN kind IN ('nps', 'enps') AND score >= 9 THEN 1.0 WHEN kind IN ('nps', 'enps') AND score <= 6 THEN -1.0 ELSE 0.0 END),
  avg(CASE WHEN kind = 'csat' AND score >= 4 THEN 1.0 ELSE 0.0 END)
FROM surveys GROUP BY kind
"""

CALLS = """
SELECT count(*), count(answered_at),
  avg(answered_at - offered_at) FILTER (WHERE answered_at IS NOT NULL),
  avg(CASE WHEN answered_at IS NOT NULL AND answered_at - offered_at <= 20 THEN 1.0 ELSE 0.0 END),
  avg(ended_at - answered_at + wrap_s) FILTER (WHERE answered_at IS NOT NULL)
FROM calls
"""


def main():
    args = sys.argv[1:]
    d = args[0]
    threads = int(args[args.index("--threads") + 1]) if "--threads" in args else None
    parquet = "--parquet" in args
    start = time.perf_counter()
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {threads}")
    for name in ["tickets", "events", "surveys", "calls"]:
        src = f"read_parquet('{d}/{name}.parquet')" if parquet else f"read_csv('{d}/{name}.csv', header = true)"
        # Loaded into the engine's columnar tables, as a user would.
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {src}")
    results = [con.execute(q).fetchall() for q in (SUITE, SURVEYS, CALLS)]
    wall = time.perf_counter() - start
    print(f"duckdb {duckdb.__version__}: {len(results[0])} team rows, wall {wall:.3f} s")


if __name__ == "__main__":
    main()
