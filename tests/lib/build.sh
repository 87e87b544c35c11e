#!/usr/bin/env bash
# tests/lib/build.sh: configure (when needed) and build mxgate out of tree.
#
#   bash tests/lib/build.sh BUILD_DIR [configure options...]
#
# Shared by contrib/quickstart.sh, tests/run-suite.sh and bench/run so that
# all three treat a clean clone, a stale configure and an old build the same
# way.  BUILD_DIR is relative to the source root or absolute.  Runs autoreconf
# when configure is missing or older than its inputs, configure when the build
# directory has none or an older one, then `make`.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [configure options...]" >&2; exit 2; }
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
builddir=$1
shift
case "$builddir" in
/*) ;;
*) builddir="$srcdir/$builddir" ;;
esac

cd "$srcdir"
if [ -f config.status ]; then
	# An in-place configure makes every out-of-tree build refuse to start.
	echo "build: $srcdir is configured in place; run 'make distclean' there first" >&2
	exit 1
fi

stale=no
if [ ! -x configure ] || [ ! -f Makefile.in ]; then
	stale=yes
elif [ -n "$(find . \( -path './build-*' -o -path './.git' -o -path './mxgate-*' \) -prune -o \
	\( -name configure.ac -o -name Makefile.am -o -name '*.mk' \) -newer Makefile.in -print | head -n1)" ]; then
	stale=yes
fi
if [ "$stale" = yes ]; then
	echo "build: autoreconf -fi" >&2
	autoreconf -fi >/dev/null
fi

mkdir -p "$builddir"
cd "$builddir"
if [ ! -f config.status ] || [ "$srcdir/configure" -nt config.status ]; then
	echo "build: configure $* (in $builddir)" >&2
	"$srcdir/configure" -q "$@"
fi
make -j"$(nproc)" --no-print-directory
