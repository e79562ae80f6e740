"""report: the history as tables in memory (pyarrow, Polars, pandas) gives the files' report,
figure for figure; calendars and SLA policies as Python values; errors with the crate's
message."""

import json
import pathlib

import pytest

import csm_metrics as cm

pa = pytest.importorskip("pyarrow")
pacsv = pytest.importorskip("pyarrow.csv")

REPO = pathlib.Path(__file__).resolve().parents[3]
SLICE = REPO / "tests" / "data" / "sample_slice"
CALENDAR = REPO / "examples" / "new_york_2025.json"
TABLES = ("tickets", "events", "surveys", "calls")
SLA = {"policies": [{"name": "All", "targets": {"first_reply": "1h", "total_resolution": "1d"}},
                    {"name": "B", "basis": "business", "targets": {"first_reply": "4h"}}]}


def same(a, b):
    """Reports equal but for what names the input and the time taken."""
    a, b = dict(a), dict(b)
    for r in (a, b):
        r.pop("compute_seconds", None)
        # Tables in memory have no agent_states or accounts: the files' sections apart.
        r.pop("agents", None)
        r.pop("retention", None)
    assert a == b


def arrow_tables():
    return {t: pacsv.read_csv(SLICE / f"{t}.csv") for t in TABLES}


def test_pyarrow_tables_give_the_files_report():
    got = cm.report(**arrow_tables())
    same(got, cm.report_files(str(SLICE)))
    assert got["input"]["tickets"] == 400
    # Options as the command's; a history of several batches over two threads.
    small = {t: pa.Table.from_batches(v.to_batches(max_chunksize=50)) for t, v in arrow_tables().items()}
    options = dict(threads=2, group_by=["team", "channel"], window="week", zone="America/New_York")
    same(cm.report(**small, **options), cm.report_files(str(SLICE), **options))


def test_polars_and_pandas_give_the_same_report():
    pl = pytest.importorskip("polars")
    pd = pytest.importorskip("pandas")
    want = cm.report(**arrow_tables())
    polars = {t: pl.read_csv(SLICE / f"{t}.csv") for t in TABLES}
    same(cm.report(**polars), want)
    pandas = {t: pd.read_csv(SLICE / f"{t}.csv") for t in TABLES}
    same(cm.report(**pandas), want)
    # Instants as datetimes (what an analyst's frame holds): read as Unix seconds.
    for t, columns in [("tickets", ["created_at"]), ("events", ["at"]), ("surveys", ["at"]),
                       ("calls", ["offered_at", "answered_at", "ended_at"])]:
        for c in columns:
            pandas[t][c] = pd.to_datetime(pandas[t][c], unit="s", utc=True)
            polars[t] = polars[t].with_columns(pl.from_epoch(c, time_unit="s"))
    same(cm.report(**pandas), want)
    same(cm.report(**polars), want)


def test_only_tickets_and_events_are_required():
    t = arrow_tables()
    r = cm.report(t["tickets"], t["events"])
    assert r["tickets"] == cm.report(**t)["tickets"]
    assert r["surveys"]["nps"]["responses"] == 0


def test_calendars_and_sla_policies_as_python_values():
    t = arrow_tables()
    spec = json.loads(CALENDAR.read_text())
    by_value = cm.report(**t, calendar=spec, sla=SLA)
    by_text = cm.report(**t, calendar=json.dumps(spec), sla=json.dumps(SLA))
    by_path = cm.report(**t, calendar=CALENDAR, sla=str(_sla_file(t)))
    same(by_value, by_text)
    same(by_value, by_path)
    sla_path = _sla_file(t)
    same(by_value, cm.report_files(str(SLICE), calendar=CALENDAR, sla=sla_path))
    assert by_value["sla"]["targets"]["All: first_reply"]["target_seconds"] == 3600
    assert by_value["sla"]["targets"]["B: first_reply"]["basis"] == "business"
    assert "business" in json.dumps(by_value["tickets"])


def _sla_file(_tables, _cache={}):
    if "path" not in _cache:
        import tempfile
        f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(SLA, f)
        f.close()
        _cache["path"] = pathlib.Path(f.name)
    return _cache["path"]


def test_bad_tables_raise_with_the_crates_message():
    t = arrow_tables()
    with pytest.raises(cm.CsmMetricsError) as e:
        cm.report(t["tickets"].drop_columns(["created_at"]), t["events"])
    assert "tickets" in str(e.value) and "created_at" in str(e.value)
    with pytest.raises(TypeError) as e:
        cm.report(42, t["events"])
    assert "tickets" in str(e.value)
    with pytest.raises(cm.CsmMetricsError) as e:
        cm.report(**t, sla={"policies": "none"})
    assert "sla" in str(e.value)
    with pytest.raises(cm.CsmMetricsError) as e:
        cm.report(**t, sla={"policies": [{"name": "B", "basis": "business",
                                          "targets": {"first_reply": "1h"}}]})
    assert "calendar" in str(e.value)
    # Rows that break a rule are counted, as in a file.
    events = t["events"].set_column(0, "ticket_id", pa.array([-1] * t["events"].num_rows))
    r = cm.report(t["tickets"], events)
    assert r["input"]["rejected"] == {"events: bad ticket id or instant": 3571,
                                      "tickets: no created event": 400}
    assert r["tickets"]["overall"]["solved"] == 0


def test_the_report_as_tables_that_become_data_frames():
    pl = pytest.importorskip("polars")
    r = cm.report(**arrow_tables(), group_by=["team", "channel"], window="week", sla=SLA,
                  calendar=json.loads(CALENDAR.read_text()))
    t = cm.tables(r)
    assert {"overall", "by_team", "by_channel", "by_window", "sla", "surveys", "calls",
            "input"} <= set(t)
    for name, key in [("by_team", "team"), ("by_channel", "channel"), ("by_window", "window"),
                      ("sla", "target"), ("surveys", "kind")]:
        assert t[name].column_names[0] == key, name
    by_team = t["by_team"].to_pandas().set_index("team")
    assert sorted(by_team.index) == sorted(r["tickets"]["by_team"])
    for team, figures in r["tickets"]["by_team"].items():
        assert by_team.loc[team, "solved"] == figures["solved"]
        assert by_team.loc[team, "first_response.p50"] == pytest.approx(figures["first_response"]["p50"])
    overall = pl.from_arrow(t["overall"])
    assert overall.height == 1 and overall["answered"][0] == r["tickets"]["overall"]["answered"]
    weeks = pl.DataFrame(t["by_window"])
    assert weeks.height == len(r["tickets"]["by_window"])
    surveys = t["surveys"].to_pandas().set_index("kind")
    assert surveys.loc["nps", "score"] == pytest.approx(r["surveys"]["nps"]["score"])
    assert t["sla"].num_rows == len(r["sla"]["targets"])
    assert t["calls"].column("offered")[0].as_py() == 500
    with pytest.raises(ValueError):
        cm.tables({"not": "a report"})
