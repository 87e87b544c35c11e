#!/usr/bin/env bash
# tests/integration/run.sh: run every tests/integration/test_*.py against one
# build's src/mxgate.
#
#   bash tests/integration/run.sh BUILD_DIR [test_foo.py ...]
#
# Each file runs alone (/usr/bin/python3, 300 s cap), its output goes to
# BUILD_DIR/integration/<name>.log, and its last line "N passed, N
# failed[, N skipped]" is added to the tally.  A file that dies without that
# line counts as one failure, and the tail of its log is printed.  The last
# line of this script's output is the total in the same form.  Exit status:
# 0 when nothing failed.
set -uo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [test_*.py ...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
builddir=$(cd "$1" && pwd) || exit 2
shift

export MXGATE_BIN="$builddir/src/mxgate"
logdir="$builddir/integration"	# not tests/integration: distdir would ship it
mkdir -p "$logdir"
# The tests' files (configs, databases, daemon output) go under /tmp: short
# paths for PostgreSQL's Unix socket, and reachable by the postgres user,
# which a build directory under /root may not be.  Kept when a test failed.
tmp=$(mktemp -d /tmp/mxgate-it.XXXXXX)
chmod 0755 "$tmp"
export MXGATE_TEST_TMP="$tmp"
export PYTHONDONTWRITEBYTECODE=1	# keep the source tree (and the tarball) clean
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

if [ $# -gt 0 ]; then
	files=("$@")
else
	files=("$here"/test_*.py)
fi

passed=0 failed=0 skipped=0
for f in "${files[@]}"; do
	[ -e "$f" ] || [ -e "$here/$f" ] || continue
	[ -e "$f" ] || f="$here/$f"
	name=$(basename "$f" .py)
	log="$logdir/$name.log"
	timeout -k 10 300 "$PYTHON" -B "$f" >"$log" 2>&1
	rc=$?
	last=$(tail -n 1 "$log")
	if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
		p=${BASH_REMATCH[1]} fl=${BASH_REMATCH[2]} s=${BASH_REMATCH[4]:-0}
		if [ "$rc" -ne 0 ] && [ "$fl" -eq 0 ]; then
			fl=1	# said all passed but exited non-zero
			last="$last (but exited $rc)"
		fi
	else
		p=0 fl=1 s=0
		[ "$rc" -eq 124 ] && last="timed out after 300 s" || last="exited $rc without a tally"
	fi
	passed=$((passed + p)) failed=$((failed + fl)) skipped=$((skipped + s))
	printf '  %-28s %s\n' "$name" "$last"
	if [ "$fl" -gt 0 ]; then
		echo "  --- $log, without its ok lines:"
		grep -v '^ok ' "$log" | head -n 80 | sed 's/^/  | /'
		echo "  ---"
	fi
done

if [ "$failed" -eq 0 ]; then
	rm -rf "$tmp"
else
	echo "  (test files kept in $tmp)"
fi
total="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && total="$total, $skipped skipped"
echo "$total"
[ "$failed" -eq 0 ]
