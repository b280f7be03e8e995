// SPDX-License-Identifier: GPL-2.0
/*
 * saveoops-capture: the /init of a capture initramfs.
 *
 * It reads the crashed kernel's printk log from /proc/vmcore, saves it as
 * one record in a saveoops store, prints the tail on the console and ends
 * the capture kernel. As pid 1 it takes its settings from the kernel
 * command line (saveoops.store=, saveoops.end=, ...), does the work in a
 * child and ends the machine when the child is done or the time is up,
 * whatever happened, so a capture never hangs the machine.
 *
 * Run by hand (not pid 1), it only reads and saves, with --vmcore, --store,
 * --tail and --wait: saveoops-capture --vmcore /proc/vmcore --store /dev/vdb
 * With --print it saves nothing and prints the whole log on stdout, the way
 * dmesg does: saveoops-capture --print --vmcore /proc/kcore reads the live
 * kernel's log, which is how the kselftests check the decoder against dmesg.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "modules.h"
#include "printk_ring.h"
#include "store.h"
#include "vmcore.h"

enum end_action { END_REBOOT, END_POWEROFF, END_HALT };

struct options {
	const char *vmcore;
	char store[256];		/* empty: find by signature */
	uint8_t uuid[16];		/* saveoops.store=UUID=...: find by UUID */
	bool by_uuid;
	uint64_t sector;		/* saveoops.sector=: a file store's first sector */
	bool by_sector;
	char mount_dev[128];		/* mount read-only to map a file store */
	char mount_type[32];
	unsigned int tail;		/* log lines to print on the console */
	unsigned int timeout;		/* seconds before pid 1 gives up */
	unsigned int wait;		/* seconds to wait for the store device */
	enum end_action end;
	bool print;			/* print the whole log, save nothing */
};

/* Exit codes of the capture, also used by the tool mode. */
#define CAPTURE_SAVED		0
#define CAPTURE_NOT_SAVED	1	/* the log was read but not stored */
#define CAPTURE_NO_LOG		2	/* the vmcore gave no log */
#define CAPTURE_USAGE		3

/* The console as pid 1; stderr with --print, where stdout is the log. */
static FILE *say_to;

/*
 * As pid 1, the tail is also rendered into memory shared with pid 1 before
 * the store is written: if the store hangs and the child is given up on,
 * pid 1 still puts the crashed kernel's last lines on the console.
 */
#define TAIL_SHARED_SIZE	(64 * 1024)
static char *tail_shared;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("saveoops: ", say_to);
	va_start(ap, fmt);
	vfprintf(say_to, fmt, ap);
	va_end(ap);
	fputc('\n', say_to);
	fflush(say_to);
}

static bool parse_end(const char *s, enum end_action *end)
{
	static const char *const names[] = {
		[END_REBOOT] = "reboot", [END_POWEROFF] = "poweroff", [END_HALT] = "halt",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(s, names[i])) {
			*end = (enum end_action)i;
			return true;
		}
	}
	return false;
}

static bool parse_uint(const char *s, unsigned int *val)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 100000)
		return false;
	*val = (unsigned int)v;
	return true;
}

static bool parse_sector(struct options *o, const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end)
		return false;
	o->sector = v;
	o->by_sector = true;
	return true;
}

static void copy_opt(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

static void parse_mount(struct options *o, const char *val)
{
	const char *colon = strchr(val, ':');

	copy_opt(o->mount_dev, sizeof(o->mount_dev), val);
	copy_opt(o->mount_type, sizeof(o->mount_type), colon ? colon + 1 : "ext4");
	if (colon && (size_t)(colon - val) < sizeof(o->mount_dev))
		o->mount_dev[colon - val] = '\0';
}

/* A path, or UUID=... of a store on a block device. */
static bool set_store(struct options *o, const char *val)
{
	o->by_uuid = !strncmp(val, "UUID=", 5);
	if (o->by_uuid)
		return !uuid_parse(val + 5, o->uuid);
	copy_opt(o->store, sizeof(o->store), val);
	return true;
}

/* One "saveoops.NAME=VALUE"; false for an unknown name or a bad value. */
static bool set_option(struct options *o, const char *name, const char *val)
{
	if (!strcmp(name, "store"))
		return set_store(o, val);
	else if (!strcmp(name, "mount"))
		parse_mount(o, val);
	else if (!strcmp(name, "end"))
		return parse_end(val, &o->end);
	else if (!strcmp(name, "tail"))
		return parse_uint(val, &o->tail);
	else if (!strcmp(name, "timeout"))
		return parse_uint(val, &o->timeout) && o->timeout > 0;
	else if (!strcmp(name, "wait"))
		return parse_uint(val, &o->wait);
	else if (!strcmp(name, "sector"))
		return parse_sector(o, val);
	else
		return false;
	return true;
}

static void parse_cmdline(struct options *o)
{
	char buf[4096], *tok, *save;
	FILE *f = fopen("/proc/cmdline", "re");
	size_t n;

	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (tok = strtok_r(buf, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		char *eq = strchr(tok, '=');

		if (strncmp(tok, "saveoops.", 9) || !eq)
			continue;
		*eq = '\0';
		if (!set_option(o, tok + 9, eq + 1))
			say("ignoring bad option %s=%s", tok, eq + 1);
	}
}

/* Make the block device @fd read-only (@ro) or writable again. */
static void set_bdev_ro(int fd, int ro)
{
	if (ioctl(fd, BLKROSET, &ro))
		say("cannot set %s read-%s: %s", "the store's device", ro ? "only" : "write",
		    strerror(errno));
}

/*
 * The saveoops.mount= fallback: mount the file system read-only on a
 * device made read-only first (so that not even a journal replay or an
 * orphan cleanup can write it; ext3/4 get noload, which skips the journal),
 * map the store file with FIEMAP, unmount. The record then goes through
 * the map onto the raw device, as with saveoops.sector=.
 * Return: 1 with @map and @scan->path set, 0 if not (yet) possible.
 */
static int map_by_mount(const struct options *o, struct store_scan *scan,
			struct store_map *map, bool last_try)
{
	unsigned long flags = MS_RDONLY | MS_NOATIME | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	bool journal = !strcmp(o->mount_type, "ext3") || !strcmp(o->mount_type, "ext4");
	char err[256];
	int dev, fd, ret = 0;

	dev = open(o->mount_dev, O_RDONLY | O_CLOEXEC);
	if (dev < 0) {
		if (last_try)
			say("cannot open %s: %s", o->mount_dev, strerror(errno));
		return 0;
	}
	set_bdev_ro(dev, 1);
	mkdir("/mnt", 0755);
	if (mount(o->mount_dev, "/mnt", o->mount_type, flags, journal ? "noload" : NULL)) {
		if (last_try)
			say("cannot mount %s (%s) read-only on /mnt: %s", o->mount_dev,
			    o->mount_type, strerror(errno));
		goto out;
	}
	fd = open(o->store, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (last_try)
			say("store %s: %s", o->store, strerror(errno));
	} else if (store_file_map(fd, map, err, sizeof(err))) {
		say("store %s cannot be written in place: %s: record not saved", o->store, err);
		ret = -1;
	} else {
		say("store %s: %u extents from sector %" PRIu64 " of %s (mounted read-only, "
		    "unmounted)", o->store, map->hdr.count, map->ext[0].sector, o->mount_dev);
		copy_opt(scan->path, sizeof(scan->path), o->mount_dev);
		ret = 1;
	}
	if (fd >= 0)
		close(fd);
	if (umount("/mnt")) {
		say("cannot unmount %s: %s: record not saved", o->mount_dev, strerror(errno));
		ret = -1;
	}
out:
	set_bdev_ro(dev, 0);
	close(dev);
	return ret;
}

/*
 * Wait up to saveoops.wait for the device to appear. By path: the first
 * time it exists. By UUID or signature: the first time a scan finds one;
 * more than one is refused by the caller. A file store (saveoops.sector=,
 * or saveoops.mount=) also gets its extent map in @map.
 */
static int find_store(const struct options *o, struct store_scan *scan, struct store_map *map)
{
	unsigned int tries = o->wait * 10 + 1;
	int n;

	while (tries--) {
		if (o->mount_dev[0])
			n = map_by_mount(o, scan, map, !tries);
		else if (o->store[0])
			n = access(o->store, F_OK) ? 0 : 1;
		else if (o->by_uuid && o->by_sector)
			n = store_locate_map(o->uuid, o->sector, scan, map);
		else
			n = store_locate(o->by_uuid ? o->uuid : NULL, scan);
		if (n == 1 && o->store[0] && !o->mount_dev[0])
			copy_opt(scan->path, sizeof(scan->path), o->store);
		if (n)
			return n;
		if (tries)
			usleep(100 * 1000);
	}
	return 0;
}

/* The stores a scan skipped, one line each. */
static void say_skipped(const struct store_scan *scan)
{
	const char *line, *nl;

	for (line = scan->skipped.data; line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		say("%.*s", (int)(nl - line), line);
	}
}

/* Say why a scan found no store, or too many, with the devices it saw. */
static void say_scan(const struct options *o, const struct store_scan *scan, int n)
{
	char id[UUID_STR_LEN];

	uuid_str(o->uuid, id);
	if (n > 1)
		say("%d stores %s%s, %s and more: refusing to guess (set saveoops.store=)", n,
		    o->by_uuid ? "with UUID " : "found", o->by_uuid ? id : "", scan->path);
	else if (o->by_uuid)
		say("no store with UUID %s after %u s: record not saved", id, o->wait);
	else
		say("no store found (no block device has a saveoops superblock; "
		    "format one with 'saveoops format' or set saveoops.store=): "
		    "record not saved");
	say("block devices seen: %s", scan->seen.len ? scan->seen.data : "none");
}

static void fill_header(const struct vmcore *vc, const struct ring_stats *rs,
			const struct strbuf *log, struct store_record *hdr)
{
	uint64_t crash_time = 0;

	memset(hdr, 0, sizeof(*hdr));
	if (vmcoreinfo_num(vc, "CRASHTIME", &crash_time))
		hdr->crash_time = (int64_t)crash_time;
	hdr->capture_time = (int64_t)time(NULL);
	hdr->records = rs->records;
	hdr->skipped = ring_skipped(rs);
	if (hdr->skipped || rs->truncated || rs->unreadable)
		hdr->flags |= REC_RING_DAMAGED;
	vmcoreinfo_str(vc, "OSRELEASE", hdr->release, sizeof(hdr->release));
	vmcoreinfo_str(vc, "BUILD-ID", hdr->build_id, sizeof(hdr->build_id));
	log_reason(log->data, log->len, hdr->reason, sizeof(hdr->reason));
}

static int save(const struct options *o, struct store_record *hdr, const struct strbuf *log)
{
	char err[256], other[160];
	struct store_scan scan;
	struct store st = { .fd = -1 };
	struct store_map map;
	const char *path;
	int slot, n, fd;

	memset(&map, 0, sizeof(map));
	store_scan_init(&scan);
	n = find_store(o, &scan, &map);
	say_skipped(&scan);
	if (n < 0) {
		store_scan_free(&scan);
		return CAPTURE_NOT_SAVED;
	}
	if (n != 1) {
		if (!n && o->mount_dev[0])
			say("store %s on %s not found: record not saved", o->store, o->mount_dev);
		else if (!n && o->store[0])
			say("store %s does not exist: record not saved", o->store);
		else
			say_scan(o, &scan, n);
		store_scan_free(&scan);
		return CAPTURE_NOT_SAVED;
	}
	path = scan.path;
	/*
	 * The logs of earlier records need not be read to add one. A file
	 * store is written on its raw device through its extent map: nothing
	 * outside the file's extents is written, and no file system mounted.
	 */
	if (map.hdr.count) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0 || store_open_map(&st, fd, &map, STORE_WRITE | STORE_HEADERS, err,
					     sizeof(err))) {
			say("cannot open the store at sector %" PRIu64 " of %s: %s: record not "
			    "saved", map.ext[0].sector, path, fd < 0 ? strerror(errno) : err);
			goto out_close;
		}
		say("file store: %u extents from sector %" PRIu64 " of %s", map.hdr.count,
		    map.ext[0].sector, path);
	} else if (store_open(&st, path, STORE_WRITE | STORE_HEADERS, err, sizeof(err))) {
		say("cannot open the store %s: %s: record not saved", path, err);
		goto out_close;
	}
	if (!map.hdr.count && store_other_signature(st.fd, other, sizeof(other))) {
		say("%s holds a saveoops store but also %s: record not saved, "
		    "the device may belong to something else", path, other);
		goto out_close;
	}
	say("writing %zu bytes to %s", log->len, path);
	slot = store_write(&st, hdr, log->data, log->len, err, sizeof(err));
	if (slot < 0) {
		say("%s: %s: record not saved; earlier records are intact%s", path, err,
		    slot == STORE_FULL ? " (run 'saveoops export' or 'saveoops clear')" : "");
		if (slot == STORE_FULL && store_note_missed(&st, hdr, err, sizeof(err)))
			say("%s: cannot count the crash as missed: %s", path, err);
		else if (slot == STORE_FULL)
			say("%s: counted as missed, %" PRIu64 " since the last clear --all", path,
			    st.missed.count);
		goto out_close;
	}
	say("saved record %" PRIu64 " (%u bytes%s) to %s slot %d", hdr->seq, hdr->log_len,
	    hdr->flags & REC_TRUNCATED ? ", head cut to fit" : "", path, slot);
	store_close(&st);
	store_scan_free(&scan);
	return CAPTURE_SAVED;
out_close:
	store_close(&st);
	store_scan_free(&scan);
	return CAPTURE_NOT_SAVED;
}

static void report(const struct ring_stats *rs, const struct store_record *hdr)
{
	say("read %" PRIu64 " log records (seq %" PRIu64 "-%" PRIu64 ") of Linux %s",
	    rs->records, rs->first_seq, rs->last_seq, hdr->release[0] ? hdr->release : "?");
	if (ring_skipped(rs) || rs->truncated || rs->unreadable)
		say("damaged ring: skipped %" PRIu64 " records (%" PRIu64 " bad descriptors, %"
		    PRIu64 " bad text blocks), %" PRIu64 " texts cut short, %" PRIu64
		    " pages unreadable", ring_skipped(rs), rs->bad_desc, rs->bad_data,
		    rs->truncated, rs->unreadable);
	if (rs->reserved)
		say("%" PRIu64 " records were still being written by another CPU at the crash "
		    "(reserved, not damage): not in the log", rs->reserved);
	if (rs->dropped)
		say("the log is the newest %" PRIu64 " records: the oldest %" PRIu64
		    " did not fit in the capture kernel's memory", rs->records, rs->dropped);
	if (hdr->reason[0])
		say("reason: %s", hdr->reason);
}

static void print_tail(const struct options *o, const struct strbuf *log)
{
	size_t lines = log_count_lines(log->data, log->len);

	if (!o->tail)
		return;
	say("last %zu lines of the crashed kernel's log:",
	    lines < o->tail ? lines : (size_t)o->tail);
	log_print(stdout, log->data, log->len, 0, lines > o->tail ? lines - o->tail : 0);
	fflush(stdout);
}

/* Render the tail into tail_shared; its last byte stays NUL, a long tail is cut. */
static void keep_tail(const struct options *o, const struct strbuf *log)
{
	size_t lines = log_count_lines(log->data, log->len);
	FILE *f;

	if (!tail_shared || !o->tail)
		return;
	f = fmemopen(tail_shared, TAIL_SHARED_SIZE - 1, "w");
	if (!f)
		return;
	log_print(f, log->data, log->len, 0, lines > o->tail ? lines - o->tail : 0);
	fclose(f);
}

static int capture(const struct options *o)
{
	struct store_record hdr;
	struct ring_stats rs;
	struct strbuf log;
	struct vmcore vc;
	char err[256];
	int ret;

	if (vmcore_open(&vc, o->vmcore, err, sizeof(err))) {
		say("cannot read the crash dump %s: %s", o->vmcore, err);
		vmcore_close(&vc);
		return CAPTURE_NO_LOG;
	}
	sb_init(&log);
	if (ring_decode(&vc, &log, &rs, err, sizeof(err))) {
		say("no log in %s: %s", o->vmcore, err);
		ret = CAPTURE_NO_LOG;
		goto out;
	}
	fill_header(&vc, &rs, &log, &hdr);
	report(&rs, &hdr);
	if (o->print) {
		log_print(stdout, log.data, log.len, 0, 0);
		ret = (fflush(stdout) || ferror(stdout)) ? CAPTURE_NOT_SAVED : CAPTURE_SAVED;
		goto out;
	}
	keep_tail(o, &log);
	ret = save(o, &hdr, &log);
	print_tail(o, &log);
out:
	sb_free(&log);
	vmcore_close(&vc);
	return ret;
}

static void setup_init(void)
{
	int fd;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	if (fcntl(1, F_GETFD) < 0) {
		fd = open("/dev/console", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
}

/*
 * /dev/watchdog, when the capture kernel has one: the backstop if pid 1's
 * own end hangs. Its timeout is WATCHDOG_BEAT seconds; pid 1 feeds it
 * while it waits for the capture, but only while the last feed plus that
 * timeout stays within saveoops.timeout + WATCHDOG_SLACK of /init: if the
 * machine has not ended by then, the watchdog ends it. reboot(2) stops it
 * (the watchdog core's reboot notifier), so after a timeout, when a device
 * may hang in shutdown, pid 1 does not call reboot(2) but leaves the end
 * to it. There is no magic close: the watchdog is never disarmed.
 */
#define WATCHDOG_BEAT	3
#define WATCHDOG_SLACK	2
/* From the kernel's uapi <linux/watchdog.h>, which musl-gcc does not see. */
#define WDIOC_KEEPALIVE		_IOR('W', 5, int)
#define WDIOC_SETTIMEOUT	_IOWR('W', 6, int)

static int watchdog_fd = -1;

/* Open and arm the watchdog, once it is there (its driver may be a module). */
static void watchdog_arm(void)
{
	int beat = WATCHDOG_BEAT;

	if (watchdog_fd >= 0)
		return;
	watchdog_fd = open("/dev/watchdog", O_WRONLY | O_CLOEXEC);
	if (watchdog_fd < 0)
		return;
	if (ioctl(watchdog_fd, WDIOC_SETTIMEOUT, &beat))
		say("watchdog: cannot set its timeout to %d s: %s", WATCHDOG_BEAT,
		    strerror(errno));
	say("watchdog armed: it ends the machine %d s after pid 1 last fed it", beat);
}

static void watchdog_feed(void)
{
	if (watchdog_fd >= 0)
		ioctl(watchdog_fd, WDIOC_KEEPALIVE, 0);
}

/* Reset now, as sysrq-b does; returns only if that is not possible. */
static void sysrq_reset(void)
{
	int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "b", 1) != 1)
		say("sysrq-b: %s; trying reboot(2)", strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* End the machine; after a timeout, without touching the stuck store. */
static void end_machine(const struct options *o, bool timed_out)
{
	static const int how[] = {
		[END_REBOOT] = RB_AUTOBOOT, [END_POWEROFF] = RB_POWER_OFF,
		[END_HALT] = RB_HALT_SYSTEM,
	};
	static const char *const what[] = {
		[END_REBOOT] = "rebooting", [END_POWEROFF] = "powering off",
		[END_HALT] = "halting",
	};

	if (!timed_out)
		sync();
	/*
	 * After a timeout, reboot(2) would shut every device down first, and
	 * may wait there forever on the one that hung (with the watchdog
	 * stopped by then): sysrq-b resets the machine at once, and powering
	 * off or halting is left to the watchdog when there is one.
	 */
	if (timed_out && o->end != END_REBOOT && watchdog_fd >= 0) {
		say("not %s: reboot(2) would shut the hung device down first; the watchdog "
		    "ends the machine", what[o->end]);
		for (;;)
			pause();
	}
	say("%s%s", what[o->end], timed_out && o->end == END_REBOOT ?
	    " through sysrq-b, without shutting devices down" : "");
	if (timed_out && o->end == END_REBOOT)
		sysrq_reset();
	if (timed_out && watchdog_fd >= 0) {
		say("sysrq-b did not reset the machine; the watchdog ends it");
		for (;;)
			pause();
	}
	reboot(how[o->end]);
	say("reboot(2) failed: %s", strerror(errno));
	for (;;)
		pause();
}

/* Seconds since pid 1 started, on the clock the kernel stamps its log with. */
static double since_start(void)
{
	static struct timespec t0;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!t0.tv_sec && !t0.tv_nsec)
		t0 = now;
	return (double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
}

/*
 * Wait for the child until @timeout seconds after pid 1 started; false if
 * it is still running then. The watchdog is armed as soon as it appears,
 * and fed while a feed keeps it from firing later than WATCHDOG_SLACK
 * after the timeout.
 */
static bool wait_child(pid_t child, unsigned int timeout, int *status)
{
	unsigned int tick;
	pid_t pid;

	for (tick = 0;; tick++) {
		if (tick % 10 == 0)
			watchdog_arm();
		/* Half a second spare: a watchdog's clock need not be exact. */
		if (since_start() + WATCHDOG_BEAT + 0.5 <= timeout + WATCHDOG_SLACK)
			watchdog_feed();
		pid = waitpid(child, status, WNOHANG);
		if (pid == child || (pid < 0 && errno != EINTR))
			return true;
		if (since_start() >= timeout)
			return false;
		usleep(100 * 1000);
	}
}

/* pid 1: capture in a child, wait at most o->timeout seconds, end. */
static int run_as_init(const struct options *o)
{
	bool timed_out = false;
	int status = 0;
	pid_t child;

	tail_shared = mmap(NULL, TAIL_SHARED_SIZE, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tail_shared == MAP_FAILED)
		tail_shared = NULL;
	child = fork();
	/* The store's drivers may be modules: load them before looking for it. */
	if (child == 0) {
		modules_load(say);
		_exit(capture(o));
	}
	if (child < 0) {
		say("fork: %s; capturing without a time limit (nor a watchdog)",
		    strerror(errno));
		modules_load(say);
		capture(o);
	} else if (!wait_child(child, o->timeout, &status)) {
		say("capture did not end within %u s; giving up", o->timeout);
		kill(child, SIGKILL);
		timed_out = true;
		if (tail_shared && tail_shared[0]) {
			say("last %u lines of the crashed kernel's log (the save did not finish):",
			    o->tail);
			fputs(tail_shared, stdout);
			fflush(stdout);
		}
	} else if (WIFSIGNALED(status)) {
		say("the capture died of signal %d: record not saved", WTERMSIG(status));
	}
	end_machine(o, timed_out);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: saveoops-capture [--vmcore PATH] [--store PATH] [--tail N] [--wait SECS]\n"
		"       saveoops-capture --print [--vmcore PATH]\n"
		"\n"
		"Save the crashed kernel's log from a vmcore (default /proc/vmcore) as a\n"
		"record in a saveoops store (default: found by its superblock), and print the\n"
		"log's last N lines (default 50). Run by hand, it only reads and saves.\n"
		"With --print it saves nothing and prints the whole log on stdout, its\n"
		"messages on stderr; /proc/kcore gives the running kernel's log.\n"
		"\n"
		"As /init of a capture initramfs it reads its settings from the kernel\n"
		"command line, works in a child process and then ends the machine:\n"
		"  saveoops.store=PATH     the store (default: the block device with a\n"
		"                          saveoops superblock; two of them are refused)\n"
		"  saveoops.store=UUID=ID  the block device whose store has this UUID\n"
		"  saveoops.sector=N       with saveoops.store=UUID=ID: a store file whose first\n"
		"                          sector on its file system's device is N (as 'saveoops\n"
		"                          format' prints it); written through the extent map\n"
		"                          format recorded in it, without mounting anything\n"
		"  saveoops.mount=DEV[:FS] a store file such as saveoops.store=/mnt/saveoops.img\n"
		"                          on DEV (default FS ext4): DEV is set read-only and\n"
		"                          mounted read-only (noload on ext3/4) only to map the\n"
		"                          file, then unmounted; written as with sector=\n"
		"  saveoops.tail=N         log lines to print on the console (default 50)\n"
		"  saveoops.end=ACTION     reboot (default), poweroff, halt\n"
		"  saveoops.timeout=SECS   end the capture kernel after this long (default 120;\n"
		"                          a reboot then goes through sysrq-b)\n"
		"  saveoops.wait=SECS      wait this long for the store device (default 60)\n"
		"\n"
		"Exit status (when not pid 1): 0 saved (or printed), 1 log read but not\n"
		"saved (or not printed), 2 no log in the vmcore, 3 usage.\n");
}

static int parse_args(struct options *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "vmcore", required_argument, NULL, 'v' },
		{ "store", required_argument, NULL, 's' },
		{ "tail", required_argument, NULL, 't' },
		{ "wait", required_argument, NULL, 'w' },
		{ "print", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "v:s:t:w:ph", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			o->vmcore = optarg;
			break;
		case 's':
			if (!set_store(o, optarg))
				goto bad;
			break;
		case 't':
			if (!parse_uint(optarg, &o->tail))
				goto bad;
			break;
		case 'w':
			if (!parse_uint(optarg, &o->wait))
				goto bad;
			break;
		case 'p':
			o->print = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind == argc)
		return 0;
bad:
	fprintf(stderr, "saveoops-capture: bad argument\n");
	usage(stderr);
	return -1;
}

int main(int argc, char **argv)
{
	struct options o = {
		.vmcore = "/proc/vmcore", .tail = 50, .timeout = 120, .wait = 60,
		.end = END_REBOOT,
	};

	say_to = stdout;
	if (getpid() == 1) {
		since_start();
		setup_init();
		parse_cmdline(&o);
		return run_as_init(&o);
	}
	o.wait = 0;
	if (parse_args(&o, argc, argv))
		return CAPTURE_USAGE;
	if (o.print)
		say_to = stderr;
	return capture(&o);
}
