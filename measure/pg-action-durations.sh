#!/bin/bash
# How long the PostgreSQL operations the daemon waits on take on this host (local PostgreSQL 15, as postgres):
# pg_ctl start (clean and after an immediate stop), CHECKPOINT with dirty buffers, pg_ctl stop -m fast and -m
# immediate, pg_ctl promote until pg_is_in_recovery() is false (polled every 10 ms, as the daemon does).
# The simulator's durations (test/sim/pg-durations.ts) come from this output (docs/measurements/pg-action-durations.txt).
# Usage, under the lab lock: flock /work/lab.flock runuser -u postgres -- bash measure/pg-action-durations.sh [ROWS]
set -euo pipefail
BIN=/usr/lib/postgresql/15/bin
ROWS=${1:-200000}
DIR=$(mktemp -d /tmp/pglab-pgdur-XXXXXX)
trap '$BIN/pg_ctl -D $DIR/p stop -m immediate >/dev/null 2>&1 || true; $BIN/pg_ctl -D $DIR/s stop -m immediate >/dev/null 2>&1 || true; rm -rf $DIR' EXIT
ms() { date +%s%3N; }
P=55432; S=55433
$BIN/initdb -D $DIR/p -U postgres --auth=trust >/dev/null
cat >> $DIR/p/postgresql.conf <<CONF
port = $P
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
wal_level = replica
max_wal_senders = 5
CONF
echo "host replication postgres 127.0.0.1/32 trust" >> $DIR/p/pg_hba.conf
q() { $BIN/psql -X -qAt -h $DIR -p $1 -U postgres -d postgres -c "$2"; }
timed() { local t=$(ms); "$@" >/dev/null; echo $(( $(ms) - t )); }
echo "# $(date -u +%FT%TZ) host load: $(cut -d' ' -f1-3 /proc/loadavg); rows per write batch: $ROWS"
for i in 1 2 3 4 5; do
  start=$(timed $BIN/pg_ctl -D $DIR/p -l $DIR/p.log -w -t 120 start)
  q $P "CREATE TABLE IF NOT EXISTS t (id serial, pad text); INSERT INTO t (pad) SELECT repeat('x', 200) FROM generate_series(1, $ROWS);"
  t=$(ms); q $P "CHECKPOINT"; ckpt=$(( $(ms) - t ))
  q $P "INSERT INTO t (pad) SELECT repeat('y', 200) FROM generate_series(1, $ROWS);"
  fast=$(timed $BIN/pg_ctl -D $DIR/p -w -t 60 stop -m fast)
  $BIN/pg_ctl -D $DIR/p -l $DIR/p.log -w start >/dev/null
  q $P "INSERT INTO t (pad) SELECT repeat('z', 200) FROM generate_series(1, $ROWS);"
  imm=$(timed $BIN/pg_ctl -D $DIR/p -w -t 60 stop -m immediate)
  recov=$(timed $BIN/pg_ctl -D $DIR/p -l $DIR/p.log -w -t 120 start)
  $BIN/pg_ctl -D $DIR/p -w stop -m fast >/dev/null
  echo "run $i: start ${start} ms; CHECKPOINT after $ROWS rows ${ckpt} ms; stop -m fast after $ROWS rows ${fast} ms; stop -m immediate ${imm} ms; start after it (crash recovery) ${recov} ms"
done
$BIN/pg_ctl -D $DIR/p -l $DIR/p.log -w start >/dev/null
for i in 1 2 3; do
  rm -rf $DIR/s
  $BIN/pg_basebackup -D $DIR/s -h 127.0.0.1 -p $P -U postgres -X stream -R -c fast >/dev/null
  sed -i "s/^port = .*/port = $S/" $DIR/s/postgresql.conf
  $BIN/pg_ctl -D $DIR/s -l $DIR/s.log -w start >/dev/null
  t=$(ms)
  $BIN/pg_ctl -D $DIR/s -W promote >/dev/null
  until [ "$(q $S 'SELECT pg_is_in_recovery()')" = f ]; do sleep 0.01; done
  echo "promote $i: pg_ctl promote until out of recovery $(( $(ms) - t )) ms"
  $BIN/pg_ctl -D $DIR/s -w stop -m immediate >/dev/null
done
