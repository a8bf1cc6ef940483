# wsis: build, run, test, bench.
#
#   make          build every binary into bin/
#   make run      build, then run the bus and the five services locally (var/;
#                 DATA=dir CLOCK=manual for a rehearsal)
#   make test     unit tests, integration tests, the short chaos suite, unit tests under
#                 ASan+UBSan, fuzz smoke (every target: decoders, events,
#                 the requests of every operation of every service)
#   make chaos    the chaos suite: faults under load (200 kill -9 of voting, the bus down 10 s)
#   make bench    benchmarks (print figures and one table of them against their
#                 targets; never asserted; installs Redis and hiredis first, the
#                 vote bench's peer: make bench-deps)
#   make bench-rush  the last 24 hours of a year's vote in 2 minutes, up to
#                 20,000 votes/s, reporting and notifications following
#   make demo     a whole WSIS year through every service; writes docs/images/
#
# Every target that needs a library first runs `make deps`, which installs the
# missing Debian packages, so the README's two commands work on a fresh machine.

# Every folder of services/ but the client is a service with a binary
# wsis-<name>; the order they start in is wsis_config_services (wsisctl services).
SERVICES   := $(filter-out wsisctl,$(notdir $(wildcard services/*)))
BINARIES   := $(addprefix bin/wsis-,$(SERVICES)) bin/wsisctl
PKGS       := libczmq libzmq msgpack sqlite3 jansson libcurl libsodium libcmark zlib libmicrohttpd
PYTHON     := /usr/bin/python3

DEBS := build-essential pkg-config clang libclang-rt-14-dev \
        libzmq3-dev libczmq-dev libmsgpack-dev libsqlite3-dev libjansson-dev \
        libcurl4-openssl-dev libsodium-dev libcmocka-dev zlib1g-dev libmicrohttpd-dev tzdata procps \
        libcmark-dev librsvg2-bin chromium chromium-driver python3-selenium \
        python3 python3-zmq python3-msgpack python3-pytest python3-aiosmtpd \
        python3-jsonschema libjson-validator-perl
# Only `make bench` needs these: the peer the vote path is measured against
# (Redis 7), the client library its load generator drives it with, and the
# HTTP load generator of the gateway's vote path (wrk).
BENCH_DEBS := redis-server libhiredis-dev wrk

SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

CC       ?= cc
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CFLAGS   ?= -O2 -g
# Lazy (=): pkg-config is only run once `deps` has installed it.
# FAULTS=0 builds without the tests' fault-injection hook (WSIS_FAULT_INJECTION):
# the released image does (Dockerfile).
FAULTS   ?= 1
CPPFLAGS = -D_GNU_SOURCE -Icommon -Ibuild/gen $(if $(filter 1,$(FAULTS)),-DWSIS_FAULT_INJECTION) \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS)

SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

COMMON_SRC := $(wildcard common/*.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)

# Object directories: build/obj (normal) and build/asan (sanitizers).
COMMON_OBJ      := $(patsubst %.c,build/obj/%.o,$(COMMON_SRC))
COMMON_ASAN_OBJ := $(patsubst %.c,build/asan/%.o,$(COMMON_SRC))
UNIT_BIN        := $(patsubst tests/unit/%.c,build/tests/%,$(UNIT_SRC))
UNIT_ASAN_BIN   := $(patsubst tests/unit/%.c,build/tests-asan/%,$(UNIT_SRC))

.PHONY: all binaries deps bench-deps run test unit unit-asan integration integration-asan check-asan \
        chaos chaos-short chaos-asan fuzz fuzz-long bench bench-rush demo clean check-compose check-swarm keys
.DEFAULT_GOAL := all

all: deps
	@$(MAKE) --no-print-directory $(BINARIES)

# Every binary, without `deps`: for a build where the packages are known to
# be there (the Dockerfile's build stage).
binaries: $(BINARIES)

deps:
	$(call s_install,$(DEBS))

bench-deps: deps
	$(call s_install,$(BENCH_DEBS))

# $(1): the Debian packages to install when missing
define s_install
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi
endef

# ---------------------------------------------------------------- library
# The compiler and flags the objects were built with, rewritten only when
# they change (FAULTS=0, CFLAGS=..., a package's pkg-config flags): every
# object depends on it, so such a change rebuilds them all.
FLAGS_STAMP := build/flags.stamp
FLAGS_NOW    = $(CC) $(ALL_CFLAGS) $(CPPFLAGS) | $(SAN_FLAGS) | $(FUZZ_CC)
$(FLAGS_STAMP): FORCE
	@mkdir -p build
	@echo '$(FLAGS_NOW)' | cmp -s - $@ || echo '$(FLAGS_NOW)' > $@
.PHONY: FORCE
FORCE:

build/obj/%.o: %.c $(wildcard common/*.h) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) -c $< -o $@

build/asan/%.o: %.c $(wildcard common/*.h) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) $(SAN_FLAGS) $(CPPFLAGS) -c $< -o $@

build/libwsis.a: $(COMMON_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/libwsis-asan.a: $(COMMON_ASAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

# schema.sql of each service becomes a C string linked into its binary, so a
# binary never depends on where it is started from.
build/gen/%_schema.c: services/%/schema.sql Makefile
	@mkdir -p $(dir $@)
	@{ echo '/* generated from $< */'; \
	   echo 'const char $*_schema_sql [] ='; \
	   sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n"/' $<; \
	   echo '    ;'; } > $@

# ---------------------------------------------------------------- binaries
define service_rules
$(1)_SRC := $$(wildcard services/$(1)/*.c)
$(1)_OBJ := $$(patsubst %.c,build/obj/%.o,$$($(1)_SRC)) \
            $$(if $$(wildcard services/$(1)/schema.sql),build/obj/build/gen/$(1)_schema.o)
$(1)_ASAN_OBJ := $$(patsubst %.c,build/asan/%.o,$$($(1)_SRC)) \
            $$(if $$(wildcard services/$(1)/schema.sql),build/asan/build/gen/$(1)_schema.o)
build/obj/services/$(1)/%.o: services/$(1)/%.c $$(wildcard services/$(1)/*.h) $$(wildcard common/*.h) $$(FLAGS_STAMP)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) $$(CPPFLAGS) -Iservices/$(1) -c $$< -o $$@
build/asan/services/$(1)/%.o: services/$(1)/%.c $$(wildcard services/$(1)/*.h) $$(wildcard common/*.h) $$(FLAGS_STAMP)
	@mkdir -p $$(dir $$@)
	$$(CC) -std=c11 $$(WARN) $$(SAN_FLAGS) $$(CPPFLAGS) -Iservices/$(1) -c $$< -o $$@
bin/$(2): $$($(1)_OBJ) build/libwsis.a
	@mkdir -p bin
	$$(CC) $$(CFLAGS) -o $$@ $$^ $$(LDLIBS)
build/asan-bin/$(2): $$($(1)_ASAN_OBJ) build/libwsis-asan.a
	@mkdir -p build/asan-bin
	$$(CC) $$(SAN_FLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach s,$(SERVICES),$(eval $(call service_rules,$(s),wsis-$(s))))
$(eval $(call service_rules,wsisctl,wsisctl))

build/obj/build/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@
build/asan/build/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) $(SAN_FLAGS) -c $< -o $@

# ---------------------------------------------------------------- run
# make run DATA=var-rehearsal CLOCK=manual: a rehearsal, with its data in a
# folder of its own and a manual clock; CALENDAR=FILE another calendar.
# Each sets its WSIS_ variable for the services (configs/wsis.cfg otherwise).
run: all
	@exec env $(if $(DATA),WSIS_DATA_DIR='$(DATA)') $(if $(CLOCK),WSIS_CLOCK='$(CLOCK)') \
	  $(if $(CALENDAR),WSIS_CALENDAR='$(CALENDAR)') scripts/run-local.sh

# ---------------------------------------------------------------- tests
build/tests/%: tests/unit/%.c build/libwsis.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) -o $@ $< build/libwsis.a $(LDLIBS) -lcmocka

build/tests-asan/%: tests/unit/%.c build/libwsis-asan.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) $(SAN_FLAGS) $(CPPFLAGS) -o $@ $< build/libwsis-asan.a $(LDLIBS) -lcmocka

# Unit tests of a service's modules: tests/unit/test_voting_index.c is
# linked with every object of services/voting but its main.o, and libwsis.
define service_unit_rules
$(1)_UNIT_OBJ := $$(filter-out %/main.o,$$($(1)_OBJ))
$(1)_UNIT_ASAN_OBJ := $$(filter-out %/main.o,$$($(1)_ASAN_OBJ))
build/tests/test_$(1)_%: tests/unit/test_$(1)_%.c $$($(1)_UNIT_OBJ) build/libwsis.a $$(wildcard tests/unit/*.h)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) $$(CPPFLAGS) -Iservices/$(1) -o $$@ $$< $$($(1)_UNIT_OBJ) build/libwsis.a $$(LDLIBS) -lcmocka
build/tests-asan/test_$(1)_%: tests/unit/test_$(1)_%.c $$($(1)_UNIT_ASAN_OBJ) build/libwsis-asan.a $$(wildcard tests/unit/*.h)
	@mkdir -p $$(dir $$@)
	$$(CC) -std=c11 $$(WARN) $$(SAN_FLAGS) $$(CPPFLAGS) -Iservices/$(1) -o $$@ $$< $$($(1)_UNIT_ASAN_OBJ) build/libwsis-asan.a $$(LDLIBS) -lcmocka
endef
$(foreach s,$(SERVICES),$(eval $(call service_unit_rules,$(s))))

test: deps
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory integration
	@$(MAKE) --no-print-directory integration-secure
	@$(MAKE) --no-print-directory chaos-short
	@$(MAKE) --no-print-directory unit-asan
	@$(MAKE) --no-print-directory integration-asan
	@$(MAKE) --no-print-directory fuzz

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; (cd tests/unit && ../../$$t); done

unit-asan: $(UNIT_ASAN_BIN)
	@set -e; for t in $(UNIT_ASAN_BIN); do echo "== $$t (asan+ubsan)"; \
	  (cd tests/unit && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ../../$$t); done

# TESTS: the test files or directories to run (all of them by default);
# PYTEST_ARGS: more pytest options (-k, -x, ...).
TESTS ?= tests/integration

integration: $(BINARIES)
	$(PYTHON) -m pytest -q -p no:cacheprovider $(TESTS) $(PYTEST_ARGS)

# The same integration tests against the binaries built with ASan+UBSan.
integration-asan: $(patsubst bin/%,build/asan-bin/%,$(BINARIES))
	WSIS_BIN_DIR=build/asan-bin ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(PYTHON) -m pytest -q -p no:cacheprovider $(TESTS) $(PYTEST_ARGS)

# The whole integration suite with keys: every Cluster in secure mode
# (WSIS_TEST_SECURE=1), each client with a certificate for the role and
# actor it calls with. Not part of `make test`.
.PHONY: integration-secure
integration-secure: $(BINARIES)
	WSIS_TEST_SECURE=1 $(PYTHON) -m pytest -q -p no:cacheprovider $(TESTS) $(PYTEST_ARGS)

check-asan: deps
	@$(MAKE) --no-print-directory unit-asan integration-asan

# ---------------------------------------------------------------- chaos
# Faults under load against the real services (tests/chaos/run.py): one line
# per scenario with its figures and PASS/FAIL. CHAOS_ARGS: e.g. `votes_kill
# --kills 50`. The short version (20 kills, the bus down 3 s) runs in `make test`.
chaos: $(BINARIES)
	$(PYTHON) tests/chaos/run.py $(CHAOS_ARGS)

chaos-short: $(BINARIES)
	$(PYTHON) tests/chaos/run.py --short $(CHAOS_ARGS)

# The short version against the binaries built with ASan+UBSan: a report in
# any service's log fails its scenario.
chaos-asan: $(patsubst bin/%,build/asan-bin/%,$(BINARIES))
	WSIS_BIN_DIR=build/asan-bin ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(PYTHON) tests/chaos/run.py --short $(CHAOS_ARGS)

# ---------------------------------------------------------------- fuzz
# libFuzzer targets, one per file tests/fuzz/fuzz_*.c, each with its corpus in
# tests/fuzz/corpus/<target>/ (kept in git: seeds from real messages, and
# every input that once found a bug). `make fuzz` (in `make test`) runs each
# for FUZZ_RUNS executions; `make fuzz-long` for FUZZ_SECONDS each (or
# FUZZ_RUNS=N for a number of runs). What a run discovers goes to
# build/fuzz/corpus-<target>/, never into git by itself.
# tests/fuzz/fuzz_<service>_*.c is also linked with that service's objects
# but main.o, as its unit tests are (the target includes main.c itself, for
# the service's definition): fuzz_<service>_events applies events,
# fuzz_<service>_ops runs requests of every operation (fuzz_ops.h). An
# input of an _ops target is a whole transaction of requests, so `make
# fuzz` gives those FUZZ_OPS_RUNS runs, fewer, to keep `make test` short.
# `make fuzz` always starts from the same seed; `make fuzz-long` from a new
# one each time.
FUZZ_RUNS    ?= 200000
FUZZ_OPS_RUNS ?= 50000
FUZZ_SECONDS ?= 300
FUZZ_CC      := clang
FUZZ_FLAGS   := -std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=all $(WARN) -Wno-missing-field-initializers
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_LIB_OBJ := $(patsubst %.c,build/fuzz/obj/%.o,$(COMMON_SRC))
FUZZ_OPTIONS := -max_len=4096 -print_final_stats=1 -timeout=10 -rss_limit_mb=2048

build/fuzz/obj/%.o: %.c $(wildcard common/*.h) $(wildcard services/*/*.h) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(CPPFLAGS) -Iservices/$(word 2,$(subst /, ,$<)) -c $< -o $@

build/fuzz/libwsis-fuzz.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The service a target drives, if its name says one: fuzz_wsisctl_json -> wsisctl
s_fuzz_service = $(filter $(word 2,$(subst _, ,$(1))),$(SERVICES) wsisctl)
s_fuzz_objs = $(if $(call s_fuzz_service,$(1)),$(patsubst build/obj/%,build/fuzz/obj/%,\
                $(filter-out %/main.o,$($(call s_fuzz_service,$(1))_OBJ))))

.SECONDEXPANSION:
build/fuzz/%: tests/fuzz/%.c $$(call s_fuzz_objs,$$*) build/fuzz/libwsis-fuzz.a \
             $(wildcard tests/fuzz/*.h services/*/main.c)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(CPPFLAGS) \
	  $(addprefix -Iservices/,$(call s_fuzz_service,$*)) -o $@ $< \
	  $(call s_fuzz_objs,$*) build/fuzz/libwsis-fuzz.a $(LDLIBS)

# $(1): the libFuzzer option that bounds each run
define fuzz_each
	@set -e; for t in $(FUZZ_TARGETS); do name=$$(basename $$t); \
	  runs=$(FUZZ_RUNS); case $$name in *_ops) runs=$(FUZZ_OPS_RUNS);; esac; \
	  mkdir -p build/fuzz/corpus-$$name tests/fuzz/corpus/$$name; \
	  echo "== $$name ($(1))"; \
	  $$t $(1) $(FUZZ_OPTIONS) -artifact_prefix=build/fuzz/$$name- \
	    build/fuzz/corpus-$$name tests/fuzz/corpus/$$name 2>&1 | tail -n 12; \
	  test $${PIPESTATUS[0]} -eq 0; done
endef

fuzz: $(FUZZ_TARGETS)
	$(call fuzz_each,-runs=$$runs -seed=1)

fuzz-long: $(FUZZ_TARGETS)
	$(call fuzz_each,$(if $(filter command line,$(origin FUZZ_RUNS)),-runs=$(FUZZ_RUNS),-max_total_time=$(FUZZ_SECONDS)))

# ---------------------------------------------------------------- bench
# The vote load generator (bench/loadgen/): C, so that the figure is the
# service's and not the client's; also drives Redis through hiredis.
LOADGEN_SRC := $(wildcard bench/loadgen/*.c)
build/bench/wsis-loadgen: $(LOADGEN_SRC) $(wildcard bench/loadgen/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) $$(pkg-config --cflags hiredis) -Ibench/loadgen -o $@ \
	  $(LOADGEN_SRC) $(LDLIBS) $$(pkg-config --libs hiredis)

# Benchmarks of libwsis modules in one process: bench/archive/bench_archive.c.
build/bench/bench_archive: bench/archive/bench_archive.c build/libwsis.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) -o $@ $< build/libwsis.a $(LDLIBS)

# The raw XSUB/XPUB proxy the bus bench compares the journal with.
build/bench/bench_proxy: bench/proxy/bench_proxy.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) -o $@ $< -lzmq -lpthread

bench: all bench-deps
	@$(MAKE) --no-print-directory build/bench/wsis-loadgen build/bench/bench_archive build/bench/bench_proxy
	$(PYTHON) bench/run.py $(BENCH)

# The deadline rush (bench/rush.py): WSIS_RUSH_SECONDS and friends scale it.
bench-rush: all bench-deps
	@$(MAKE) --no-print-directory build/bench/wsis-loadgen
	$(PYTHON) bench/run.py rush

# ---------------------------------------------------------------- demo
# A deterministic WSIS year through every real service, then the pictures
# and the publication the README shows (docs/images/, committed).
demo: all
	$(PYTHON) scripts/demo.py

# ---------------------------------------------------------------- keys
# The keys of a deployment (every service, operator, staff, gateway, the
# voting key) into KEYS, keeping those already there. Not in git.
KEYS ?= var/keys
keys: all
	scripts/make-keys.sh $(KEYS)

# ---------------------------------------------------------------- compose
# The compose deployment for real, in secure mode (starts dockerd if needed);
# CI runs it after `make test` (.ci/run).
check-compose: all
	scripts/check-compose.sh

# The same compose.yaml as a Docker Swarm stack on a single-node swarm
# (makes this node a manager if it is none, and leaves again); CI runs it
# after check-compose.
check-swarm: all
	scripts/check-swarm.sh

clean:
	rm -rf build bin
