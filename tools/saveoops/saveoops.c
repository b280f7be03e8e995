// SPDX-License-Identifier: GPL-2.0
/*
 * saveoops: list, read, archive and clear the crash records a capture
 * kernel saved, on the running system or on a disk image.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>	/* BLKGETSIZE64 */
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "printk_ring.h"
#include "store.h"

#define EXIT_ERROR	1	/* an I/O error, a damaged record */
#define EXIT_USAGE	2
#define EXIT_NO_STORE	3
#define EXIT_NO_RECORD	4

/* The journal's MESSAGE_ID of a crash record ("systemd-id128 new", once). */
#define SAVEOOPS_MESSAGE_ID	"abf7108112764e3b830368aabd8d4648"

static const char *store_arg;

static int error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int error(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("saveoops: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: saveoops [--store PATH] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n"
		"  list [--json]             one line per record (--json: the store, its\n"
		"                            records and missed crashes as one JSON object)\n"
		"  show [SEQ] [--level] [--caller] [--info] [--json]\n"
		"                            the log of record SEQ (default: the newest),\n"
		"                            as dmesg prints it (--json: with its metadata)\n"
		"  export [--all] [--journal[=yes|no]] [--keep N] DIR\n"
		"                            write DIR/saveoops-SEQ-TIME-UUID/{dmesg.txt,info} for\n"
		"                            each record not yet exported (--all: every one)\n"
		"                            and mark them exported: their slots may be reused;\n"
		"                            --journal: send each newly written one to the\n"
		"                            journal as one entry; --keep: then remove all but\n"
		"                            the N newest saveoops-* directories of DIR\n"
		"  clear SEQ...|--all        remove records and wipe their logs; --all also\n"
		"                            forgets the crashes a full store missed and frees\n"
		"                            slots whose headers are not records\n"
		"  format [--slots N] [--size BYTES[K|M|G]] [--force] [--image] PATH\n"
		"                            write an empty store on a device or file; a file\n"
		"                            is written whole, its extents recorded in it and\n"
		"                            made immutable, for the capture kernel to write\n"
		"                            on the raw device (--image: a disk image for a\n"
		"                            virtual machine: not mapped, not immutable)\n"
		"  recover DIR               find records by their headers alone, when the\n"
		"                            superblocks are gone (needs --store), and write\n"
		"                            them as export does; the store is not written\n"
		"\n"
		"The store is --store PATH (or UUID=ID), else $SAVEOOPS_STORE, else the block\n"
		"device with a saveoops superblock (two are refused). A disk image file works\n"
		"as well as a device.\n"
		"\n"
		"Exit status: 0 success, 1 error, 2 usage, 3 no store, 4 no such record.\n");
}

static int open_store(struct store *st, bool writable)
{
	const char *path = store_arg ? store_arg : getenv("SAVEOOPS_STORE");
	bool by_uuid = path && !strncmp(path, "UUID=", 5);
	struct store_scan scan;
	const char *seen;
	uint8_t uuid[16];
	char err[256];
	int n;

	if (by_uuid && uuid_parse(path + 5, uuid))
		return error(EXIT_USAGE, "bad UUID in '%s'", path);
	store_scan_init(&scan);
	if (!path || by_uuid) {
		n = store_locate(by_uuid ? uuid : NULL, &scan);
		if (scan.skipped.len)
			fprintf(stderr, "saveoops: %s", scan.skipped.data);
		seen = scan.seen.len ? scan.seen.data : "none";
		if (n > 1)
			error(EXIT_NO_STORE, "%d stores found (block devices: %s); "
			      "use --store PATH or --store UUID=...", n, seen);
		else if (!n)
			error(EXIT_NO_STORE, "no store found (no block device has a "
			      "saveoops superblock: %s); use --store PATH", seen);
		if (n != 1) {
			store_scan_free(&scan);
			return EXIT_NO_STORE;
		}
		path = scan.path;
	}
	n = store_open(st, path, writable ? STORE_WRITE : 0, err, sizeof(err));
	store_scan_free(&scan);
	if (n) {
		store_close(st);
		return error(EXIT_NO_STORE, "%s", err);
	}
	return 0;
}

static const char *format_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, size, "%-19s", "-");
	return buf;
}

static const char *slot_state(const struct store_slot *s)
{
	if (s->state == SLOT_DAMAGED)
		return "damaged";
	return s->hdr.flags & REC_EXPORTED ? "exported" : "new";
}

/* Slots holding records, by sequence number. */
static unsigned int sorted_records(const struct store *st, unsigned int *order)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < st->sb.slot_count; i++) {
		if (!store_slot_used(&st->slots[i]))
			continue;
		for (j = n; j > 0 && st->slots[order[j - 1]].hdr.seq > st->slots[i].hdr.seq; j--)
			order[j] = order[j - 1];
		order[j] = i;
		n++;
	}
	return n;
}

/*
 * @len bytes of @s as a JSON string. Bytes above 0x7f, which the capture
 * writes as \xNN in logs anyway, become U+0080..U+00FF: the output is
 * always valid UTF-8.
 */
static void json_str(FILE *f, const char *s, size_t len)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* "key": "string", for a NUL-terminated header field of at most @size. */
static void json_field(FILE *f, const char *key, const char *s, size_t size)
{
	fprintf(f, "\"%s\": ", key);
	json_str(f, s, strnlen(s, size));
}

/* "key": "YYYY-MM-DDTHH:MM:SSZ", "key_unix": seconds, or nulls if unknown. */
static void json_time(FILE *f, const char *key, int64_t t)
{
	time_t tt = (time_t)t;
	char buf[32];
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		fprintf(f, "\"%s\": null, \"%s_unix\": null", key, key);
		return;
	}
	fprintf(f, "\"%s\": \"%s\", \"%s_unix\": %" PRId64, key, buf, key, t);
}

/* A record's metadata as JSON members, without the braces. */
static void json_record(FILE *f, const struct store *st, const struct store_slot *s)
{
	const struct store_record *h = &s->hdr;
	char id[UUID_STR_LEN];

	uuid_str(st->sb.uuid, id);
	fprintf(f, "\"seq\": %" PRIu64 ", ", h->seq);
	json_time(f, "crash_time", h->crash_time);
	fputs(", ", f);
	json_time(f, "capture_time", h->capture_time);
	fputs(", ", f);
	json_field(f, "release", h->release, sizeof(h->release));
	fputs(", ", f);
	json_field(f, "build_id", h->build_id, sizeof(h->build_id));
	fputs(", ", f);
	json_field(f, "reason", h->reason, sizeof(h->reason));
	fprintf(f, ", \"state\": \"%s\", \"log_bytes\": %u, \"log_bytes_cut\": %u, "
		"\"ring_damaged\": %s, \"printk_records\": %" PRIu64 ", "
		"\"printk_records_skipped\": %" PRIu64 ", \"store_uuid\": \"%s\"",
		slot_state(s), h->log_len, h->log_dropped,
		h->flags & REC_RING_DAMAGED ? "true" : "false", h->records, h->skipped, id);
}

static int list_json(struct store *st, const unsigned int *order, unsigned int n)
{
	unsigned int i, unread = 0;
	char id[UUID_STR_LEN];
	const char *sep = "";

	for (i = 0; i < n; i++)
		unread += !(st->slots[order[i]].hdr.flags & REC_EXPORTED);
	uuid_str(st->sb.uuid, id);
	printf("{\"store\": {\"uuid\": \"%s\", \"slots\": %u, \"used\": %u, "
	       "\"not_exported\": %u, \"read_from_backup\": %s},\n \"records\": [",
	       id, st->sb.slot_count, n, unread, st->from_backup ? "true" : "false");
	for (i = 0; i < n; i++) {
		printf("%s\n  {", i ? "," : "");
		json_record(stdout, st, &st->slots[order[i]]);
		putchar('}');
	}
	printf("],\n \"unknown_slots\": [");
	for (i = 0; i < st->sb.slot_count; i++) {
		if (st->slots[i].state == SLOT_UNKNOWN) {
			printf("%s%u", sep, i);
			sep = ", ";
		}
	}
	printf("],\n \"missed\": {\"count\": %" PRIu64 ", ", st->missed.count);
	json_time(stdout, "last_crash_time", st->missed.last_crash_time);
	fputs(", ", stdout);
	json_field(stdout, "last_release", st->missed.last_release,
		   sizeof(st->missed.last_release));
	fputs(", ", stdout);
	json_field(stdout, "last_reason", st->missed.last_reason,
		   sizeof(st->missed.last_reason));
	printf("}}\n");
	return fflush(stdout) ? error(EXIT_ERROR, "write error: %s", strerror(errno)) : 0;
}

/* The log as show and export write it, in memory. */
static int render_log(const struct strbuf *log, unsigned int show, char **text, size_t *len)
{
	FILE *f = open_memstream(text, len);

	if (!f)
		return -1;
	log_print(f, log->data ? log->data : "", log->len, show, 0);
	return fclose(f) ? -1 : 0;
}

static int show_json(const struct store *st, const struct store_slot *s,
		     const struct strbuf *log, unsigned int show, const char *damage)
{
	char *text = NULL;
	size_t len = 0;

	if (render_log(log, show, &text, &len))
		return error(EXIT_ERROR, "out of memory");
	putchar('{');
	json_record(stdout, st, s);
	fputs(",\n \"damage\": ", stdout);
	if (damage)
		json_str(stdout, damage, strlen(damage));
	else
		fputs("null", stdout);
	fputs(",\n \"log\": ", stdout);
	json_str(stdout, text, len);
	fputs("}\n", stdout);
	free(text);
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	unsigned int order[STORE_MAX_SLOTS], i, n, unread = 0;
	struct store st;
	char when[32];
	int ret;

	bool json = argc == 2 && !strcmp(argv[1], "--json");

	if (argc > 1 && !json)
		return error(EXIT_USAGE, "list takes no arguments but --json");
	ret = open_store(&st, false);
	if (ret)
		return ret;
	n = sorted_records(&st, order);
	if (json) {
		ret = list_json(&st, order, n);
		store_close(&st);
		return ret;
	}
	printf("%-5s %-19s  %-20s %-8s %8s  %s\n", "SEQ", "CRASHED (UTC)", "RELEASE",
	       "STATE", "BYTES", "REASON");
	for (i = 0; i < n; i++) {
		const struct store_slot *s = &st.slots[order[i]];

		unread += !(s->hdr.flags & REC_EXPORTED);
		printf("%-5" PRIu64 " %s  %-20s %-8s %8u  %s\n", s->hdr.seq,
		       format_time(s->hdr.crash_time, when, sizeof(when)),
		       s->hdr.release, slot_state(s), s->hdr.log_len, s->hdr.reason);
	}
	printf("%u of %u slots used, %u not exported\n", n, st.sb.slot_count, unread);
	for (i = 0; i < st.sb.slot_count; i++)
		if (st.slots[i].state == SLOT_UNKNOWN)
			printf("slot %u: %s: not written until clear --all\n", i,
			       memcmp(st.slots[i].hdr.magic, STORE_RECORD_MAGIC, 8) ?
			       "a header that is not a saveoops record (another program's "
			       "data?)" : "a damaged record header (bad checksum, version or "
			       "length)");
	if (st.from_backup)
		printf("block 0 is damaged: read with the backup superblock at the end; "
		       "export the records, then format\n");
	if (st.missed.count)
		printf("%" PRIu64 " crash%s not saved, the store was full; the last at %s, "
		       "Linux %s: %s\n", st.missed.count, st.missed.count == 1 ? "" : "es",
		       format_time(st.missed.last_crash_time, when, sizeof(when)),
		       st.missed.last_release[0] ? st.missed.last_release : "?",
		       st.missed.last_reason[0] ? st.missed.last_reason : "?");
	store_close(&st);
	return 0;
}

/* A positive decimal number, nothing else: strtoull takes "-1" and " 1". */
static int parse_u64(const char *s, uint64_t *val)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*val = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static int parse_seq(const char *s, uint64_t *seq)
{
	return parse_u64(s, seq) || !*seq ? -1 : 0;
}

static void print_info(FILE *f, const struct store_slot *s)
{
	const struct store_record *h = &s->hdr;
	char when[32];

	fprintf(f, "seq=%" PRIu64 "\n", h->seq);
	fprintf(f, "crash_time=%s\n", format_time(h->crash_time, when, sizeof(when)));
	fprintf(f, "capture_time=%s\n", format_time(h->capture_time, when, sizeof(when)));
	fprintf(f, "release=%s\n", h->release);
	fprintf(f, "build_id=%s\n", h->build_id);
	fprintf(f, "reason=%s\n", h->reason);
	fprintf(f, "state=%s\n", slot_state(s));
	fprintf(f, "log_bytes=%u\n", h->log_len);
	fprintf(f, "log_bytes_cut=%u\n", h->log_dropped);
	fprintf(f, "ring_damaged=%s\n", h->flags & REC_RING_DAMAGED ? "yes" : "no");
	fprintf(f, "printk_records=%" PRIu64 "\n", h->records);
	fprintf(f, "printk_records_skipped=%" PRIu64 "\n", h->skipped);
}

static int cmd_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "level", no_argument, NULL, 'l' },
		{ "caller", no_argument, NULL, 'c' },
		{ "info", no_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int show = 0;
	bool info = false, json = false;
	struct strbuf log;
	struct store st;
	char err[256];
	uint64_t seq = 0;
	int c, slot, ret;

	while ((c = getopt_long(argc, argv, "lcij", longopts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'l')
			show |= LOG_SHOW_LEVEL;
		else if (c == 'c')
			show |= LOG_SHOW_CALLER;
		else if (c == 'i')
			info = true;
		else
			return EXIT_USAGE;
	}
	if (argc - optind > 1 || (argc - optind == 1 && parse_seq(argv[optind], &seq)))
		return error(EXIT_USAGE, "show takes one record number");
	ret = open_store(&st, false);
	if (ret)
		return ret;
	slot = seq ? store_find_seq(&st, seq) : store_newest(&st);
	if (slot < 0) {
		store_close(&st);
		return seq ? error(EXIT_NO_RECORD, "no record %" PRIu64, seq) :
			     error(EXIT_NO_RECORD, "the store holds no records");
	}
	seq = st.slots[slot].hdr.seq;
	if (json) {
		sb_init(&log);
		ret = store_read_log(&st, (unsigned int)slot, &log, err, sizeof(err));
		c = show_json(&st, &st.slots[slot], &log, show, ret ? err : NULL);
		sb_free(&log);
		store_close(&st);
		if (!c && fflush(stdout))
			c = error(EXIT_ERROR, "write error: %s", strerror(errno));
		if (!c && ret)
			c = error(EXIT_ERROR, "record %" PRIu64 " is damaged: %s", seq, err);
		return c;
	}
	if (info) {
		print_info(stdout, &st.slots[slot]);
		putchar('\n');
	}
	sb_init(&log);
	ret = store_read_log(&st, (unsigned int)slot, &log, err, sizeof(err));
	log_print(stdout, log.data ? log.data : "", log.len, show, 0);
	sb_free(&log);
	store_close(&st);
	if (fflush(stdout))
		return error(EXIT_ERROR, "write error: %s", strerror(errno));
	return ret ? error(EXIT_ERROR, "record %" PRIu64 " is damaged: %s", seq, err) : 0;
}

/* Write one exported file durably; on failure say which and why. */
static int write_file(const char *dir, const char *name, const struct store_slot *s,
		      const struct strbuf *log)
{
	char path[4200];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f)
		return error(EXIT_ERROR, "%s: %s", path, strerror(errno));
	if (log)
		log_print(f, log->data ? log->data : "", log->len, 0, 0);
	else
		print_info(f, s);
	ret = fflush(f) || fsync(fileno(f)) ? errno : 0;
	if (fclose(f) && !ret)
		ret = errno;
	return ret ? error(EXIT_ERROR, "%s: %s", path, strerror(ret)) : 0;
}

/* Make a directory's entries durable. */
static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = fd < 0 || fsync(fd) ? -1 : 0;

	if (fd >= 0)
		close(fd);
	return ret ? error(EXIT_ERROR, "%s: %s", dir, strerror(errno)) : 0;
}

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE	(1 << 0)	/* <linux/fs.h>; musl's stdio.h lacks it */
#endif

/* rename() that fails with EEXIST instead of replacing an (empty) directory. */
static int rename_noreplace(const char *from, const char *to)
{
	struct stat stb;

	if (!syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE))
		return 0;
	if (errno == EEXIST)
		return -1;
	/* No RENAME_NOREPLACE (an old kernel, a file system): look first. */
	if (!lstat(to, &stb)) {
		errno = EEXIST;
		return -1;
	}
	return rename(from, to);
}

/*
 * DIR/NAME/{dmesg.txt,info}, all or nothing: written into a new temporary
 * directory in DIR, made durable, then renamed to NAME, never over
 * anything. A crash leaves at most a DIR/.saveoops-tmp-* directory behind.
 * Return: 0, EXIT_ERROR; *@existed is set if NAME was there already.
 */
static int write_record_dir(const char *dir, const char *name, const struct store_slot *s,
			    const struct strbuf *log, bool *existed)
{
	char tmp[4096], final[4096];
	int ret;

	*existed = false;
	snprintf(final, sizeof(final), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.saveoops-tmp-XXXXXX", dir);
	if (!mkdtemp(tmp))
		return error(EXIT_ERROR, "%s: %s", tmp, strerror(errno));
	ret = write_file(tmp, "dmesg.txt", s, log);
	if (!ret)
		ret = write_file(tmp, "info", s, NULL);
	if (!ret)
		ret = sync_dir(tmp);
	if (!ret && rename_noreplace(tmp, final)) {
		*existed = errno == EEXIST;
		ret = *existed ? 0 : error(EXIT_ERROR, "%s: %s", final, strerror(errno));
	}
	if (ret || *existed) {
		char file[4200];

		snprintf(file, sizeof(file), "%s/dmesg.txt", tmp);
		unlink(file);
		snprintf(file, sizeof(file), "%s/info", tmp);
		unlink(file);
		rmdir(tmp);
		return ret;
	}
	/* Only once the new name is on disk may the slot go. */
	return sync_dir(dir);
}

/*
 * The record as one journal entry, as systemd-pstore files a pstore
 * record: a fixed MESSAGE_ID, the panic line in MESSAGE, the metadata in
 * SAVEOOPS_* fields and the log, as in dmesg.txt, in SAVEOOPS_LOG.
 */
static int journal_record(const struct store *st, const struct store_slot *s,
			  const struct strbuf *log, const char *path, char *err, size_t errlen)
{
	const struct store_record *h = &s->hdr;
	char id[UUID_STR_LEN], when[32], abs[PATH_MAX];
	struct strbuf e;
	char *text = NULL;
	size_t len = 0;
	int ret;

	if (render_log(log, 0, &text, &len))
		return set_err(err, errlen, "out of memory");
	uuid_str(st->sb.uuid, id);
	format_time(h->crash_time, when, sizeof(when));
	sb_init(&e);
	journal_fieldf(&e, "MESSAGE", "Linux %.65s crashed%s%s%s: %.256s (saveoops record %"
		       PRIu64 ")", h->release, h->crash_time ? " at " : "",
		       h->crash_time ? when : "", h->crash_time ? " UTC" : "",
		       h->reason[0] ? h->reason : "no panic line", h->seq);
	journal_fieldf(&e, "MESSAGE_ID", "%s", SAVEOOPS_MESSAGE_ID);
	journal_fieldf(&e, "PRIORITY", "%d", 2);	/* LOG_CRIT, as a panic is */
	journal_fieldf(&e, "SYSLOG_IDENTIFIER", "saveoops");
	journal_fieldf(&e, "SAVEOOPS_SEQ", "%" PRIu64, h->seq);
	journal_fieldf(&e, "SAVEOOPS_RELEASE", "%.65s", h->release);
	journal_fieldf(&e, "SAVEOOPS_BUILD_ID", "%.41s", h->build_id);
	if (h->crash_time) {
		journal_fieldf(&e, "SAVEOOPS_CRASH_TIME", "%s", when);
		journal_fieldf(&e, "SAVEOOPS_CRASH_TIMESTAMP", "%" PRId64, h->crash_time);
	}
	journal_fieldf(&e, "SAVEOOPS_CAPTURE_TIMESTAMP", "%" PRId64, h->capture_time);
	journal_fieldf(&e, "SAVEOOPS_REASON", "%.256s", h->reason);
	journal_fieldf(&e, "SAVEOOPS_STATE", "%s", slot_state(s));
	journal_fieldf(&e, "SAVEOOPS_STORE_UUID", "%s", id);
	journal_fieldf(&e, "SAVEOOPS_DIR", "%s", realpath(path, abs) ? abs : path);
	journal_field(&e, "SAVEOOPS_LOG", text ? text : "", len);
	free(text);
	ret = journal_send(&e, err, errlen);
	sb_free(&e);
	return ret;
}

/* Return: 0, EXIT_ERROR; *@sent_fail when the journal did not take it. */
static int export_one(struct store *st, unsigned int slot, const char *dir, bool journal,
		      bool *sent_fail)
{
	const struct store_slot *s = &st->slots[slot];
	char name[128], id[UUID_STR_LEN], err[256], path[4200];
	struct strbuf log;
	bool existed;
	int ret, damaged;

	uuid_str(st->sb.uuid, id);
	snprintf(name, sizeof(name), "saveoops-%" PRIu64 "-%" PRId64 "-%s", s->hdr.seq,
		 s->hdr.crash_time ? s->hdr.crash_time : s->hdr.capture_time, id);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	sb_init(&log);
	damaged = store_read_log(st, slot, &log, err, sizeof(err));
	ret = write_record_dir(dir, name, s, &log, &existed);
	/* Only a record written now: one already there went to the journal then. */
	if (!ret && !existed && journal &&
	    journal_record(st, s, &log, path, err, sizeof(err))) {
		error(0, "record %" PRIu64 ": not sent to the journal: %s", s->hdr.seq, err);
		*sent_fail = true;
	}
	sb_free(&log);
	if (ret)
		return ret;
	printf("%s%s\n", path, existed ? " exists already: not overwritten" :
	       damaged ? " (damaged record: log as read)" : "");
	if (st->writable && store_set_flags(st, slot, REC_EXPORTED, err, sizeof(err)))
		return error(EXIT_ERROR, "record %" PRIu64 " exported but not marked: %s",
			     s->hdr.seq, err);
	return 0;
}

struct exported {
	char name[256];
	int64_t time;
	uint64_t seq;
};

static int exported_cmp(const void *a, const void *b)
{
	const struct exported *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Remove a directory export wrote: its two files, then itself. */
static int remove_export(const char *dir, const char *name)
{
	static const char * const files[] = { "dmesg.txt", "info" };
	char path[4400];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", dir, name, files[i]);
		if (unlink(path) && errno != ENOENT)
			return error(EXIT_ERROR, "%s: %s", path, strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (rmdir(path))
		return error(EXIT_ERROR, "%s: %s", path, strerror(errno));
	printf("%s removed (--keep)\n", path);
	return 0;
}

/*
 * Keep the @keep newest saveoops-SEQ-TIME-* directories of @dir (by crash
 * time, then sequence number); anything else in @dir is left alone.
 */
static int prune_exports(const char *dir, unsigned int keep)
{
	struct exported *list = NULL, *more;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	uint64_t seq;
	int64_t t;
	int ret = 0, end;
	DIR *d = opendir(dir);

	if (!d)
		return error(EXIT_ERROR, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		end = 0;
		if (sscanf(de->d_name, "saveoops-%" SCNu64 "-%" SCNd64 "-%n", &seq, &t,
			   &end) != 2 || !end || strlen(de->d_name) >= sizeof(list->name))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			more = realloc(list, cap * sizeof(*list));
			if (!more) {
				ret = error(EXIT_ERROR, "out of memory");
				break;
			}
			list = more;
		}
		snprintf(list[n].name, sizeof(list[n].name), "%s", de->d_name);
		list[n].time = t;
		list[n++].seq = seq;
	}
	closedir(d);
	if (!ret && n > keep) {
		qsort(list, n, sizeof(*list), exported_cmp);
		for (i = 0; i < n - keep; i++)
			ret |= remove_export(dir, list[i].name);
	}
	free(list);
	return ret;
}

static int parse_yes_no(const char *s, bool *val)
{
	if (!s || !strcmp(s, "yes") || !strcmp(s, "1") || !strcmp(s, "true"))
		*val = true;
	else if (!strcmp(s, "no") || !strcmp(s, "0") || !strcmp(s, "false"))
		*val = false;
	else
		return -1;
	return 0;
}

static int cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "journal", optional_argument, NULL, 'j' },
		{ "keep", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int order[STORE_MAX_SLOTS], i, n;
	bool all = false, journal = false, sent_fail = false;
	uint64_t keep = 0;
	const char *dir;
	struct store st;
	int c, ret = 0;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'j' && parse_yes_no(optarg, &journal))
			return error(EXIT_USAGE, "bad --journal '%s': yes or no", optarg);
		else if (c == 'k' && (parse_u64(optarg, &keep) || keep > UINT32_MAX))
			return error(EXIT_USAGE, "bad --keep '%s'", optarg);
		else if (c != 'j' && c != 'k')
			return EXIT_USAGE;
	}
	if (argc - optind != 1)
		return error(EXIT_USAGE, "usage: saveoops export [--all] [--journal[=yes|no]] "
			     "[--keep N] DIR");
	dir = argv[optind];
	if (mkdir(dir, 0700) && errno != EEXIST)
		return error(EXIT_ERROR, "%s: %s", dir, strerror(errno));
	if (open_store(&st, true)) {
		fprintf(stderr, "saveoops: exporting without marking records exported\n");
		ret = open_store(&st, false);
		if (ret)
			return ret;
	}
	n = sorted_records(&st, order);
	for (i = 0; i < n && !ret; i++)
		if (all || !(st.slots[order[i]].hdr.flags & REC_EXPORTED))
			ret = export_one(&st, order[i], dir, journal, &sent_fail);
	store_close(&st);
	if (!ret && keep)
		ret = prune_exports(dir, (unsigned int)keep);
	return ret ? ret : sent_fail ? EXIT_ERROR : 0;
}

static uint64_t fd_size(int fd)
{
	struct stat stb;
	uint64_t size = 0;

	if (fstat(fd, &stb))
		return 0;
	if (S_ISBLK(stb.st_mode))
		return ioctl(fd, BLKGETSIZE64, &size) ? 0 : size;
	return (uint64_t)stb.st_size;
}

struct recovery {
	const char *dir;
	uint64_t size;
	unsigned int found, ret;
};

static int recover_one(int fd, const struct store_found *f, void *arg)
{
	struct store_slot s = { .state = f->log_ok ? SLOT_RECORD : SLOT_DAMAGED, .hdr = f->hdr };
	struct recovery *r = arg;
	uint64_t len = f->hdr.log_len;
	struct strbuf log;
	char name[128];
	bool existed;
	char *buf;

	if (len > r->size - f->off - STORE_HEADER)
		len = r->size - f->off - STORE_HEADER;
	buf = malloc(len ? len : 1);
	if (!buf)
		return error(EXIT_ERROR, "out of memory");
	sb_init(&log);
	if (!read_full(fd, f->off + STORE_HEADER, buf, len))
		sb_add(&log, buf, len);
	free(buf);
	snprintf(name, sizeof(name), "saveoops-%" PRIu64 "-%" PRId64 "-recovered", f->hdr.seq,
		 f->hdr.crash_time ? f->hdr.crash_time : f->hdr.capture_time);
	r->ret |= write_record_dir(r->dir, name, &s, &log, &existed);
	sb_free(&log);
	r->found++;
	printf("record %" PRIu64 " at byte %" PRIu64 "%s: %s/%s%s\n", f->hdr.seq, f->off,
	       f->log_ok ? "" : " (damaged: log as read)", r->dir, name,
	       existed ? " exists already: not overwritten" : "");
	return 0;
}

/* Records by their headers alone, for a store whose superblocks are gone. */
static int cmd_recover(int argc, char **argv)
{
	const char *path = store_arg ? store_arg : getenv("SAVEOOPS_STORE");
	struct recovery r = { .dir = argc == 2 ? argv[1] : NULL };
	char err[256];
	int fd, ret;

	if (argc != 2 || !path || !strncmp(path, "UUID=", 5))
		return error(EXIT_USAGE, "usage: saveoops --store PATH recover DIR");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error(EXIT_NO_STORE, "%s: %s", path, strerror(errno));
	r.size = fd_size(fd);
	if (store_probe(fd))
		fprintf(stderr, "saveoops: %s has a good superblock: 'saveoops export' reads "
			"it the usual way\n", path);
	if (mkdir(r.dir, 0700) && errno != EEXIST) {
		close(fd);
		return error(EXIT_ERROR, "%s: %s", r.dir, strerror(errno));
	}
	ret = store_recover_scan(fd, recover_one, &r, err, sizeof(err));
	close(fd);
	if (ret < 0)
		return error(EXIT_ERROR, "%s: %s", path, err);
	printf("%u record%s found in %s\n", r.found, r.found == 1 ? "" : "s", path);
	if (r.ret)
		return EXIT_ERROR;
	return r.found ? 0 : EXIT_NO_RECORD;
}

static int cmd_clear(int argc, char **argv)
{
	bool all = argc == 2 && !strcmp(argv[1], "--all");
	struct store st;
	char err[256];
	uint64_t seq;
	int i, slot, ret;

	if (argc < 2)
		return error(EXIT_USAGE, "usage: saveoops clear SEQ...|--all");
	for (i = 1; !all && i < argc; i++)
		if (parse_seq(argv[i], &seq))
			return error(EXIT_USAGE, "bad record number '%s'", argv[i]);
	ret = open_store(&st, true);
	if (ret)
		return ret;
	for (i = 0; all && i < (int)st.sb.slot_count; i++)
		if (st.slots[i].state != SLOT_EMPTY &&
		    store_clear(&st, (unsigned int)i, err, sizeof(err)))
			ret = error(EXIT_ERROR, "slot %d: %s", i, err);
	if (all && store_reset_missed(&st, err, sizeof(err)))
		ret = error(EXIT_ERROR, "the missed crashes note: %s", err);
	for (i = 1; !all && i < argc; i++) {
		parse_seq(argv[i], &seq);
		slot = store_find_seq(&st, seq);
		if (slot < 0)
			ret = error(EXIT_NO_RECORD, "no record %" PRIu64, seq);
		else if (store_clear(&st, (unsigned int)slot, err, sizeof(err)))
			ret = error(EXIT_ERROR, "record %" PRIu64 ": %s", seq, err);
	}
	store_close(&st);
	return ret;
}

static int parse_size(const char *s, uint64_t *size)
{
	char *end;
	uint64_t mult = 1;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*size = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end == 'K' || *end == 'k')
		mult = 1ULL << 10;
	else if (*end == 'M' || *end == 'm')
		mult = 1ULL << 20;
	else if (*end == 'G' || *end == 'g')
		mult = 1ULL << 30;
	else if (*end)
		return -1;
	if ((*end && end[1]) || *size > UINT64_MAX / mult)
		return -1;
	*size *= mult;
	return 0;
}

#define MIB		(1024U * 1024)

/*
 * What "blkid -p" (util-linux, as mkfs probes) finds on @path: its TYPE or
 * PTTYPE in @what. False when it finds nothing or is not installed; the
 * checks of store_other_signature() do not depend on it.
 */
static bool blkid_finds(const char *path, char *what, size_t size)
{
	char out[1024] = "", *line, *save;
	int pipefd[2], status = 0;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return false;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		execlp("blkid", "blkid", "-p", "-o", "export", path, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while (pid > 0 && (n = read(pipefd[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	close(pipefd[0]);
	out[len] = '\0';
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return false;
	/* 0: found, 8: several ("ambivalent"), 2: nothing, 127: no blkid. */
	if (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 8)
		return false;
	snprintf(what, size, "a signature blkid -p recognises");
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "TYPE=", 5) || !strncmp(line, "PTTYPE=", 7)) {
			snprintf(what, size, "%s (blkid -p)", line);
			break;
		}
	}
	return true;
}

/* @len bytes at @off are all zero (or beyond the end). */
static bool zero_range(int fd, uint64_t off, uint64_t len)
{
	static char buf[64 * 1024];
	ssize_t n;
	size_t i;

	while (len) {
		n = pread(fd, buf, len < sizeof(buf) ? len : sizeof(buf), (off_t)off);
		if (n <= 0)
			return true;
		for (i = 0; i < (size_t)n; i++)
			if (buf[i])
				return false;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return true;
}

/* Refuse to format over anything but zeros or a store of exported records. */
static int check_overwrite(int fd, const char *path)
{
	uint64_t size = fd_size(fd);
	unsigned int i, unread = 0;
	char err[256], what[256];
	struct store st;

	bool other = store_other_signature(fd, what, sizeof(what)) ||
		     blkid_finds(path, what, sizeof(what));

	if (other && store_probe(fd))
		return error(EXIT_ERROR, "%s holds a saveoops store but also %s; it may belong "
			     "to something else; --force erases both", path, what);
	if (other)
		return error(EXIT_ERROR, "%s is not empty and not a saveoops store: it holds %s; "
			     "--force overwrites it", path, what);
	if (store_probe(fd)) {
		if (store_open_fd(&st, dup(fd), 0, err, sizeof(err))) {
			store_close(&st);
			return error(EXIT_ERROR, "%s: a damaged store (%s); --force erases it",
				     path, err);
		}
		for (i = 0; i < st.sb.slot_count; i++)
			unread += !store_slot_reusable(&st.slots[i]);
		store_close(&st);
		if (unread)
			return error(EXIT_ERROR, "%s holds %u records not exported; "
				     "--force erases them", path, unread);
		return 0;
	}
	/* What no probe knows may still be data: the first and last MiB are zero. */
	if (!zero_range(fd, 0, MIB) || (size > MIB && !zero_range(fd, size - MIB, MIB)))
		return error(EXIT_ERROR, "%s is not empty and not a saveoops store; "
			     "--force overwrites it", path);
	return 0;
}

/*
 * A store file must not be where every write allocates: the capture kernel
 * writes it in place, on the crashed system's file system. Refused even
 * with --force; a file this call created is removed again.
 */
static int check_file_fs(int fd, const char *path, bool created)
{
	static const struct {
		unsigned long magic;
		const char *name;
	} cow[] = {
		{ 0x9123683eUL, "btrfs" }, { 0x2fc12fc1UL, "ZFS" }, { 0xca451a4eUL, "bcachefs" },
		{ 0xf2f52010UL, "F2FS" }, { 0x3434UL, "NILFS" },
	};
	struct statfs sfs;
	unsigned int i;

	if (fstatfs(fd, &sfs))
		return 0;
	for (i = 0; i < ARRAY_SIZE(cow); i++) {
		if ((unsigned long)sfs.f_type != cow[i].magic)
			continue;
		if (created)
			unlink(path);
		return error(EXIT_ERROR, "%s is on %s, where every write allocates: the capture "
			     "kernel could not write it in place; put the store on a partition "
			     "or on ext4 or XFS", path, cow[i].name);
	}
	return 0;
}

/*
 * A block device that is mounted, held by md, dm, bcache or LVM, or open
 * exclusively elsewhere is refused even with --force: writing it would
 * corrupt what uses it now.
 */
static int check_busy(const char *path, const struct stat *stb)
{
	char line[4096], dir[128], mm[32];
	struct dirent *de;
	DIR *d;
	FILE *f;
	int ret = 0;

	snprintf(mm, sizeof(mm), "%u:%u", major(stb->st_rdev), minor(stb->st_rdev));
	f = fopen("/proc/self/mountinfo", "re");
	while (f && !ret && fgets(line, sizeof(line), f)) {
		char *field = strchr(line, ' ');

		field = field ? strchr(field + 1, ' ') : NULL;
		if (field && !strncmp(field + 1, mm, strlen(mm)) && field[1 + strlen(mm)] == ' ')
			ret = error(EXIT_ERROR, "%s is mounted; not formatting it", path);
	}
	if (f)
		fclose(f);
	if (ret)
		return ret;
	snprintf(dir, sizeof(dir), "/sys/dev/block/%s/holders", mm);
	d = opendir(dir);
	while (d && !ret && (de = readdir(d)))
		if (de->d_name[0] != '.')
			ret = error(EXIT_ERROR, "%s is held by %s (a RAID, device mapper or "
				    "bcache device uses it); not formatting it", path, de->d_name);
	if (d)
		closedir(d);
	return ret;
}

static int cmd_format(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "slots", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 'S' },
		{ "force", no_argument, NULL, 'f' },
		{ "image", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int slots = STORE_DEFAULT_SLOTS;
	bool force = false, is_blk, created, image = false, immutable;
	struct store_map map = { 0 };
	const char *path = store_arg;
	char err[256], id[UUID_STR_LEN], stacked[256];
	struct store st = { .fd = -1 };
	uint64_t size = 0;
	struct stat stb;
	int c, fd, ret;
	uint64_t n;

	while ((c = getopt_long(argc, argv, "n:S:fi", longopts, NULL)) != -1) {
		if (c == 'n') {
			if (parse_u64(optarg, &n) || n == 0 || n > STORE_MAX_SLOTS)
				return error(EXIT_USAGE, "bad --slots '%s': use 1 to %u", optarg,
					     STORE_MAX_SLOTS);
			slots = (unsigned int)n;
		} else if (c == 'S') {
			if (parse_size(optarg, &size))
				return error(EXIT_USAGE, "bad --size '%s'", optarg);
		} else if (c == 'f') {
			force = true;
		} else if (c == 'i') {
			image = true;
		} else {
			return EXIT_USAGE;
		}
	}
	if (argc - optind == 1)
		path = argv[optind];
	else if (argc != optind || !path)
		return error(EXIT_USAGE, "usage: saveoops format [--slots N] [--size BYTES] "
			     "[--force] [--image] PATH");
	/* O_EXCL: the kernel refuses a block device mounted or claimed by md/dm. */
	created = stat(path, &stb) && errno == ENOENT;
	is_blk = !created && S_ISBLK(stb.st_mode);
	if (is_blk && check_busy(path, &stb))
		return EXIT_ERROR;
	fd = store_open_file_rw(path, O_RDWR | O_CLOEXEC | (is_blk ? O_EXCL : 0) |
				(size ? O_CREAT : 0), 0600, &immutable);
	if (fd < 0)
		return error(EXIT_ERROR, "%s: %s%s", path, strerror(errno),
			     errno == ENOENT ? " (give --size to create a file)" :
			     errno == EBUSY ? " (mounted, or in use by md, dm or another "
			     "exclusive user)" : "");
	ret = is_blk ? 0 : check_file_fs(fd, path, created);
	if (!ret && !force)
		ret = check_overwrite(fd, path);
	if (!ret && store_wipe_signatures(fd, fd_size(fd)))
		ret = error(EXIT_ERROR, "%s: wiping old signatures: %s", path, strerror(errno));
	if (!ret && store_format(fd, size, slots, err, sizeof(err)))
		ret = error(EXIT_ERROR, "%s: %s", path, err);
	/* A store file: its extents recorded, the file made immutable. */
	if (!ret && !is_blk && !image && store_seal_file(fd, &map, err, sizeof(err)))
		ret = error(EXIT_ERROR, "%s: the capture kernel could not write it in place: %s "
			    "(--image formats a disk image for a virtual machine)", path, err);
	if (!ret && !is_blk && !image && store_file_stacked(fd, stacked, sizeof(stacked)))
		fprintf(stderr, "saveoops: warning: %s is on %s: the capture kernel finds it "
			"only if it sets that device up itself\n", path, stacked);
	if (ret && immutable)
		store_set_immutable(fd, true);
	close(fd);
	if (!ret && !store_open(&st, path, 0, err, sizeof(err))) {
		uuid_str(st.sb.uuid, id);
		printf("%s: saveoops store with %u slots, UUID %s\n", path, slots, id);
		if (map.hdr.count)
			printf("%s: %u extents on device %u:%u, immutable; capture command line: "
			       "saveoops.store=UUID=%s saveoops.sector=%" PRIu64 "\n", path,
			       map.hdr.count, map.hdr.dev_major, map.hdr.dev_minor, id,
			       map.ext[0].sector);
	} else if (!ret) {
		ret = error(EXIT_ERROR, "%s: formatted, but cannot read it back: %s", path, err);
	}
	store_close(&st);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} cmds[] = {
		{ "list", cmd_list }, { "show", cmd_show }, { "export", cmd_export },
		{ "clear", cmd_clear }, { "format", cmd_format }, { "recover", cmd_recover },
	};
	unsigned int i;
	int argi = 1;

	while (argi < argc && argv[argi][0] == '-') {
		if (!strcmp(argv[argi], "--help") || !strcmp(argv[argi], "-h")) {
			usage(stdout);
			return 0;
		}
		if ((!strcmp(argv[argi], "--store") || !strcmp(argv[argi], "-s")) &&
		    argi + 1 < argc) {
			store_arg = argv[argi + 1];
			argi += 2;
			continue;
		}
		usage(stderr);
		return EXIT_USAGE;
	}
	if (argi == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (!strcmp(argv[argi], cmds[i].name)) {
			optind = 1;
			return cmds[i].run(argc - argi, argv + argi);
		}
	}
	error(EXIT_USAGE, "unknown command '%s'", argv[argi]);
	usage(stderr);
	return EXIT_USAGE;
}
