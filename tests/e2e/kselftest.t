#!/bin/bash
# The kexec kselftests (tools/testing/selftests/kexec), installed from the
# composed tree the way kselftest installs them and run in the guest by
# run_kselftest.sh. Each kselftest result and each of its subtests is one
# TAP line here, a kselftest SKIP a TAP SKIP with its reason. Which tests
# must run and which must skip is fixed per boot, so a feature that went
# missing (a test skipping where it must run) fails:
#   armed     the early payload is armed: every test but the off switch
#             and the two crash halves runs
#   off       crash_early_load=off: the off test runs, the armed ones skip
#   crash     test_kexec_early_crash.sh --crash; the capture kernel of the
#             early payload (saveoops-capture) saves the log to a disk
#   post      the boot after it: test_kexec_early_post_crash.sh finds the
#             record, with a flag the crash half left on a second disk
. "$(dirname "$0")/../../harness/testlib.sh"

"$SAVEOOPS_TOP/harness/compose.sh" > /dev/null 2>&1 ||
	{ tap "not ok" "compose the tree"; done_testing; exit; }
ksft=$TEST_DIR/ksft
mkdir -p "$ksft/root/usr/bin"
if ! make -s -C "$SAVEOOPS_TREE/tools/testing/selftests" TARGETS=kexec \
	O="$TEST_DIR/ksft-build" INSTALL_PATH="$ksft/root/kselftest" install \
	> "$TEST_DIR/install.log" 2>&1; then
	tap "not ok" "kselftest install of TARGETS=kexec"
	sed 's/^/#   /' "$TEST_DIR/install.log" | tail -20
	done_testing
	exit
fi
# The runner calls timeout --foreground, which busybox's timeout lacks:
# coreutils' timeout, which needs only the libc kexec brought.
cp /usr/bin/timeout "$ksft/root/usr/bin/timeout"
(cd "$ksft/root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --quiet) > "$ksft/kselftest.cpio"

guest_script <<'GUEST'
phase_first()
{
	# What the upstream tests and the replace test load: /boot/vmlinuz-$(uname -r).
	ln -s bzImage "/boot/vmlinuz-$(uname -r)"
	if [ -n "${STATE:-}" ]; then
		mkdir -p /mnt/state
		check "the state disk mounts" mount -t ext2 "$STATE" /mnt/state
		export KEXEC_EARLY_STATE_DIR=/mnt/state
	fi
	[ "${CRASH:-}" = 1 ] && export KSELFTEST_TEST_KEXEC_EARLY_CRASH_SH_ARGS=--crash
	# The runner logs to /dev/stdout, which devtmpfs does not provide.
	ln -sf /proc/self/fd/1 /dev/stdout
	cd /kselftest || return
	# Line by line to the results port, the crash boot's last lines too.
	if [ -n "${KSFT_TESTS:-}" ]; then
		set -- -t "$KSFT_TESTS"
	else
		set -- -c kexec
	fi
	./run_kselftest.sh "$@" 2>&1 |
		while IFS= read -r line; do echo "KSFT $line" > $RESULTS; done
	[ -z "${STATE:-}" ] || umount /mnt/state
}
GUEST
cat "$ksft/kselftest.cpio" >> "$TEST_DIR/test.cpio"

"$SAVEOOPS_TOOLS/saveoops-mkpayload" --kernel "$SAVEOOPS_BZIMAGE" \
	--output "$TEST_DIR/payload.cpio"

# ksft_results CASE NAME=run|skip|any...: a TAP line for each kselftest
# subtest and each test the runner reported in this boot's results; a test
# listed must be reported, and run or skip as said.
ksft_results()
{
	local c=$1 line test='' reason='' last='' out='' verdict want w name

	shift
	declare -A expect=() seen=()
	for w in "$@"; do
		expect[${w%=*}]=${w#*=}
	done
	while IFS= read -r line; do
		line=${line#KSFT }
		case $line in
		"# selftests: kexec: "*)
			test=${line#\# selftests: kexec: }
			reason='' last='' out='' ;;
		"# 1..0 # SKIP "*)
			reason=${line#\# 1..0 # SKIP } ;;
		"# ok "[0-9]*|"# not ok "[0-9]*)
			verdict=ok
			[ "${line#\# not ok}" = "$line" ] || verdict="not ok"
			name=$(echo "${line#\# }" | sed -E 's/^(not )?ok [0-9]+ //')
			tap "$verdict" "$c: $test: $name" ;;
		"# "*)
			# Tests without KTAP say why they skip in their last line.
			last=${line#\# }
			out+="$line"$'\n' ;;
		"ok "[0-9]*" selftests: kexec: "*|"not ok "[0-9]*" selftests: kexec: "*)
			name=$(echo "$line" | sed -E 's/^(not )?ok [0-9]+ selftests: kexec: //')
			seen[${name%% *}]=1
			want=${expect[${name%% *}]:-any}
			case $line in
			"not ok"*)
				tap "not ok" "$c: kselftest $name"
				printf '%s' "$out" | tail -n 15 | sed 's/^/#   /' ;;
			*"# SKIP")
				reason=${reason:-$last}
				if [ "$want" = run ]; then
					tap "not ok" "$c: kselftest ${name%% *} must run here, skipped: $reason"
				else
					tap ok "$c: kselftest ${name%% *} # SKIP $reason"
				fi ;;
			*)
				if [ "$want" = skip ]; then
					tap "not ok" "$c: kselftest ${name%% *} must skip here, ran"
				else
					tap ok "$c: kselftest ${name%% *}"
				fi ;;
			esac ;;
		esac
	done < "$TEST_RESULTS"
	for w in "${!expect[@]}"; do
		[ -n "${seen[$w]:-}" ] || tap "not ok" "$c: kselftest $w reported a result"
	done
}

case_begin armed
boot_guest --payload "$TEST_DIR/payload.cpio" --smp 2 --append "crashkernel=128M"
ksft_results armed test_kexec_load.sh=run test_kexec_file_load.sh=any \
	test_kexec_early_armed.sh=run test_kexec_early_off.sh=skip \
	test_kexec_early_hotplug.sh=run test_kexec_early_kcore.sh=run \
	test_kexec_early_post_crash.sh=skip test_kexec_early_crash.sh=skip \
	test_kexec_early_replace.sh=run

case_begin off
boot_guest --payload "$TEST_DIR/payload.cpio" --append "crashkernel=128M crash_early_load=off"
ksft_results off test_kexec_load.sh=run test_kexec_file_load.sh=any \
	test_kexec_early_armed.sh=skip test_kexec_early_off.sh=run \
	test_kexec_early_hotplug.sh=skip test_kexec_early_kcore.sh=run \
	test_kexec_early_post_crash.sh=skip test_kexec_early_crash.sh=skip \
	test_kexec_early_replace.sh=skip

# The crash in two boots: the record goes to the store on vda, the crash
# half's flag to an ext2 file system on vdb.
disk=$TEST_DIR/store.img
"$SAVEOOPS_TOOLS/saveoops" format --image --slots 2 --size 1M "$disk" > /dev/null
mke2fs -q -F -t ext2 "$TEST_DIR/state.img" 4M > /dev/null
disks=(-drive "file=$disk,format=raw,if=virtio" -drive "file=$TEST_DIR/state.img,format=raw,if=virtio")

case_begin crash
boot_guest --payload "$TEST_DIR/payload.cpio" --expect-end none \
	--append "crashkernel=128M saveoops.STATE=/dev/vdb saveoops.CRASH=1 saveoops.KSFT_TESTS=kexec:test_kexec_early_crash.sh" \
	-- "${disks[@]}"
result_has "crash: the crash test started" '^KSFT # selftests: kexec: test_kexec_early_crash.sh$'
log_has "crash: the kernel crashed on request" 'Kernel panic - not syncing: sysrq triggered crash'
log_has "crash: the early capture kernel saved record 1" 'saveoops: saved record 1 .* to /dev/vda'
if grep -Eq '^KSFT (not )?ok [0-9]+ selftests: kexec: test_kexec_early_crash.sh' "$TEST_RESULTS"; then
	tap "not ok" "crash: the crash test never returned"
else
	tap ok "crash: the crash test never returned"
fi

case_begin post
boot_guest --payload "$TEST_DIR/payload.cpio" \
	--append "crashkernel=128M saveoops.STATE=/dev/vdb saveoops.KSFT_TESTS=kexec:test_kexec_early_post_crash.sh" \
	-- "${disks[@]}"
ksft_results post test_kexec_early_post_crash.sh=run
if "$SAVEOOPS_TOOLS/saveoops" --store "$disk" list > "$TEST_DIR/post/list.txt" &&
   grep -qx '0 of 2 slots used, 0 not exported' "$TEST_DIR/post/list.txt"; then
	tap ok "post: the test cleared the record it checked"
else
	tap "not ok" "post: the test cleared the record it checked"
	sed 's/^/#   /' "$TEST_DIR/post/list.txt"
fi
if debugfs -R "stat /kexec_early_crash.flag" "$TEST_DIR/state.img" 2>&1 | grep -q 'File not found'; then
	tap ok "post: and removed the crash half's flag"
else
	tap "not ok" "post: and removed the crash half's flag"
fi
done_testing
