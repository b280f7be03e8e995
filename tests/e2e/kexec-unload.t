#!/bin/bash
# kexec -p -u unloads a crash kernel loaded by either system call.
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
load_unload()
{
	local load=$1 unload=$2

	check "kexec $load -p loads" kexec $load -p /boot/bzImage \
		--initrd="$(capture_initrd)" --command-line="$CAPTURE_CMDLINE"
	check_eq "kexec_crash_loaded is 1 after kexec $load -p" 1 \
		"$(cat /sys/kernel/kexec_crash_loaded)"
	check "kexec ${unload:+$unload }-p -u unloads" kexec $unload -p -u
	check_eq "kexec_crash_loaded is 0 after kexec ${unload:+$unload }-p -u" 0 \
		"$(cat /sys/kernel/kexec_crash_loaded)"
}

phase_first()
{
	load_unload -s ""
	load_unload -c -c
	load_unload -s -s
}
GUEST
boot_guest --mem 1G --append "crashkernel=256M"
done_testing
