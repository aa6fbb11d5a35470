#!/usr/bin/env bash
# bench/load.sh MANIFEST [SECONDS] [USERS]: a bounded mixed load against gunicorn (issue 15, part 3).
#
# Starts gunicorn with 2 workers on 127.0.0.1:${BENCH_PORT:-5120} over the database the manifest names (made by
# `python -m bench.generate`), notes each worker's memory, drives bench/locustfile.py headless with Locust for
# SECONDS (60), notes the memory again, and writes bench/results/load-<tier>-<engine>.json: throughput, p50 and p95
# per request type, failures, and each worker's memory before and after. Locust is an optional dependency
# (pip install -e '.[bench]'); LOCUST names another locust executable.
set -euo pipefail
cd "$(dirname "$0")/.."

manifest=$(realpath "${1:?usage: bench/load.sh MANIFEST [SECONDS] [USERS]}")
seconds="${2:-60}"
users="${3:-20}"
port="${BENCH_PORT:-5120}"
locust="${LOCUST:-.venv/bin/locust}"
work="${BENCH_WORK:-/tmp/bench/load}"
mkdir -p "$work" bench/results

database_url=$(.venv/bin/python -c 'import json,sys; print(json.load(open(sys.argv[1]))["database_url"])' "$manifest")
export DATABASE_URL="$database_url" SECRET_KEY="bench-only-secret-key-$(date +%s)" EARLYHELP_ENV=development
# A throwaway database with fictional accounts: no throttling of the load's own sign-ins.
export SIGN_IN_MAX_FAILURES_PER_ADDRESS=100000 SIGN_IN_DELAY_SECONDS=0

.venv/bin/gunicorn -c python:wsgi wsgi:app --workers 2 --bind "127.0.0.1:$port" --pid "$work/gunicorn.pid" \
  --access-logfile /dev/null --error-logfile "$work/gunicorn.log" --daemon
trap 'kill "$(cat "$work/gunicorn.pid")" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 1
done

memory() {  # resident memory of each gunicorn worker, in MB
  local master
  master=$(cat "$work/gunicorn.pid")
  for pid in $(pgrep -P "$master"); do
    echo "$pid $(($(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024))"
  done
}
memory > "$work/memory-before.txt"

BENCH_MANIFEST="$manifest" "$locust" -f bench/locustfile.py --headless --host "http://127.0.0.1:$port" \
  --users "$users" --spawn-rate "$users" --run-time "${seconds}s" --csv "$work/locust" --only-summary \
  >"$work/locust.out" 2>&1 || true

memory > "$work/memory-after.txt"

.venv/bin/python - "$manifest" "$work" "$seconds" "$users" <<'PY'
import csv, json, os, platform, sys
from datetime import UTC, datetime
from pathlib import Path

manifest, work, seconds, users = json.load(open(sys.argv[1])), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
engine = "postgresql" if manifest["database_url"].startswith("postgresql") else "sqlite"
rows = list(csv.DictReader(open(work / "locust_stats.csv")))
def memory(name):
    return {pid: int(mb) for pid, mb in (line.split() for line in (work / name).read_text().split("\n") if line)}
report = {
    "tier": manifest["tier"], "engine": engine, "date": datetime.now(UTC).isoformat(timespec="seconds"),
    "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "load_average_1_5_15": os.getloadavg()},
    "seconds": seconds, "users": users, "workers": 2,
    "requests": {r["Name"]: {"count": int(r["Request Count"]), "failures": int(r["Failure Count"]),
                             "per_second": float(r["Requests/s"]), "p50_ms": float(r["50%"] or 0),
                             "p95_ms": float(r["95%"] or 0)} for r in rows},
    "worker_memory_mb": {"before": memory("memory-before.txt"), "after": memory("memory-after.txt")},
}
total = report["requests"].get("Aggregated", {})
report["targets"] = {
    "at least 150 requests a second": total.get("per_second", 0) >= 150,
    "p95 at most 100 ms": 0 < total.get("p95_ms", 0) <= 100,
    "no errors": total.get("failures", 1) == 0,
    "memory per worker at most 200 MB": all(mb <= 200 for mb in report["worker_memory_mb"]["after"].values()),
}
out = Path("bench/results") / f"load-{manifest['tier']}-{engine}.json"
out.write_text(json.dumps(report, indent=2))
print(json.dumps(total), "\n", json.dumps(report["worker_memory_mb"]), "\n", json.dumps(report["targets"]))
print(f"wrote {out}")
PY
