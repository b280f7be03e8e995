# SPDX-License-Identifier: GPL-2.0
# saveoops: early-boot crash capture for Linux 6.12 (x86_64).
#
#   make demo    boot with crashkernel=, crash, show what the capture side read
#   make check   build the kernel and run every test
#   make series  export the patch series with its cover letter (git format-patch)
#   make bench   measure saveoops against userspace kdump and kdump-tools (~12 min, TCG)
#   make fuzz    run each fuzzer of tools/saveoops FUZZ_RUNS times (10^6), print executions and coverage
#
# Builds live outside the repository, in $(SAVEOOPS_CACHE)
# (default ~/.cache/saveoops): the unpacked base, the composed tree, the
# object directory, ccache and the guest images.

SHELL := /bin/bash
PROVE_JOBS ?= 2
# The slowest first (kernel builds, distro boots, long boot matrices), so
# that the two prove jobs end together rather than one waiting on a build.
# capture-distro.t builds the shared modular variant (config/modular.config)
# that later tests boot, so it starts early.
SLOW_TESTS := tests/host/series-build.t tests/e2e/capture-distro.t \
	tests/e2e/debian-system.t tests/host/build-variants.t tests/e2e/early-sig.t \
	tests/e2e/early-secureboot.t tests/e2e/early-builtin.t \
	tests/e2e/early-inject.t tests/e2e/capture-store.t
TESTS ?= $(filter $(wildcard $(SLOW_TESTS)),$(SLOW_TESTS)) \
	$(filter-out $(SLOW_TESTS),$(sort $(wildcard tests/host/*.t)) \
	$(sort $(wildcard tests/e2e/*.t)))

.PHONY: all deps tree kernel tools initramfs check demo series bench fuzz clean help

all: kernel

help:
	@sed -n '3,12s/^# \{0,1\}//p' Makefile

deps:
	@harness/deps.sh

tree: deps
	@harness/compose.sh

kernel: deps
	@harness/build-kernel.sh

# The capture program, the CLI and the payload builder, static.
tools: deps
	@. harness/lib.sh && $(MAKE) -s -C tools/saveoops OUTPUT="$$SAVEOOPS_TOOLS"

initramfs: kernel tools
	@harness/mkinitramfs.sh

# Ends with the guests qemu-run.sh had to run twice, and in which tests; the
# exit status is prove's (a test whose guests needed two reruns fails). The
# tests write their standard error to fd 3, make's own, not through prove
# (harness/testlib.sh says why).
check: initramfs
	@. harness/lib.sh && export SAVEOOPS_RERUNS=$$SAVEOOPS_OUT/reruns.$$$$ && \
	mkdir -p "$$SAVEOOPS_OUT" && rm -f "$$SAVEOOPS_RERUNS" && rc=0 && \
	{ SAVEOOPS_TEST_STDERR=3 prove --timer -e bash -j$(PROVE_JOBS) $(TESTS) 3>&2 || rc=$$?; } && \
	harness/reruns.sh "$$SAVEOOPS_RERUNS" && rm -f "$$SAVEOOPS_RERUNS" && exit $$rc

demo: initramfs
	@harness/demo.sh

# SERIES_DIR=dir picks where; the default is printed.
series: deps
	@harness/mkseries.sh $(SERIES_DIR)

# Coverage, arming cost, capture latency, memory and scaling, against
# userspace kdump; results in $(SAVEOOPS_CACHE)/out/bench (harness/bench.sh).
bench: initramfs
	@harness/bench.sh

# libFuzzer on the vmcore/ring decoder and the store, FUZZ_RUNS executions
# each (default 10^6), from the seeds, tests/corpus and the corpus kept in
# $(SAVEOOPS_CACHE)/out/fuzz; prints executions and coverage.
fuzz: deps
	@. harness/lib.sh && $(MAKE) -s -C tools/saveoops fuzz-run \
		OUTPUT="$$SAVEOOPS_OUT/fuzz/" $(if $(FUZZ_RUNS),FUZZ_RUNS=$(FUZZ_RUNS))

# Drops the objects and guest images; keeps the unpacked base and ccache.
clean:
	@. harness/lib.sh && rm -rf "$$SAVEOOPS_BUILD" "$$SAVEOOPS_OUT" "$$SAVEOOPS_TOOLS" \
		"$$SAVEOOPS_CACHE/kconfig" "$$SAVEOOPS_TREE" "$$SAVEOOPS_CACHE/tree.manifest"
