#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The QEMU rig: build everything, boot a ppc64le pseries guest, carry out a
# plan in it and judge the result on the host.
#
#   rig.sh check            the whole test suite
#   rig.sh run              the demo
#   rig.sh guest            RUN='command' [FILES=dir]: your own program
#
# Environment: IOBROKER_CACHE (kernel cache, default ~/.cache/iobroker),
# JOBS (parallel build jobs), TIMEOUT (seconds the guest may run).
set -eu

mode=${1:?usage: rig.sh check|run|guest}
top=$(cd "$(dirname "$0")/../.." && pwd)
rig=$top/selftests/rig
out=$top/build
cache=${IOBROKER_CACHE:-${HOME:-/root}/.cache/iobroker}
cross=powerpc64le-linux-gnu-
run=$out/$mode

log() { printf '[rig] %s\n' "$*" >&2; }

# --- build ------------------------------------------------------------
kb=$("$rig/kernel.sh" debug)
ksrc=$(readlink -f "$kb/source")

log "building modules"
make -s -C "$kb" M="$top" ARCH=powerpc CROSS_COMPILE=$cross \
	IOBROKER_TEST=y modules >&2
log "building selftests and init"
make -s -C "$top/selftests" O="$out/userspace" KSRC="$ksrc" >&2

# --- plan ---------------------------------------------------------------
rm -rf "$run"
mkdir -p "$run"
plan=$run/plan
tests="iobroker_abi iobroker_ioas iobroker_lifetime iobroker_mock
       iobroker_option iobroker_race iobroker_rlimit"
suites="iobroker_dispatch iobroker_object iobroker_tce"

load_modules() {
	echo "insmod /lib/modules/iobroker.ko"
	echo "insmod /lib/modules/iobroker_test.ko"
}
unload_modules() {
	echo "rmmod iobroker_test"
	echo "rmmod iobroker"
}

case $mode in
check)
	{
		echo "kmemleak-clear"
		# Huge pages for the hugetlb variants: 64 of 2 MiB.
		echo "write /proc/sys/vm/nr_hugepages 64"
		load_modules
		for s in $suites; do echo "kunit $s"; done
		for t in $tests; do echo "tap $t 300 /bin/$t"; done
		echo "text iobroker_demo 300 /bin/iobroker_demo"
		unload_modules
		echo "kmemleak"
	} >"$plan"
	;;
run)
	{
		load_modules
		echo "text iobroker_demo 300 /bin/iobroker_demo"
		unload_modules
	} >"$plan"
	;;
guest)
	[ -n "${RUN:-}" ] || { log "guest needs RUN='command'"; exit 2; }
	{
		load_modules
		echo "sh guest ${GUEST_SECS:-3600} cd /guest && $RUN"
		unload_modules
	} >"$plan"
	;;
*)
	log "unknown mode $mode"; exit 2 ;;
esac

# --- initramfs ------------------------------------------------------------
spec=$run/initramfs.spec
{
	for d in /dev /proc /sys /tmp /bin /etc /etc/iobroker /lib \
		 /lib/modules /guest; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /init $out/userspace/init 0755 0 0"
	echo "file /bin/busybox $cache/busybox/bin/busybox 0755 0 0"
	for m in iobroker iobroker_test; do
		echo "file /lib/modules/$m.ko $top/$m.ko 0644 0 0"
	done
	for p in "$out"/userspace/bin/*; do
		echo "file /bin/$(basename "$p") $p 0755 0 0"
	done
	echo "file /etc/iobroker/plan $plan 0644 0 0"
	if [ "$mode" = guest ] && [ -n "${FILES:-}" ]; then
		files=$(cd "$FILES" && pwd)
		(cd "$files" && find . -mindepth 1 | sort) | while read -r f; do
			f=${f#./}
			perm=$(stat -c %a "$files/$f")
			if [ -d "$files/$f" ]; then
				echo "dir /guest/$f $perm 0 0"
			else
				echo "file /guest/$f $files/$f $perm 0 0"
			fi
		done
	fi
} >"$spec"
"$kb/usr/gen_init_cpio" "$spec" >"$run/initramfs.cpio"

# --- lint (check only) ------------------------------------------------------
lintlog=
if [ "$mode" = check ]; then
	log "lint: checkpatch, sparse, W=1, kernel-doc, uapi headers"
	"$rig/lint.sh" >"$run/lint.log" || true
	awk -v verbose=0 -f "$rig/live.awk" "$run/lint.log"
	lintlog=$run/lint.log
fi

# --- boot -----------------------------------------------------------------
case $mode in
check) timeout=${TIMEOUT:-1500}; verbose=0 ;;
*) timeout=${TIMEOUT:-3900}; verbose=1 ;;
esac

log "booting the guest ($mode); console log: $run/console.log"
: >"$run/results.log"
: >"$run/console.log"
set +e
timeout --foreground "$timeout" qemu-system-ppc64 \
	-M pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off \
	-cpu power9 -smp 2 -m 4G \
	-nodefaults -display none -monitor none -no-reboot \
	-serial "file:$run/console.log" -serial "file:$run/results.log" \
	-device spapr-pci-host-bridge,index=1,id=phb1 \
	-device edu,bus=phb1.0,addr=0x1 \
	-kernel "$kb/vmlinux" -initrd "$run/initramfs.cpio" \
	-append "console=hvc0 panic_on_warn=1 panic=-1 oops=panic hung_task_panic=1 softlockup_panic=1 iobroker.mode=$mode" \
	</dev/null &
qpid=$!
tail -n +1 -f --pid=$qpid "$run/results.log" | awk -v verbose=$verbose -f "$rig/live.awk"
wait $qpid
qstatus=$?
set -e

awk -v qemu_status=$qstatus -f "$rig/report.awk" \
	$lintlog "$run/results.log" "$run/console.log"
