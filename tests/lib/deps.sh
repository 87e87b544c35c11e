#!/usr/bin/env bash
# tests/lib/deps.sh: install the Debian packages mxgate needs, and only those
# that are missing.
#
#   bash tests/lib/deps.sh build    what `contrib/quickstart.sh` needs
#   bash tests/lib/deps.sh test     build + test suite + bench (PostgreSQL,
#                                   nginx-light, wrk, ...)
#
# Idempotent and silent when everything is present: dpkg-query is asked first,
# and `apt-get update` runs only when something must be installed.  Services a
# package may start (postgresql, nginx) are left alone: the suite and the bench
# run their own instances on their own ports.
set -euo pipefail

BUILD_PKGS=(
	build-essential autoconf automake libtool pkg-config
	libmicrohttpd-dev libjansson-dev libssl-dev libcurl4-openssl-dev
	libyaml-dev libsqlite3-dev libpq-dev libjwt-dev libldap-dev
	libargon2-dev libcrypt-dev libunistring-dev
	curl python3
)
TEST_PKGS=(postgresql sqlite3 wrk nginx-light python3-aiosmtpd nodejs slapd ldap-utils chromium)

usage() {
	echo "usage: $0 build|test" >&2
	exit 2
}

[ $# -eq 1 ] || usage
case "$1" in
build) wanted=("${BUILD_PKGS[@]}") ;;
test) wanted=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}") ;;
*) usage ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
	# "ii" = installed and configured; anything else (absent, half
	# installed, removed with config left) needs apt-get.
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
	case "$status" in
	ii*) ;;
	*) missing+=("$pkg") ;;
	esac
done

[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=(sudo)
	else
		echo "deps: missing packages and not root; run as root:" >&2
		echo "  apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
else
	SUDO=()
fi

export DEBIAN_FRONTEND=noninteractive
# Without this the slapd package builds and starts a dc=nodomain directory
# nobody uses; the suite runs its own slapd from a throwaway cn=config.
echo "slapd slapd/no_configuration boolean true" | "${SUDO[@]}" debconf-set-selections
"${SUDO[@]}" apt-get update -qq >&2
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends "${missing[@]}" >&2
