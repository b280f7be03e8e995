#!/bin/bash
# Any relocatable x86_64 bzImage can be the capture kernel: Debian's own
# kernel, signed and several times our size, is loaded by the early loader,
# captures a panic injected in a device initcall and reads the vmcore.
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
phase_first()
{
	fail "the first kernel reached /init: crash_inject=device did not fire"
}

phase_capture()
{
	echo "CAPTURE_RELEASE $(uname -r)" > $RESULTS
	read_vmcore
	check "the vmcore log has the injected panic" \
		grep -q 'Kernel panic - not syncing: crash_inject: stage device' /tmp/vmcore-dmesg.txt
}
GUEST

distro=$("$SAVEOOPS_TOP/harness/distro-kernel.sh")
diag "capture kernel: $distro"
pack_payload "$TEST_DIR/payload.cpio" "$distro" "$(capture_initrd "$TEST_DIR")" \
	"console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1 quiet"
boot_guest --payload "$TEST_DIR/payload.cpio" --expect-end capture --timeout 240 \
	--append "crashkernel=256M crash_inject=device"
log_has "armed with the distribution kernel" \
	"crash_early: armed in kernel_init: payload from the initrd, vmlinuz $(($(stat -c %s "$distro") >> 10)) KiB"
release=$(basename "$distro")
result_has "the capture kernel is ${release#vmlinuz-}" "^CAPTURE_RELEASE ${release#vmlinuz-}\$"
done_testing
