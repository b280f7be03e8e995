#!/bin/bash
# The saveoops CLI and saveoops-mkpayload on the host, on files: usage and
# exit codes, format's refusal to overwrite, export and clear, a damaged
# record reported as such, and a payload that is the same bytes every time
# and holds what the early loader looks for.
. "$(dirname "$0")/../../harness/testlib.sh"

SAVEOOPS=$SAVEOOPS_TOOLS/saveoops
MKPAYLOAD=$SAVEOOPS_TOOLS/saveoops-mkpayload
store=$TEST_DIR/store.img

# expect_rc DESCRIPTION RC [REGEX] -- COMMAND...: exit status and stderr.
expect_rc()
{
	local desc=$1 want=$2 re=$3 rc=0

	shift 4
	"$@" > "$TEST_DIR/out" 2> "$TEST_DIR/err" || rc=$?
	if [ $rc -eq "$want" ] && { [ -z "$re" ] || grep -Eq -- "$re" "$TEST_DIR/err"; }; then
		tap ok "$desc"
	else
		tap "not ok" "$desc"
		diag "  exit $rc (want $want), stderr:"
		sed 's/^/#   /' "$TEST_DIR/err"
	fi
}

expect_rc "--help exits 0" 0 "" -- "$SAVEOOPS" --help
expect_rc "no command is a usage error" 2 "usage:" -- "$SAVEOOPS"
expect_rc "an unknown command is a usage error" 2 "unknown command 'frob'" -- "$SAVEOOPS" frob
expect_rc "a missing store exits 3" 3 "no-such.img: No such file or directory" -- \
	"$SAVEOOPS" --store "$TEST_DIR/no-such.img" list
head -c 1M /dev/urandom > "$TEST_DIR/random.img"
expect_rc "a file without a superblock exits 3" 3 "no saveoops store" -- \
	"$SAVEOOPS" --store "$TEST_DIR/random.img" list
expect_rc "format refuses a file that is not empty" 1 "not empty and not a saveoops store" -- \
	"$SAVEOOPS" format --slots 2 "$TEST_DIR/random.img"
expect_rc "format refuses too many slots for the size" 1 "too small for 64 slots" -- \
	"$SAVEOOPS" format --slots 64 --size 1M "$store"
expect_rc "--slots that wraps 32 bits is refused" 2 "bad --slots '4294967298'" -- \
	"$SAVEOOPS" format --slots 4294967298 --size 1M "$store"
expect_rc "--size that wraps 64 bits is refused" 2 "bad --size '17179869185G'" -- \
	"$SAVEOOPS" format --size 17179869185G "$store"
expect_rc "a negative record number is refused" 2 "one record number" -- \
	"$SAVEOOPS" --store "$store" show -- -1
expect_rc "format creates a store file" 0 "" -- "$SAVEOOPS" format --image --slots 3 --size 1M "$store"
expect_rc "show on an empty store exits 4" 4 "holds no records" -- "$SAVEOOPS" --store "$store" show

# Records from saveoops-capture run by hand on synthetic cores (the unit
# tests' seeds): exit 0 when saved, 1 when the store is full, 2 without a log.
out=$SAVEOOPS_CACHE/tools-test/cli
mkdir -p "$out"
make -s -C "$SAVEOOPS_TOP/tools/saveoops" OUTPUT="$out/" "$out/unit-test" > /dev/null
rm -rf "$TEST_DIR/seeds"
"$out/unit-test" --write-seeds "$TEST_DIR/seeds" > /dev/null
cores=$TEST_DIR/seeds/vmcore
CAPTURE=$SAVEOOPS_TOOLS/saveoops-capture
"$SAVEOOPS" format --image --slots 3 --size 1M "$store" > /dev/null
for core in 6.12-image-wrapped padded-walk-1g 6.12-direct-vaddr; do
	expect_rc "saveoops-capture saves $core" 0 "" -- \
		"$CAPTURE" --vmcore "$cores/$core" --store "$store" --tail 0
done
expect_rc "a full store: exit 1, nothing lost" 1 "" -- \
	"$CAPTURE" --vmcore "$cores/padded-image" --store "$store" --tail 0
grep -q 'store full: 3 records not exported yet: record not saved; earlier records are intact' \
	"$TEST_DIR/out" && tap ok "and it says so" || tap "not ok" "and it says so"
expect_rc "a vmcore without a ring: exit 2" 2 "" -- \
	"$CAPTURE" --vmcore "$store" --store "$store" --tail 0
"$SAVEOOPS" --store "$store" show 1 > "$TEST_DIR/show1"
cmp -s "$TEST_DIR/show1" <("$CAPTURE" --vmcore "$cores/6.12-image-wrapped" --tail 1000 \
	--store /nonexistent | sed -n '/^saveoops: last/,$p' | sed 1d) &&
	tap ok "the record's log is what the capture printed" ||
	tap "not ok" "the record's log is what the capture printed"
cmp -s "$TEST_DIR/show1" <("$CAPTURE" --print --vmcore "$cores/6.12-image-wrapped" \
	2> "$TEST_DIR/print.err") && ! grep -qv '^saveoops: ' "$TEST_DIR/print.err" &&
	tap ok "--print prints the whole log on stdout, its messages on stderr" ||
	tap "not ok" "--print prints the whole log on stdout, its messages on stderr"
expect_rc "format refuses a store with unexported records" 1 "records not exported" -- \
	"$SAVEOOPS" format "$store"
expect_rc "show of a missing record exits 4" 4 "no record 99" -- \
	"$SAVEOOPS" --store "$store" show 99
expect_rc "export writes the records" 0 "" -- "$SAVEOOPS" --store "$store" export "$TEST_DIR/x"
n=$(ls "$TEST_DIR/x" | wc -l)
[ "$n" -eq 3 ] && tap ok "export made one directory per record ($n)" ||
	tap "not ok" "export made one directory per record ($n)"
"$SAVEOOPS" --store "$store" list > "$TEST_DIR/list" &&
	[ "$(grep -Ec '^[0-9]+ .* exported ' "$TEST_DIR/list")" -eq 3 ] &&
	! grep -q ' new ' "$TEST_DIR/list" && tap ok "exported records are marked exported" ||
	tap "not ok" "exported records are marked exported"
expect_rc "a second export has nothing to do" 0 "" -- \
	"$SAVEOOPS" --store "$store" export "$TEST_DIR/y"
[ -z "$(ls -A "$TEST_DIR/y")" ] && tap ok "nothing was exported twice" ||
	tap "not ok" "nothing was exported twice"
cmp -s "$TEST_DIR/x"/saveoops-1-*/dmesg.txt <("$SAVEOOPS" --store "$store" show 1) &&
	tap ok "dmesg.txt is the record's log" || tap "not ok" "dmesg.txt is the record's log"
grep -q '^reason=seed line 23$' "$TEST_DIR/x"/saveoops-1-*/info &&
	tap ok "info names the panic" || tap "not ok" "info names the panic"
expect_rc "clear removes record 2" 0 "" -- "$SAVEOOPS" --store "$store" clear 2
expect_rc "record 2 is gone" 4 "no record 2" -- "$SAVEOOPS" --store "$store" show 2
expect_rc "record 1 is still there" 0 "" -- "$SAVEOOPS" --store "$store" show 1
# Damage one byte of record 1's log (slot 0: block 1, after the header).
printf 'X' | dd of="$store" bs=1 seek=$((4096 + 512 + 100)) conv=notrunc status=none
expect_rc "a damaged record is shown as read, with exit 1" 1 "record 1 is damaged: log checksum mismatch" -- \
	"$SAVEOOPS" --store "$store" show 1
"$SAVEOOPS" --store "$store" list | grep -Eq '^1 .* damaged ' &&
	tap ok "list marks it damaged" || tap "not ok" "list marks it damaged"
expect_rc "clear --all" 0 "" -- "$SAVEOOPS" --store "$store" clear --all
expect_rc "then the store is empty" 4 "holds no records" -- "$SAVEOOPS" --store "$store" show
expect_rc "and numbering goes on after a clear" 0 "" -- \
	"$CAPTURE" --vmcore "$cores/padded-image" --store "$store" --tail 0
grep -q 'saved record 4 ' "$TEST_DIR/out" && tap ok "the next record is 4" ||
	tap "not ok" "the next record is 4"

# The payload builder.
printf 'kernel' > "$TEST_DIR/vmlinuz"
printf 'initrd' > "$TEST_DIR/initrd"
expect_rc "mkpayload builds a payload" 0 "" -- "$MKPAYLOAD" --kernel "$TEST_DIR/vmlinuz" \
	--cmdline "console=ttyS0 saveoops.tail=10" --initrd "$TEST_DIR/initrd" --output "$TEST_DIR/p1"
"$MKPAYLOAD" --kernel "$TEST_DIR/vmlinuz" --cmdline "console=ttyS0 saveoops.tail=10" \
	--initrd "$TEST_DIR/initrd" --output "$TEST_DIR/p2"
cmp -s "$TEST_DIR/p1" "$TEST_DIR/p2" && tap ok "the same inputs give the same bytes" ||
	tap "not ok" "the same inputs give the same bytes"
listing=$(cpio -it --quiet < "$TEST_DIR/p1" | tr '\n' ' ')
[ "$listing" = "kernel kernel/kdump kernel/kdump/vmlinuz kernel/kdump/initrd kernel/kdump/cmdline " ] &&
	tap ok "the payload has the members the kernel looks for" ||
	{ tap "not ok" "the payload has the members the kernel looks for"; diag "  $listing"; }
[ "$(tail -c 6 "$TEST_DIR/p1")" = initrd ] && [ $(( $(stat -c %s "$TEST_DIR/p1") - 6 )) -eq \
	$(( ($(stat -c %s "$TEST_DIR/p1") - 6 + 511) / 512 * 512 )) ] &&
	tap ok "the initrd follows on a 512-byte boundary" ||
	tap "not ok" "the initrd follows on a 512-byte boundary"
mkdir -p "$TEST_DIR/unpacked"
(cd "$TEST_DIR/unpacked" && cpio -id --quiet < "$TEST_DIR/p1" 2>/dev/null)
[ "$(cat "$TEST_DIR/unpacked/kernel/kdump/cmdline")" = "console=ttyS0 saveoops.tail=10" ] &&
	tap ok "the command line is stored as given" || tap "not ok" "the command line is stored as given"
inner=$(cd "$TEST_DIR/unpacked" && cpio -itv --quiet < kernel/kdump/initrd 2>/dev/null | awk '{print $1, $NF}' | tr '\n' ' ')
[ "$inner" = "drwxr-xr-x dev crw------- dev/console drwxr-xr-x mnt drwxr-xr-x proc drwxr-xr-x sys -rwxr-xr-x init " ] &&
	tap ok "the capture initramfs is saveoops-capture as /init with /dev/console" ||
	{ tap "not ok" "the capture initramfs is saveoops-capture as /init with /dev/console"; diag "  $inner"; }
cmp -s <(cd "$TEST_DIR/unpacked" && cpio -i --quiet --to-stdout init < kernel/kdump/initrd) \
	"$SAVEOOPS_TOOLS/saveoops-capture" && tap ok "its /init is saveoops-capture" ||
	tap "not ok" "its /init is saveoops-capture"
expect_rc "a missing kernel is named" 1 "cannot read the capture kernel .*/nope: No such file" -- \
	"$MKPAYLOAD" --kernel "$TEST_DIR/nope" --output "$TEST_DIR/p3"
expect_rc "no --output is a usage error" 2 "usage:" -- "$MKPAYLOAD" --kernel "$TEST_DIR/vmlinuz"
done_testing
