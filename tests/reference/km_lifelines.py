"""Kaplan-Meier reference figures for tests/survival.rs, computed by lifelines.

Run once by hand (not by CI; the crate does not depend on Python):

    pip install lifelines==0.30.0 numpy
    python3 tests/reference/km_lifelines.py > tests/data/survival/lifelines.json

and, for a generated history read half way (see tests/survival_history.rs),

    python3 tests/reference/km_lifelines.py --history FILE > tests/data/survival/history_lifelines.json

Each case holds its data (durations in seconds, observed 1 = event, 0 = censored) and what
lifelines' KaplanMeierFitter reports on it: the survival function and its 95 % interval
(exponential Greenwood, lifelines' default) at each time of the timeline, the median and
the 90th percentile (`qth_survival_time` at 0.5 and 0.1; null for "not reached") with the
intervals read off the bands (`median_survival_times(confidence_interval_)`), and the
restricted mean up to horizons (`restricted_mean_survival_time`).
"""

import json
import math
import warnings

import lifelines
import numpy as np
from lifelines import KaplanMeierFitter
from lifelines.utils import qth_survival_times, restricted_mean_survival_time


def finite(x):
    x = float(x)
    return None if math.isinf(x) else x


def case(name, durations, observed, horizons, whole=False):
    km = KaplanMeierFitter().fit(durations, observed)
    sf = km.survival_function_.iloc[:, 0]
    ci = km.confidence_interval_
    out = {"name": name, "durations": [float(d) for d in durations],
           "observed": [int(o) for o in observed]}
    # The whole curve for the small case; elsewhere the curve at a few durations.
    if whole:
        at = list(sf.index)
    else:
        at = list(np.quantile(durations, [0.1, 0.25, 0.5, 0.75, 0.9]))
    out["at"] = [float(t) for t in at]
    out["survival"] = [float(km.predict(t)) for t in at]
    low, high = ci.iloc[:, 0], ci.iloc[:, 1]
    out["low"] = [float(low[low.index <= t].iloc[-1]) for t in at]
    out["high"] = [float(high[high.index <= t].iloc[-1]) for t in at]
    for key, level in (("median", 0.5), ("p90", 0.1)):
        bands = qth_survival_times(level, ci)
        out[key] = finite(km.percentile(level))
        out[key + "_low"] = finite(bands.iloc[0, 0])
        out[key + "_high"] = finite(bands.iloc[0, 1])
    out["restricted_mean"] = [[float(h), float(restricted_mean_survival_time(km, t=h))]
                              for h in horizons]
    return out


# restricted_mean_survival_time integrates the step function on its own timeline: exact.
warnings.filterwarnings("ignore", category=lifelines.exceptions.ApproximationWarning)
import sys

if len(sys.argv) == 3 and sys.argv[1] == "--history":
    # The per-ticket data tests/survival_history.rs wrote from a generated history.
    data = json.load(open(sys.argv[2]))
    out = {"lifelines": lifelines.__version__}
    for name in ("first_response", "full_resolution"):
        d = data[name]
        c = case(name, np.array(d["durations"]), np.array(d["observed"]), [86400.0])
        out[name] = {k: c[k] for k in ("median", "median_low", "median_high",
                                       "p90", "p90_low", "p90_high")}
        out[name]["n"] = len(d["durations"])
    print(json.dumps(out, indent=1))
    sys.exit(0)

rng = np.random.default_rng(20261203)
cases = []

# Whole seconds below 50: each has a bin of its own, so the crate's figures are lifelines'.
n = 400
event = rng.integers(1, 45, n)
censor = rng.integers(1, 45, n)
cases.append(case("whole_seconds", np.minimum(event, censor), (event <= censor).astype(int),
                  [10.0, 30.0, 44.0], whole=True))

# Resolution times of a cohort read while most tickets are open: lognormal solves (median
# 6 h), ages uniform over a day: heavy censoring.
n = 3000
solve = np.round(rng.lognormal(math.log(6 * 3600), 1.2, n))
age = np.round(rng.uniform(60, 86400, n))
cases.append(case("heavy_censoring", np.minimum(solve, age), (solve <= age).astype(int),
                  [3600.0, 86400.0, 172800.0]))

# Most still waiting: the median is not reached.
n = 300
solve = np.round(rng.exponential(5 * 86400, n))
age = np.round(rng.uniform(60, 86400, n))
cases.append(case("not_reached", np.minimum(solve, age), (solve <= age).astype(int),
                  [43200.0]))

print(json.dumps({"lifelines": lifelines.__version__, "numpy": np.__version__,
                  "cases": cases}, indent=None))
