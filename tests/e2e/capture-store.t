#!/bin/bash
# The capture initramfs as saveoops-mkpayload builds it by default: the
# static saveoops-capture is the capture kernel's /init, the capture command
# line is the kernel's default. Each crash ends as one record on the disk,
# read back on the host with the CLI: three crashes in a row give records
# 1, 2 and 3 and leave earlier ones byte for byte; a full store refuses the
# fourth and keeps the rest until they are exported; a read-only store and
# a missing one are reported and the capture kernel still ends; QEMU killed
# at three points of a record write leaves its slot unlisted and the earlier
# records intact.
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
# After the reboot: the CLI on the running system finds the store itself.
read_records()
{
	check "saveoops list finds the store by its signature" \
		sh -c 'saveoops list > /tmp/list && grep -q "^5 .* new .*stage late$" /tmp/list'
	check "saveoops show prints the newest record" \
		sh -c 'saveoops show | grep -q "Kernel panic - not syncing: crash_inject: stage late"'
	check "saveoops export archives the four records" \
		sh -c 'saveoops export /tmp/x && [ $(ls /tmp/x | wc -l) -eq 4 ]'
	check "then none is left to export" \
		sh -c 'saveoops list | grep -q "4 of 4 slots used, 0 not exported"'
	check "saveoops clear 1 removes record 1" \
		sh -c 'saveoops clear 1 && ! saveoops show 1 2>/dev/null'
}

phase_first()
{
	if [ "${MODE:-}" = read ]; then
		read_records
		return
	fi
	write_marker
	# A log long enough that a throttled disk takes seconds to write it.
	fill_log "${LOG_LINES:-0}"
	crash_now
}
GUEST

SAVEOOPS=$SAVEOOPS_TOOLS/saveoops
"$SAVEOOPS_TOOLS/saveoops-mkpayload" --kernel "$SAVEOOPS_BZIMAGE" \
	--output "$TEST_DIR/payload.cpio"
# payload NAME SAVEOOPS-OPTIONS: a payload whose capture command line has these.
payload()
{
	"$SAVEOOPS_TOOLS/saveoops-mkpayload" --kernel "$SAVEOOPS_BZIMAGE" \
		--cmdline "console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=10 $2" \
		--output "$TEST_DIR/payload-$1.cpio"
	echo "$TEST_DIR/payload-$1.cpio"
}

# crash DISK-ARGS APPEND [PAYLOAD]: one boot that crashes and is captured;
# the capture kernel's /init ends the VM.
crash()
{
	local drive=$1 append=$2 payload=${3:-$TEST_DIR/payload.cpio}

	boot_guest --payload "$payload" --append "crashkernel=128M $append" \
		--expect-end none -- ${drive:+-drive "$drive"}
}

# expect_list DESCRIPTION DISK EXTENDED-REGEX...: list has these record
# lines, in order, and no others.
expect_list()
{
	local desc=$1 disk=$2 got want

	shift 2
	# The records: not the heading, the slot count or the missed crashes.
	got=$("$SAVEOOPS" --store "$disk" list | sed '1d' |
		grep -Ev '^[0-9]+ of [0-9]+ slots used, |^[0-9]+ crash(es)? not saved, ')
	want=$(printf '%s\n' "$@")
	if [ "$(echo "$got" | grep -c .)" -eq $# ] &&
	   paste -d '\t' <(echo "$got") <(echo "$want") |
	   while IFS=$'\t' read -r line re; do echo "$line" | grep -Eq -- "$re" || exit 1; done; then
		tap ok "$desc"
	else
		tap "not ok" "$desc"
		"$SAVEOOPS" --store "$disk" list | sed 's/^/#   /'
	fi
}

# same_log DESCRIPTION DISK SEQ FILE: record SEQ's log is still FILE, which
# holds a log (not an empty file from a show that failed).
same_log()
{
	if grep -q 'Kernel panic - not syncing' "$4" &&
	   "$SAVEOOPS" --store "$2" show "$3" > "$4.now" && cmp -s "$4.now" "$4"; then
		tap ok "$1"
	else
		tap "not ok" "$1"
	fi
}

rec='^%s +[0-9-]+ [0-9:]+  6\.12\.[0-9]+ +%s +[0-9]+  %s$'
core=$(printf "$rec" 1 new 'Kernel panic - not syncing: crash_inject: stage core')
device=$(printf "$rec" 2 new 'Kernel panic - not syncing: crash_inject: stage device')
sysrq=$(printf "$rec" 3 new 'Kernel panic - not syncing: sysrq triggered crash')

disk=$TEST_DIR/disk.img
"$SAVEOOPS" format --image --slots 4 --size 8M "$disk" > /dev/null
drive="file=$disk,format=raw,if=virtio"

# The capture program's tail starts with this line; the crashed kernel's own
# console lines come before it.
tail="saveoops: last [0-9]+ lines of the crashed kernel's log"

case_begin core
crash "$drive" "crash_inject=core"
log_has "core: the capture kernel booted with the default command line" \
	'Command line: elfcorehdr=0x[0-9a-f]+ irqpoll nr_cpus=1 reset_devices panic=10 console=ttyS0$'
log_has_after "core: the capture program printed the log tail" "$tail" \
	'^\[ *[0-9.]+\] Kernel panic - not syncing: crash_inject: stage core$'
log_has "core: it saved record 1" 'saveoops: saved record 1 \([0-9]+ bytes\) to /dev/vda slot 0'
log_has "core: then it rebooted" 'saveoops: rebooting'
expect_list "core: the disk holds record 1" "$disk" "$core"
"$SAVEOOPS" --store "$disk" show 1 > "$TEST_DIR/record1.txt"
if grep -q 'crash_inject_core' "$TEST_DIR/record1.txt" &&
   grep -q 'Call Trace:' "$TEST_DIR/record1.txt"; then
	tap ok "core: the record has the call trace"
else
	tap "not ok" "core: the record has the call trace"
fi

case_begin device
crash "$drive" "crash_inject=device"
expect_list "device: records 1 and 2" "$disk" "$core" "$device"

case_begin sysrq
crash "$drive" ""
expect_list "sysrq: records 1, 2 and 3" "$disk" "$core" "$device" "$sysrq"
same_log "sysrq: record 1 is unchanged" "$disk" 1 "$TEST_DIR/record1.txt"
if "$SAVEOOPS" --store "$disk" show 3 | grep -qF "$(sed -n 's/^MARKER="\(.*\)"$/\1/p' \
	"$SAVEOOPS_TOP/harness/guest/guest.sh")"; then
	tap ok "sysrq: record 3 has the marker userspace wrote"
else
	tap "not ok" "sysrq: record 3 has the marker userspace wrote"
fi

# A full store: two slots, both unexported.
full=$TEST_DIR/full.img
"$SAVEOOPS" format --image --slots 2 --size 1M "$full" > /dev/null
fulldrive="file=$full,format=raw,if=virtio"
case_begin full-1
crash "$fulldrive" "crash_inject=core"
case_begin full-2
crash "$fulldrive" "crash_inject=device"
"$SAVEOOPS" --store "$full" show 1 > "$TEST_DIR/full1.txt"
"$SAVEOOPS" --store "$full" show 2 > "$TEST_DIR/full2.txt"
case_begin full-3
crash "$fulldrive" "crash_inject=late"
log_has "full-3: says the store is full and nothing was lost" \
	'saveoops: /dev/vda: store full: 2 records not exported yet: record not saved; earlier records are intact'
log_has_after "full-3: the tail still reached the console" "$tail" \
	'Kernel panic - not syncing: crash_inject: stage late$'
log_has "full-3: the capture kernel still ended" 'saveoops: rebooting'
same_log "full-3: record 1 is unchanged" "$full" 1 "$TEST_DIR/full1.txt"
same_log "full-3: record 2 is unchanged" "$full" 2 "$TEST_DIR/full2.txt"
log_has "full-3: the crash is counted as missed" \
	'saveoops: /dev/vda: counted as missed, 1 since the last clear --all'
missed='^1 crash not saved, the store was full; the last at [0-9-]+ [0-9:]+, Linux [^ ]+: Kernel panic - not syncing: crash_inject: stage late$'
if "$SAVEOOPS" --store "$full" list | grep -Eq "$missed"; then
	tap ok "full-3: list reports the missed crash after the reboot"
else
	tap "not ok" "full-3: list reports the missed crash after the reboot"
	"$SAVEOOPS" --store "$full" list | sed 's/^/#   /'
fi
cp "$full" "$TEST_DIR/full-cleared.img"
"$SAVEOOPS" --store "$TEST_DIR/full-cleared.img" clear --all
if "$SAVEOOPS" --store "$TEST_DIR/full-cleared.img" list | grep -q 'not saved'; then
	tap "not ok" "full-3: clear --all forgets the missed crash"
else
	tap ok "full-3: clear --all forgets the missed crash"
fi
"$SAVEOOPS" --store "$full" export "$TEST_DIR/export" > "$TEST_DIR/export.out"
if [ -s "$TEST_DIR/export/saveoops-1-"*/dmesg.txt ] && [ -s "$TEST_DIR/export/saveoops-2-"*/info ]; then
	tap ok "full: export writes a directory per record"
else
	tap "not ok" "full: export writes a directory per record"
fi
case_begin full-4
crash "$fulldrive" "crash_inject=late"
expect_list "full-4: after export the oldest slot takes record 3" "$full" \
	"$(printf "$rec" 2 exported 'Kernel panic - not syncing: crash_inject: stage device')" \
	"$(printf "$rec" 3 new 'Kernel panic - not syncing: crash_inject: stage late')"

case_begin read-only
crash "file=$full,format=raw,if=virtio,readonly=on" "crash_inject=core"
log_has "read-only: says the store cannot be written" \
	'saveoops: cannot open the store /dev/vda: the device is read-only: record not saved'
log_has "read-only: the capture kernel still ended" 'saveoops: rebooting'

case_begin no-store
crash "" "crash_inject=core" "$(payload nowait saveoops.wait=1)"
log_has "no-store: says there is no store" 'saveoops: no store found'
log_has "no-store: the capture kernel still ended" 'saveoops: rebooting'

# A store so slow that the capture overruns saveoops.timeout: the machine
# ends anyway, and the unexported record 3 survives. (The record being
# written may still complete: the kernel finishes queued writes on reboot.)
case_begin timeout
"$SAVEOOPS" --store "$full" show 3 > "$TEST_DIR/full3.txt"
crash "$fulldrive,throttling.bps-write=1024" "crash_inject=core" \
	"$(payload timeout saveoops.timeout=5)"
log_has "timeout: pid 1 gives up after saveoops.timeout" \
	'saveoops: capture did not end within 5 s; giving up'
log_has_after "timeout: pid 1 printed the tail the child had read" \
	"$tail \\(the save did not finish\\):" 'Kernel panic - not syncing: crash_inject: stage core$'
log_has "timeout: and ends the machine" 'saveoops: rebooting'
same_log "timeout: record 3 is unchanged" "$full" 3 "$TEST_DIR/full3.txt"

# Store files (written through their extents, never mounted read-write):
# tests/e2e/capture-file.t.

# Power lost while the record is written: on a disk throttled to 16 KiB/s
# the final header of a long log lands some ten seconds after the log, and
# QEMU is killed in between, 0, 3 and 6 s after the slot's first bytes
# landed, each time on a copy of the disk with records 1-3. Each time the
# capture program had said it was writing, the next record's slot (slot 3)
# changed and no other byte of the disk did, and no torn record is listed.
# The last copy goes on as the disk.
slot_size=$(od -An -tu8 -j16 -N8 "$disk" | tr -d ' ')
slot3=$((4096 + 3 * slot_size))
# slot3_of IMAGE: slot 3's bytes.
slot3_of()
{
	dd if="$1" bs=4096 skip=$((slot3 / 4096)) count=$((slot_size / 4096)) status=none
}
for delay in 0 3 6; do
	case_begin killed-$delay
	kdisk=$TEST_DIR/killed-$delay/disk.img
	cp "$disk" "$TEST_DIR/killed-$delay/before.img"
	cp "$disk" "$kdisk"
	slot3_of "$kdisk" > "$TEST_DIR/killed-$delay/slot3.before"
	"$SAVEOOPS_TOP/harness/qemu-run.sh" --log "$TEST_LOG" --results "$TEST_RESULTS" \
		--initrd "$(guest_initrd "$TEST_DIR" "$TEST_DIR/payload.cpio")" \
		--append "crashkernel=128M saveoops.LOG_LINES=3000" --expect-end none \
		-- -drive "file=$kdisk,format=raw,if=virtio,throttling.bps-write=16384" > /dev/null 2>&1 &
	qemu_job=$!
	writing=0 landed=0
	for _ in $(seq 1200); do
		if [ $writing -eq 0 ]; then
			grep -q 'saveoops: writing [0-9]* bytes' "$TEST_LOG" 2> /dev/null && writing=1
		fi
		if [ $writing -eq 1 ] && ! slot3_of "$kdisk" | cmp -s - "$TEST_DIR/killed-$delay/slot3.before"; then
			landed=1
			break
		fi
		kill -0 $qemu_job 2> /dev/null || break
		sleep 0.1
	done
	[ $landed -eq 0 ] || sleep "$delay"
	pkill -KILL -f "^qemu-system-x86_64 .*file:$TEST_LOG" && killed=1 || killed=0
	wait $qemu_job || true
	if [ $writing -eq 1 ] && [ $killed -eq 1 ] && ! grep -q 'saveoops: saved record' "$TEST_LOG"; then
		tap ok "killed-$delay: QEMU was killed after the writing line, before the record was saved"
	else
		tap "not ok" "killed-$delay: QEMU was killed after the writing line, before the record was saved"
		diag "  writing line seen: $writing; killed: $killed"
	fi
	# Changed bytes (cmp counts from 1) inside slot 3, and outside it.
	changed=$(cmp -l "$TEST_DIR/killed-$delay/before.img" "$kdisk" |
		awk -v lo=$slot3 -v hi=$((slot3 + slot_size)) \
		'{ if ($1 > lo && $1 <= hi) a++; else b++ } END { printf "%d %d", a, b }')
	if [ "${changed% *}" -gt 0 ] && [ "${changed#* }" -eq 0 ]; then
		tap ok "killed-$delay: slot 3 was written to, nothing else (${changed% *} bytes, killed $delay s after the first)"
	else
		tap "not ok" "killed-$delay: slot 3 was written to, nothing else (${changed% *} bytes, killed $delay s after the first)"
		diag "  bytes changed in slot 3 and elsewhere: $changed"
	fi
	expect_list "killed-$delay: records 1, 2 and 3 intact, no torn record listed" "$kdisk" \
		"$core" "$device" "$sysrq"
done
cp "$kdisk" "$disk"
same_log "killed: record 1 is unchanged" "$disk" 1 "$TEST_DIR/record1.txt"
case_begin after-kill
crash "$drive" "crash_inject=late"
# Record 4 is the write that was cut off: its tombstone keeps the number.
expect_list "after-kill: the next crash is record 5" "$disk" "$core" "$device" "$sysrq" \
	"$(printf "$rec" 5 new 'Kernel panic - not syncing: crash_inject: stage late')"
case_begin read
boot_guest --append "saveoops.MODE=read" -- -drive "$drive"
expect_list "read: the host sees what the guest did" "$disk" \
	"$(printf "$rec" 2 exported 'Kernel panic - not syncing: crash_inject: stage device')" \
	"$(printf "$rec" 3 exported 'Kernel panic - not syncing: sysrq triggered crash')" \
	"$(printf "$rec" 5 exported 'Kernel panic - not syncing: crash_inject: stage late')"
done_testing
