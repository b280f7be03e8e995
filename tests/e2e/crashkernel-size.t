#!/bin/bash
# crashkernel=256M on a 1 GiB guest: reserved, shown in /proc/iomem, and
# /sys/kernel/kexec_crash_size agrees.
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
phase_first()
{
	local line start end size

	line=$(grep 'Crash kernel' /proc/iomem)
	check "one Crash kernel region in /proc/iomem" test "$(echo "$line" | grep -c .)" = 1
	start=${line%%-*}; end=${line#*-}; end=${end%% *}
	start=$(echo $start); size=$(( 0x$end - 0x$start + 1 ))
	check_eq "Crash kernel region is 256 MiB" $((256 << 20)) "$size"
	check_eq "kexec_crash_size agrees" $((256 << 20)) "$(cat /sys/kernel/kexec_crash_size)"
	check_eq "nothing loaded yet" 0 "$(cat /sys/kernel/kexec_crash_loaded)"
}
GUEST
boot_guest --mem 1G --append "crashkernel=256M"
log_has "reservation message" 'crashkernel reserved: 0x[0-9a-f]+ - 0x[0-9a-f]+ \(256 MB\)'
done_testing
