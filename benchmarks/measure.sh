#!/usr/bin/env bash
# Every figure of BENCHMARKS.md's summary (floors, start-up) and of Appendix A sections 1-4 and 6, one
# command after another, with the load average before each:
#   BENCH_PG=postgresql://postgres@127.0.0.1:55482 benchmarks/measure.sh OUT_DIR
# Needs the databases bench10k, bench100k and bench1m (see "The data set") and wrk for section 6.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?output directory}
PG=${BENCH_PG:?base URL of the PostgreSQL server, without a database}
mkdir -p "$OUT"
log() { echo "=== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) :: $*" | tee -a "$OUT/log.txt"; }
http() {  # size run
  log "http $1 $2"
  BENCH_DATABASE_URL=$PG/bench$1 .venv/bin/python -m pytest benchmarks/test_http.py --benchmark-enable \
    --benchmark-min-rounds=10 --benchmark-max-time=1 --benchmark-json="$OUT/http_$1_$2.json" -q \
    -p no:cacheprovider >"$OUT/http_$1_$2.log" 2>&1
  .venv/bin/python -m benchmarks.report "$OUT/http_$1_$2.json" >>"$OUT/log.txt"
}
cpu() {
  log "cpu $1"
  .venv/bin/python -m benchmarks.cpu --database-url "$PG/bench$1" --jurisdiction 4 --requests 100 >>"$OUT/log.txt" 2>&1
}
log "commit $(git log --oneline -1)"
log "floors: trivial query against the bare app, access log on, alternated (issue 23)"
.venv/bin/python -m benchmarks.floors --database-url "$PG/bench1m" --seconds 10 --rounds 3 --log-cost 2>&1 \
  | grep -v WARN >>"$OUT/log.txt"
log "start-up: first /healthz, and the first dashboard with the warm-up"
.venv/bin/python -m benchmarks.startup --database-url "$PG/bench1m" --rounds 3 2>&1 | grep -v WARN >>"$OUT/log.txt"
for first in console other; do
  .venv/bin/python -m benchmarks.first_dashboard --database-url "$PG/bench1m" --warm-up --first "$first" 2>&1 \
    | grep -v WARN >>"$OUT/log.txt"
done
for _ in 1 2 3; do
  log "endpoint_ab 1m"
  .venv/bin/python -m benchmarks.endpoint_ab --database-url "$PG/bench1m" 2>&1 | grep -v WARN >>"$OUT/log.txt"
done
for size in 10k 1m; do
  log "executor_ab $size"
  .venv/bin/python -m benchmarks.executor_ab --database-url "$PG/bench$size" --jurisdiction 4 2>&1 \
    | grep -v WARN >>"$OUT/log.txt"
  log "executor_ab $size, records against ORM instances"
  .venv/bin/python -m benchmarks.executor_ab --database-url "$PG/bench$size" --jurisdiction 4 --compare records \
    2>&1 | grep -v WARN >>"$OUT/log.txt"
done
http 1m A; http 1m B; cpu 1m
for test in 1 2; do
  log "load 1m, test $test"
  .venv/bin/python -m benchmarks.load --database-url "$PG/bench1m" --workers 1 2 --clients 50 --seconds 20 \
    --jurisdiction 4 --json | tee -a "$OUT/log.txt"
done
for size in 10k 100k; do http "$size" A; cpu "$size"; done
log "done"
