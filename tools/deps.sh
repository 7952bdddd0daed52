#!/bin/sh
# deps.sh -- install what weibao needs to build, run and test, if it is missing.
# Debian packages with apt-get (through sudo when not root); Node packages with npm ci
# from the committed lockfiles. Safe to run again: it does nothing when all is there.
set -eu
PKGS="build-essential pkg-config libmicrohttpd-dev libsqlite3-dev libsodium-dev libjansson-dev
libcmocka-dev libzip-dev libexpat1-dev libxlsxwriter-dev unicode-data sqlite3 unzip clang-format bc curl fonts-wqy-microhei nodejs npm chromium clang wrk nginx-light postgresql time"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node may come from outside Debian (a newer node already on PATH): then skip nodejs/npm.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	missing=$(echo "$missing" | tr ' ' '\n' | grep -vx -e nodejs -e npm | tr '\n' ' ')
fi
missing=$(echo "$missing" | xargs)
if [ -n "$missing" ]; then
	echo "deps: installing $missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
top=$(cd "$(dirname "$0")/.." && pwd)
for d in web tests; do
	if [ -f "$top/$d/package-lock.json" ] && [ ! -d "$top/$d/node_modules" ]; then
		echo "deps: npm ci in $d"
		(cd "$top/$d" && npm ci --no-audit --no-fund)
	fi
done
