#!/bin/sh
# fuzz.sh -- run each libFuzzer target (clang, ASan+UBSan) for FUZZ_SECONDS (default 60).
# With arguments, only the named targets run (tools/fuzz.sh table_csv table_xlsx).
# New interesting inputs go into build/fuzz/corpus-<name>/; crashes are saved in
# tests/fuzz/corpus/<name>/
# (crash-*), so `make fuzz-corpus` replays them until fixed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${FUZZ_SECONDS:-60}
out=$top/build/fuzz
mkdir -p "$out"
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -I$top/src -include $top/src/core/banned.h \
 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L $(pkg-config --cflags libsodium jansson sqlite3 libzip expat)"
libs="$(pkg-config --libs libsodium jansson sqlite3 libzip expat) -lpthread -lm"
# The pure modules the targets exercise.
srcs="$top/src/domain/idno.c $top/src/domain/region.c $top/src/domain/person.c \
 $top/src/core/timeutil.c $top/src/core/err.c $top/src/core/jsonx.c $top/src/core/buf.c \
 $top/src/core/xalloc.c $top/src/core/num.c $top/src/ingest/csv.c $top/src/ingest/table.c \
 $top/src/ingest/csv_reader.c $top/src/ingest/xlsx_reader.c \
 $top/src/core/arena.c $top/src/domain/rule_lex.c $top/src/domain/rule_parse.c \
 $top/src/domain/rule_set.c $top/src/domain/rule_eval.c $top/src/domain/screen.c \
 $top/src/domain/snapshot.c $top/build/gen/builtin_rules.c \
 $top/src/store/page_scan.c"
for f in "$top"/tests/fuzz/*_fuzzer.c; do
	name=$(basename "$f" _fuzzer.c)
	if [ $# -gt 0 ] && ! echo " $* " | grep -q " $name "; then
		continue
	fi
	clang $cflags -o "$out/$name" "$f" $srcs $libs
	mkdir -p "$top/tests/fuzz/corpus/$name" "$out/corpus-$name"
	echo "== $name for ${secs}s"
	"$out/$name" -max_total_time="$secs" -max_len=4096 -artifact_prefix="$top/tests/fuzz/corpus/$name/crash-" \
		"$out/corpus-$name" "$top/tests/fuzz/corpus/$name" 2>&1 | tail -n 3
done
