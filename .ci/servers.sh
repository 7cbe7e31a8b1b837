# Install (Debian packages) and start PostgreSQL and Redis on loopback for the test suite.
# Sourced by .ci/run; sets CI_DATABASE_URL and CI_REDIS_URL. Needs root (CI and dev machines run as root).

PG_PORT=${CI_PG_PORT:-55432}
REDIS_PORT=${CI_REDIS_PORT:-6390}

install_servers() {
  if ! command -v redis-server >/dev/null 2>&1 || ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 \
    || ! command -v wrk >/dev/null 2>&1; then
    echo "==> installing postgresql, redis-server and wrk (Debian packages; wrk: benchmarks/load.py)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server wrk >/dev/null
  fi
}

start_servers() {
  install_servers
  RUNDIR=$(mktemp -d)
  chmod 755 "$RUNDIR"
  export RUNDIR
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PGDATA=$RUNDIR/pg
  install -d -o postgres -g postgres -m 700 "$PGDATA"
  su postgres -c "$PGBIN/initdb -D $PGDATA -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync" >/dev/null
  su postgres -c "$PGBIN/pg_ctl -D $PGDATA -l $PGDATA/server.log -w -o '-p $PG_PORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200' start" >/dev/null
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "create database caseload_test" >/dev/null
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$RUNDIR/redis.pid" --logfile "$RUNDIR/redis.log"
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export CI_DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/caseload_test"
  export CI_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  echo "==> PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT"
}

stop_servers() {
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  su postgres -c "$PGBIN/pg_ctl -D $PGDATA -m fast -w stop" >/dev/null 2>&1 || true
  rm -rf "$RUNDIR"
}
