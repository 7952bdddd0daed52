#!/bin/sh
# run-demo.sh BIN DB PORT -- create the demo database for 酉阳县 if it does not exist yet,
# screen it with the built-in rules, print the administrator login, and serve the UI.
set -eu
umask 077 # the login file holds passwords; the database children's data
bin=$1; db=$2; port=$3
mkdir -p "$(dirname "$db")"
if [ ! -f "$db" ]; then
	"$bin" init --db "$db" > "$db.login"
	"$bin" demo --db "$db" --county 500242
	"$bin" screen --db "$db" # categories, levels and registers of the demo population
	# A county officer (县级未保办) too: the administrator manages users and units but does
	# not see criminal or psychological matters; the officer sees the whole county's work.
	unit=$(sqlite3 "$db" "select id from units where type = 'minor_office' order by id limit 1")
	pw=$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | cut -c1-14)
	printf '%s\n' "$pw" | "$bin" user add --db "$db" --username county --role county_office \
		--unit "$unit" --region 500242 --password-stdin > /dev/null
	printf 'officer: county\nofficer_password: %s\n' "$pw" >> "$db.login"
fi
echo "------------------------------------------------------------"
echo " weibao 未保 — http://localhost:$port"
grep -E '^(username|password):' "$db.login" | sed 's/^/ 系统管理员 administrator — /'
grep -E '^officer' "$db.login" | sed 's/^officer: / 县级未保办 county officer — username: /; s/^officer_password: / 县级未保办 county officer — password: /'
echo "------------------------------------------------------------"
exec "$bin" serve --db "$db" --port "$port"
