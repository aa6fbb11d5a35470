#!/usr/bin/env bash
# bench/load.sh MANIFEST [SECONDS] [USERS]: a bounded mixed load against gunicorn (issue 15, part 3).
#
# Starts gunicorn with 2 workers on 127.0.0.1:${BENCH_PORT:-5120} over the database the manifest names (made by
# `python -m bench.generate`), drives bench/locustfile.py headless with Locust for SECONDS (60), then, for memory,
# a soak (bench/drive.py, no waits) until the workers have served BENCH_MEMORY_REQUESTS (5,000) requests in all.
# Each worker's resident memory (RSS) and the requests it has served (from gunicorn's access log, by pid) are
# sampled every BENCH_SAMPLE_SECONDS (2) throughout. Writes ${BENCH_OUT:-bench/results}/load-<tier>-<engine>.json:
# throughput, p50 and p95 per request type, failures, which tool drove the load, and each worker's memory before,
# after, at most, and as a series; then bench/alongside.py (a family page while the 400-step handover summary
# renders) writes alongside-<tier>-<engine>.json. Locust is an optional dependency (pip install --require-hashes -r requirements/bench.txt); LOCUST names
# another locust executable. Without it the timed load is driven by bench/drive.py (the same mix), and says so.
set -euo pipefail
cd "$(dirname "$0")/.."

manifest=$(realpath "${1:?usage: bench/load.sh MANIFEST [SECONDS] [USERS]}")
seconds="${2:-60}"
users="${3:-20}"
port="${BENCH_PORT:-5120}"
locust="${LOCUST:-.venv/bin/locust}"
work="${BENCH_WORK:-/tmp/bench/load}"
out="${BENCH_OUT:-bench/results}"
memory_requests="${BENCH_MEMORY_REQUESTS:-5000}"
sample_seconds="${BENCH_SAMPLE_SECONDS:-2}"
mkdir -p "$work" "$out"
rm -f "$work"/locust_stats.csv "$work"/drive.json "$work"/soak.json "$work"/access.log "$work"/memory.txt

database_url=$(.venv/bin/python -c 'import json,sys; print(json.load(open(sys.argv[1]))["database_url"])' "$manifest")
export DATABASE_URL="$database_url" SECRET_KEY="bench-only-secret-key-$(date +%s)" EARLYHELP_ENV=development
# A throwaway database with fictional accounts: no throttling of the load's own sign-ins.
export SIGN_IN_MAX_FAILURES_PER_ADDRESS=100000 SIGN_IN_DELAY_SECONDS=0

# The access log names the worker (pid) of each request: the memory series counts each worker's requests.
.venv/bin/gunicorn -c python:wsgi wsgi:app --workers 2 --bind "127.0.0.1:$port" --pid "$work/gunicorn.pid" \
  --access-logfile "$work/access.log" --access-logformat '%(p)s' --error-logfile "$work/gunicorn.log" --daemon
sampler=""
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  kill "$(cat "$work/gunicorn.pid")" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 1
done

sample() {  # one line a worker: seconds since start, pid, RSS in MB, requests it has served
  local master start
  master=$(cat "$work/gunicorn.pid")
  start=$(date +%s.%N)
  while true; do
    now=$(date +%s.%N)
    for pid in $(pgrep -P "$master"); do
      rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
      served=$(grep -c "^<$pid>\$\|^$pid\$" "$work/access.log" 2>/dev/null || true)
      echo "$(echo "$now - $start" | bc) $pid $((rss / 1024)) ${served:-0}"
    done >> "$work/memory.txt"
    sleep "$sample_seconds"
  done
}
sample &
sampler=$!

if [ -x "$locust" ] || command -v "$locust" >/dev/null 2>&1; then
  driver=locust
  BENCH_MANIFEST="$manifest" "$locust" -f bench/locustfile.py --headless --host "http://127.0.0.1:$port" \
    --users "$users" --spawn-rate "$users" --run-time "${seconds}s" --csv "$work/locust" --only-summary \
    >"$work/locust.out" 2>&1 || true
else
  driver="bench/drive.py (Locust is not installed: pip install --require-hashes -r requirements/bench.txt)"
  echo "Locust is not installed ($locust): the timed load is driven by bench/drive.py, the same mix" >&2
  .venv/bin/python -m bench.drive --host "http://127.0.0.1:$port" --manifest "$manifest" --seconds "$seconds" \
    --users "$users" --out "$work/drive.json"
fi
served=$(wc -l < "$work/access.log")
if [ "$served" -lt "$memory_requests" ]; then
  echo "Memory soak: $served requests so far, driving to $memory_requests" >&2
  .venv/bin/python -m bench.drive --host "http://127.0.0.1:$port" --manifest "$manifest" --seconds 3600 \
    --users 4 --no-wait --requests "$((memory_requests - served))" --out "$work/soak.json"
fi
sleep "$sample_seconds"
kill "$sampler" 2>/dev/null || true
sampler=""

# The 400-step handover summary rendering over and over while a family page is timed (issue 15, part 6).
.venv/bin/python -m bench.alongside --host "http://127.0.0.1:$port" --manifest "$manifest" --out "$out" >/dev/null ||
  echo "bench.alongside failed: no alongside-*.json this run" >&2

.venv/bin/python -m bench.load_report "$manifest" "$work" "$seconds" "$users" "$driver" "$out"
