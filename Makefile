# SPDX-License-Identifier: GPL-2.0
#
# iobroker
#
#   make run          boot the test guest and watch the module at work
#   make check        lint plus the whole test suite in the guest
#   make guest RUN='command' [FILES=dir]
#                     boot the guest with the modules loaded, copy dir
#                     into it and run command there
#   make fuzz [FUZZ_SECS=600] [FUZZ_SEED=n]
#                     the structure-aware ioctl fuzzer in the guest, for
#                     as long as asked, from a seed (default: the time)
#   make lint         checkpatch --strict, sparse, W=1, kernel-doc
#   make bench [BENCH='pin map tce vfio access listen']
#                     map/unmap throughput, iobroker against Linux's own
#                     iommufd and VFIO, in two guests booted one after the
#                     other; BENCH picks parts (default: all)
#   make profile [PROFILE_SECS=10]
#                     guest instructions, blocks and hypercalls per
#                     single-page MAP_DMA/UNMAP_DMA, by function: iobroker
#                     against vfio_iommu_spapr_tce (counted by a QEMU plugin)
#   make              build the modules for the test guest's kernel
#   make KDIR=/lib/modules/$(uname -r)/build
#                     build iobroker.ko for another kernel, e.g. on a
#                     ppc64le host
#   make clean
#
# The first three install what is missing (Debian packages) and build the
# guest kernel once into ~/.cache/iobroker (IOBROKER_CACHE to move it).

RIG := selftests/rig
CROSS := powerpc64le-linux-gnu-

ifneq ($(KDIR),)

# A kernel the caller names, built with that kernel's own toolchain.
all modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

else

all modules: deps
	@kb=$$($(RIG)/kernel.sh debug) && \
	$(MAKE) -C $$kb M=$(CURDIR) ARCH=powerpc CROSS_COMPILE=$(CROSS) \
		IOBROKER_TEST=y modules

endif

deps:
	@$(RIG)/deps.sh

check: deps
	@$(RIG)/rig.sh check

run: deps
	@$(RIG)/rig.sh run

guest: deps
	@RUN="$(RUN)" FILES="$(FILES)" $(RIG)/rig.sh guest

fuzz: deps
	@FUZZ_SECS="$(FUZZ_SECS)" FUZZ_SEED="$(FUZZ_SEED)" $(RIG)/rig.sh fuzz

lint: deps
	@$(RIG)/lint.sh

bench: deps
	@BENCH="$(BENCH)" $(RIG)/rig.sh bench

profile: deps
	@PROFILE_SECS="$(PROFILE_SECS)" $(RIG)/rig.sh profile

clean-modules:
	rm -f *.ko *.o *.mod *.mod.c .*.cmd .module-common.o Module.symvers \
		modules.order
	find common devices iommufd iopt ppc_tce samples selftests/kmod \
		\( -name '*.o' -o -name '.*.cmd' \) -delete

clean: clean-modules
	rm -rf build

.PHONY: all modules deps check run guest fuzz lint bench profile clean clean-modules
