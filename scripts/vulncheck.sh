#!/usr/bin/env bash
# govulncheck (pinned by go.mod's tool directive) over every package, as `make lint` runs it.
#
# The vulnerability database: govulncheck's own online one when it can be reached; otherwise the same data
# as the Go module golang.org/x/vulndb (its data/osv folder), fetched through the Go module proxy like any
# module and read with -db file://...; when neither can be had, a clear SKIPPED line and exit 0, so that an
# offline machine can still build and test. VULNDB_VERSION pins the module version (set it to "latest" for
# the newest data). Findings fail the check unless scripts/vulncheck-accepted.txt lists them with a reason.
set -uo pipefail
cd "$(dirname "$0")/.."
VULNDB_VERSION=${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}
accepted=${VULNCHECK_ACCEPTED:-scripts/vulncheck-accepted.txt}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

db="govulncheck's online database"
dbflag=()
# A module-level scan is quick and fetches the database index first: it tells whether the online one answers.
probe=$(go tool govulncheck -scan module 2>&1)
if [[ $probe == *"fetching vulnerabilities"* ]]; then
	# No online database: the module proxy's copy of golang.org/x/vulndb.
	dir=$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" 2>/dev/null |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	if [ -z "$dir" ] || [ ! -d "$dir/data/osv" ]; then
		echo "govulncheck: SKIPPED: no vulnerability database reachable (neither govulncheck's online one nor golang.org/x/vulndb@$VULNDB_VERSION through the module proxy)"
		exit 0
	fi
	db="golang.org/x/vulndb@$VULNDB_VERSION"
	dbflag=(-db "file://$dir/data/osv")
fi
go tool govulncheck "${dbflag[@]}" ./... >"$out" 2>&1
code=$?
case $code in
0)
	echo "govulncheck: no known vulnerabilities in code the portal calls ($db)"
	exit 0
	;;
3) ;;
*)
	cat "$out"
	echo "govulncheck: failed to run (exit $code)"
	exit 1
	;;
esac
found=$(sed -n 's/^Vulnerability #[0-9]*: \(GO-[0-9-]*\)$/\1/p' "$out" | sort -u)
unaccepted=""
for id in $found; do
	reason=$(grep -E "^$id " "$accepted" | cut -d' ' -f2-)
	if [ -z "$reason" ]; then
		unaccepted="$unaccepted $id"
	else
		echo "govulncheck: accepted $id: $reason"
	fi
done
if [ -n "$unaccepted" ]; then
	cat "$out"
	echo "govulncheck: FAILED: not accepted in $accepted:$unaccepted ($db)"
	exit 1
fi
echo "govulncheck: ok: every finding is accepted with a reason ($db)"
