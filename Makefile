# pglab: `make` brings up the whole lab and measures it; `make test` runs the tests.
# Every target delegates to bin/pglab; logic lives in TypeScript.

PGLAB := bin/pglab
HOST_PACKAGES := systemd-container mmdebstrap iproute2 postgresql-15 etcd-server etcd-client chromium
export DEBIAN_FRONTEND := noninteractive

.DEFAULT_GOAL := all
.PHONY: all mutation host-deps deps build machines deploy imdb bench chaos chaos-matrix chaos-side-by-side status destroy test test-unit test-system bench-failover bench-daemon bench-imdb-load bench-vs-pgbench bench-all bench-footprint bench-checker clean

all: host-deps build machines imdb bench

# Host packages: nspawn + mmdebstrap for the lab; PostgreSQL and etcd for the
# tests that run the daemon on 127.0.0.1; chromium for the browser tests of pglab ui. apt-get update only when one is missing.
host-deps:
	@missing=$$(for p in $(HOST_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing host packages: $$missing"; \
	  apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; \
	else echo "host packages present"; fi

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

deps: node_modules/.package-lock.json

build: deps
	npm run --silent build

machines: build
	$(PGLAB) machines

deploy: build
	$(PGLAB) deploy pgdaemon

# The IMDb sample into every target the lab has: relational tables and jsonb documents in PostgreSQL, and the same
# documents in MongoDB (the default lab has mongo0-2; a topology with mongo: 0 skips it and says so).
imdb: build
	$(PGLAB) imdb sample
	$(PGLAB) imdb load --target all
	$(PGLAB) imdb verify --target all

# The same workloads on every target, side by side (postgres, jsonb, mongo). 3 s per workload and target keeps `make`
# under 5 minutes on a fresh clone; BENCH_ARGS="--target all --duration 10s" gives steadier figures.
BENCH_ARGS ?= --target all --duration 3s --warmup 1s
bench: build
	$(PGLAB) bench $(BENCH_ARGS)

chaos: build
	$(PGLAB) chaos kill

# Every fault of the catalogue on the running lab: one table, and pglab-chaos-report/matrix.{json,html}.
CHAOS_MATRIX_ARGS ?= --repeat 1 --for 10s
chaos-matrix: build
	$(PGLAB) chaos matrix $(CHAOS_MATRIX_ARGS)

# The same matrix against pgdaemon and Patroni, each on a new lab (destroys the running lab; leaves the last one up).
# docs/patroni.md; SIDE_BY_SIDE_ARGS="… --topology docs/patroni-fastest.yaml" for Patroni's fastest documented timing.
SIDE_BY_SIDE_ARGS ?= --faults kill,switchover,kill-daemon,partition,isolate,freeze-postgres,etcd-quorum,cut-replication --repeat 1 --for 10s
chaos-side-by-side: build
	$(PGLAB) chaos matrix --ha pgdaemon,patroni $(SIDE_BY_SIDE_ARGS) --report pglab-chaos-report/side-by-side

# Failover and switchover through haproxy under checked writers, 10 runs each.
bench-failover: build
	$(PGLAB) chaos kill --repeat 10
	$(PGLAB) chaos switchover --repeat 10

# `pglab imdb load` vs `psql \copy` of the same sample on the running lab, through haproxy (docs/imdb.md).
BENCH_IMDB_ARGS ?= --scale 0.05 --rounds 3
bench-imdb-load: build
	$(PGLAB) run -- node dist/measure/imdb-load-lab.js $(BENCH_IMDB_ARGS)

# `pglab bench` vs pgbench running the same query through haproxy, same clients and duration, alternating rounds (issue 13).
BENCH_VS_PGBENCH_ARGS ?= --workloads title-by-id --clients 8 --duration 10s --rounds 3 --modes prepared,simple
bench-vs-pgbench: build
	$(PGLAB) run -- node dist/measure/bench-vs-pgbench.js $(BENCH_VS_PGBENCH_ARGS)

# CPU and memory of every lab service over an idle window (BENCH_FOOTPRINT_ARGS="--seconds 300 --samples 12" for growth).
BENCH_FOOTPRINT_ARGS ?= --seconds 30
bench-footprint: build
	node dist/measure/lab-footprint.js $(BENCH_FOOTPRINT_ARGS)

# Every speed goal of issue 13 on the running lab (IMDb sample loaded), one table: figure, goal, conditions.
# It destroys and rebuilds the lab once (warm bring-up); COLD=1 also removes the image cache first.
BENCH_ALL_ARGS ?= --runs 10 $(if $(COLD),--cold,)
bench-all: build
	node dist/measure/bench-all.js $(BENCH_ALL_ARGS)

# The history checker on a generated valid list-append history (1 M transactions, 2 M entries): time and peak RSS
# per run, each in a fresh process; no lab needed (docs/checker.md).
BENCH_CHECKER_ARGS ?= --transactions 1000000 --runs 3
bench-checker: build
	node dist/measure/checker-speed.js $(BENCH_CHECKER_ARGS)

status: build
	$(PGLAB) status

destroy: build
	$(PGLAB) destroy

test: host-deps build test-unit test-system

# Mutation testing of the daemon's safety code (StrykerJS): mutants of the files that decide fencing, promotion,
# failover, the lease and the etcd compares, against the daemon's unit tests and the simulator. Slow (see
# docs/pgdaemon.md, "Mutation testing": about 80 min here, so at nice 19 and incremental: a second run redoes only
# the mutants of changed code or tests); not part of `make test`. Report: reports/mutation/mutation.json.
mutation: build
	nice -n 19 npx stryker run --incremental --incrementalFile reports/stryker-incremental.json

test-unit: build
	npx vitest run --project unit

test-system: build
	npx vitest run --project system

clean:
	rm -rf dist
