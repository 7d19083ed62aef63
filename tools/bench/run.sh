#!/usr/bin/env bash
# Runs fairlab's benchmarks (release build) and the Python peers' in the same session, and prints the ratios.
# Needs: pip install aif360 fairlearn scikit-learn h5py pandas. Takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product fairlab-bench >/dev/null
swift build -c release --product StandardMetrics >/dev/null
out=$(mktemp)
OPENBLAS_NUM_THREADS=1 .build/release/fairlab-bench | tee "$out"
OPENBLAS_NUM_THREADS=1 python3 tools/bench/peers.py 2>/dev/null | tee -a "$out"
python3 tools/bench/peers.py learner 2>/dev/null | tee -a "$out"   # scikit-learn as users run it: default BLAS threads
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
fit = {r["implementation"]: r for r in rows if r["benchmark"] == "learner_fit"}
f = fit.pop("fairlab")
for name, s in fit.items():
    print(f"learner: fairlab {f['median_seconds']*1e3:.1f} ms vs {name} {s['median_seconds']*1e3:.1f} ms "
          f"-> {s['median_seconds']/f['median_seconds']:.1f}x faster; log-loss {f['train_log_loss']:.9f} vs {s['train_log_loss']:.9f}")
metric = [r for r in rows if r["benchmark"] == "metrics"]
best = {r["implementation"]: r["rows_per_second"] for r in metric if r["implementation"] != "fairlab"}
for r in metric:
    if r["implementation"] == "fairlab":
        ratios = ", ".join(f"{r['rows_per_second']/v:.0f}x {k}" for k, v in best.items())
        print(f"metrics at {r['rows']:.0e} rows: fairlab {r['rows_per_second']:.3g} rows/s ({ratios})")
PY
