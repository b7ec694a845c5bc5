#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The QEMU rig: build everything, boot a ppc64le pseries guest, carry out a
# plan in it and judge the result on the host.
#
#   rig.sh check            the whole test suite
#   rig.sh run              the demo
#   rig.sh guest            RUN='command' [FILES=dir]: your own program
#   rig.sh fuzz             the ioctl fuzzer: FUZZ_SECS (default 600) of
#                           FUZZ_SEED (default: the time)
#   rig.sh bench            benchmarks, iobroker then upstream iommufd;
#                           BENCH='tce pin' runs only those parts
#                           (pin, map, tce, access)
#   rig.sh profile          guest instructions per single-page MAP_DMA
#                           and UNMAP_DMA, iobroker against VFIO's own
#                           backend, by function; PROFILE_SECS (10)
#
# Environment: IOBROKER_CACHE (kernel cache, default ~/.cache/iobroker),
# JOBS (parallel build jobs), TIMEOUT (seconds the guest may run).
set -eu

mode=${1:?usage: rig.sh check|run|guest|fuzz|bench|profile}
top=$(cd "$(dirname "$0")/../.." && pwd)
rig=$top/selftests/rig
out=$top/build
cache=${IOBROKER_CACHE:-${HOME:-/root}/.cache/iobroker}
cross=powerpc64le-linux-gnu-

tests="iobroker_abi iobroker_ioas iobroker_lifetime iobroker_mock
       iobroker_option iobroker_race iobroker_rlimit iobroker_tce
       iobroker_edu iobroker_access iobroker_swdma
       iobroker_fail_nth iobroker_memlock iobroker_stress iobroker_regress
       iobroker_vfio iobroker_spapr iobroker_netlink iobroker_dpdk"
suites="iobroker_dispatch iobroker_object iobroker_iopt iobroker_tce"
# Linux's own iommufd selftests (selftests/Makefile builds them from the
# kernel tree), in the order make check runs them; the cases of iommufd
# that it leaves out are listed in selftests/upstream_excluded.
upstream="iommufd iommufd_fail_nth"
# Calls the fuzzer makes in make check (seed 1).
fuzz_iterations=20000
# Kernel parameters a mode adds to the guest's command line.
guest_append=

log() { printf '[rig] %s\n' "$*" >&2; }

# excluded args|list: selftests/upstream_excluded as the harness's
# arguments, or as "fixture NAME, test NAME, ..." for the verdict. Each
# line is "fixture|test|run NAME REASON"; '#' starts a comment line. The
# harness takes the first filter a case matches, so the cases to "run"
# although an excluded test covers them come first (-r), then -F and -T;
# in the guest, upstream-run adds every fixture (-f) after them.
excluded() {
	awk -v want="$1" '
	/^#/ || NF == 0 { next }
	($1 != "fixture" && $1 != "test" && $1 != "run") || NF < 3 {
		printf "%s:%d: not \"fixture|test|run NAME REASON\"\n", \
			FILENAME, FNR >"/dev/stderr"
		bad = 1
		exit 1
	}
	{
		opt = $1 == "fixture" ? "-F" : $1 == "test" ? "-T" : "-r"
		if (opt == "-r")
			runs = runs " " opt " " $2
		else
			outs = outs " " opt " " $2
		txt = txt (txt == "" ? "" : ", ") $1 " " $2
	}
	END {
		if (bad)
			exit 1
		if (want == "args")
			print substr(runs outs, 2)
		else
			print txt
	}' "$top/selftests/upstream_excluded"
}

# --- building --------------------------------------------------------------

# build_all KBUILD: the modules for that kernel, and the userspace side.
build_all() {
	log "building modules"
	# Objects built for another kernel are not reused.
	if [ "$(cat "$out/.modules-kernel" 2>/dev/null)" != "$1" ]; then
		make -s -C "$top" clean-modules >&2
		mkdir -p "$out"
		echo "$1" >"$out/.modules-kernel"
	fi
	make -s -C "$1" M="$top" ARCH=powerpc CROSS_COMPILE=$cross \
		IOBROKER_TEST=y modules >&2
	log "building selftests and init"
	make -s -C "$top/selftests" O="$out/userspace" \
		KSRC="$(readlink -f "$1/source")" LIBNL="$cache/libnl" \
		DPDK="$cache/dpdk" >&2
}

# VFIO, built as modules (config/base.config), in load order: iobroker
# registers a VFIO backend, so VFIO comes first; vfio-pci takes devices
# per test. VFIO's own sPAPR backend is shipped but loaded by one test only.
vfio_load="virt/lib/irqbypass drivers/vfio/vfio drivers/vfio/pci/vfio-pci-core drivers/vfio/pci/vfio-pci"
vfio_ship="$vfio_load drivers/vfio/vfio_iommu_spapr_tce"

# load_modules KBUILD: the plan lines that load VFIO's modules the kernel
# has, then ours.
load_modules() {
	for m in $vfio_load; do
		[ ! -f "$1/$m.ko" ] || echo "insmod /lib/modules/$(basename "$m").ko"
	done
	echo "insmod /lib/modules/iobroker.ko"
	echo "insmod /lib/modules/iobroker_test.ko"
	echo "insmod /lib/modules/iobroker_swdma.ko"
}

unload_modules() {
	echo "rmmod iobroker_swdma"
	echo "rmmod iobroker_test"
	echo "rmmod iobroker"
}

# initramfs RUNDIR KBUILD WITH_MODULES: pack RUNDIR/plan and friends.
initramfs() {
	spec=$1/initramfs.spec
	{
		for d in /dev /proc /sys /tmp /bin /etc /etc/iobroker /lib \
			 /lib/modules /guest; do
			echo "dir $d 0755 0 0"
		done
		echo "nod /dev/console 0600 0 0 c 5 1"
		echo "file /init $out/userspace/init 0755 0 0"
		echo "file /bin/busybox $cache/busybox/bin/busybox 0755 0 0"
		echo "file /bin/upstream-run $rig/upstream-run 0755 0 0"
		if [ "$3" = yes ]; then
			for m in iobroker iobroker_test iobroker_swdma; do
				echo "file /lib/modules/$m.ko $top/$m.ko 0644 0 0"
			done
			for m in $vfio_ship; do
				[ ! -f "$2/$m.ko" ] ||
					echo "file /lib/modules/$(basename "$m").ko $2/$m.ko 0644 0 0"
			done
		fi
		for p in "$out"/userspace/bin/*; do
			echo "file /bin/$(basename "$p") $p 0755 0 0"
		done
		echo "file /etc/iobroker/plan $1/plan 0644 0 0"
		if [ "$mode" = guest ] && [ -n "${FILES:-}" ]; then
			files=$(cd "$FILES" && pwd)
			(cd "$files" && find . -mindepth 1 | sort) |
			while read -r f; do
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
	"$2/usr/gen_init_cpio" "$spec" >"$1/initramfs.cpio"
}

# boot RUNDIR KBUILD TIMEOUT VERBOSE: run the guest; sets qstatus.
boot() {
	log "booting the guest ($mode); console log: $1/console.log"
	: >"$1/results.log"
	: >"$1/console.log"
	set +e
	timeout --foreground "$3" qemu-system-ppc64 \
		${qemu_plugin:+-plugin "$qemu_plugin"} \
		-M pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off \
		-cpu power9 -smp 2 -m 4G \
		-nodefaults -display none -monitor none -no-reboot \
		-serial "file:$1/console.log" -serial "file:$1/results.log" \
		-device spapr-pci-host-bridge,index=1,id=phb1 \
		-device edu,bus=phb1.0,addr=0x1,dma_mask=0xffffffffffffffff \
		-device edu,bus=phb1.0,addr=0x2,dma_mask=0xffffffffffffffff \
		-device spapr-pci-host-bridge,index=2,id=phb2 \
		-device edu,bus=phb2.0,addr=0x1,dma_mask=0xffffffffffffffff \
		-device spapr-pci-host-bridge,index=3,id=phb3,dma_win_addr=0x800000000000000,dma64_win_addr=0 \
		-device edu,bus=phb3.0,addr=0x1,dma_mask=0xffffffffffffffff \
		-kernel "$2/vmlinux" -initrd "$1/initramfs.cpio" \
		-append "console=hvc0 hugepagesz=1G hugepages=1 panic_on_warn=1 panic=-1 oops=panic hung_task_panic=1 softlockup_panic=1 iobroker.mode=$mode${guest_append:+ $guest_append}" \
		</dev/null &
	qpid=$!
	tail -n +1 -f --pid=$qpid "$1/results.log" |
		awk -v verbose="$4" -f "$rig/live.awk"
	wait $qpid
	qstatus=$?
	set -e
}

# --- modes -------------------------------------------------------------------

# One guest run on the debug kernel: check, run, guest.
#
# Its idle vCPU keeps its tick (nohz=off): under TCG, a tickless idle
# vCPU made the busy one up to half again slower, as it was woken to
# balance and went back to sleep (Linux's ioas_iova_alloc, 131070 map and
# unmap pairs: 19 to 23 s with the tick, 20 to over 30 s without, on the
# same image). The bench guests keep the kernel's default.
#
# Nor does it flush the L1 data cache on every kernel entry, exit and user
# access (mitigations=off): the guest has no secrets to guard, and under
# TCG the fallback flush, thousands of emulated loads, was a fifth of the
# cost of a small ioctl (a map and unmap pair: 201 us with it, 156 us
# without). The bench guests keep it, as production does.
run_debug() {
	guest_append="nohz=off mitigations=off"
	run=$out/$mode
	kb=$("$rig/kernel.sh" debug)
	build_all "$kb"
	rm -rf "$run"
	mkdir -p "$run"
	# Linux's selftests run, and what they leave out: for the verdict.
	up=
	xargs=
	xlist=
	case $mode in
	check)
		up=$upstream
		xargs=$(excluded args)
		xlist=$(excluded list)
		{
			echo "kmemleak-clear"
			# Huge pages for the hugetlb variants: 64 of 2 MiB.
			echo "write /proc/sys/vm/nr_hugepages 64"
			load_modules "$kb"
			for s in $suites; do echo "kunit $s"; done
			for t in $tests; do
				# The regression tests build a million objects.
				case $t in
				iobroker_regress) secs=900 ;;
				*) secs=300 ;;
				esac
				echo "tap $t $secs /bin/$t"
			done
			# A fixed seed, so that a failure here is reproducible.
			echo "tap iobroker_fuzz 600 /bin/iobroker_fuzz --tap --seed 1 --iterations $fuzz_iterations --giant --dep-any"
			echo "text iobroker_demo 300 /bin/iobroker_demo"
			# Linux's iommufd selftests want 128 huge pages.
			echo "write /proc/sys/vm/nr_hugepages 128"
			echo "tap iommufd 1200 /bin/upstream-run /bin/iommufd${xargs:+ $xargs}"
			echo "tap iommufd_fail_nth 900 /bin/iommufd_fail_nth"
			unload_modules
			# Loads and unloads the modules itself.
			echo "tap iobroker_lifecycle 300 /bin/iobroker_lifecycle"
			echo "kmemleak"
		} >"$run/plan"
		;;
	run)
		# The demo, with iobctl monitor printing its events beside
		# it, iobctl show while its device is attached, and again
		# once everything is closed.
		show='/bin/iobctl show files; /bin/iobctl show objects; /bin/iobctl show windows'
		{
			load_modules "$kb"
			echo "sh iobroker_demo 300 /bin/iobctl monitor & m=\$!; sleep 1; IOB_DEMO_SHOW='$show' /bin/iobroker_demo; s=\$?; sleep 1; kill \$m; echo; echo 'iobctl show files, after the demo closed everything:'; /bin/iobctl show files; exit \$s"
			unload_modules
		} >"$run/plan"
		;;
	fuzz)
		secs=${FUZZ_SECS:-600}
		seed=${FUZZ_SEED:-$(date +%s)}
		log "fuzzing for $secs s with seed $seed"
		{
			echo "kmemleak-clear"
			load_modules "$kb"
			echo "write /proc/sys/vm/nr_hugepages 64"
			echo "tap iobroker_fuzz $((secs + 300)) /bin/iobroker_fuzz --tap --seed $seed --iterations 0 --seconds $secs --giant --dep-any"
			unload_modules
			echo "kmemleak"
		} >"$run/plan"
		;;
	guest)
		[ -n "${RUN:-}" ] || { log "guest needs RUN='command'"; exit 2; }
		{
			load_modules "$kb"
			echo "sh guest ${GUEST_SECS:-3600} cd /guest && $RUN"
			unload_modules
		} >"$run/plan"
		;;
	esac
	initramfs "$run" "$kb" yes

	lintlog=
	if [ "$mode" = check ]; then
		log "lint: checkpatch, sparse, W=1, kernel-doc, uapi headers"
		"$rig/lint.sh" >"$run/lint.log" || true
		awk -v verbose=0 -f "$rig/live.awk" "$run/lint.log"
		lintlog=$run/lint.log
		boot "$run" "$kb" "${TIMEOUT:-1500}" 0
	else
		boot "$run" "$kb" "${TIMEOUT:-$((${FUZZ_SECS:-600} + 3900))}" 1
	fi
	awk -v qemu_status=$qstatus -v inputs="$("$rig/inputs.sh" describe)" \
		-v upstream="$up" -v excluded="$xlist" \
		-f "$rig/report.awk" $lintlog "$run/results.log" \
		"$run/console.log"
}

# Benchmarks: the same binary on iobroker's kernel and on the reference,
# in alternating boots, BENCH_ROUNDS of each (default 3): under TCG one
# boot runs faster or slower than the next as a whole, and the report
# gives the median of the rounds.
#
# The reference kernel has VFIO built in (config/ref.config). Distribution
# kernels build it, and vfio_iommu_spapr_tce, as modules, which under TCG
# costs module code more per call; so the VFIO part also runs once more in
# iobroker's boot, after iobroker is unloaded, on vfio_iommu_spapr_tce
# loaded as a module into the same kernel.
#
# A map or unmap of one IO page (QEMU's pattern) takes a few microseconds,
# and a boot's figure for it drifts by a quarter or more with the host,
# which is more than the backends differ by. So iobroker's boot then runs
# that pattern alone PAGES_ROUNDS times (default 8) on each of the two
# backends in turns, vmod, iob, iob, vmod, vmod, ..., the k-th run of each
# paired, and the report gives the median of the pairs' ratios; the
# reference boot runs it as many times on the built-in backend.
# bench_vfio_module KBUILD: whether the bench asks for the VFIO part and
# the kernel has VFIO's sPAPR backend as a module.
bench_vfio_module() {
	case " ${BENCH:-vfio} " in
	*" vfio "*) [ -f "$1/drivers/vfio/vfio_iommu_spapr_tce.ko" ] ;;
	*) return 1 ;;
	esac
}

# pages_turns WHO: the plan lines of the runs of QEMU's pattern alone; in
# iobroker's boot, entered with vfio_iommu_spapr_tce loaded and iobroker
# not, the backends taking turns, each turn two runs.
pages_turns() {
	n=${PAGES_ROUNDS:-8}
	i=1
	while [ "$i" -le "$n" ]; do
		if [ "$1" = upstream ]; then
			echo "text pages-$i 300 /bin/iobroker_bench upstream pages"
		elif [ $((i % 2)) = 1 ]; then
			echo "text pages-vmod-$i 300 /bin/iobroker_bench vfio-module pages"
			echo "rmmod vfio_iommu_spapr_tce"
			echo "insmod /lib/modules/iobroker.ko"
			echo "text pages-iob-$i 300 /bin/iobroker_bench iobroker pages"
		else
			echo "text pages-iob-$i 300 /bin/iobroker_bench iobroker pages"
			echo "rmmod iobroker"
			echo "insmod /lib/modules/vfio_iommu_spapr_tce.ko"
			echo "text pages-vmod-$i 300 /bin/iobroker_bench vfio-module pages"
		fi
		i=$((i + 1))
	done
}

run_bench() {
	kb=$("$rig/kernel.sh" bench)
	kref=$("$rig/kernel.sh" bench ref)
	build_all "$kb"
	rounds=${BENCH_ROUNDS:-3}
	logs=
	r=1
	while [ $r -le "$rounds" ]; do
		for who in iobroker upstream; do
			run=$out/bench-$who-$r
			rm -rf "$run"
			mkdir -p "$run"
			{
				echo "write /proc/sys/vm/nr_hugepages 600"
				[ $who = upstream ] || load_modules "$kb"
				echo "text bench 3000 /bin/iobroker_bench $who ${BENCH:-}"
				[ $who = upstream ] || unload_modules
				if [ $who = iobroker ] && bench_vfio_module "$kb"; then
					echo "insmod /lib/modules/vfio_iommu_spapr_tce.ko"
					echo "text bench-vfio 3000 /bin/iobroker_bench vfio-module vfio"
					pages_turns iobroker
				elif [ $who = upstream ] && bench_vfio_module "$kb"; then
					# As many on the built-in backend,
					# when iobroker's boot has its turns.
					pages_turns upstream
				fi
			} >"$run/plan"
			if [ $who = iobroker ]; then
				initramfs "$run" "$kb" yes
				boot "$run" "$kb" "${TIMEOUT:-3600}" 0
			else
				initramfs "$run" "$kref" no
				boot "$run" "$kref" "${TIMEOUT:-3600}" 0
			fi
			awk -v qemu_status=$qstatus -f "$rig/report.awk" \
				"$run/results.log" "$run/console.log" \
				>"$run/verdict" || { cat "$run/verdict"; exit 1; }
			logs="$logs $run/results.log"
		done
		r=$((r + 1))
	done
	{
		awk -v rounds="$rounds" -f "$rig/bench.awk" $logs
		"$rig/inputs.sh" describe
	} | tee "$out/bench-report.txt"
}

# The instruction profile (make profile): QEMU's pattern of one IO page
# per MAP_DMA and UNMAP_DMA, served by iobroker's VFIO backend and by
# vfio_iommu_spapr_tce as a module in iobroker's kernel, and by
# vfio_iommu_spapr_tce built into the reference. A TCG plugin (tbprof.c)
# counts every translation block the guest runs; the host snapshots the
# counts PROFILE_SECS apart (default 10) while the guest loops, and
# tbprof.py turns the difference into guest instructions, blocks and
# hypercalls per call, by function. Unlike times under TCG, which move by
# a tenth from one boot to the next, the counts are the same every run.
run_profile() {
	kb=$("$rig/kernel.sh" bench)
	kref=$("$rig/kernel.sh" bench ref)
	build_all "$kb"
	secs=${PROFILE_SECS:-10}
	cc -O2 -Wall -Wextra -shared -fPIC -o "$out/tbprof.so" "$rig/tbprof.c"
	sides=
	for who in iobroker upstream; do
		run=$out/profile-$who
		rm -rf "$run"
		mkdir -p "$run"
		{
			if [ $who = iobroker ]; then
				load_modules "$kb"
				echo "text loop 600 /bin/iobroker_bench iobroker loop $((secs + 8))"
				unload_modules
				echo "insmod /lib/modules/vfio_iommu_spapr_tce.ko"
				echo "text loop-vfio 600 /bin/iobroker_bench vfio-module loop $((secs + 8))"
			else
				echo "text loop 600 /bin/iobroker_bench upstream loop $((secs + 8))"
			fi
		} >"$run/plan"
		qemu_plugin="$out/tbprof.so,trigger=$run/trigger"
		if [ $who = iobroker ]; then
			profile_watch "$run" "$secs" iobroker vfio-module &
			watcher=$!
			initramfs "$run" "$kb" yes
			boot "$run" "$kb" 1200 0
			sides="$sides $run/iobroker $kb $run/vfio-module $kb"
		else
			profile_watch "$run" "$secs" upstream &
			watcher=$!
			initramfs "$run" "$kref" no
			boot "$run" "$kref" 1200 0
			sides="$sides $run/upstream $kref"
		fi
		kill $watcher 2>/dev/null || true
		qemu_plugin=
		awk -v qemu_status=$qstatus -f "$rig/report.awk" \
			"$run/results.log" "$run/console.log" \
			>"$run/verdict" || { cat "$run/verdict"; exit 1; }
	done
	# shellcheck disable=SC2086
	python3 "$rig/tbprof.py" $sides | tee "$out/profile-report.txt"
}

# profile_watch RUNDIR SECS WHO...: for each WHO in turn, once the guest
# says its loop started, snapshot the counts twice, SECS apart, into
# RUNDIR/WHO.a and RUNDIR/WHO.b.
profile_watch() {
	dir=$1
	gap=$2
	shift 2
	for side in "$@"; do
		until grep -q "^B loop start $side\$" "$dir/results.log" 2>/dev/null; do
			sleep 1
		done
		sleep 3
		profile_snap "$dir" "$dir/$side.a"
		sleep "$gap"
		profile_snap "$dir" "$dir/$side.b"
	done
}

profile_snap() {
	echo "$2" >"$1/trigger.new"
	mv "$1/trigger.new" "$1/trigger"
	while [ -e "$1/trigger" ]; do
		sleep 0.2
	done
}

case $mode in
check|run|guest|fuzz) run_debug ;;
bench) run_bench ;;
profile) run_profile ;;
*) log "unknown mode $mode"; exit 2 ;;
esac
