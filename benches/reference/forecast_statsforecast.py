"""The reference forecasts for `csm-metrics forecast`: statsforecast's MSTL (daily and
weekly seasonality, AutoETS trend) and seasonal-naive on the same call log, the same
intervals, the same cut; WAPE and bias on the held-out intervals.

Run by hand (not a dependency of the crate):
    pip install statsforecast==2.1.1 pandas
    python3 benches/reference/forecast_statsforecast.py calls.csv --until 2025-04-07T00:00:00Z
prints JSON: each model's WAPE and bias over the horizon (UTC intervals of 30 minutes).
"""

import argparse
import json
import sys
import time

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import MSTL, AutoETS, SeasonalNaive


def main():
    p = argparse.ArgumentParser()
    p.add_argument("calls")
    p.add_argument("--until", required=True)
    p.add_argument("--interval", type=int, default=1800)
    p.add_argument("--horizon-days", type=int, default=7)
    a = p.parse_args()
    calls = pd.read_csv(a.calls, usecols=["offered_at"])
    t = calls["offered_at"].to_numpy()
    until = int(pd.Timestamp(a.until).timestamp())
    # Intervals from the first call's UTC midnight: zeros where nothing came.
    first = (t.min() // 86400) * 86400
    h = a.horizon_days * 86400 // a.interval
    n_learn = (until - first) // a.interval
    counts = np.bincount((t - first) // a.interval, minlength=n_learn + h)[: n_learn + h]
    learn, held = counts[:n_learn].astype(float), counts[n_learn:].astype(float)
    per_day = 86400 // a.interval
    df = pd.DataFrame({
        "unique_id": "calls",
        "ds": pd.to_datetime(first + a.interval * np.arange(n_learn), unit="s"),
        "y": learn,
    })
    out = {}
    for name, model in [
        ("statsforecast MSTL(48, 336) + AutoETS", MSTL(season_length=[per_day, 7 * per_day], trend_forecaster=AutoETS(model="ZZN"))),
        ("statsforecast SeasonalNaive(336)", SeasonalNaive(season_length=7 * per_day)),
    ]:
        started = time.time()
        sf = StatsForecast(models=[model], freq=f"{a.interval}s", n_jobs=1)
        f = sf.forecast(df=df, h=h)
        yhat = np.maximum(f.iloc[:, -1].to_numpy(), 0.0)
        out[name] = {
            "wape": float(np.abs(yhat - held).sum() / held.sum()),
            "bias": float((yhat - held).sum() / held.sum()),
            "seconds": time.time() - started,
        }
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
