"""Peer side of bench/drift.ts: Evidently and alibi-detect computing the same drift tests on
the exact data the TypeScript side generated (float64 files, one column after another).

    .venv-peers/bin/python bench/peers/drift_bench.py TOOL DATA_DIR REPS

TOOL: evidently-stattests (Evidently's own test functions, per column: KS p-value,
normed Wasserstein, PSI, Jensen-Shannon: the computation inside its reports),
evidently-report (Evidently's Report + DataDriftPreset, what users run), alibi-ks
(alibi-detect KSDrift, feature-wise KS). Prints one JSON object: per-rep wall times, peak
RSS, and the statistics of the last rep.
"""

import json
import resource
import sys
import time
import warnings

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(data_dir):
    meta = json.load(open(f"{data_dir}/meta.json"))
    rows_ref, rows_cur, k = meta["referenceRows"], meta["currentRows"], meta["features"]
    ref = np.fromfile(f"{data_dir}/reference.f64", dtype="<f8").reshape(k, rows_ref)
    cur = np.fromfile(f"{data_dir}/current.f64", dtype="<f8").reshape(k, rows_cur)
    return meta, ref, cur


def evidently_stattests(ref, cur, reps):
    from evidently.legacy.calculations.stattests.jensenshannon import _jensenshannon
    from evidently.legacy.calculations.stattests.ks_stattest import _ks_stat_test
    from evidently.legacy.calculations.stattests.psi import _psi
    from evidently.legacy.calculations.stattests.wasserstein_distance_norm import _wasserstein_distance_norm
    from evidently.legacy.core import ColumnType

    num = ColumnType.Numerical
    times, stats = [], None
    for _ in range(reps):
        t = time.perf_counter()
        out = {"ks_p": [], "wasserstein": [], "psi": [], "jensenshannon": []}
        for j in range(ref.shape[0]):
            a, b = pd.Series(ref[j]), pd.Series(cur[j])
            out["ks_p"].append(float(_ks_stat_test(a, b, num, 0.05)[0]))
            out["wasserstein"].append(float(_wasserstein_distance_norm(a, b, num, 0.1)[0]))
            out["psi"].append(float(_psi(a, b, num, 0.1)[0]))
            out["jensenshannon"].append(float(_jensenshannon(a, b, num, 0.1)[0]))
        times.append(time.perf_counter() - t)
        stats = out
    return times, stats


def evidently_report(ref, cur, reps):
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    columns = [f"f{j}" for j in range(ref.shape[0])]
    times, stats = [], None
    for _ in range(reps):
        t = time.perf_counter()
        rdf = pd.DataFrame(ref.T, columns=columns)
        cdf = pd.DataFrame(cur.T, columns=columns)
        definition = DataDefinition(numerical_columns=columns)
        snapshot = Report([DataDriftPreset(method="wasserstein")]).run(
            Dataset.from_pandas(cdf, data_definition=definition), Dataset.from_pandas(rdf, data_definition=definition)
        )
        values = {}
        for m in snapshot.dict()["metrics"]:
            config = m.get("config", {})
            if config.get("type", "").endswith("ValueDrift"):
                values[config["column"]] = float(m["value"])
        times.append(time.perf_counter() - t)
        stats = {"wasserstein": [values[c] for c in columns]}
    return times, stats


def alibi_ks(ref, cur, reps):
    from alibi_detect.cd import KSDrift

    times, stats = [], None
    for _ in range(reps):
        t = time.perf_counter()
        detector = KSDrift(ref.T, p_val=0.05)
        result = detector.predict(cur.T, return_p_val=True, return_distance=True)
        times.append(time.perf_counter() - t)
        stats = {
            "ks_p": [float(p) for p in result["data"]["p_val"]],
            "ks_d": [float(d) for d in result["data"]["distance"]],
        }
    return times, stats


def main():
    tool, data_dir, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    started = time.perf_counter()
    _, ref, cur = load(data_dir)
    loaded_rss = rss_mb()
    run = {"evidently-stattests": evidently_stattests, "evidently-report": evidently_report, "alibi-ks": alibi_ks}[tool]
    times, stats = run(ref, cur, reps)
    print(json.dumps({
        "tool": tool,
        "times_s": times,
        "peak_rss_mb": rss_mb(),
        "rss_after_load_mb": loaded_rss,
        "process_s": time.perf_counter() - started,
        "stats": stats,
    }))


if __name__ == "__main__":
    main()
