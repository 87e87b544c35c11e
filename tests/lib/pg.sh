#!/bin/sh
# pg.sh: a throwaway PostgreSQL for the tests.
#
#   pg.sh start DIR PORT   initdb DIR/data if needed, start the server on
#                          127.0.0.1:PORT (socket in DIR), create the database
#                          mxgate_test, print its libpq conninfo on stdout:
#                            host=127.0.0.1 port=PORT user=postgres dbname=mxgate_test
#   pg.sh stop DIR         stop it (fast shutdown); fine if it is not running
#
# Both are idempotent.  Authentication is "trust", so the conninfo holds no
# password: never point this at a directory holding real data.  Run as root,
# the server runs as the "postgres" user (initdb refuses root) and DIR is
# chowned to it; run as any other user, it runs as that user.
# PGBIN overrides the binaries' directory (default: Debian's PostgreSQL 15).
set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
DBNAME=mxgate_test

die() {
	echo "pg.sh: $*" >&2
	exit 1
}

usage() {
	echo "usage: pg.sh start DIR PORT | pg.sh stop DIR" >&2
	exit 2
}

# as_pg CMD...: run a PostgreSQL binary as the server's owner.
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# is_running: pg_ctl status exits 0 when a server runs in $DATA.
is_running() {
	[ -f "$DATA/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

cmd_start() {
	port=$1
	case $port in
	'' | *[!0-9]*) die "port '$port' is not a number" ;;
	esac
	[ -x "$PGBIN/initdb" ] || die "$PGBIN/initdb not found (apt-get install postgresql)"
	mkdir -p "$DIR"
	DIR=$(cd "$DIR" && pwd)
	DATA=$DIR/data
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$DIR"
		runuser -u postgres -- test -x "$DIR" ||
			die "user postgres cannot reach $DIR (a parent directory is not searchable)"
	fi
	if [ ! -f "$DATA/PG_VERSION" ]; then
		as_pg "$PGBIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 \
			--locale=C.UTF-8 --no-sync >"$DIR/initdb.log" 2>&1 ||
			die "initdb failed, see $DIR/initdb.log"
	fi
	if ! is_running; then
		# fsync off: the data is thrown away, speed matters more.
		# -w: return once the server accepts connections.  With -W the
		# status check below could run before the server wrote its pid
		# file and take it for a server that exited.
		as_pg "$PGBIN/pg_ctl" start -D "$DATA" -l "$DIR/server.log" -w -t 60 \
			-o "-c listen_addresses=127.0.0.1 -p $port -k $DIR -c fsync=off -c full_page_writes=off" \
			>/dev/null || die "pg_ctl start failed, see $DIR/server.log"
	fi
	# Poll until the server accepts connections (about 30 s at most).
	i=0
	until as_pg "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1; do
		i=$((i + 1))
		[ $i -lt 300 ] || die "server not ready on 127.0.0.1:$port, see $DIR/server.log"
		is_running || die "server exited, see $DIR/server.log"
		sleep 0.1
	done
	exists=$(as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -XtAq \
		-c "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'")
	if [ "$exists" != 1 ]; then
		as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DBNAME" ||
			die "createdb $DBNAME failed"
	fi
	echo "host=127.0.0.1 port=$port user=postgres dbname=$DBNAME"
}

cmd_stop() {
	[ -d "$DIR" ] || return 0
	DATA=$(cd "$DIR" && pwd)/data
	if is_running; then
		as_pg "$PGBIN/pg_ctl" stop -D "$DATA" -m fast -w >/dev/null ||
			die "pg_ctl stop failed, see $DIR/server.log"
	fi
}

[ $# -ge 2 ] || usage
DIR=$2
case $1 in
start) [ $# -eq 3 ] || usage; cmd_start "$3" ;;
stop) [ $# -eq 2 ] || usage; cmd_stop ;;
*) usage ;;
esac
