#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build (or find in the cache) a guest kernel and print its build directory.
#
#   kernel.sh FLAVOUR...      e.g. "kernel.sh debug"
#
# The kernel is configured as allnoconfig plus the named fragments from
# config/ (base.config always first), built out of tree with O=, and kept
# under $IOBROKER_CACHE (default ~/.cache/iobroker), outside the work tree.
# The cache key covers the Debian source package version, the fragments,
# the cross compiler and this script, so changing any of them builds a new
# kernel and an unchanged tree reuses the old one.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${IOBROKER_CACHE:-${HOME:-/root}/.cache/iobroker}
cross=${CROSS_COMPILE:-powerpc64le-linux-gnu-}
jobs=${JOBS:-$(nproc)}
tarball=/usr/src/linux-source-6.12.tar.xz

log() { printf '[kernel] %s\n' "$*" >&2; }

[ $# -ge 1 ] || { echo "usage: $0 FLAVOUR..." >&2; exit 2; }
[ -f "$tarball" ] || { log "$tarball missing (run make deps)"; exit 1; }
# Only the pinned source, checked to the byte (selftests/rig/inputs).
"$here/inputs.sh" check

mkdir -p "$cache"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
src=$cache/src/linux-source-$srcver

# One builder at a time per cache; others wait and then reuse the result.
exec 9>"$cache/.lock"
flock 9

if [ ! -f "$src/.unpacked" ]; then
	log "unpacking linux-source $srcver"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	touch "$src.tmp/.unpacked"
	mv "$src.tmp" "$src"
fi

frag=$(mktemp)
trap 'rm -f "$frag"' EXIT
# Later fragments override earlier ones, option by option.
for f in base "$@"; do
	cat "$here/config/$f.config"
done | awk -F= '/^CONFIG_/ { val[$1] = $0; if (!($1 in seen)) order[n++] = $1;
			   seen[$1] = 1 }
		END { for (i = 0; i < n; i++) print val[order[i]] }' >"$frag"

key=$( { echo "$srcver"; cat "$frag"; "${cross}gcc" --version | head -n 1;
	 cat "$0"; } | sha256sum | cut -c1-16)
name=$(echo "$*" | tr ' ' '+')
out=$cache/kernel/$name-$key

if [ -f "$out/.built" ]; then
	log "cached: $out"
	echo "$out"
	exit 0
fi

log "building $name kernel in $out (this takes a few minutes once)"
mkdir -p "$out"
kmake() {
	make -s -C "$src" O="$out" ARCH=powerpc CROSS_COMPILE="$cross" "$@"
}
kmake KCONFIG_ALLCONFIG="$frag" allnoconfig >&2

# Every option asked for must have survived Kconfig's dependency solver.
bad=0
grep -E '^CONFIG_[A-Za-z0-9_]+=' "$frag" | while IFS='=' read -r opt val; do
	if [ "$val" = n ]; then
		if grep -q "^$opt=" "$out/.config"; then
			log "option $opt should be off but is on"
			echo x
		fi
	elif ! grep -qx "$opt=$val" "$out/.config"; then
		log "option $opt=$val did not take"
		echo x
	fi
done | grep -q x && bad=1
[ $bad -eq 0 ] || { log "configuration does not match the fragments"; exit 1; }

kmake -j"$jobs" >&2
touch "$out/.built"
log "built $out"

# Keep this build and the one before it of the same flavour; older ones
# and other kernel versions' sources are only taking space.
ls -dt "$cache/kernel/$name"-* | tail -n +3 | xargs rm -rf
for d in "$cache"/src/linux-source-*; do
	[ "$d" = "$src" ] || rm -rf "$d"
done
echo "$out"
