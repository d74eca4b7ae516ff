#!/bin/sh
# Installs the Debian packages bgpwatch builds and tests with, when missing.
# As non-root it prints the apt-get line instead.
PKGS="build-essential pkg-config libevent-dev libssl-dev libmsgpack-dev
libcmocka-dev zlib1g-dev libdeflate-dev libisal-dev libbz2-dev clang libclang-rt-14-dev bird2 gobgpd
exabgp bgpdump python3-msgpack procps iproute2 gzip bzip2 openssl
valgrind frr librdkafka-dev kafkacat python3-confluent-kafka libwslay-dev
libjansson-dev python3-websockets python3-jsonschema chromium mandoc man-db
prometheus libcap-dev libcap2-bin libsystemd-dev systemd util-linux
dpkg-dev podman runc mmdebstrap uidmap slirp4netns fuse-overlayfs
bsdextrautils python3-yaml curl gnuplot-nox"

# One dpkg-query for all (make check calls this each time: 2 s with one
# per package).
have=" $(dpkg-query -W -f='${Package} ${Status}\n' $PKGS 2>/dev/null |
    awk '/install ok installed$/ { printf "%s ", $1 }')"
missing=""
for p in $PKGS; do
	case $have in *" $p "*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "bgpwatch needs:$missing"
	echo "run: sudo apt-get install -y$missing"
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || exit 1
apt-get install -y -q --no-install-recommends $missing || exit 1
