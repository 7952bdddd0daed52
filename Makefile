# weibao -- build, run and test.
#
#   make run    install what is missing, build, create a demo database for 酉阳县, serve :8080
#   make test   install what is missing, build with ASan/UBSan, run unit, fuzz-corpus, API
#               and browser tests
#   make bench  benchmarks (figures printed, never asserted)
#
# Two builds live side by side: build/rel (optimised, for run and bench) and build/asan
# (sanitizers, for tests).

PKGS      := libmicrohttpd sqlite3 libsodium jansson libzip expat xlsxwriter
CC        ?= gcc
WARN      := -std=c17 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation -fno-common \
             -fstack-protector-strong
DEFS      := -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L
INCLUDES  := -Isrc -include src/core/banned.h
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

REL_CFLAGS  := -O2 -g -D_FORTIFY_SOURCE=2
ASAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer

SRC       := $(sort $(wildcard src/*.c src/core/*.c src/domain/*.c src/store/*.c \
                                src/http/*.c src/cli/*.c src/ingest/*.c src/export/*.c \
                                src/screen/*.c))
LIB_SRC   := $(filter-out src/main.c,$(SRC))
GEN_SRC   := build/gen/migrations.c build/gen/assets.c build/gen/openapi.c \
             build/gen/regions_seed.c build/gen/profiles.c build/gen/hanzi_tables.c \
             build/gen/builtin_rules.c
UNICODE_DIR ?= /usr/share/unicode
MIGRATIONS := $(sort $(wildcard src/store/migrations/sqlite/*.sql))
PROFILES  := $(sort $(wildcard src/ingest/profiles/*.profile))
WEB_SRC   := $(shell find web -path web/node_modules -prune -o -path web/dist -prune -o -type f -print 2>/dev/null)

REL_OBJ   := $(SRC:%.c=build/rel/%.o) $(GEN_SRC:build/gen/%.c=build/rel/gen/%.o)
ASAN_OBJ  := $(SRC:%.c=build/asan/%.o) $(GEN_SRC:build/gen/%.c=build/asan/gen/%.o)
ASAN_LIB_OBJ := $(filter-out build/asan/src/main.o,$(ASAN_OBJ))
REL_LIB_OBJ  := $(filter-out build/rel/src/main.o,$(REL_OBJ))

UNIT_SRC  := $(sort $(wildcard tests/unit/*_test.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/*_fuzzer.c))
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=build/asan/fuzz/%)

DB        ?= demo/weibao.db
PORT      ?= 8080

.PHONY: all run test deps web unit fuzz-corpus fuzz api e2e bench clean format-check

all: build/rel/weibao

deps:
	@tools/deps.sh

# ---- generated sources -----------------------------------------------------------
build/gen/migrations.c: $(MIGRATIONS) tools/sql2c.sh
	@mkdir -p $(@D)
	tools/sql2c.sh $@ src/store/migrations/sqlite

build/gen/profiles.c: $(PROFILES) tools/profiles2c.sh
	@mkdir -p $(@D)
	tools/profiles2c.sh $@ src/ingest/profiles

build/gen/openapi.c: src/http/openapi.json tools/text2c.sh
	@mkdir -p $(@D)
	tools/text2c.sh $@ openapi_json src/http/openapi.json

build/gen/builtin_rules.c: rules/builtin.rules tools/text2c.sh
	@mkdir -p $(@D)
	tools/text2c.sh $@ builtin_rules rules/builtin.rules

build/gen/regions_seed.c: data/regions-seed-counties.csv tools/text2c.sh
	@mkdir -p $(@D)
	tools/text2c.sh $@ regions_seed_csv data/regions-seed-counties.csv

# Pinyin, traditional -> simplified and compatibility folding from Debian's unicode-data.
# (wildcard: when unicode-data is missing the script says what to install.)
build/gen/hanzi_tables.c: tools/hanzi2c.sh $(wildcard $(UNICODE_DIR)/Unihan_Readings.txt.bz2 \
		$(UNICODE_DIR)/Unihan_Variants.txt.bz2 $(UNICODE_DIR)/UnicodeData.txt)
	@mkdir -p $(@D)
	tools/hanzi2c.sh $@ $(UNICODE_DIR)

web/dist/index.html: $(WEB_SRC)
	cd web && (test -d node_modules || npm ci --no-audit --no-fund) && npm run build

build/gen/assets.c: web/dist/index.html tools/embed.mjs
	@mkdir -p $(@D)
	node tools/embed.mjs web/dist $@

# ---- the two builds ---------------------------------------------------------------
build/rel/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(WARN) $(DEFS) $(REL_CFLAGS) $(INCLUDES) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

build/asan/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(WARN) $(DEFS) $(ASAN_CFLAGS) $(INCLUDES) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

build/rel/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(WARN) $(DEFS) $(REL_CFLAGS) $(INCLUDES) $(PKG_CFLAGS) -c $< -o $@

build/asan/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(WARN) $(DEFS) $(ASAN_CFLAGS) $(INCLUDES) $(PKG_CFLAGS) -c $< -o $@

build/rel/weibao: $(REL_OBJ)
	$(CC) $(REL_CFLAGS) -o $@ $^ $(PKG_LIBS)

build/asan/weibao: $(ASAN_OBJ)
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(PKG_LIBS)

build/asan/tests/%: tests/unit/%.c $(ASAN_LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(DEFS) $(ASAN_CFLAGS) $(INCLUDES) $(PKG_CFLAGS) -o $@ $< $(ASAN_LIB_OBJ) \
		$(PKG_LIBS) -lcmocka

build/asan/fuzz/%: tests/fuzz/%.c tests/fuzz/standalone_main.c $(ASAN_LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(DEFS) $(ASAN_CFLAGS) $(INCLUDES) $(PKG_CFLAGS) -o $@ $< \
		tests/fuzz/standalone_main.c $(ASAN_LIB_OBJ) $(PKG_LIBS)

build/rel/bench/%: bench/%.c $(REL_LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(DEFS) $(REL_CFLAGS) $(INCLUDES) $(PKG_CFLAGS) -o $@ $< $(REL_LIB_OBJ) \
		$(PKG_LIBS)

# ---- run ------------------------------------------------------------------------------
run: deps build/rel/weibao
	@tools/run-demo.sh build/rel/weibao $(DB) $(PORT)

# ---- tests ----------------------------------------------------------------------------
export ASAN_OPTIONS := detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1

test: deps
	$(MAKE) format-check unit fuzz-corpus api e2e

format-check:
	@tools/format-check.sh

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

fuzz-corpus: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do n=$$(basename $$f); \
		echo "== $$n over tests/fuzz/corpus/$${n%_fuzzer}"; \
		$$f tests/fuzz/corpus/$${n%_fuzzer}; done

api: build/asan/weibao
	cd tests && (test -d node_modules || npm ci --no-audit --no-fund)
	WEIBAO_BIN=$(CURDIR)/build/asan/weibao node --test --test-concurrency=1 tests/api/

e2e: build/asan/weibao
	cd tests && (test -d node_modules || npm ci --no-audit --no-fund)
	WEIBAO_BIN=$(CURDIR)/build/asan/weibao node --test --test-concurrency=1 tests/e2e/

# libFuzzer runs (clang), bounded in time; crashes become corpus files.
fuzz:
	@tools/fuzz.sh

bench: deps build/rel/weibao build/rel/bench/linkage_bench build/rel/bench/import_bench build/rel/bench/screen_bench
	@bench/run.sh

clean:
	rm -rf build web/dist

-include $(REL_OBJ:.o=.d) $(ASAN_OBJ:.o=.d)
