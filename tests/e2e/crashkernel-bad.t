#!/bin/bash
# Bad crashkernel= values: the guest still reaches /init, nothing is
# reserved, and dmesg says why.
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
phase_first()
{
	report_crash_regions
}
GUEST

# name | crashkernel= parameter | console message (extended regex)
while IFS='|' read -r name param message; do
	case_begin "$name"
	boot_guest --mem 1G --append "$param"
	expect_regions "$name: no Crash kernel region"
	expect_crash_size "$name: kexec_crash_size is 0" 0
	log_has "$name: says why" "$message"
done <<'CASES'
not-a-size|crashkernel=foo|crashkernel: memory value expected
zero|crashkernel=0|crashkernel: size is zero, nothing reserved
above-ram|crashkernel=2G|crashkernel: 2048 MB is not less than system RAM
does-not-fit|crashkernel=960M|cannot allocate crashkernel \(size:0x3c000000\)
offset-beyond-ram|crashkernel=128M@3G|crashkernel reservation failed - memory is in use
CASES
done_testing
