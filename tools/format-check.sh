#!/bin/sh
# format-check.sh -- every C file must match .clang-format (clang-format --dry-run).
set -eu
command -v clang-format >/dev/null 2>&1 || { echo "format-check: clang-format not installed"; exit 1; }
files=$(find src tests/unit tests/fuzz -name '*.[ch]' 2>/dev/null)
clang-format --dry-run --Werror $files
echo "format-check: $(echo "$files" | wc -w) files formatted"
