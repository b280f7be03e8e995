#!/bin/bash
# The early payload on a machine that boots with UEFI Secure Boot on
# (harness/sb-machine.sh): Debian's OVMF with our own PK/KEK/db enrolled,
# systemd-boot and the sig variant kernel (config/sig.config: EFI stub,
# Debian's lockdown under Secure Boot, IMA's arch policy, the platform
# keyring fed from db) signed with the db key, each verified by the
# firmware. First the machine itself: the kernel sees Secure Boot and locks
# down, an unsigned kernel is refused by the firmware. Then the payload
# cases. A payload from the initrd waits for the keyrings, then is read
# from the unpacked initramfs as kexec_file_load(2) reads files
# (kexec_file_read_files()), so IMA's arch policy measures it as it would
# measure the system call's file instead of refusing a buffer:
#
#   case         payload's capture kernel    now (session 7)                 before (session 6)
#   sb-trusted   signed, build's trusted key arms at late_initcall_sync,     IMA refused the buffer
#                                            captures a panic at stage init
#   sb-unsigned  unsigned                    refused: no signature (-ENODATA) IMA refused the buffer
#   sb-other     signed, an untrusted key    refused (-ENOKEY)                IMA refused the buffer
#   sb-db        signed, db key (platform    arms at late_initcall_sync;      IMA refused the buffer
#                keyring); at /init kexec    kexec -s -p replaces it, and a
#                -s -p of it                 crash is captured by userspace's
#
# Each boot runs the firmware under TCG: about 20 s more than a plain boot.
. "$(dirname "$0")/../../harness/testlib.sh"

guest_script <<'GUEST'
# efivar NAME-GUID: the variable's first data byte (efivarfs files start
# with 4 bytes of attributes, and do not seek).
efivar()
{
	set -- $(od -An -tu1 < "/sys/firmware/efi/efivars/$1")
	echo "${5:-missing}"
}

phase_first()
{
	mount -t efivarfs efivarfs /sys/firmware/efi/efivars
	mount -t securityfs securityfs /sys/kernel/security
	check_eq "SecureBoot efivar is 1" 1 \
		"$(efivar SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c)"
	check_eq "SetupMode efivar is 0" 0 \
		"$(efivar SetupMode-8be4df61-93ca-11d2-aa0d-00e098032b8c)"
	check "lockdown is active: $(cat /sys/kernel/security/lockdown)" \
		grep -qF '[integrity]' /sys/kernel/security/lockdown
	check_eq "kexec_crash_loaded at /init" "${EXPECT_LOADED:-0}" \
		"$(cat /sys/kernel/kexec_crash_loaded)"
	if [ -n "${REFUSE_UNSIGNED:-}" ]; then
		check "kexec -s -p of an unsigned kernel is refused" \
			sh -c '! kexec -s -p /boot/bzImage --initrd=/kernel/kdump/initrd \
				--command-line=console=ttyS0'
	fi
	if [ -n "${USERSPACE:-}" ]; then
		# The payload's own files are in the rootfs too: userspace
		# loads the same db-signed kernel over the early image.
		check "kexec -s -p of the db-signed kernel loads" \
			kexec -s -p /kernel/kdump/vmlinuz --initrd=/kernel/kdump/initrd \
			--command-line="$(cat /kernel/kdump/cmdline) saveoops.FROM=userspace"
		check_eq "kexec_crash_loaded after it" 1 "$(cat /sys/kernel/kexec_crash_loaded)"
		write_marker
		crash_now
	fi
	return 0
}

phase_capture()
{
	echo "CAPTURED_BY ${FROM:-unknown}" > $RESULTS
	if [ -n "${STAGE:-}" ]; then
		read_vmcore
		check "the vmcore log has the panic injected at $STAGE" \
			grep -q "Kernel panic - not syncing: crash_inject: stage $STAGE" \
			/tmp/vmcore-dmesg.txt
		check "the vmcore log has the late armed line" \
			grep -q 'crash_early: armed in late_initcall_sync' /tmp/vmcore-dmesg.txt
	else
		check_vmcore_log
	fi
}
GUEST

sig_kernel=$("$SAVEOOPS_TOP/harness/sig-kernel.sh")
keys=$SAVEOOPS_CACHE/sigkey
sbkeys=$SAVEOOPS_CACHE/secureboot/keys
vars=$("$SAVEOOPS_TOP/harness/sb-machine.sh" vars)
kernel=$("$SAVEOOPS_TOP/harness/sb-machine.sh" sign "$sig_kernel")
capture=$(capture_initrd "$TEST_DIR")
cmdline="console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=1"

# Debian's kernel as the capture kernel, its signature stripped, re-signed
# with each key (as tests/e2e/early-sig.t does).
cp "$("$SAVEOOPS_TOP/harness/distro-kernel.sh")" "$TEST_DIR/unsigned"
sbattach --remove "$TEST_DIR/unsigned" > /dev/null
for k in "$keys/trusted" "$sbkeys/db" "$keys/other"; do
	sbsign --key "$k.key" --cert "$k.pem" --output "$TEST_DIR/signed-${k##*/}" \
		"$TEST_DIR/unsigned" > /dev/null 2>&1
done
for p in unsigned signed-trusted signed-db signed-other; do
	pack_payload "$TEST_DIR/$p.cpio" "$TEST_DIR/$p" "$capture" "$cmdline"
done
pack_payload "$TEST_DIR/signed-trusted-init.cpio" "$TEST_DIR/signed-trusted" "$capture" \
	"$cmdline saveoops.FROM=early saveoops.STAGE=init"

waiting='crash_early: kernel/kdump/vmlinuz is subject to a signature or IMA policy: waiting for it, until late_initcall_sync'
ima_refusal='ima: impossible to appraise a kernel image without a file descriptor'

# sb_evidence CASE: what says this boot ran under Secure Boot.
sb_evidence()
{
	log_has "$1: the EFI stub saw Secure Boot" 'EFI stub: UEFI Secure Boot is enabled\.'
	log_has "$1: the kernel says Secure boot enabled" 'secureboot: Secure boot enabled$'
	log_has "$1: and locks down" 'Kernel is locked down from EFI Secure Boot'
	log_has "$1: db's certificate reached the platform keyring" \
		"integrity: Loaded X\.509 cert 'saveoops Secure Boot test db: "
}

SB_TIMEOUT=240

# The firmware refuses an unsigned kernel; the machine stops there.
case_begin firmware-unsigned
t=$SECONDS
boot_guest --kernel "$sig_kernel" --uefi "$vars" --expect-end none --timeout $SB_TIMEOUT
diag "firmware-unsigned: the boot took $((SECONDS - t)) s"
log_has "firmware-unsigned: systemd-boot's LoadImage is refused" \
	'Error loading \\linux\.efi: Access Denied'
log_lacks "firmware-unsigned: no kernel ran" 'Linux version'

# sb_boot CASE PAYLOAD [boot_guest options]: one boot on the Secure Boot
# machine with PAYLOAD ahead of the initrd, timed.
sb_boot()
{
	local c=$1 pay=$2 t=$SECONDS

	shift 2
	case_begin "$c"
	boot_guest --payload "$TEST_DIR/$pay.cpio" --kernel "$kernel" --uefi "$vars" \
		--timeout $SB_TIMEOUT "$@"
	diag "$c: the boot took $((SECONDS - t)) s"
	sb_evidence "$c"
}

# armed_late CASE: the payload waited for the keyrings and armed once its
# signature was checked, without IMA refusing a buffer.
armed_late()
{
	log_count "$1: waits for the keyrings" 1 "$waiting"
	log_lacks "$1: IMA refuses no buffer" "$ima_refusal"
	log_count "$1: arms at late_initcall_sync" 1 \
		'crash_early: armed in late_initcall_sync: payload from the initrd'
}

# refused_late CASE REGEX: it waited, then was refused with REGEX's line.
refused_late()
{
	log_count "$1: waits for the keyrings" 1 "$waiting"
	log_lacks "$1: IMA refuses no buffer" "$ima_refusal"
	log_count "$1: is refused" 1 "$2"
	log_lacks "$1: nothing armed" 'crash_early: armed'
}

# Armed at late_initcall_sync, it captures what comes after: here a panic
# as pid 1 executes /init (crash_inject=init), the first stage after it.
sb_boot sb-trusted signed-trusted-init --expect-end capture \
	--append "crashkernel=256M crash_inject=init"
armed_late sb-trusted
log_has "sb-trusted: panics as pid 1 executes init" 'crash_inject: injecting a panic at stage init$'
result_has "sb-trusted: the early image captured it" '^CAPTURED_BY early$'
sb_boot sb-unsigned unsigned --append "crashkernel=256M saveoops.REFUSE_UNSIGNED=1"
refused_late sb-unsigned \
	'crash_early: not armed: it carries no signature, and one is required \(-ENODATA\)$'
sb_boot sb-other signed-other --append "crashkernel=256M"
refused_late sb-other \
	'crash_early: not armed: the signature or security policy rejected it \(-ENOKEY\)$'

# The db-signed payload arms from the platform keyring; userspace kdump on
# this machine then loads the same kernel over it, and a crash is captured
# by the image userspace loaded.
sb_boot sb-db signed-db --timeout $((SB_TIMEOUT + 120)) --expect-end capture \
	--append "crashkernel=256M saveoops.EXPECT_LOADED=1 saveoops.USERSPACE=1"
armed_late sb-db
result_has "sb-db: the capture kernel is the one userspace loaded" '^CAPTURED_BY userspace$'
done_testing
