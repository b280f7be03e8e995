#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: saveoops against userspace kdump, measured by booting real
# guests under QEMU/TCG. Each measurement is a boot; its console is read
# through a pipe and every line stamped with the host's monotonic clock, so
# that times across the crashed and the capture kernel compare.
#
#   coverage   a crash at every crash_inject= stage and twice in userspace,
#              captured or not by (a) saveoops, (b) kexec -s -p as the first
#              command of /init, (c) kexec -s -p after a service start delay
#   arm        time to armed, arming cost (in-kernel vs kexec_file_load of
#              the same payload), boot to /init with and without saveoops,
#              kexec -s -p on the series vs stock 6.12 (harness/stock-kernel.sh)
#   latency    panic to record durable: saveoops-capture vs makedumpfile
#   memory     the smallest crashkernel= that captures, in 4 MiB steps
#   scaling    arming cost vs payload size; capture latency vs log size
#   distro     the smallest crashkernel= that captures with Debian's kernel
#              as the capture kernel, the default payload with its modules
#   sha        on the host: SHA-256 in plain C (as the kernel's generic
#              library code, which kexec_file uses) against OpenSSL with
#              and without SHA-NI (the crypto API's sha256-ni before)
#   profile    where the early load's time goes (harness/profile-arm.sh):
#              hashing, copying, clearing and the rest, for the default
#              payload and Debian's kernel's
#   lever      boot to /init taken apart: carrying the payload, loading it,
#              and a kernel that does not hash it (harness/nohash-kernel.sh),
#              medians of interleaved rounds
#   debian-kdump  in a Debian 12 system, saveoops against Debian's kdump-tools:
#              kernel time armed, stages captured, panic to durable
#              (harness/bench-debian.sh; 9 boots, about 6 min under TCG)
#
# Environment: BENCH_RUNS (2) repeats the ratio-defining boots (arm,
# latency) for their spread; BENCH_LEVER_RUNS (6) the lever group's rounds;
# BENCH_REPS (3) kexec -s -p loads per arm boot;
# BENCH_DELAY (2) seconds of simulated service start before (c) arms;
# BENCH_OUT (~/.cache/saveoops/out/bench) the output directory;
# BENCH_ONLY (all) a space-separated subset of the groups above.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BENCH_RUNS=${BENCH_RUNS:-2}
BENCH_REPS=${BENCH_REPS:-3}
BENCH_DELAY=${BENCH_DELAY:-2}
BENCH_OUT=${BENCH_OUT:-$SAVEOOPS_OUT/bench}
# The arm group first: its boot-to-/init ratio is the smallest effect
# measured. After the coverage group's 39 boots it read 1.32-1.40, alone
# 1.00-1.10, first in the whole bench 1.17-1.28 (session 11): under TCG the
# spread between runs is as large as the effect.
BENCH_ONLY=${BENCH_ONLY:-arm coverage latency memory scaling distro sha profile lever debian-kdump}
REPORT=$SAVEOOPS_TOP/harness/bench-report.py
SAVEOOPS=$SAVEOOPS_TOOLS/saveoops
# The kernel's default capture command line plus this boot's console, as
# the early loader composes it for a payload without one.
CAPTURE_CMDLINE="irqpoll nr_cpus=1 reset_devices panic=10 console=ttyS0"
STAGES="armed early core postcore arch subsys fs rootfs device late init"
CRASHKERNEL=256M

# run_guest DIR APPEND INITRD [DISK]: one boot; DIR/serial.log gets the
# console, each line prefixed with the host's monotonic time and a tab.
run_guest()
{
	local dir=$1 append=$2 initrd=$3 disk=${4:-} rc=0

	timeout -k 10 "${BENCH_TIMEOUT:-150}" qemu-system-x86_64 \
		-machine pc -accel tcg -m 1G -smp 2 \
		-display none -monitor none -no-reboot \
		-serial stdio -serial null \
		-kernel "${BENCH_KERNEL:-$SAVEOOPS_BZIMAGE}" -initrd "$initrd" \
		-append "console=ttyS0 panic=1 printk.time=1 $append" \
		${disk:+-drive "file=$disk,format=raw,if=virtio"} \
		< /dev/null 2> "$dir/qemu.err" |
		python3 "$REPORT" stamp > "$dir/serial.log" || rc=$?
	[ $rc -eq 0 ] || note "boot $dir ended with status $rc"
	return 0
}

# record GROUP NAME RUN METHOD STAGE PARAM VERDICT DIR: one manifest line
# for bench-report.py.
record()
{
	local IFS=$'\t'

	echo "$*" >> "$BENCH_OUT/boots.tsv"
}

# A bench cpio: /init is harness/guest/bench-init, /bench/ has what
# userspace loads with kexec -s -p: the capture kernel, initramfs and
# command line of the payload in DIR.
pack_bench()
{
	local dir=$1 initrd=$2

	rm -rf "$dir/root"
	mkdir -p "$dir/root/bench"
	install -m 755 "$SAVEOOPS_TOP/harness/guest/bench-init" "$dir/root/init"
	cp "$SAVEOOPS_BZIMAGE" "$dir/root/bench/vmlinuz"
	cp "$initrd" "$dir/root/bench/initrd"
	echo "$CAPTURE_CMDLINE" > "$dir/root/bench/cmdline"
	(cd "$dir/root" && printf '%s\n' init bench bench/vmlinuz bench/initrd bench/cmdline |
		cpio -o -H newc -R 0:0 --quiet) > "$dir/bench.cpio"
}

# first_initrd OUT PAYLOAD-DIR [with-payload]: the first kernel's initrd.
first_initrd()
{
	local out=$1 pdir=$2

	if [ "${3:-}" = with-payload ]; then
		cat "$pdir/payload.cpio" "$SAVEOOPS_OUT/guest.cpio.gz" "$pdir/bench.cpio" > "$out"
	else
		cat "$SAVEOOPS_OUT/guest.cpio.gz" "$pdir/bench.cpio" > "$out"
	fi
}

# make_payload DIR CAPTURE-INITRD: DIR/payload.cpio with this kernel as the
# capture kernel, and DIR/bench.cpio to match.
make_payload()
{
	local dir=$1

	mkdir -p "$dir"
	pack_payload "$dir/payload.cpio" "$SAVEOOPS_BZIMAGE" "$2" "$CAPTURE_CMDLINE"
	pack_bench "$dir" "$2"
}

# The default payload, as saveoops-mkpayload builds it; its capture
# initramfs taken out of it for kexec -s -p.
make_default_payload()
{
	local dir=$BENCH_OUT/payload-default

	mkdir -p "$dir"
	"$SAVEOOPS_TOOLS/saveoops-mkpayload" --kernel "$SAVEOOPS_BZIMAGE" \
		--output "$dir/payload.cpio"
	(cd "$dir" && cpio -i --quiet --to-stdout kernel/kdump/initrd < payload.cpio) \
		> "$dir/capture.cpio"
	pack_bench "$dir" "$dir/capture.cpio"
}

# The busybox capture initramfs: busybox, makedumpfile and its libraries,
# harness/guest/bench-capture as /init.
make_busybox_payload()
{
	local dir=$BENCH_OUT/payload-busybox root applet

	root=$dir/capture-root
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,mnt,tmp}
	install -m 755 /bin/busybox "$root/bin/busybox"
	for applet in $("$root/bin/busybox" --list-full); do
		[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
	done
	copy_with_libs "$root" "$(command -v makedumpfile)"
	install -m 755 "$SAVEOOPS_TOP/harness/guest/bench-capture" "$root/init"
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -1 > "$dir/capture.cpio.gz"
	make_payload "$dir" "$dir/capture.cpio.gz"
}

# A padded payload: the default capture initramfs with a file of zeros
# appended, so that capture kernel + initramfs are SIZE MiB.
make_padded_payload()
{
	local mib=$1 dir=$BENCH_OUT/payload-$1M pad kernel

	mkdir -p "$dir/pad"
	kernel=$(stat -c %s "$SAVEOOPS_BZIMAGE")
	pad=$((mib * 1048576 - kernel - $(stat -c %s "$BENCH_OUT/payload-default/capture.cpio") - 512))
	[ $pad -gt 0 ] || die "a $mib MiB payload is smaller than the default one"
	head -c "$pad" /dev/zero > "$dir/pad/pad"
	cp "$BENCH_OUT/payload-default/capture.cpio" "$dir/capture.cpio"
	(cd "$dir/pad" && echo pad | cpio -o -H newc -R 0:0 --quiet) >> "$dir/capture.cpio"
	truncate -s "$((mib * 1048576 - kernel))" "$dir/capture.cpio"
	make_payload "$dir" "$dir/capture.cpio"
}

# The default payload saveoops-mkpayload builds for Debian's kernel
# (harness/distro-kernel.sh), with its modules, in payload-distro/.
make_distro_payload()
{
	local distro dir=$BENCH_OUT/payload-distro

	[ ! -s "$dir/payload.cpio" ] || return 0
	distro=$("$SAVEOOPS_TOP/harness/distro-kernel.sh")
	mkdir -p "$dir"
	"$SAVEOOPS_TOOLS/saveoops-mkpayload" --kernel "$distro" --output "$dir/payload.cpio" \
		2> "$dir/mkpayload.txt"
}

# new_boot NAME: a fresh directory for one boot, its path printed.
new_boot()
{
	rm -rf "$BENCH_OUT/boots/$1"
	mkdir -p "$BENCH_OUT/boots/$1"
	echo "$BENCH_OUT/boots/$1"
}

# store_has DISK REGEX: the saveoops store on DISK has a record whose
# panic line matches. (grep reads all: with -q the writer could die of
# SIGPIPE, and pipefail would call a match a failure.)
store_has()
{
	"$SAVEOOPS" --store "$1" list 2>/dev/null | grep -E -- "$2" > /dev/null
}

# ext2_has DISK REGEX: /dmesg.txt on the ext2 DISK matches.
ext2_has()
{
	debugfs -R 'cat /dmesg.txt' "$1" 2>/dev/null | grep -E -- "$2" > /dev/null
}

new_store()
{
	"$SAVEOOPS" format --image --slots 2 --size "${2:-8M}" "$1" > /dev/null
}

new_ext2()
{
	rm -f "$1"
	truncate -s "${2:-64M}" "$1"
	mke2fs -q -t ext2 -F "$1"
}

# The first kernel's steps for a crash at userspace STAGE under METHOD:
# "userspace" is right after where (b) arms, "service" after (c) armed.
user_steps()
{
	local method=$1 stage=$2 steps=

	[ "$method" != b ] || steps=kexec:b,
	if [ "$stage" = userspace ]; then
		echo "${steps}crash"
		return
	fi
	steps=${steps}sleep:$BENCH_DELAY,
	[ "$method" != c ] || steps=${steps}kexec:c,
	echo "${steps}crash"
}

# 1. Coverage: every stage under every method, captured when the store on
# the boot's disk has a record with that stage's panic.
bench_coverage()
{
	local method stage dir append want verdict payload=$BENCH_OUT/payload-default

	first_initrd "$BENCH_OUT/initrd-on" "$payload" with-payload
	first_initrd "$BENCH_OUT/initrd-off" "$payload"
	for method in a b c; do
		for stage in $STAGES userspace service; do
			dir=$(new_boot "coverage-$method-$stage")
			new_store "$dir/disk.img"
			append="crashkernel=$CRASHKERNEL"
			case $stage in
			userspace|service)
				append="$append bench.steps=$(user_steps $method $stage)"
				want='sysrq triggered crash$' ;;
			*)	append="$append crash_inject=$stage bench.steps=$(user_steps $method service)"
				want="crash_inject: stage $stage\$" ;;
			esac
			if [ $method = a ]; then
				run_guest "$dir" "$append" "$BENCH_OUT/initrd-on" "$dir/disk.img"
			else
				run_guest "$dir" "$append" "$BENCH_OUT/initrd-off" "$dir/disk.img"
			fi
			verdict=missed
			store_has "$dir/disk.img" "$want" && verdict=captured
			record coverage "$method-$stage" 1 $method $stage - $verdict "$dir"
			note "coverage: ($method) $stage: $verdict"
		done
	done
}

# The arming boots' initrds: the default payload ahead of the guest's
# initramfs (initrd-on) or not (initrd-off), and Debian's kernel as the
# capture kernel (initrd-on-distro; init_size 64 MiB): the same first kernel
# and /init.
arm_initrds()
{
	local payload=$BENCH_OUT/payload-default

	first_initrd "$BENCH_OUT/initrd-on" "$payload" with-payload
	first_initrd "$BENCH_OUT/initrd-off" "$payload"
	make_distro_payload
	cat "$BENCH_OUT/payload-distro/payload.cpio" "$SAVEOOPS_OUT/guest.cpio.gz" \
		"$payload/bench.cpio" > "$BENCH_OUT/initrd-on-distro"
}

# 2./3. Arming: with saveoops (the armed line, then BENCH_REPS loads of the
# same payload with kexec -s -p) and without (kexec -s -p first in /init);
# and the same kexec -s -p loads on stock 6.12, the base without the series
# (harness/stock-kernel.sh; BENCH_STOCK=0 skips it).
bench_arm()
{
	local run dir steps= i stock=

	for i in $(seq 2 "$BENCH_REPS"); do
		steps=$steps,kexec:r$i
	done
	arm_initrds
	[ "${BENCH_STOCK:-1}" = 0 ] || stock=$("$SAVEOOPS_TOP/harness/stock-kernel.sh")
	for run in $(seq 1 "$BENCH_RUNS"); do
		dir=$(new_boot "arm-on-$run")
		run_guest "$dir" "crashkernel=$CRASHKERNEL bench.steps=kexec:r1$steps" "$BENCH_OUT/initrd-on"
		record arm on "$run" a - - - "$dir"
		dir=$(new_boot "arm-off-$run")
		run_guest "$dir" "crashkernel=$CRASHKERNEL bench.steps=kexec:b$steps" "$BENCH_OUT/initrd-off"
		record arm off "$run" b - - - "$dir"
		dir=$(new_boot "arm-distro-$run")
		run_guest "$dir" "crashkernel=$CRASHKERNEL bench.steps=" "$BENCH_OUT/initrd-on-distro"
		record arm distro "$run" a - - - "$dir"
		if [ -n "$stock" ]; then
			dir=$(new_boot "arm-stock-$run")
			BENCH_KERNEL=$stock run_guest "$dir" \
				"crashkernel=$CRASHKERNEL bench.steps=kexec:b$steps" "$BENCH_OUT/initrd-off"
			record arm stock "$run" b - - - "$dir"
		fi
		note "arm: run $run done"
	done
}

# latency_boot NAME RUN METHOD LOGBUF FILL GROUP: one crash from userspace,
# captured by saveoops-capture (METHOD saveoops) or makedumpfile (busybox).
latency_boot()
{
	local name=$1 run=$2 method=$3 logbuf=$4 fill=$5 group=$6 dir verdict=missed steps=crash

	dir=$(new_boot "$name")
	[ "$fill" = 0 ] || steps=fill:$fill,crash
	if [ "$method" = saveoops ]; then
		new_store "$dir/disk.img" 48M
		first_initrd "$dir/initrd" "$BENCH_OUT/payload-default" with-payload
	else
		new_ext2 "$dir/disk.img" 64M
		first_initrd "$dir/initrd" "$BENCH_OUT/payload-busybox" with-payload
	fi
	run_guest "$dir" "crashkernel=$CRASHKERNEL printk.devkmsg=on ${logbuf:+log_buf_len=$logbuf} bench.steps=$steps" \
		"$dir/initrd" "$dir/disk.img"
	if [ "$method" = saveoops ]; then
		store_has "$dir/disk.img" 'sysrq triggered crash$' && verdict=captured
	else
		ext2_has "$dir/disk.img" 'Kernel panic - not syncing: sysrq triggered crash' && verdict=captured
	fi
	rm -f "$dir/initrd"
	record "$group" "$name" "$run" "$method" - "${logbuf:-default}" $verdict "$dir"
	note "$group: $name: $verdict"
}

# 4. Capture latency, the default log buffer.
bench_latency()
{
	local run

	for run in $(seq 1 "$BENCH_RUNS"); do
		latency_boot "latency-saveoops-$run" "$run" saveoops "" 0 latency
		latency_boot "latency-busybox-$run" "$run" busybox "" 0 latency
	done
}

# 5. Memory: crashkernel= from 12M to 32M in 4 MiB steps, a core_initcall
# panic with the default payload.
bench_memory()
{
	local mib dir verdict

	first_initrd "$BENCH_OUT/initrd-on" "$BENCH_OUT/payload-default" with-payload
	for mib in 12 16 20 24 28 32; do
		dir=$(new_boot "memory-${mib}M")
		new_store "$dir/disk.img"
		run_guest "$dir" "crashkernel=${mib}M crash_inject=core" "$BENCH_OUT/initrd-on" "$dir/disk.img"
		verdict=missed
		store_has "$dir/disk.img" 'crash_inject: stage core$' && verdict=captured
		record memory "memory-${mib}M" 1 a core "$mib" $verdict "$dir"
		note "memory: crashkernel=${mib}M: $verdict"
	done
}

# 6. Scaling: arming cost for payloads of 4, 8 and 32 MiB; capture latency
# for full log buffers of 128 KiB to 16 MiB.
bench_scaling()
{
	local mib dir steps=kexec:r1 i logbuf bytes

	for i in $(seq 2 "$BENCH_REPS"); do
		steps=$steps,kexec:r$i
	done
	# From 4 MiB: the default payload (the kernel and the capture
	# initramfs) has grown past 2.
	for mib in 4 8 32; do
		make_padded_payload $mib
		dir=$(new_boot "scale-arm-${mib}M")
		first_initrd "$dir/initrd" "$BENCH_OUT/payload-${mib}M" with-payload
		run_guest "$dir" "crashkernel=$CRASHKERNEL bench.steps=$steps" "$dir/initrd"
		rm -f "$dir/initrd"
		record scale-arm "scale-arm-${mib}M" 1 a - "$mib" - "$dir"
		note "scale-arm: ${mib} MiB done"
	done
	for logbuf in 128K 1M 4M 16M; do
		case $logbuf in
		*K)	bytes=$((${logbuf%K} * 1024)) ;;
		*M)	bytes=$((${logbuf%M} * 1048576)) ;;
		esac
		# A little more than the buffer: it wraps, so it is full.
		bytes=$((bytes + bytes / 8))
		latency_boot "scale-log-saveoops-$logbuf" 1 saveoops "$logbuf" "$bytes" scale-log
		latency_boot "scale-log-busybox-$logbuf" 1 busybox "$logbuf" "$bytes" scale-log
	done
}

# distro_boot MIB: one crash at core_initcall captured (status 0) or not
# with crashkernel=MIB and Debian's kernel as the capture kernel.
distro_boot()
{
	local mib=$1 dir verdict=missed

	dir=$(new_boot "distro-memory-${mib}M")
	new_store "$dir/disk.img"
	BENCH_TIMEOUT=300 run_guest "$dir" "crashkernel=${mib}M crash_inject=core" \
		"$BENCH_OUT/initrd-distro" "$dir/disk.img"
	store_has "$dir/disk.img" 'crash_inject: stage core$' && verdict=captured
	record distro-memory "distro-memory-${mib}M" 1 a core "$mib" $verdict "$dir"
	note "distro: crashkernel=${mib}M: $verdict"
	[ $verdict = captured ]
}

# 7. Memory with Debian's kernel (harness/distro-kernel.sh) as the capture
# kernel and the payload saveoops-mkpayload builds for it by default (the
# common disk drivers as modules): the smallest crashkernel= in 4 MiB steps
# that captures a core_initcall panic, by bisection between 64M (its
# init_size alone) and 160M, since each of its boots takes half a minute.
bench_distro()
{
	local lo=64 hi=160 mib dir=$BENCH_OUT/payload-distro

	make_distro_payload
	# The crash comes before /init: the guest image needs no bench steps.
	cat "$dir/payload.cpio" "$SAVEOOPS_OUT/guest.cpio.gz" > "$BENCH_OUT/initrd-distro"
	if ! distro_boot $hi; then
		note "distro: crashkernel=${hi}M does not capture; not searching below"
		return 0
	fi
	while [ $((hi - lo)) -gt 4 ]; do
		mib=$(((lo + hi) / 8 * 4))
		if distro_boot $mib; then
			hi=$mib
		else
			lo=$mib
		fi
	done
}

# 8. SHA-256 on the host CPU, MiB/s: harness/sha256-speed.c (plain C) over
# 64 MiB, best of 3, and `openssl speed` with its SHA-NI code and with SHA-NI
# masked off (OPENSSL_ia32cap, CPUID.7:EBX bit 29), if the CPU has sha_ni.
bench_sha()
{
	local out=$BENCH_OUT/sha.txt i best=0 v

	gcc -O2 -std=c11 -o "$BENCH_OUT/sha256-speed" "$SAVEOOPS_TOP/harness/sha256-speed.c"
	[ "$("$BENCH_OUT/sha256-speed" -t)" = \
		ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad ] ||
		die "sha256-speed computes a wrong digest"
	for i in 1 2 3; do
		v=$("$BENCH_OUT/sha256-speed" 64 | cut -d' ' -f1)
		best=$(echo "$v $best" | awk '{ print ($1 > $2) ? $1 : $2 }')
	done
	echo "generic $best" > "$out"
	grep -qw sha_ni /proc/cpuinfo || { note "sha: no sha_ni on this CPU"; return 0; }
	openssl_mib()
	{
		openssl speed -seconds 2 -bytes 16384 -evp sha256 2> /dev/null |
			awk '$1 == "sha256" { sub("k", "", $2); printf "%.1f\n", $2 * 1000 / 1048576 }'
	}
	echo "openssl-sha-ni $(openssl_mib)" >> "$out"
	echo "openssl-no-sha-ni $(OPENSSL_ia32cap=":~0x20000000" openssl_mib)" >> "$out"
	note "sha: $(tr '\n' ' ' < "$out")"
}

# 9. The load's breakdown: one sampled boot per payload, its shares in
# profile-NAME.txt ("breakdown: hash H copy C zero Z rest R", percent).
bench_profile()
{
	local name

	make_distro_payload
	for name in default distro; do
		"$SAVEOOPS_TOP/harness/profile-arm.sh" 20 "$BENCH_OUT/payload-$name/payload.cpio" \
			"$BENCH_OUT/boots/profile-$name" > "$BENCH_OUT/profile-$name.txt" 2>&1 ||
			note "profile: $name: no profile ($(tail -1 "$BENCH_OUT/profile-$name.txt"))"
		note "profile: $name: $(grep '^breakdown:' "$BENCH_OUT/profile-$name.txt" || echo none)"
	done
}

# 10. What is left of boot to /init, part by part: rounds of six boots,
# nothing loaded from userspace: not armed; armed with the default payload
# and with Debian's kernel's; Debian's payload in the initrd with the early
# load off (crash_early_load=0: carried, and unpacked into rootfs as any
# file, not being loaded); and both payloads armed by a kernel whose load
# does not hash the data (nohash-kernel.sh: the most that taking the
# digest off the boot path could save).
# BENCH_LEVER_RUNS (6) rounds, interleaved so that the host's drift falls
# on every kind alike; the report takes medians.
bench_lever()
{
	local run nohash name kernel initrd append dir

	arm_initrds
	nohash=$("$SAVEOOPS_TOP/harness/nohash-kernel.sh")
	for run in $(seq 1 "${BENCH_LEVER_RUNS:-6}"); do
		while read -r name kernel initrd append; do
			dir=$(new_boot "lever-$name-$run")
			BENCH_KERNEL=$kernel run_guest "$dir" \
				"crashkernel=$CRASHKERNEL bench.steps= ${append#-}" "$BENCH_OUT/$initrd"
			record lever "$name" "$run" - - - - "$dir"
		done <<-EOF
		off $SAVEOOPS_BZIMAGE initrd-off -
		on $SAVEOOPS_BZIMAGE initrd-on -
		distro $SAVEOOPS_BZIMAGE initrd-on-distro -
		distro-unloaded $SAVEOOPS_BZIMAGE initrd-on-distro crash_early_load=0
		on-nohash $nohash initrd-on -
		distro-nohash $nohash initrd-on-distro -
		EOF
		note "lever: round $run done"
	done
}

. "$SAVEOOPS_TOP/harness/bench-debian.sh"

main()
{
	local group start

	[ -f "$SAVEOOPS_BZIMAGE" ] || die "no kernel at $SAVEOOPS_BZIMAGE (make kernel)"
	[ -f "$SAVEOOPS_OUT/guest.cpio.gz" ] || die "no guest image in $SAVEOOPS_OUT (make initramfs)"
	command -v makedumpfile > /dev/null || die "no makedumpfile (harness/deps.sh installs it)"
	start=$(date +%s)
	mkdir -p "$BENCH_OUT"
	rm -rf "$BENCH_OUT/boots" "$BENCH_OUT/boots.tsv" "$BENCH_OUT/payload-distro" \
		"$BENCH_OUT"/profile-*.txt
	note "bench: output in $BENCH_OUT; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
	make_default_payload
	make_busybox_payload
	for group in $BENCH_ONLY; do
		note "bench: $group"
		"bench_${group//-/_}"
	done
	python3 "$REPORT" report "$BENCH_OUT" \
		--load "$(cut -d' ' -f1-3 /proc/loadavg)" --wall "$(($(date +%s) - start))" \
		--runs "$BENCH_RUNS" --delay "$BENCH_DELAY"
}

[ "${BASH_SOURCE[0]}" != "$0" ] || main "$@"
