#!/usr/bin/env bash
# contrib/quickstart.sh: README command 1.  From a fresh Debian machine to a
# running mxgate: install what is missing, build, generate a config and a
# SQLite database under ./data (kept on later runs), and run the daemon in
# the foreground on 127.0.0.1:8090.  Ctrl-C (or SIGTERM) stops it.
#
# The build lives in ./build-quickstart (out of tree, so that the test suite's
# own out-of-tree builds keep working next to it).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
builddir=build-quickstart
datadir=$root/data
conf=$datadir/mxgate.yaml
bin=$root/$builddir/src/mxgate

bash tests/lib/deps.sh build
bash tests/lib/build.sh "$builddir"

mkdir -p -m 0700 "$datadir"
if [ ! -f "$conf" ]; then
	# Through a temporary name: a failed run must not leave a half config
	# that the next run would reuse.
	rm -f "$conf.new"
	"$bin" config generate --server-name localhost --data-dir "$datadir" \
		--plugin-dir "$root/$builddir/plugins/.libs" -o "$conf.new"
	mv "$conf.new" "$conf"
	echo "quickstart: wrote $conf"
else
	echo "quickstart: reusing $conf"
fi
"$bin" db migrate -c "$conf"

if (exec 3<>/dev/tcp/127.0.0.1/8090) 2>/dev/null; then
	echo "quickstart: something already listens on 127.0.0.1:8090 (another mxgate?); stop it first" >&2
	exit 1
fi

cat <<MSG

  mxgate $("$bin" --version | awk '{print $2}')
  config:   $conf
  data:     $datadir
  binary:   $bin
  try:      curl -s http://127.0.0.1:8090/_matrix/identity/v2/hash_details
  health:   curl -s http://127.0.0.1:8090/health
  stop:     Ctrl-C

MSG
exec "$bin" serve -c "$conf"
