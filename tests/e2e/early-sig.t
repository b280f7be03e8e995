#!/bin/bash
# The signature and IMA policy of kexec_file_load(2) holds for a payload
# from the initrd. Without lockdown it arms in kernel_init. Under lockdown
# the signature can only be checked once the keyrings are loaded: a payload
# signed with the trusted key arms at late_initcall_sync, and a crash
# before that is not captured (the documented window); an unsigned payload
# or one signed with another key is refused and the boot goes on. Waiting
# prints no lockdown notice. The same with KEXEC_SIG_FORCE and no lockdown
# (config/sigforce.config). An IMA boot policy that appraises kexec images
# (ima_policy=secure_boot) makes it wait and refuse, as kexec -s -p of the
# same image at /init is refused.
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
phase_first()
{
	check_eq "kexec_crash_loaded at /init" "${EXPECT_LOADED:-0}" \
		"$(cat /sys/kernel/kexec_crash_loaded)"
	if [ -n "${TRY_KEXEC:-}" ]; then
		if kexec -s -p /boot/bzImage --initrd="$(capture_initrd)" \
			--command-line="$CAPTURE_CMDLINE" 2>/tmp/kexec.err; then
			fail "kexec -s -p was allowed"
		else
			pass "kexec -s -p is refused too: $(tail -1 /tmp/kexec.err)"
		fi
	fi
	[ -n "${CRASH:-}" ] && crash_now
	return 0
}

phase_capture()
{
	read_vmcore
	check "the vmcore log has the crash" \
		grep -q -e 'crash_inject: injecting' -e 'sysrq: Trigger a crash' /tmp/vmcore-dmesg.txt
}
GUEST

sig_kernel=$("$SAVEOOPS_TOP/harness/sig-kernel.sh")
force_kernel=$("$SAVEOOPS_TOP/harness/sig-kernel.sh" --force)
keys=$SAVEOOPS_CACHE/sigkey
capture=$(capture_initrd "$TEST_DIR")
cmdline="console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1"

# The capture kernel must be a PE image to carry a signature: Debian's own,
# its signature stripped, then re-signed with either key, as a fleet signs
# with its own key.
cp "$("$SAVEOOPS_TOP/harness/distro-kernel.sh")" "$TEST_DIR/unsigned"
sbattach --remove "$TEST_DIR/unsigned" > /dev/null
for k in trusted other; do
	sbsign --key "$keys/$k.key" --cert "$keys/$k.pem" \
		--output "$TEST_DIR/signed-$k" "$TEST_DIR/unsigned" > /dev/null 2>&1
done
for p in unsigned signed-trusted signed-other; do
	pack_payload "$TEST_DIR/$p.cpio" "$TEST_DIR/$p" "$capture" "$cmdline"
done

waiting='crash_early: kernel/kdump/vmlinuz is subject to a signature or IMA policy: waiting for it, until late_initcall_sync'
refused='crash_early: not armed: the signature or security policy rejected it \(-[A-Z0-9]+\)$'
notice='Lockdown: .*: kexec of unsigned images is restricted'

case_begin no-lockdown
boot_guest --payload "$TEST_DIR/unsigned.cpio" --kernel "$sig_kernel" --expect-end capture \
	--append "crashkernel=256M crash_inject=early"
log_has "no-lockdown: an unsigned payload arms in kernel_init" \
	'crash_early: armed in kernel_init: payload from the initrd'

case_begin lockdown-signed
boot_guest --payload "$TEST_DIR/signed-trusted.cpio" --kernel "$sig_kernel" --expect-end capture \
	--append "crashkernel=256M lockdown=integrity saveoops.EXPECT_LOADED=1 saveoops.CRASH=1"
log_count "lockdown-signed: waits for the keyrings" 1 "$waiting"
log_has "lockdown-signed: arms once the signature is checked" \
	'crash_early: armed in late_initcall_sync: payload from the initrd'
log_lacks "lockdown-signed: waiting printed no lockdown notice" "$notice"

case_begin lockdown-window
boot_guest --payload "$TEST_DIR/signed-trusted.cpio" --kernel "$sig_kernel" --expect-end none \
	--append "crashkernel=256M lockdown=integrity crash_inject=device"
log_count "lockdown-window: a crash before late_initcall_sync is not captured" 1 'Linux version '
log_lacks "lockdown-window: nothing was armed yet" 'crash_early: armed'

for p in unsigned signed-other; do
	case_begin lockdown-$p
	boot_guest --payload "$TEST_DIR/$p.cpio" --kernel "$sig_kernel" \
		--append "crashkernel=256M lockdown=integrity"
	log_count "lockdown-$p: waits for the keyrings" 1 "$waiting"
	log_count "lockdown-$p: is refused" 1 "$refused"
done

# IMA's boot policy is set up at late_initcall; the early load must not
# slip through before it.
case_begin ima-secure-boot
boot_guest --payload "$TEST_DIR/unsigned.cpio" --kernel "$sig_kernel" \
	--append "crashkernel=256M ima_policy=secure_boot ima_appraise=enforce saveoops.TRY_KEXEC=1"
log_count "ima-secure-boot: waits for the policy" 1 "$waiting"
log_count "ima-secure-boot: is refused by it" 1 "$refused"
log_lacks "ima-secure-boot: nothing armed" 'crash_early: armed'

# KEXEC_SIG_FORCE without lockdown: sig_enforce alone makes it wait.
case_begin force-signed
boot_guest --payload "$TEST_DIR/signed-trusted.cpio" --kernel "$force_kernel" --expect-end capture \
	--append "crashkernel=256M saveoops.EXPECT_LOADED=1 saveoops.CRASH=1"
log_count "force-signed: waits for the keyrings" 1 "$waiting"
log_has "force-signed: arms once the signature is checked" \
	'crash_early: armed in late_initcall_sync: payload from the initrd'
log_lacks "force-signed: lockdown is off" 'Lockdown: '

case_begin force-unsigned
boot_guest --payload "$TEST_DIR/unsigned.cpio" --kernel "$force_kernel" \
	--append "crashkernel=256M"
log_count "force-unsigned: waits for the keyrings" 1 "$waiting"
log_count "force-unsigned: is refused for want of a signature" 1 \
	'crash_early: not armed: it carries no signature, and one is required \(-ENODATA\)$'
done_testing
