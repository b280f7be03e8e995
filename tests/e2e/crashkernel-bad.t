#!/bin/bash
# crashkernel= values that reserve nothing: the guest still reaches /init,
# no region appears, dmesg says why, and says it once. No crashkernel= at all
# stays silent.
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
phase_first()
{
	report_crash_regions
}
GUEST

# name | parameter | console line that must appear (extended regex) |
# console line that must not appear. Whether a size close to RAM fits
# depends on where KASLR put the kernel, so that case boots with nokaslr:
# the kernel at 16 MiB leaves at most 976M (0x2000000-0x3f000000), and
# 992M, less than RAM, cannot be placed.
while IFS='|' read -r name param message unwanted; do
	case_begin "$name"
	boot_guest --mem 1G --append "$param"
	expect_regions "$name: no Crash kernel region"
	expect_crash_size "$name: kexec_crash_size is 0" 0
	[ -z "$message" ] || log_count "$name: says /$message/ once" 1 "$message"
	[ -z "$unwanted" ] || log_lacks "$name: does not say /$unwanted/" "$unwanted"
done <<'CASES'
not-a-size|crashkernel=foo|crashkernel: memory value expected|
zero|crashkernel=0|crashkernel: size is zero, nothing reserved|
zero-high|crashkernel=0,high|crashkernel: size is zero, nothing reserved|
above-ram|crashkernel=2G|crashkernel: 2048 MB is not less than system RAM \(10[0-9][0-9] MB\), nothing reserved|
above-ram-high|crashkernel=8G,high|crashkernel: 8192 MB is not less than system RAM|
does-not-fit|crashkernel=992M nokaslr|cannot allocate crashkernel \(size:0x3e000000\)|
offset-beyond-ram|crashkernel=128M@3G|crashkernel reservation failed - memory is in use|
no-range-matches|crashkernel=2G-:256M|crashkernel size resulted in zero bytes|size is zero
absent||| crashkernel
CASES
done_testing
