"""The csm_metrics package: calculators by hand, the merge law, pickling, errors, staffing."""

import pickle

import pytest

import csm_metrics as cm


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
