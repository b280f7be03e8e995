#!/bin/bash
# The other crashkernel= forms: size@offset, memory ranges, ,high and ,low.
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
phase_first()
{
	report_crash_regions
}
GUEST

# name | guest RAM | crashkernel= parameters | expected regions |
# kexec_crash_size in MiB | a console line (extended regex), or nothing.
#
# kexec_crash_size counts the high and the low region.
# A fixed offset boots with nokaslr: a randomized kernel image lands on
# 512M-640M in about one boot in four, and the reservation then fails.
while IFS='|' read -r name mem params regions size message; do
	case_begin "$name"
	boot_guest --mem "$mem" --append "$params"
	expect_regions "$name: regions $regions" $regions
	expect_crash_size "$name: kexec_crash_size" $((size << 20))
	[ -z "$message" ] || log_has "$name: console says /$message/" "$message"
done <<'CASES'
offset|1G|crashkernel=128M@512M nokaslr|128M@0x20000000|128|crashkernel reserved: 0x0+20000000 - 0x0+28000000 \(128 MB\)
ranges-small|1G|crashkernel=512M-2G:128M,2G-:256M|128M@low|128|
ranges-large|3G|crashkernel=512M-2G:128M,2G-:256M|256M@low|256|
high|5G|crashkernel=256M,high|256M@high 256M@low|512|crashkernel low memory reserved: .*\(256 MB\)
high-low|5G|crashkernel=256M,high crashkernel=64M,low|256M@high 64M@low|320|crashkernel low memory reserved: .*\(64 MB\)
CASES
done_testing
