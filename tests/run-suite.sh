#!/usr/bin/env bash
# tests/run-suite.sh: README command 2, and all that .ci/run does.
#
# Installs what is missing, builds mxgate twice out of tree (build-suite/normal
# and build-suite/asan, -fsanitize=address,undefined), starts a throwaway
# PostgreSQL, runs in each build the C unit tests (`make check`) and the
# integration tests (tests/integration/run.sh), runs `make distcheck` once,
# and stops PostgreSQL again, also on failure or Ctrl-C.
#
# Tally: a unit-test program prints "<name>: N passed, N failed[, N skipped]";
# those lines are read from the .log files that `make check` leaves.  A
# program that crashed or exited non-zero after a clean tally adds one
# failure.  An integration file prints "N passed, N failed[, N skipped]" the
# same way.  A broken build and a failed distcheck are one failure each; a
# passed distcheck one pass.  The last line is "N passed, N failed", the sum.
# Exit status 0 only when nothing failed.
set -uo pipefail

cd "$(dirname "$0")/.."
root=$PWD
suite=$root/build-suite
export MAKEFLAGS="-j$(nproc)"

total_pass=0 total_fail=0 total_skip=0
summary=()

say() { printf '\n=== %s\n' "$*"; }
add() {	# add PART PASSED FAILED SKIPPED NOTE
	total_pass=$((total_pass + $2)) total_fail=$((total_fail + $3))
	total_skip=$((total_skip + $4))
	local line="$2 passed, $3 failed"
	[ "$4" -gt 0 ] && line="$line, $4 skipped"
	summary+=("$(printf '  %-22s %-34s %s' "$1" "$line" "${5:-}")")
}
show_tail() {	# show_tail FILE LINES
	echo "--- last $2 lines of $1"
	tail -n "$2" "$1" | sed 's/^/  | /'
	echo "---"
}

# --- dependencies -----------------------------------------------------------
say "dependencies"
if ! bash tests/lib/deps.sh test; then
	echo "run-suite: installing the dependencies failed" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
if ! bash tests/lib/npm.sh; then
	echo "run-suite: installing the npm packages (tests/js) failed" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
echo "all present"

# --- PostgreSQL -------------------------------------------------------------
pg_dir=
cleanup() {
	if [ -n "$pg_dir" ]; then
		bash tests/lib/pg.sh stop "$pg_dir/cluster" >/dev/null 2>&1 ||
			echo "run-suite: could not stop PostgreSQL in $pg_dir" >&2
		rm -rf "$pg_dir"
		pg_dir=
	fi
}
trap cleanup EXIT
trap 'echo "run-suite: interrupted" >&2; exit 130' INT TERM HUP

say "PostgreSQL"
unset MXGATE_TEST_PGCONNINFO
pg_note=
if [ ! -f tests/lib/pg.sh ]; then
	pg_note="tests/lib/pg.sh missing: PostgreSQL cases skip"
	echo "$pg_note"
else
	pg_dir=$(mktemp -d /tmp/mxgate-suite-pg.XXXXXX)
	chmod 0755 "$pg_dir"	# pg.sh creates cluster/ in it for the postgres user
	pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	if conninfo=$(bash tests/lib/pg.sh start "$pg_dir/cluster" "$pg_port" 2>"$pg_dir/start.err") &&
		[ -n "$conninfo" ]; then
		export MXGATE_TEST_PGCONNINFO="$conninfo"
		echo "started on port $pg_port: $conninfo"
		add "postgresql start" 1 0 0
	else
		echo "run-suite: PostgreSQL did not start; its cases will skip"
		show_tail "$pg_dir/start.err" 20
		add "postgresql start" 0 1 0 "(PostgreSQL cases skip)"
	fi
fi

# --- one build: compile, unit tests, integration tests -----------------------
unit_tally() {	# unit_tally BUILD_DIR -> "passed failed skipped"; prints failures
	local b=$1 p=0 f=0 s=0 trs log res line
	while IFS= read -r trs; do
		log=${trs%.trs}.log
		res=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
		line=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" 2>/dev/null | tail -n 1)
		if [[ "$line" =~ :\ ([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
			p=$((p + BASH_REMATCH[1])) f=$((f + BASH_REMATCH[2]))
			s=$((s + ${BASH_REMATCH[4]:-0}))
			if [ "$res" != PASS ] && [ "$res" != SKIP ] && [ "${BASH_REMATCH[2]}" -eq 0 ]; then
				f=$((f + 1))	# e.g. a leak report after a clean tally
				echo "  ${log#$b/}: $res after '$line'" >&2
			fi
		elif [ "$res" = SKIP ]; then
			s=$((s + 1))
		else
			f=$((f + 1))
			echo "  ${log#$b/}: $res without a tally line (crashed or a sanitizer report: see below)" >&2
		fi
		if [ "$res" != PASS ] && [ "$res" != SKIP ]; then
			{ grep -E '^ *FAIL|ERROR|runtime error' "$log" | head -n 30
			  show_tail "$log" 25; } >&2
		fi
	done < <(find "$b/tests" -name '*.trs' 2>/dev/null | sort)
	echo "$p $f $s"
}

run_build() {	# run_build NAME [configure options...]
	local name=$1 b=$suite/$1
	shift
	say "build $name"
	mkdir -p "$b"
	if ! bash tests/lib/build.sh "$b" "$@" >"$suite/$name-build.log" 2>&1; then
		echo "BUILD BROKEN ($name): see $suite/$name-build.log"
		grep -E 'error|Error' "$suite/$name-build.log" | head -n 30
		show_tail "$suite/$name-build.log" 30
		add "build $name" 0 1 0 "BUILD BROKEN"
		return 1
	fi
	echo "built"

	say "unit tests ($name)"
	find "$b/tests" \( -name '*.trs' -o -name '*.log' \) -delete 2>/dev/null
	local check_rc=0 counts
	(cd "$b" && make check) >"$suite/$name-check.log" 2>&1 || check_rc=$?
	counts=$(unit_tally "$b")
	read -r p f s <<<"$counts"
	if [ "$check_rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# make check failed before or besides the tests: a test that did
		# not compile, or the harness itself.
		echo "make check failed (exit $check_rc) with no failing test"
		show_tail "$suite/$name-check.log" 30
		f=1
	fi
	echo "$p passed, $f failed, $s skipped"
	add "unit $name" "$p" "$f" "$s"

	say "integration tests ($name)"
	local out
	out=$(bash tests/integration/run.sh "$b" 2>&1)
	echo "$out"
	local last=${out##*$'\n'}
	if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
		add "integration $name" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[4]:-0}"
	else
		add "integration $name" 0 1 0 "(no tally from run.sh)"
	fi
}

start=$SECONDS
mkdir -p "$suite"
normal_built=yes
run_build normal || normal_built=no
export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_build asan --enable-sanitizers
unset ASAN_OPTIONS UBSAN_OPTIONS

# --- distcheck ----------------------------------------------------------------
say "make distcheck (normal build)"
if [ "$normal_built" = no ]; then
	echo "not run: the normal build is broken"
	add "distcheck" 0 0 1 "(not run: build broken)"
else
	if (cd "$suite/normal" && make distcheck) >"$suite/distcheck.log" 2>&1; then
		echo "ok"
		add "distcheck" 1 0 0
	else
		echo "make distcheck FAILED"
		grep -E 'error|ERROR|FAIL' "$suite/distcheck.log" | head -n 30
		show_tail "$suite/distcheck.log" 40
		add "distcheck" 0 1 0
	fi
fi

cleanup

say "summary ($((SECONDS - start)) s; logs in $suite)"
printf '%s\n' "${summary[@]}"
[ -n "$pg_note" ] && echo "  note: $pg_note"
[ "$total_skip" -gt 0 ] && echo "  $total_skip skipped in all"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
