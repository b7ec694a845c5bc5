#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Static checks, as a TAP stream framed for the rig's report:
#   checkpatch.pl --strict on every C file of the project
#   sparse (C=2) and W=1 on a full build of both modules, and W=1 on a
#   production build (no test exports, no test module)
#   the layers: calls and includes only downward, no circle
#   kernel-doc -Wall on every folder of kernel code and the uapi headers
#   every uapi header compiles on its own as C90
#   the netlink family agrees with its spec (nlspec.py): the kernel's
#   ynl-gen-c.py accepts docs/netlink/iobroker.yaml, uapi/iobroker/netlink.h
#   has exactly its constants, and iommufd/netlink.c its policies, ops,
#   family and groups (not netnsok, admin-perm groups CAP_SYS_ADMIN) and
#   sends its events
# Exits non-zero if any check fails.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
rig=$top/selftests/rig
cross=powerpc64le-linux-gnu-
kb=$("$rig/kernel.sh" debug) || exit 1
ksrc=$(readlink -f "$kb/source")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
check() {
	name=$1
	shift
	n=$((n + 1))
	if "$@" >"$tmp/out" 2>&1 && [ ! -s "$tmp/out" ]; then
		echo "ok $n lint.$name"
	else
		failed=$((failed + 1))
		sed 's/^/# /' "$tmp/out" | head -n 60
		echo "not ok $n lint.$name"
	fi
}

sources() {
	(cd "$top" && find . -name '*.[ch]' -not -path './build/*' \
		-not -path './.git/*' -not -name '*.mod.c' | sort)
}

do_checkpatch() {
	cd "$top" && sources | xargs "$ksrc/scripts/checkpatch.pl" --no-tree \
		--strict --terse --no-summary -f
}

# Build a private copy so that every file is compiled and checked.
do_sparse_w1() {
	mkdir -p "$tmp/src"
	(cd "$top" && tar --exclude=./build --exclude=./.git -cf - .) |
		(cd "$tmp/src" && tar -xf -)
	make -s -C "$tmp/src" clean >/dev/null 2>&1
	make -s -C "$kb" M="$tmp/src" ARCH=powerpc CROSS_COMPILE=$cross \
		IOBROKER_TEST=y C=2 W=1 modules 2>&1 |
		grep -E 'warning|error|sparse' || true
}

do_production_w1() {
	make -s -C "$tmp/src" clean >/dev/null 2>&1
	make -s -C "$kb" M="$tmp/src" ARCH=powerpc CROSS_COMPILE=$cross \
		W=1 modules 2>&1 | grep -E 'warning|error' || true
	[ -f "$tmp/src/iobroker.ko" ] && [ ! -f "$tmp/src/iobroker_test.ko" ]
}

# Every folder of kernel code, and the uapi headers.
do_kernel_doc() {
	cd "$top" && "$ksrc/scripts/kernel-doc" -none -Wall \
		module.c common/*.[ch] devices/*.[ch] include/iobroker/*.h \
		iommufd/*.[ch] iopt/*.[ch] ppc_tce/*.[ch] ptdrv/*.h \
		samples/*.c selftests/kmod/*.c uapi/iobroker/*.h
}

# Calls and includes go down the layers, never in a circle, in the
# objects of the production build above (docs/architecture.rst).
do_layers() {
	python3 "$rig/layers.py" "$top" "$tmp/src" "${cross}nm"
}

do_uapi_c90() {
	for h in "$top"/uapi/iobroker/*.h; do
		"${cross}gcc" -std=c90 -Wall -Werror -fsyntax-only \
			-x c "$h" || return 1
	done
}

# Debian's python3, which deps.sh gives yaml and jsonschema, as the
# kernel's ynl-gen-c.py needs them.
do_netlink_spec() {
	/usr/bin/python3 "$rig/nlspec.py" "$top" "$ksrc"
}

echo "@@iob:begin tap lint"
echo "TAP version 13"
echo "1..7"
check checkpatch do_checkpatch
check sparse_and_w1 do_sparse_w1
check production_w1 do_production_w1
check layers do_layers
check kernel_doc do_kernel_doc
check uapi_headers_c90 do_uapi_c90
check netlink_spec do_netlink_spec
echo "@@iob:end lint exit=$failed"
[ $failed -eq 0 ]
