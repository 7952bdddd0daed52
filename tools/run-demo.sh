#!/bin/sh
# run-demo.sh BIN DB PORT -- create the demo database for 酉阳县 if it does not exist yet,
# screen it with the built-in rules, print the administrator login, and serve the UI.
set -eu
bin=$1; db=$2; port=$3
mkdir -p "$(dirname "$db")"
if [ ! -f "$db" ]; then
	"$bin" init --db "$db" > "$db.login"
	"$bin" demo --db "$db" --county 500242
	"$bin" screen --db "$db" # categories, levels and registers of the demo population
fi
echo "------------------------------------------------------------"
echo " weibao 未保 — http://localhost:$port"
grep -E '^(username|password):' "$db.login" | sed 's/^/ /'
echo "------------------------------------------------------------"
exec "$bin" serve --db "$db" --port "$port"
