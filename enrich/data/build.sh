#!/bin/sh
# Builds the IP databases that enrich/ipdb reads, from npm registry packages:
#
#   asn.mmdb      AS number, organisation and prefix, converted by
#                 enrich/cmd/mkipdb from @ip-location-db/asn (CSV; RouteViews,
#                 the five RIRs and DB-IP; CC BY 4.0)
#   country.mmdb  country, @ip-location-db/geo-whois-asn-country-mmdb (CC0)
#   SOURCES       package, version, integrity and build date of each
#   licenses/     the packages' licence files (CC BY 4.0 asks for attribution)
#
# usage: enrich/data/build.sh [OUTDIR]        (make data)
#
# OUTDIR defaults to data/ipdb at the top of the repository (gitignored).
# Environment:
#   ASN_PKG, COUNTRY_PKG          packages (defaults above)
#   ASN_VERSION, COUNTRY_VERSION  versions to build (default: the newest)
#   CACHE                         where tarballs are kept
#                                 (${XDG_CACHE_HOME:-~/.cache}/spampots/ipdb)
#
# Tarballs (about 26 MB) are kept in CACHE: a rebuild of a version already
# fetched does not touch the network, and without the registry the newest
# cached version is used. Outputs are renamed into place whole, so a
# running sensor can reload them (SIGHUP) at any time.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=${1:-data/ipdb}
cache=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spampots/ipdb}
asn_pkg=${ASN_PKG:-@ip-location-db/asn}
country_pkg=${COUNTRY_PKG:-@ip-location-db/geo-whois-asn-country-mmdb}
GO=${GO:-go}

command -v npm >/dev/null || { echo "build.sh: npm is needed (apt-get install npm)" >&2; exit 1; }
mkdir -p "$out" "$cache" "$out/licenses"
work=$(mktemp -d)
trap 'rm -rf "$work" "$out/SOURCES.tmp"' EXIT

# npm view without npm's retries: an unreachable registry fails in seconds.
view() { npm view --silent --fetch-retries=0 --fetch-timeout=15000 "$@" 2>/dev/null; }

# fetch PKG WANTED: prints the directory holding the extracted package.
fetch() {
	pkg=$1 want=${2:-latest}
	base=$(printf %s "$pkg" | sed 's/^@//; s,/,-,')
	integrity=unknown
	if ver=$(view "$pkg@$want" version) && [ -n "$ver" ]; then
		integrity=$(view "$pkg@$ver" dist.integrity || echo unknown)
	else
		ver=$(ls "$cache" 2>/dev/null | sed -n "s/^$base-\([0-9][0-9.]*\)\.tgz\$/\1/p" | sort -V | tail -n 1)
		[ -n "$ver" ] || { echo "build.sh: cannot reach the npm registry for $pkg and nothing is cached" >&2; exit 1; }
		echo "build.sh: registry unreachable, using cached $pkg $ver" >&2
	fi
	tgz=$cache/$base-$ver.tgz
	if [ ! -s "$tgz" ]; then
		echo "build.sh: fetching $pkg@$ver" >&2
		(cd "$cache" && npm pack --silent "$pkg@$ver" >/dev/null)
		[ -s "$tgz" ] || { echo "build.sh: npm pack did not write $tgz" >&2; exit 1; }
	fi
	dir=$work/$base-$ver
	mkdir -p "$dir"
	tar -xzf "$tgz" -C "$dir"
	sha=$(sha256sum "$tgz" | cut -d' ' -f1)
	printf '%s\t%s\tsha256:%s\t%s\n' "$pkg" "$ver" "$sha" "$integrity" >>"$out/SOURCES.tmp"
	mkdir -p "$out/licenses/$base"
	for f in "$dir"/package/*LICENSE* "$dir"/package/MODIFICATIONS "$dir"/package/README.md; do
		[ -f "$f" ] && cp "$f" "$out/licenses/$base/"
	done
	echo "$dir/package"
}

start=$(date +%s)
printf '# package\tversion\ttarball\tnpm integrity (built %s)\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$out/SOURCES.tmp"
asn_dir=$(fetch "$asn_pkg" "${ASN_VERSION:-}")
country_dir=$(fetch "$country_pkg" "${COUNTRY_VERSION:-}")
asn_ver=$(basename "$(dirname "$asn_dir")" | sed 's/^ip-location-db-/@ip-location-db\//; s/-\([0-9][0-9.]*\)$/@\1/')

$GO run ./enrich/cmd/mkipdb -o "$out/asn.mmdb" -desc "$asn_ver (@ip-location-db, CC BY 4.0: RouteViews, NRO, DB-IP)" \
	"$asn_dir/asn-ipv4.csv" "$asn_dir/asn-ipv6.csv"
country_src=$(ls "$country_dir"/*.mmdb | grep -v -e '-ipv4\.mmdb$' -e '-ipv6\.mmdb$' | head -n 1)
[ -n "$country_src" ] || { echo "build.sh: no combined IPv4+IPv6 .mmdb in $country_pkg" >&2; exit 1; }
$GO run ./enrich/cmd/mkipdb -o "$out/country.mmdb" -country "$country_src"
mv "$out/SOURCES.tmp" "$out/SOURCES"

echo "build.sh: $out ready in $(($(date +%s) - start))s:" >&2
ls -l "$out/asn.mmdb" "$out/country.mmdb" >&2
