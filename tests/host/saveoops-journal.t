#!/bin/bash
# saveoops list --json and show --json, and export --journal --keep as
# saveoops.service runs it: each record written goes to the journal as one
# entry over journald's native protocol, read here from a socket the test
# binds (no journald needed), in a datagram and in a sealed memfd; the
# entry has the fixed MESSAGE_ID, the record's metadata and its log as
# dmesg.txt has it; a record already exported is not sent again; a journal
# that is not there leaves the record exported and marked, exit 1; --keep
# keeps the newest directories; the host's systemd-journald, run in a
# private mount namespace, stores both kinds of entry.
. "$(dirname "$0")/../../harness/testlib.sh"

src=$TOOLS_SRC
out=$TOOLS_DIST
tools_make "${out}saveoops" "${out}saveoops-capture" "${out}unit-test" \
	> "$TEST_DIR/make.log" 2>&1 ||
	{ sed 's/^/# /' "$TEST_DIR/make.log"; tap "not ok" "the programs build"; done_testing; }
SAVEOOPS=${out}saveoops
MESSAGE_ID=abf7108112764e3b830368aabd8d4648

# Three records from the unit tests' synthetic cores.
store=$TEST_DIR/store.img
image=
"$SAVEOOPS" --help | grep -q -- '--image' && image=--image
"$SAVEOOPS" format $image --slots 3 --size 1M "$store" > "$TEST_DIR/format.out"
uuid=$(sed -n 's/.*UUID \([0-9a-f-]*\).*/\1/p' "$TEST_DIR/format.out")
"${out}unit-test" --write-seeds "$TEST_DIR/seeds" > /dev/null
save()
{
	"${out}saveoops-capture" --vmcore "$TEST_DIR/seeds/vmcore/$1" --store "$store" \
		--tail 0 > /dev/null
}
save 6.12-image-wrapped
save padded-walk-1g
save 6.12-direct-vaddr
S() { "$SAVEOOPS" --store "$store" "$@"; }

## JSON

S list --json > "$TEST_DIR/list.json"
check "list --json is valid JSON" python3 -m json.tool "$TEST_DIR/list.json"
S show --info 2 > "$TEST_DIR/info2"
check "list --json: the store's UUID, 3 records, 3 not exported, record 2 as show --info" \
	python3 - "$TEST_DIR/list.json" "$TEST_DIR/info2" "$uuid" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
info = dict(l.split("=", 1) for l in open(sys.argv[2]).read().split("\n\n")[0].splitlines())
assert j["store"]["uuid"] == sys.argv[3], j["store"]
assert (j["store"]["slots"], j["store"]["used"], j["store"]["not_exported"]) == (3, 3, 3), j["store"]
assert [r["seq"] for r in j["records"]] == [1, 2, 3], j["records"]
r = j["records"][1]
for key in ("release", "build_id", "reason", "state"):
    assert r[key] == info[key], (key, r[key], info[key])
assert r["crash_time"].replace("T", " ").rstrip("Z") == info["crash_time"], r["crash_time"]
assert r["log_bytes"] == int(info["log_bytes"]) and r["store_uuid"] == sys.argv[3]
assert j["missed"]["count"] == 0 and j["unknown_slots"] == []
PY
S show --json 2 > "$TEST_DIR/show.json"
check "show --json is valid JSON" python3 -m json.tool "$TEST_DIR/show.json"
S show 2 > "$TEST_DIR/show2"
S show --level --caller 2 > "$TEST_DIR/show2lc"
S show --json --level --caller 2 > "$TEST_DIR/show2lc.json"
check "show --json: its log is show's, byte for byte (tabs, escapes), --level --caller too" \
	python3 - "$TEST_DIR/show.json" "$TEST_DIR/show2" "$TEST_DIR/show2lc.json" \
	"$TEST_DIR/show2lc" <<'PY'
import json, sys
for js, txt in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
    j = json.load(open(js))
    want = open(txt, encoding="latin-1").read()
    assert j["log"] == want, (j["log"][:200], want[:200])
    assert "\t" in want and j["seq"] == 2 and j["damage"] is None
PY

## The journal

# recv COUNT: a journal socket at $TEST_DIR/journal.sock that takes COUNT
# entries into $TEST_DIR/journal.json, in the background ($recv_pid).
cat > "$TEST_DIR/recv.py" <<'PY'
import array, json, os, socket, struct, sys

def parse(data):
    fields, i = [], 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            name, value = line.split(b"=", 1)
            form, i = "line", nl + 1
        else:
            name = line
            (n,) = struct.unpack("<Q", data[nl + 1:nl + 9])
            value = data[nl + 9:nl + 9 + n]
            if data[nl + 9 + n:nl + 10 + n] != b"\n":
                raise ValueError("no newline after " + name.decode())
            form, i = "binary", nl + 10 + n
        fields.append([name.decode(), value.decode("latin-1"), form])
    return fields

path, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path + ".tmp")
os.rename(path + ".tmp", path)
s.settimeout(30)
entries = []
for _ in range(count):
    data, anc, _, _ = s.recvmsg(1 << 20, socket.CMSG_SPACE(4))
    via = "datagram"
    for level, kind, cdata in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fd = array.array("i", cdata[:4])[0]
            seals = __import__("fcntl").fcntl(fd, 1034)  # F_GET_SEALS
            data = os.pread(fd, 1 << 30, 0)
            via = "memfd, seals %#x" % seals
    entries.append({"via": via, "fields": parse(data)})
json.dump(entries, open(out, "w"), indent=1)
PY
sock=$TEST_DIR/journal.sock
recv()
{
	rm -f "$sock" "$TEST_DIR/journal.json"
	python3 "$TEST_DIR/recv.py" "$sock" "$1" "$TEST_DIR/journal.json" &
	recv_pid=$!
	for _ in $(seq 100); do
		[ -S "$sock" ] && return
		sleep 0.1
	done
}

# entries_ok VIA SEQ...: the entries received came VIA, one per SEQ, as
# the exported directories have them.
entries_ok()
{
	python3 - "$TEST_DIR/journal.json" "$TEST_DIR/export" "$MESSAGE_ID" "$uuid" "$@" <<'PY'
import json, os, sys
entries = json.load(open(sys.argv[1]))
export, mid, uuid, via, seqs = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]
names = ["MESSAGE", "MESSAGE_ID", "PRIORITY", "SYSLOG_IDENTIFIER", "SAVEOOPS_SEQ",
         "SAVEOOPS_RELEASE", "SAVEOOPS_BUILD_ID", "SAVEOOPS_CRASH_TIME",
         "SAVEOOPS_CRASH_TIMESTAMP", "SAVEOOPS_CAPTURE_TIMESTAMP", "SAVEOOPS_REASON",
         "SAVEOOPS_STATE", "SAVEOOPS_STORE_UUID", "SAVEOOPS_DIR", "SAVEOOPS_LOG"]
assert len(entries) == len(seqs), (len(entries), seqs)
for e, seq in zip(entries, seqs):
    assert e["via"].startswith(via), e["via"]
    if via == "memfd":   # shrink, grow, write and seal sealed
        assert e["via"].endswith("0xf"), e["via"]
    f = {n: v for n, v, _ in e["fields"]}
    form = {n: fm for n, _, fm in e["fields"]}
    assert [n for n, _, _ in e["fields"]] == names, [n for n, _, _ in e["fields"]]
    assert f["MESSAGE_ID"] == mid and f["PRIORITY"] == "2" and f["SAVEOOPS_SEQ"] == seq
    assert f["SAVEOOPS_STORE_UUID"] == uuid and f["SYSLOG_IDENTIFIER"] == "saveoops"
    d = f["SAVEOOPS_DIR"]
    assert os.path.isabs(d) and os.path.basename(d).startswith("saveoops-%s-" % seq), d
    info = dict(l.split("=", 1) for l in open(os.path.join(d, "info")).read().splitlines())
    for key in ("release", "build_id", "reason", "crash_time"):
        assert f["SAVEOOPS_" + key.upper()] == info[key], (key, f["SAVEOOPS_" + key.upper()])
    assert f["SAVEOOPS_REASON"] and f["SAVEOOPS_REASON"] in f["MESSAGE"], f["MESSAGE"]
    assert f["SAVEOOPS_LOG"] == open(os.path.join(d, "dmesg.txt"), encoding="latin-1").read()
    assert form["SAVEOOPS_LOG"] == "binary" and form["MESSAGE"] == "line"
PY
}

recv 3
SAVEOOPS_JOURNAL_SOCKET=$sock S export --journal "$TEST_DIR/export" > "$TEST_DIR/export.out" 2>&1
rc=$?
wait $recv_pid
check "export --journal: exit $rc, 3 entries in datagrams with the record's fields and log" \
	bash -c "$(declare -f entries_ok); TEST_DIR='$TEST_DIR' MESSAGE_ID=$MESSAGE_ID \
	uuid=$uuid; [ $rc = 0 ] && entries_ok datagram 1 2 3"
[ "$(find "$TEST_DIR/export" -mindepth 1 -maxdepth 1 | wc -l)" = 3 ] &&
	tap ok "and 3 directories exported" || tap "not ok" "and 3 directories exported"
SAVEOOPS_JOURNAL_SOCKET=$TEST_DIR/nobody.sock S export --journal "$TEST_DIR/export" \
	> "$TEST_DIR/again.out" 2>&1
rc=$?
check "exported records are not sent again (exit $rc, nothing tried)" \
	bash -c "[ $rc = 0 ] && ! grep -q journal '$TEST_DIR/again.out'"

# A fourth record takes the oldest exported slot.
save padded-image
SAVEOOPS_JOURNAL_SOCKET=$TEST_DIR/nobody.sock S export --journal "$TEST_DIR/export" \
	> "$TEST_DIR/nojournal.out" 2>&1
rc=$?
check "no journal: exit 1 and says so, the record still exported and marked" \
	bash -c "[ $rc = 1 ] && grep -q 'record 4: not sent to the journal: .*nobody.sock' \
	'$TEST_DIR/nojournal.out' && ls -d '$TEST_DIR/export'/saveoops-4-* && \
	$(printf '%q ' "$SAVEOOPS") --store '$store' list | grep -q '^4 .* exported '"

save scattered-walk-4k
recv 1
# DIR relative this time: SAVEOOPS_DIR is absolute all the same.
(cd "$TEST_DIR" && SAVEOOPS_JOURNAL_SOCKET=$sock SAVEOOPS_JOURNAL_MEMFD=1 S export \
	--journal=yes export) > "$TEST_DIR/memfd.out" 2>&1
rc=$?
wait $recv_pid
check "an entry in a sealed memfd (exit $rc): the same fields, SAVEOOPS_DIR absolute" \
	bash -c "$(declare -f entries_ok); TEST_DIR='$TEST_DIR' MESSAGE_ID=$MESSAGE_ID \
	uuid=$uuid; [ $rc = 0 ] && entries_ok memfd 5"

touch "$TEST_DIR/export/notes.txt"
save nocaller-walk-2m-sme
SAVEOOPS_JOURNAL_SOCKET=$TEST_DIR/nobody.sock S export --journal=no --keep 2 \
	"$TEST_DIR/export" > "$TEST_DIR/keep.out" 2>&1
rc=$?
check "--keep 2 (exit $rc): the two newest directories are left, and other files" \
	bash -c "[ $rc = 0 ] && cd '$TEST_DIR/export' && \
	[ \"\$(ls | sed 's/-[0-9]*-$uuid\$//' | tr '\n' ' ')\" = 'notes.txt saveoops-5 saveoops-6 ' ]"

# The host's own systemd-journald, in a private mount namespace with tmpfs
# on its paths: it stores both kinds of entry, and journalctl finds them
# by MESSAGE_ID with the log as dmesg.txt has it.
journald=/lib/systemd/systemd-journald
cat > "$TEST_DIR/journald.sh" <<'SH'
#!/bin/bash
# journald.sh DIR COMMAND...: COMMAND beside a journald of our own, its
# entries of our MESSAGE_ID written to DIR/journal.json.
dir=$1
shift
mount --make-rprivate / &&
mkdir -p /run/systemd /run/log /var/log/journal &&
mount -t tmpfs tmpfs /run/systemd && mount -t tmpfs tmpfs /run/log &&
mount -t tmpfs tmpfs /var/log/journal && mkdir /run/systemd/journal || exit 77
/lib/systemd/systemd-journald > "$dir/journald.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	[ -S /run/systemd/journal/socket ] && break
	sleep 0.1
done
[ -S /run/systemd/journal/socket ] || { kill $pid; exit 77; }
"$@"
rc=$?
journalctl --sync 2> /dev/null
for d in /run/log/journal /var/log/journal; do
	journalctl -D "$d" MESSAGE_ID=abf7108112764e3b830368aabd8d4648 -o json --no-pager
done > "$dir/journal.json" 2> /dev/null
kill $pid
wait $pid
exit $rc
SH
save padded-walk-1g
save 6.12-image-wrapped
rc=0
if [ ! -x "$journald" ] || ! command -v journalctl > /dev/null; then
	rc=77
else
	unshare -m bash "$TEST_DIR/journald.sh" "$TEST_DIR" bash -c \
		"$(printf '%q ' "$SAVEOOPS") --store '$store' export --journal '$TEST_DIR/real' && \
		SAVEOOPS_JOURNAL_MEMFD=1 $(printf '%q ' "$SAVEOOPS") --store '$store' export \
		--journal --all '$TEST_DIR/real2'" > "$TEST_DIR/real.out" 2>&1 || rc=$?
fi
if [ $rc = 77 ]; then
	tap ok "systemd-journald stores the entries # SKIP no journald of our own here"
else
	check "systemd-journald stores the entries, from datagrams and from memfds (exit $rc)" \
		python3 - "$TEST_DIR/journal.json" "$rc" "$uuid" <<'PY'
import json, os, sys
entries = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
assert sys.argv[2] == "0", "export exit " + sys.argv[2]
assert len(entries) >= 4, "%d entries" % len(entries)
for e in entries:
    d = e["SAVEOOPS_DIR"]
    assert e["SAVEOOPS_STORE_UUID"] == sys.argv[3] and e["PRIORITY"] == "2"
    log = open(os.path.join(d, "dmesg.txt"), encoding="latin-1").read()
    assert e["SAVEOOPS_LOG"] == log, (e["SAVEOOPS_LOG"][:100], log[:100])
    assert e["SAVEOOPS_REASON"] in e["MESSAGE"]
print(len(entries), "entries")
PY
fi
check "a bad --journal value is a usage error" \
	bash -c "S() { $(printf '%q ' "$SAVEOOPS") --store '$store' \"\$@\"; }; \
	S export --journal=maybe '$TEST_DIR/export'; [ \$? = 2 ]"
done_testing
