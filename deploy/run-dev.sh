#!/usr/bin/env bash
# `make run`: a collector and a sensor that ships to it, both on loopback,
# with credentials generated on the first run (kept in run/sensor.env).
# Ctrl-C stops both. Segments close every minute here (15 by default), so
# a message sent with swaks reaches run/archive within a minute or two.
set -euo pipefail
bin=${BIN:-bin/spampots}
dir=${RUNDIR:-run}
caddr=${COLLECTOR:-127.0.0.1:8443}
mkdir -p "$dir"
if [ ! -f "$dir/sensor.env" ]; then
	out=$("$bin" collect --init --archive "$dir/archive" --listen "$caddr" --sensor-id DEV-01)
	token=$(sed -n 's/.*--ship-token \([^ ]*\).*/\1/p' <<<"$out")
	pin=$(sed -n 's/.*--collector-pin \([^ ]*\).*/\1/p' <<<"$out")
	umask 077
	printf 'token=%s\npin=%s\n' "$token" "$pin" >"$dir/sensor.env"
fi
# shellcheck source=/dev/null
. "$dir/sensor.env"
"$bin" collect --archive "$dir/archive" --listen "$caddr" &
collector=$!
trap 'kill "$collector" 2>/dev/null; wait "$collector" 2>/dev/null' EXIT
for _ in $(seq 100); do # the first heartbeat should find it listening
	(exec 3<>"/dev/tcp/${caddr%:*}/${caddr##*:}") 2>/dev/null && break
	sleep 0.1
done
# The IP databases, when `make data` has built them.
ipdb=()
[ -f data/ipdb/asn.mmdb ] && ipdb+=(--asn-db data/ipdb/asn.mmdb)
[ -f data/ipdb/country.mmdb ] && ipdb+=(--country-db data/ipdb/country.mmdb)
"$bin" sensor --id DEV-01 --spool "$dir/spool" --segment-age 1m "${ipdb[@]}" \
	--ship-to "https://$caddr" --ship-token "$token" --collector-pin "$pin" "$@"
