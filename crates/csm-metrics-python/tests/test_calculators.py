"""The csm_metrics package: calculators by hand, the merge law, pickling, errors, staffing."""

import json
import pathlib
import pickle

import pytest

import csm_metrics as cm

REPO = pathlib.Path(__file__).resolve().parents[3]


def nps(i, score, agent=7):
    return {"id": i, "at": "2025-03-01T12:00:00Z", "score": {"nps": score}, "agent": agent}


def call(i, answered, ended):
    t = lambda s: f"2025-03-03T09:{s // 60:02d}:{s % 60:02d}Z"
    return {
        "id": i, "queue": 1, "offered_at": t(0),
        "answered_at": None if answered is None else t(answered), "ended_at": t(ended),
        "hold": 0, "wrap": 0, "agent": None if answered is None else 3,
        "customer": None, "transferred": False,
    }


def test_nps_by_hand():
    # 10 and 9 promote, 7 is passive, 3 detracts: (2 − 1) / 4 = 25 points.
    n = cm.NetPromoterScore()
    assert n.observe_all([nps(1, 10), nps(2, 9), nps(3, 7), nps(4, 3)]) == 4
    s = n.snapshot()
    assert (s["promoters"], s["passives"], s["detractors"]) == (2, 1, 1)
    assert s["score"] == pytest.approx(25.0)


def test_split_and_merge_is_one_pass():
    records = [nps(i, i % 11) for i in range(1, 200)]
    one, a, b = cm.NetPromoterScore(), cm.NetPromoterScore(), cm.NetPromoterScore()
    one.observe_all(records)
    a.observe_all(records[:77])
    b.observe_all(records[77:])
    a.merge(b)
    assert a == one
    assert a.snapshot() == one.snapshot()
    empty = cm.NetPromoterScore()
    empty.merge(one)
    assert empty == one


def test_states_round_trip_through_bytes_and_pickle():
    s = cm.SurveySuite()
    s.observe_all([nps(1, 9), {"id": 2, "at": "2025-03-01T13:00:00Z", "score": {"csat": 4}}])
    assert cm.SurveySuite.from_bytes(s.to_bytes()) == s
    back = pickle.loads(pickle.dumps(s))
    assert back == s and back.snapshot() == s.snapshot()
    with pytest.raises(cm.CsmMetricsError):
        cm.SurveySuite.from_bytes(b"{not a state")


def test_bad_records_raise_with_the_crates_message_and_change_nothing():
    n = cm.NetPromoterScore()
    n.observe(nps(1, 9))
    before = n.to_bytes()
    with pytest.raises(cm.CsmMetricsError) as e:
        n.observe(nps(42, 11))
    assert "42" in str(e.value) and "11" in str(e.value)
    assert n.to_bytes() == before
    with pytest.raises(cm.CsmMetricsError):
        n.observe({"id": 1, "score": {"nps": 9}})  # no instant
    c = cm.CallCenter()
    with pytest.raises(cm.CsmMetricsError) as e:
        c.observe(call(5, 50, 40))  # ended before it was answered
    assert "5" in str(e.value)


def test_patience_by_hand():
    # Two abandons (60 s, 120 s) and an answer after 30 s: 210 s of waiting over 2 abandons.
    p = cm.Patience()
    p.observe_all([call(1, None, 60), call(2, None, 120), call(3, 30, 300)])
    s = p.snapshot()
    assert (s["abandons"], s["answered"], s["waited_seconds"]) == (2, 1, 210)
    assert s["mean"] == pytest.approx(105.0)
    assert s["mean_low"] == pytest.approx(420 / 11.143286781877796)


def test_staffing_the_published_case():
    # 100 contacts in 30 minutes at 180 s: 14 agents answer 88.8 % in 20 s; 20 positions
    # at 30 % shrinkage.
    s = cm.agents_needed(100, 180)
    assert (s["agents"], s["positions"]) == (14, 20)
    assert s["prediction"]["service_level"] == pytest.approx(0.888, abs=5e-4)
    week = cm.plan([
        {"start": "2025-03-10T09:00:00Z", "contacts": 100.0, "aht": 180.0},
        {"start": "2025-03-10T09:30:00Z", "contacts": 0.0, "aht": 180.0},
    ])
    assert week["agent_hours"] == pytest.approx(7.0)
    assert week["rows"][1]["staffing"] is None
    with pytest.raises(cm.CsmMetricsError):
        cm.agents_needed(100, 180, service_level=1.0)


def reply(ticket, at, agent=2):
    return {"ticket": ticket, "at": at, "kind": {"message": {"author": {"agent": agent}, "visibility": "public"}}}


def solved(ticket, at):
    return {"ticket": ticket, "at": at, "kind": {"status": "solved"}}


def test_ticket_tracker_by_hand_saved_and_merged():
    # Ticket 1: created 09:00, answered 10:00, solved 11:00 — FRT 3,600 s, resolution 7,200 s.
    # Ticket 2 (team 3): created 09:30, answered 09:45, still open.
    def first_half():
        t = cm.TicketTracker()
        t.observe_ticket({"id": 1, "created_at": "2025-03-03T09:00:00Z", "requester": 5})
        t.observe_ticket({"id": 2, "created_at": "2025-03-03T09:30:00Z", "requester": 6, "team": 3})
        t.observe_interaction(reply(2, "2025-03-03T09:45:00Z"))
        return t
    t = first_half()
    restored = pickle.loads(pickle.dumps(t))
    for x in (t, restored):
        x.observe_interaction(reply(1, "2025-03-03T10:00:00Z"))
        x.observe_interaction(solved(1, "2025-03-03T11:00:00Z"))
    a, b = t.snapshot(), restored.snapshot()
    assert a == b
    overall = a["overall"]
    assert overall["tickets"] == 2 and overall["solved"] == 1
    assert overall["first_response"]["mean"] == pytest.approx((3600 + 900) / 2)
    assert overall["full_resolution"]["mean"] == pytest.approx(7200)
    assert t.in_play() == 2
    # Shards by ticket id merge into the one-pass figures.
    s1, s2 = cm.TicketTracker(), cm.TicketTracker()
    s1.observe_ticket({"id": 1, "created_at": "2025-03-03T09:00:00Z", "requester": 5})
    s1.observe_interaction(reply(1, "2025-03-03T10:00:00Z"))
    s1.observe_interaction(solved(1, "2025-03-03T11:00:00Z"))
    s2.observe_ticket({"id": 2, "created_at": "2025-03-03T09:30:00Z", "requester": 6, "team": 3})
    s2.observe_interaction(reply(2, "2025-03-03T09:45:00Z"))
    s1.merge(s2)
    assert s1.snapshot(as_of="2025-03-03T11:00:00Z") == a
    with pytest.raises(cm.CsmMetricsError) as e:
        t.observe_interaction(reply(1, "2025-03-03T08:00:00Z"))
    assert "1" in str(e.value)


def test_ticket_tracker_in_business_hours():
    spec = (REPO / "examples" / "new_york_2025.json").read_text()
    t = cm.TicketTracker(calendar=spec)
    # Created Friday 16:00 in New York (21:00 UTC, EST), answered Monday 10:00 (14:00 UTC:
    # EDT from 9 March). Business hours 09:00–17:00: 1 h on Friday + 1 h on Monday.
    t.observe_ticket({"id": 1, "created_at": "2025-03-07T21:00:00Z", "requester": 5})
    t.observe_interaction(reply(1, "2025-03-10T14:00:00Z"))
    s = t.snapshot()
    assert s["overall"]["business"]["first_response"]["mean"] == pytest.approx(7200)
    assert s["overall"]["first_response"]["mean"] == pytest.approx(65 * 3600)  # 21:00 Friday to 14:00 Monday, UTC
    back = cm.TicketTracker.from_bytes(t.to_bytes())
    assert back.snapshot() == s
    with pytest.raises(cm.CsmMetricsError):
        cm.TicketTracker(calendar="{not json")


SLA = {"policies": [{"name": "All", "targets": {"first_reply": "1h"}}]}


def reply(ticket, at):
    return {"ticket": ticket, "at": at,
            "kind": {"message": {"author": {"agent": 2}, "visibility": "public"}}}


def feed(tracker, tickets):
    for i, answered in tickets:
        tracker.observe_ticket({"id": i, "created_at": "2025-03-03T09:00:00Z", "requester": i})
    for i, answered in tickets:
        tracker.observe_interaction(reply(i, answered))


def test_sla_tracker_by_hand():
    # Answered after 30 min (achieved, 1,800 s to spare) and after 2 h (breached by 3,600 s).
    s = cm.SlaTracker(SLA)
    feed(s, [(1, "2025-03-03T09:30:00Z"), (2, "2025-03-03T11:00:00Z")])
    t = s.snapshot()["targets"][0]
    assert (t["policy"], t["metric"], t["achieved"], t["breached"]) == ("All", "first_reply", 1, 1)
    assert t["attainment"] == pytest.approx(0.5)
    assert t["breach_by"]["mean"] == pytest.approx(3600.0)
    assert t["spare"]["mean"] == pytest.approx(1800.0)
    # A webhook retry of the same reply changes nothing.
    s.observe_interaction(reply(2, "2025-03-03T11:00:00Z"))
    assert s.snapshot()["targets"][0]["breached"] == 1
    # Business time: created Friday 21:00 New York (after hours), answered Monday 10:00:
    # one business hour, a 4-hour business target achieved; as a calendar target, breached.
    spec = {"policies": [{"name": "B", "basis": "business", "targets": {"first_reply": "4h"}}]}
    b = cm.SlaTracker(spec, calendar=(REPO / "examples" / "new_york_2025.json").read_text())
    b.observe_ticket({"id": 1, "created_at": "2025-03-08T02:00:00Z", "requester": 5})
    b.observe_interaction(reply(1, "2025-03-10T14:00:00Z"))
    assert b.snapshot()["targets"][0]["achieved"] == 1
    with pytest.raises(cm.CsmMetricsError) as e:
        cm.SlaTracker(spec)
    assert "calendar" in str(e.value)
    with pytest.raises(cm.CsmMetricsError):
        cm.SlaTracker({"policies": "none"})


def test_sla_tracker_shards_merge_and_state_round_trips():
    tickets = [(i, f"2025-03-03T{9 + i % 5:02d}:{(7 * i) % 60:02d}:00Z") for i in range(1, 60)]
    one, a, b = cm.SlaTracker(SLA), cm.SlaTracker(SLA), cm.SlaTracker(SLA)
    feed(one, tickets)
    feed(a, [t for t in tickets if t[0] % 2 == 0])
    feed(b, [t for t in tickets if t[0] % 2 == 1])
    a.merge(b)
    assert a.snapshot() == one.snapshot()
    back = pickle.loads(pickle.dumps(one))
    assert back.snapshot() == one.snapshot() and back.in_play() == one.in_play()
    assert cm.SlaTracker.from_bytes(one.to_bytes()).snapshot() == one.snapshot()
    with pytest.raises(cm.CsmMetricsError):
        cm.SlaTracker.from_bytes(b"{not a state")
    # A calendar as a dict, for the ticket tracker too.
    spec = json.loads((REPO / "examples" / "new_york_2025.json").read_text())
    t = cm.TicketTracker(calendar=spec)
    t.observe_ticket({"id": 1, "created_at": "2025-03-07T21:00:00Z", "requester": 5})
    t.observe_interaction(reply(1, "2025-03-10T14:00:00Z"))
    assert t.snapshot()["overall"]["business"]["first_response"]["mean"] == pytest.approx(7200.0)
