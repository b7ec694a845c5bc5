#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install what the rig needs from Debian's archive, only what is missing,
# and fetch a static ppc64le busybox for the guest's shell, and the static
# libraries of libnl and DPDK for its netlink and DPDK programs. Safe to run
# again and again; a machine that has everything only gets checked.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${IOBROKER_CACHE:-${HOME:-/root}/.cache/iobroker}
# The pinned versions: LINUX_SOURCE_VERSION, QEMU_VERSION, BUSYBOX_VERSION,
# LIBNL_VERSION, and DPDK's with the libraries it links.
. "$here/inputs"

# Host tools, the kernel source, the ppc64le cross toolchain and QEMU;
# the kernel source and QEMU at the versions selftests/rig/inputs pins.
pkgs="make gcc libc6-dev bc bison flex cpio xz-utils kmod perl python3
      python3-yaml python3-jsonschema libelf-dev libssl-dev sparse
      linux-source-6.12=$LINUX_SOURCE_VERSION
      gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross
      qemu-system-ppc=$QEMU_VERSION"

log() { printf '[deps] %s\n' "$*" >&2; }

# The archive's mirrors are sometimes caught mid-sync; try a few times and
# go on with whatever index files did arrive.
apt_update() {
	for i in 1 2 3; do
		$sudo apt-get update -qq >&2 && return 0
		log "apt-get update failed (try $i), retrying"
		sleep $((i * 5))
	done
	log "apt-get update kept failing; continuing with the indexes we have"
}

# A package is missing if it is not installed, or not at its pinned version.
missing=
for p in $pkgs; do
	name=${p%%=*}
	st=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null ||
	     true)
	case $p in
	*=*) want="install ok installed ${p#*=}" ;;
	*) want="install ok installed ${st##* }" ;;
	esac
	[ "$st" = "$want" ] || missing="$missing $p"
done

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
updated=
if [ -n "$missing" ]; then
	log "installing:$missing"
	apt_update
	updated=1
	if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends --allow-downgrades $missing >&2; then
		log "could not install:$missing"
		log "if the archive no longer has a pinned version, bump selftests/rig/inputs"
		exit 1
	fi
fi

# busybox for the guest comes from Debian's ppc64el port. It is only
# downloaded and unpacked into the cache, never installed on this host.
bb=$cache/busybox/bin/busybox
if [ ! -x "$bb" ] ||
   [ "$(cat "$cache/busybox/version" 2>/dev/null)" != "$BUSYBOX_VERSION" ]; then
	if ! dpkg --print-foreign-architectures | grep -qx ppc64el; then
		log "adding ppc64el as a foreign architecture"
		$sudo dpkg --add-architecture ppc64el
		updated=
	fi
	[ -n "$updated" ] || apt_update
	tmp=$(mktemp -d)
	if ! (cd "$tmp" && $sudo apt-get download -qq \
		-o APT::Sandbox::User=root \
		"busybox-static:ppc64el=$BUSYBOX_VERSION" >&2); then
		log "busybox-static:ppc64el $BUSYBOX_VERSION is not in the archive; bump selftests/rig/inputs"
		exit 1
	fi
	rm -rf "$cache/busybox.tmp"
	mkdir -p "$cache/busybox.tmp"
	dpkg-deb -x "$tmp"/busybox-static_*_ppc64el.deb "$cache/busybox.tmp"
	dpkg-deb -f "$tmp"/busybox-static_*_ppc64el.deb Version \
		>"$cache/busybox.tmp/version"
	rm -rf "$tmp" "$cache/busybox"
	mv "$cache/busybox.tmp" "$cache/busybox"
	log "guest busybox: $bb"
fi

# Static libraries for guest programs come the same way: the ppc64el -dev
# packages carry static archives and headers, which is all a static link
# needs. Installing them would pull the ppc64el C library onto the host.
# unpack NAME TAG PKG=VERSION...: unpack the packages into $cache/NAME,
# unless the TAG recorded there says they are there already.
unpack() {
	what=$1
	dir=$cache/$1
	tag=$2
	shift 2
	[ "$(cat "$dir/version" 2>/dev/null)" != "$tag" ] || return 0
	if ! dpkg --print-foreign-architectures | grep -qx ppc64el; then
		log "adding ppc64el as a foreign architecture"
		$sudo dpkg --add-architecture ppc64el
		updated=
	fi
	[ -n "$updated" ] || apt_update
	updated=1
	tmp=$(mktemp -d)
	if ! (cd "$tmp" && $sudo apt-get download -qq \
		-o APT::Sandbox::User=root "$@" >&2); then
		log "$* not all in the archive; bump selftests/rig/inputs"
		exit 1
	fi
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	for d in "$tmp"/*.deb; do
		dpkg-deb -x "$d" "$dir.tmp"
	done
	echo "$tag" >"$dir.tmp/version"
	rm -rf "$tmp" "$dir"
	mv "$dir.tmp" "$dir"
	log "guest $what: $dir"
}

# libnl for iobctl and the netlink tests.
unpack libnl "$LIBNL_VERSION" \
	"libnl-3-dev:ppc64el=$LIBNL_VERSION" \
	"libnl-genl-3-dev:ppc64el=$LIBNL_VERSION"

# DPDK's EAL for iobroker_dpdk, with the libraries its archive needs.
unpack dpdk "$DPDK_VERSION $NUMA_VERSION $LIBBSD_VERSION $LIBMD_VERSION" \
	"libdpdk-dev:ppc64el=$DPDK_VERSION" \
	"libnuma-dev:ppc64el=$NUMA_VERSION" \
	"libbsd-dev:ppc64el=$LIBBSD_VERSION" \
	"libmd-dev:ppc64el=$LIBMD_VERSION"

# Whatever was there before, what the rig uses now must be the pins.
"$here/inputs.sh" check
