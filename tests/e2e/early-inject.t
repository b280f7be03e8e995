#!/bin/bash
# A crash at every stage of boot after the early load is captured: for each
# crash_inject= stage the capture kernel runs and vmcore-dmesg of
# /proc/vmcore shows the injected crash after the armed line. Oops and BUG
# are captured too, and a crash kernel damaged after loading makes
# purgatory reset the machine instead of hanging; the zero fill purgatory
# clears may hold anything until then.
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
phase_first()
{
	if [ "${NO_INJECT:-0}" = 1 ]; then
		check_eq "still armed" 1 "$(cat /sys/kernel/kexec_crash_loaded)"
	else
		fail "the first kernel reached /init; crash_inject=$STAGE did not fire"
	fi
}

# kcore_map PHYS: "PADDR MEMSZ OFFSET" of the /proc/kcore program header
# that holds that physical address (a RAM segment's p_paddr is its start).
kcore_map()
{
	local phoff phnum i=0 base paddr memsz

	phoff=$(od -An -t d8 -j 32 -N 8 /proc/kcore | tr -d ' ')
	phnum=$(od -An -t d2 -j 56 -N 2 /proc/kcore | tr -d ' ')
	while [ "$i" -lt "$phnum" ]; do
		base=$((phoff + i * 56))
		i=$((i + 1))
		[ "$(od -An -t d4 -j "$base" -N 4 /proc/kcore | tr -d ' ')" = 1 ] || continue
		paddr=$(od -An -t d8 -j $((base + 24)) -N 8 /proc/kcore | tr -d ' ')
		memsz=$(od -An -t d8 -j $((base + 40)) -N 8 /proc/kcore | tr -d ' ')
		[ "$paddr" -ge 0 ] && [ "$1" -ge "$paddr" ] &&
			[ "$1" -lt $((paddr + memsz)) ] || continue
		echo "$paddr $memsz $(od -An -t d8 -j $((base + 8)) -N 8 /proc/kcore | tr -d ' ')"
		return 0
	done
	return 1
}

# The first kernel wrote 0xa5 over the whole fill after the crash kernel's
# data (its console line, in the vmcore, gives where); purgatory clears it
# before the capture kernel starts. What the capture kernel has written
# there since is its own, but no page of it may still be all 0xa5: look at
# 32 pages across it, through /proc/kcore.
fill_cleared()
{
	local range start end map paddr memsz offset n=0 found=0 page

	range=$(sed -n 's/.*zero fill \[mem \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\)\].*/\1 \2/p' \
		/tmp/vmcore-dmesg.txt | head -1)
	[ -n "$range" ] || { echo "no fill range in the vmcore log"; return 1; }
	start=$(($(echo "$range" | cut -d' ' -f1)))
	end=$(($(echo "$range" | cut -d' ' -f2)))
	map=$(kcore_map "$start") || { echo "$start is not in /proc/kcore"; return 1; }
	read -r paddr memsz offset <<-EOF
	$map
	EOF
	[ "$end" -lt $((paddr + memsz)) ] || { echo "the fill ends past $map"; return 1; }
	dd if=/dev/zero bs=4096 count=1 2> /dev/null | tr '\000' '\245' > /tmp/a5.page
	while [ "$n" -lt 32 ]; do
		page=$(((start + (end - start) / 32 * n + 4095) / 4096 * 4096))
		n=$((n + 1))
		dd if=/proc/kcore of=/tmp/fill.page bs=4096 count=1 iflag=skip_bytes \
			skip=$((offset + page - paddr)) 2> /dev/null
		[ "$(wc -c < /tmp/fill.page)" = 4096 ] ||
			{ echo "cannot read $page from /proc/kcore"; return 1; }
		cmp -s /tmp/fill.page /tmp/a5.page && found=$((found + 1))
	done
	echo "$found of 32 pages of the fill [$range] still all 0xa5"
	[ "$found" = 0 ]
}

phase_capture()
{
	local want

	case $TYPE in
	panic|fill)
		want="Kernel panic - not syncing: crash_inject: stage $STAGE" ;;
	oops)	want='BUG: kernel NULL pointer dereference' ;;
	bug)	want='kernel BUG at kernel/kexec/crash_inject.c' ;;
	esac
	read_vmcore
	check "the vmcore log has the armed line" \
		grep -q 'crash_early: armed in kernel_init' /tmp/vmcore-dmesg.txt
	check "the vmcore log has the $TYPE injected at $STAGE" \
		grep -q "crash_inject: injecting a $TYPE at stage $STAGE\$" /tmp/vmcore-dmesg.txt
	check "the vmcore log has the $TYPE's own line" \
		grep -q "$want" /tmp/vmcore-dmesg.txt
	[ "$TYPE" != fill ] ||
		check "purgatory cleared the fill the first kernel wrote over" fill_cleared
	check "the armed line comes before the crash" sh -c \
		"grep -e 'crash_early: armed' -e 'crash_inject: injecting' /tmp/vmcore-dmesg.txt |
		 head -1 | grep -q armed"
	# Where it crashed, from the call trace rather than the stage's own
	# words: the log from the injection on.
	sed -n '/crash_inject: injecting/,$p' /tmp/vmcore-dmesg.txt > /tmp/trace
	case $STAGE in
	armed)
		# crash_early_init() tail-calls the injector: its frame is gone.
		check "the trace is kernel_init_freeable's, in pid 1, no initcall" sh -c \
			"grep -q 'kernel_init_freeable' /tmp/trace &&
			 grep -Eq ' PID: 1 ' /tmp/trace &&
			 ! grep -q do_one_initcall /tmp/trace" ;;
	smp)
		check "the trace is CPU 1's online callback, from smp_init" sh -c \
			"grep -q 'crash_inject_cpu_online' /tmp/trace &&
			 grep -Eq 'CPU: 1 ' /tmp/trace" ;;
	init)
		check "the trace is pid 1 executing init, no initcall" sh -c \
			"grep -q 'crash_inject_exec' /tmp/trace &&
			 grep -q 'kernel_execve' /tmp/trace &&
			 grep -Eq ' PID: 1 ' /tmp/trace &&
			 ! grep -q do_one_initcall /tmp/trace" ;;
	*)
		check "the trace is crash_inject_$STAGE called by do_one_initcall" sh -c \
			"grep -q 'crash_inject_$STAGE+' /tmp/trace &&
			 grep -q 'do_one_initcall' /tmp/trace" ;;
	esac
}
GUEST
capture=$(capture_initrd "$TEST_DIR")

# inject STAGE TYPE: crash there; the capture kernel checks what it sees.
inject()
{
	local stage=$1 type=$2 payload=$TEST_DIR/payload-$1-$2.cpio

	case_begin "$stage-$type"
	pack_payload "$payload" "$SAVEOOPS_BZIMAGE" "$capture" \
		"$CAPTURE_CMDLINE saveoops.STAGE=$stage saveoops.TYPE=$type"
	boot_guest --payload "$payload" --expect-end capture \
		--append "crashkernel=256M crash_inject=$stage,$type"
	log_count "$stage-$type: injected once" 1 "crash_inject: injecting a $type at stage $stage\$"
}

# Capture kernel arguments for the guest, the same as harness/guest/guest.sh.
CAPTURE_CMDLINE="console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1 printk.time=1"

# System.map says which initcall level each stage's function was put in,
# independently of the injector's own words: the level's section suffix.
declare -A level=([early]=early [core]=1 [postcore]=2 [arch]=3 [subsys]=4
	[fs]=5 [rootfs]=rootfs [device]=6 [late]=7)
for stage in "${!level[@]}"; do
	if grep -Eq "__initcall__kmod_crash_inject__[0-9_]+crash_inject_$stage${level[$stage]}\$" \
		"$SAVEOOPS_BUILD/System.map"; then
		tap ok "System.map: crash_inject_$stage is a level ${level[$stage]} initcall"
	else
		tap "not ok" "System.map: crash_inject_$stage is a level ${level[$stage]} initcall"
	fi
done

for stage in armed early smp core postcore arch subsys fs rootfs device late init; do
	inject $stage panic
done
# Each crash type in each kind of context: pid 1 right after the early load,
# an initcall and pid 1 as it executes init.
for type in oops bug; do
	inject armed $type
	inject init $type
done
inject device oops
inject subsys bug

# A byte of the loaded kernel changed after loading: purgatory's digest
# fails. With panic=0 the first kernel would wait forever after a failed
# kexec, so stopping at all means purgatory reset the machine.
case_begin corrupt
pack_payload "$TEST_DIR/payload-corrupt.cpio" "$SAVEOOPS_BZIMAGE" "$capture" "$CAPTURE_CMDLINE"
boot_guest --payload "$TEST_DIR/payload-corrupt.cpio" --expect-end none --timeout 90 \
	--append "crashkernel=256M crash_inject=armed,corrupt panic=0"
log_has "corrupt: the crash kernel was damaged" "crash_inject: flipped the byte at 0x[0-9a-f]+ in the loaded crash kernel's data"
log_has "corrupt: the first kernel panicked" 'Kernel panic - not syncing: crash_inject: stage armed'
log_count "corrupt: the capture kernel never booted" 1 'Linux version '

# The fill after the kernel's data (up to its init_size) is left to
# purgatory, which clears it after the digest: a pattern written over all
# of it does not stop the capture (with the zero check purgatory had
# before, it reset the machine).
inject armed fill
log_has "armed-fill: the fill was written over" "crash_inject: wrote over the loaded crash kernel's zero fill \\[mem 0x[0-9a-f]+-0x[0-9a-f]+\\]"

# The fill's entry in purgatory's table of regions to clear made a page
# shorter: the digest covers the table, so purgatory resets the machine
# (were the table not hashed, purgatory would clear less and the capture
# kernel would boot).
case_begin table
boot_guest --payload "$TEST_DIR/payload-corrupt.cpio" --expect-end none --timeout 90 \
	--append "crashkernel=256M crash_inject=armed,table panic=0"
log_has "table: the table entry was changed" "crash_inject: shortened the zero region at 0x[0-9a-f]+ in purgatory's table at 0x[0-9a-f]+"
log_has "table: the first kernel panicked" 'Kernel panic - not syncing: crash_inject: stage armed'
log_count "table: the capture kernel never booted" 1 'Linux version '

case_begin bad-parameter
boot_guest --payload "$TEST_DIR/payload-corrupt.cpio" \
	--append "crashkernel=256M crash_inject=sometime saveoops.NO_INJECT=1"
log_has "bad-parameter: an unknown stage is named" 'crash_inject: unknown stage sometime, not injecting'

case_begin bad-type
boot_guest --payload "$TEST_DIR/payload-corrupt.cpio" \
	--append "crashkernel=256M crash_inject=early,explode saveoops.NO_INJECT=1"
log_has "bad-type: an unknown type is named" 'crash_inject: unknown crash type explode, not injecting'
done_testing
