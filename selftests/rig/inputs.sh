#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Check that what the rig is about to use is what selftests/rig/inputs
# pins, and say what it is.
#
#   inputs.sh check     exit non-zero, naming each difference, unless the
#                       installed linux-source and its tarball, QEMU and
#                       the cached busybox, libnl and DPDK are the pinned
#                       ones
#   inputs.sh describe  one line naming them, for the verdict
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${IOBROKER_CACHE:-${HOME:-/root}/.cache/iobroker}
tarball=/usr/src/linux-source-6.12.tar.xz
. "$here/inputs"

installed() {
	dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null |
		sed -n 's/^install ok installed //p'
}

case ${1:-} in
check)
	bad=0
	complain() {
		printf '[inputs] %s\n' "$*" >&2
		bad=1
	}
	v=$(installed linux-source-6.12)
	[ "$v" = "$LINUX_SOURCE_VERSION" ] ||
		complain "linux-source-6.12 is '${v:-missing}', the rig pins $LINUX_SOURCE_VERSION"
	if [ -f "$tarball" ]; then
		sum=$(sha256sum "$tarball" | cut -d' ' -f1)
		[ "$sum" = "$LINUX_SOURCE_SHA256" ] ||
			complain "$tarball has sha256 $sum, the rig pins $LINUX_SOURCE_SHA256"
	else
		complain "$tarball is missing"
	fi
	v=$(installed qemu-system-ppc)
	[ "$v" = "$QEMU_VERSION" ] ||
		complain "qemu-system-ppc is '${v:-missing}', the rig pins $QEMU_VERSION"
	v=$(cat "$cache/busybox/version" 2>/dev/null || true)
	[ "$v" = "$BUSYBOX_VERSION" ] ||
		complain "the cached busybox is '${v:-missing}', the rig pins $BUSYBOX_VERSION"
	v=$(cat "$cache/libnl/version" 2>/dev/null || true)
	[ "$v" = "$LIBNL_VERSION" ] ||
		complain "the cached libnl is '${v:-missing}', the rig pins $LIBNL_VERSION"
	v=$(cat "$cache/dpdk/version" 2>/dev/null || true)
	[ "$v" = "$DPDK_VERSION $NUMA_VERSION $LIBBSD_VERSION $LIBMD_VERSION" ] ||
		complain "the cached DPDK is '${v:-missing}', the rig pins $DPDK_VERSION (libnuma $NUMA_VERSION, libbsd $LIBBSD_VERSION, libmd $LIBMD_VERSION)"
	if [ $bad -ne 0 ]; then
		printf '[inputs] run make deps, or bump selftests/rig/inputs after a check on the new versions\n' >&2
		exit 1
	fi
	;;
describe)
	echo "inputs: linux-source-6.12 $LINUX_SOURCE_VERSION (sha256 $(echo "$LINUX_SOURCE_SHA256" | cut -c1-16)...), qemu-system-ppc $QEMU_VERSION, busybox-static $BUSYBOX_VERSION, libnl $LIBNL_VERSION, dpdk $DPDK_VERSION"
	;;
*)
	echo "usage: $0 check|describe" >&2
	exit 2
	;;
esac
