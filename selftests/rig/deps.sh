#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install what the rig needs from Debian's archive, only what is missing,
# and fetch a static ppc64le busybox for the guest's shell. Safe to run
# again and again; a machine that has everything only gets checked.
set -eu

cache=${IOBROKER_CACHE:-${HOME:-/root}/.cache/iobroker}

# Host tools, the kernel source, the ppc64le cross toolchain and QEMU.
pkgs="make gcc libc6-dev bc bison flex cpio xz-utils kmod perl python3
      libelf-dev libssl-dev sparse
      linux-source-6.12
      gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross
      qemu-system-ppc"

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

missing=
for p in $pkgs; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing="$missing $p"
done

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
updated=
if [ -n "$missing" ]; then
	log "installing:$missing"
	apt_update
	updated=1
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends $missing >&2
fi

# busybox for the guest comes from Debian's ppc64el port. It is only
# downloaded and unpacked into the cache, never installed on this host.
bb=$cache/busybox/bin/busybox
if [ ! -x "$bb" ]; then
	if ! dpkg --print-foreign-architectures | grep -qx ppc64el; then
		log "adding ppc64el as a foreign architecture"
		$sudo dpkg --add-architecture ppc64el
		updated=
	fi
	[ -n "$updated" ] || apt_update
	tmp=$(mktemp -d)
	(cd "$tmp" && $sudo apt-get download -qq -o APT::Sandbox::User=root \
		busybox-static:ppc64el >&2)
	mkdir -p "$cache/busybox.tmp"
	dpkg-deb -x "$tmp"/busybox-static_*_ppc64el.deb "$cache/busybox.tmp"
	rm -rf "$tmp" "$cache/busybox"
	mv "$cache/busybox.tmp" "$cache/busybox"
	log "guest busybox: $bb"
fi
