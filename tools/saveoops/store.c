// SPDX-License-Identifier: GPL-2.0
/*
 * The saveoops store. See store.h for the layout and the rules that keep
 * earlier records safe.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>	/* BLKGETSIZE64 */
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

static uint64_t slot_offset(const struct store *st, unsigned int slot)
{
	return STORE_BLOCK + (uint64_t)slot * st->sb.slot_size;
}

static uint32_t super_crc(const struct store_super *sb)
{
	return crc32_le(0, sb, offsetof(struct store_super, crc));
}

static uint32_t header_crc(const struct store_record *hdr)
{
	struct store_record copy = *hdr;

	copy.hdr_crc = 0;
	return crc32_le(0, &copy, sizeof(copy));
}

static bool super_valid(const struct store_super *sb)
{
	return !memcmp(sb->magic, STORE_MAGIC, 8) &&
	       (sb->version == STORE_VERSION || sb->version == STORE_VERSION_1) &&
	       sb->crc == super_crc(sb);
}

/* Bytes after the slots: the missed note's block and the backup superblock. */
static uint64_t tail_size(const struct store_super *sb)
{
	return sb->version == STORE_VERSION_1 ? 0 : STORE_TAIL;
}

/* Where the missed note lives: its own block (v2), block 0's sector 1 (v1). */
static uint64_t missed_offset(const struct store_super *sb)
{
	return sb->version == STORE_VERSION_1 ? STORE_HEADER : sb->size - STORE_TAIL;
}

/**
 * store_probe() - does a device or file start with a saveoops superblock
 * @fd: open for reading
 *
 * Return: true if a valid superblock is at offset 0.
 */
bool store_probe(int fd)
{
	struct store_super sb;

	return !read_full(fd, 0, &sb, sizeof(sb)) && super_valid(&sb);
}

static bool is_block_device(int fd)
{
	struct stat stb;

	return !fstat(fd, &stb) && S_ISBLK(stb.st_mode);
}

static int device_size(int fd, uint64_t *size)
{
	struct stat stb;

	if (fstat(fd, &stb))
		return -1;
	if (S_ISBLK(stb.st_mode))
		return ioctl(fd, BLKGETSIZE64, size);
	*size = (uint64_t)stb.st_size;
	return 0;
}

/* A block device can be open for writing and still refuse every write. */
static bool read_only(int fd)
{
	int ro = 0;

	return !ioctl(fd, BLKROGET, &ro) && ro;
}

static int check_super(const struct store_super *sb, uint64_t dev_size,
		       char *err, size_t errlen)
{
	if (!super_valid(sb))
		return set_err(err, errlen, "no saveoops store (no valid superblock)");
	if (sb->slot_count == 0 || sb->slot_count > STORE_MAX_SLOTS ||
	    sb->slot_size < STORE_MIN_SLOT || sb->slot_size % STORE_BLOCK ||
	    sb->slot_size > STORE_MAX_SLOT ||
	    sb->size != STORE_BLOCK + sb->slot_count * sb->slot_size + tail_size(sb))
		return set_err(err, errlen, "superblock describes an impossible layout "
			    "(%u slots of %" PRIu64 " bytes)", sb->slot_count, sb->slot_size);
	if (dev_size && sb->size > dev_size)
		return set_err(err, errlen, "store of %" PRIu64 " bytes on a device of %" PRIu64,
			    sb->size, dev_size);
	return 0;
}

static uint32_t missed_crc(const struct store_missed *m)
{
	struct store_missed copy = *m;

	copy.crc = 0;
	return crc32_le(0, &copy, sizeof(copy));
}

/* The missed note, or all zeros when block 0 has none (or a torn one). */
static void read_missed(struct store *st)
{
	struct store_missed *m = &st->missed;

	if (read_full(st->fd, missed_offset(&st->sb), m, sizeof(*m)) ||
	    memcmp(m->magic, STORE_MISSED_MAGIC, 8) || m->version != STORE_RECORD_VERSION ||
	    m->crc != missed_crc(m)) {
		memset(m, 0, sizeof(*m));
		return;
	}
	m->last_release[sizeof(m->last_release) - 1] = '\0';
	m->last_reason[sizeof(m->last_reason) - 1] = '\0';
}

static bool header_valid(const struct store_record *hdr, uint64_t log_space)
{
	return !memcmp(hdr->magic, STORE_RECORD_MAGIC, 8) &&
	       hdr->version == STORE_RECORD_VERSION && hdr->hdr_crc == header_crc(hdr) &&
	       hdr->log_len <= log_space;
}

/* Terminate the header's strings, whatever the disk said. */
static void terminate_strings(struct store_record *hdr)
{
	hdr->release[sizeof(hdr->release) - 1] = '\0';
	hdr->build_id[sizeof(hdr->build_id) - 1] = '\0';
	hdr->reason[sizeof(hdr->reason) - 1] = '\0';
}

static bool all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len--)
		if (*c++)
			return false;
	return true;
}

static void scan_slot(struct store *st, unsigned int i, bool check_log)
{
	struct store_slot *s = &st->slots[i];
	struct strbuf log;
	char err[128];

	s->state = SLOT_UNKNOWN;
	if (read_full(st->fd, slot_offset(st, i), &s->hdr, sizeof(s->hdr)))
		return;
	if (!header_valid(&s->hdr, store_log_space(st))) {
		/* Only zeros are free: anything else may be someone's data. */
		if (all_zero(&s->hdr, sizeof(s->hdr)))
			s->state = SLOT_EMPTY;
		return;
	}
	s->state = SLOT_EMPTY;
	terminate_strings(&s->hdr);
	if (s->hdr.seq > st->max_seq)
		st->max_seq = s->hdr.seq;
	if (s->hdr.flags & REC_CLEARED)
		return;
	s->state = SLOT_RECORD;
	if (!check_log)
		return;
	sb_init(&log);
	s->state = store_read_log(st, i, &log, err, sizeof(err)) ? SLOT_DAMAGED : SLOT_RECORD;
	sb_free(&log);
}

/*
 * The backup superblock in the last block of the device or file, for a
 * store that fills it: a store that ends earlier has no backup there.
 */
static bool read_backup(struct store *st, uint64_t dev_size)
{
	struct store_super sb;

	if (dev_size < STORE_BLOCK + STORE_TAIL ||
	    read_full(st->fd, dev_size - STORE_BLOCK, &sb, sizeof(sb)) || !super_valid(&sb) ||
	    sb.version == STORE_VERSION_1 || sb.size != dev_size)
		return false;
	st->sb = sb;
	st->from_backup = true;
	return true;
}

/**
 * store_open_fd() - read a store's superblock and every slot header
 * @st: the store to set up; store_close() releases it, even on failure
 * @fd: the device or file; the store owns it from now on
 * @how: STORE_WRITE if @fd is open for writing, STORE_HEADERS to skip
 *	 checking every log
 *
 * A damaged superblock in block 0 is replaced by the backup at the end of
 * the device or file, if the store fills it; only for reading
 * (@st->from_backup is then set).
 * @err: a one-line reason on failure
 * @errlen: size of @err
 *
 * Return: 0, or -1 with @err set.
 */
int store_open_fd(struct store *st, int fd, unsigned int how, char *err, size_t errlen)
{
	bool writable = how & STORE_WRITE;
	uint64_t size = 0;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	st->fd = fd;
	st->writable = writable;
	if (device_size(fd, &size))
		size = 0;
	if (writable && read_only(fd))
		return set_err(err, errlen, "the device is read-only");
	/* One writer at a time: export and clear rewrite headers they read. */
	if (writable && flock(fd, LOCK_EX | LOCK_NB))
		return set_err(err, errlen, "in use by another saveoops (%s)", strerror(errno));
	if (read_full(fd, 0, &st->sb, sizeof(st->sb)))
		return set_err(err, errlen, "cannot read the superblock: %s", strerror(errno));
	if (!super_valid(&st->sb) && read_backup(st, size)) {
		/* Block 0 may now be someone else's: read, never write. */
		if (writable)
			return set_err(err, errlen, "block 0 is damaged; the backup superblock "
				       "at byte %" PRIu64 " is intact: open the store read-only, "
				       "or see 'saveoops recover'", size - STORE_BLOCK);
	}
	if (check_super(&st->sb, size, err, errlen))
		return -1;
	st->slots = calloc(st->sb.slot_count, sizeof(*st->slots));
	if (!st->slots)
		return set_err(err, errlen, "out of memory");
	for (i = 0; i < st->sb.slot_count; i++)
		scan_slot(st, i, !(how & STORE_HEADERS));
	read_missed(st);
	return 0;
}

int store_open(struct store *st, const char *path, unsigned int how, char *err, size_t errlen)
{
	int fd = open(path, (how & STORE_WRITE ? O_RDWR : O_RDONLY) | O_CLOEXEC);

	if (fd < 0) {
		memset(st, 0, sizeof(*st));
		st->fd = -1;
		return set_err(err, errlen, "%s: %s", path, strerror(errno));
	}
	return store_open_fd(st, fd, how, err, errlen);
}

void store_close(struct store *st)
{
	if (st->fd >= 0)
		close(st->fd);
	free(st->slots);
	memset(st, 0, sizeof(*st));
	st->fd = -1;
}

uint64_t store_log_space(const struct store *st)
{
	return st->sb.slot_size - STORE_HEADER;
}

/**
 * store_read_log() - read and check one slot's log
 * @st: an open store
 * @slot: a slot whose header is valid
 * @log: where to append the log
 * @err: the reason on failure
 * @errlen: size of @err
 *
 * Return: 0 if the log matches its checksum, -1 if not (@log then holds
 * what was read, for a damaged record).
 */
int store_read_log(const struct store *st, unsigned int slot, struct strbuf *log,
		   char *err, size_t errlen)
{
	const struct store_record *hdr = &st->slots[slot].hdr;
	uint32_t crc;
	char *buf;

	buf = malloc(hdr->log_len ? hdr->log_len : 1);
	if (!buf)
		return set_err(err, errlen, "out of memory");
	if (read_full(st->fd, slot_offset(st, slot) + STORE_HEADER, buf, hdr->log_len)) {
		free(buf);
		return set_err(err, errlen, "read error: %s", strerror(errno));
	}
	crc = crc32_le(0, buf, hdr->log_len);
	sb_add(log, buf, hdr->log_len);
	free(buf);
	if (log->oom)
		return set_err(err, errlen, "out of memory");
	if (crc != hdr->log_crc)
		return set_err(err, errlen, "log checksum mismatch");
	return 0;
}

int store_find_seq(const struct store *st, uint64_t seq)
{
	unsigned int i;

	for (i = 0; i < st->sb.slot_count; i++)
		if (store_slot_used(&st->slots[i]) && st->slots[i].hdr.seq == seq)
			return (int)i;
	return -1;
}

int store_newest(const struct store *st)
{
	unsigned int i;
	int best = -1;

	for (i = 0; i < st->sb.slot_count; i++) {
		if (!store_slot_used(&st->slots[i]))
			continue;
		if (best < 0 || st->slots[i].hdr.seq > st->slots[best].hdr.seq)
			best = (int)i;
	}
	return best;
}

bool store_slot_reusable(const struct store_slot *s)
{
	return s->state == SLOT_EMPTY || (store_slot_used(s) && (s->hdr.flags & REC_EXPORTED));
}

/**
 * store_pick_slot() - where the next record goes
 * @st: an open store
 *
 * Return: the first empty slot, else the one holding the oldest exported
 * record, else -1: the store is full of records nobody has read.
 */
int store_pick_slot(const struct store *st)
{
	unsigned int i;
	int best = -1;

	for (i = 0; i < st->sb.slot_count; i++)
		if (st->slots[i].state == SLOT_EMPTY)
			return (int)i;
	for (i = 0; i < st->sb.slot_count; i++) {
		if (!store_slot_reusable(&st->slots[i]))
			continue;
		if (best < 0 || st->slots[i].hdr.seq < st->slots[best].hdr.seq)
			best = (int)i;
	}
	return best;
}

static int sync_fd(int fd)
{
	return fdatasync(fd);
}

/* Write a header and make it durable. */
static int put_header(struct store *st, unsigned int slot, struct store_record *hdr)
{
	hdr->hdr_crc = 0;
	if (hdr->magic[0])
		hdr->hdr_crc = header_crc(hdr);
	if (write_full(st->fd, slot_offset(st, slot), hdr, sizeof(*hdr)))
		return -1;
	return sync_fd(st->fd);
}

/**
 * store_write() - add a record, header last
 * @st: a store open for writing
 * @hdr: the record's metadata; magic, version, seq, lengths and checksums
 *	 are filled in here
 * @log: the log; if it does not fit a slot, its head is cut at a line start
 * @len: length of @log
 * @err: the reason on failure
 * @errlen: size of @err
 *
 * Return: the slot written, STORE_FULL when every slot holds a record not
 * exported yet, or -1 on an I/O error.
 */
int store_write(struct store *st, struct store_record *hdr, const char *log, size_t len,
		char *err, size_t errlen)
{
	uint64_t space = store_log_space(st);
	struct store_record stone = { 0 };
	int slot = store_pick_slot(st);
	unsigned int i, unknown = 0;

	if (slot < 0) {
		for (i = 0; i < st->sb.slot_count; i++)
			unknown += st->slots[i].state == SLOT_UNKNOWN;
		if (unknown)
			set_err(err, errlen, "store full: %u records not exported yet, "
				"%u slots whose headers are not saveoops records",
				st->sb.slot_count - unknown, unknown);
		else
			set_err(err, errlen, "store full: %u records not exported yet",
				st->sb.slot_count);
		return STORE_FULL;
	}
	if (st->max_seq == UINT64_MAX)
		return set_err(err, errlen, "sequence numbers used up; format the store");
	hdr->flags &= ~(REC_EXPORTED | REC_CLEARED | REC_TRUNCATED);
	hdr->log_dropped = 0;
	if (len > space) {
		/* The first line start at or after the cut: search from the byte before. */
		const char *cut = log + (len - space);
		const char *nl = memchr(cut - 1, '\n', len - (size_t)(cut - 1 - log));

		cut = nl ? nl + 1 : log + len;
		hdr->flags |= REC_TRUNCATED;
		hdr->log_dropped = (uint32_t)(cut - log);
		len -= (size_t)(cut - log);
		log = cut;
	}
	memcpy(hdr->magic, STORE_RECORD_MAGIC, 8);
	hdr->version = STORE_RECORD_VERSION;
	hdr->seq = st->max_seq + 1;
	hdr->log_len = (uint32_t)len;
	hdr->log_crc = crc32_le(0, log, len);
	/*
	 * A cleared header with the new seq goes first, not zeros: a write cut
	 * off leaves an empty slot that still holds the highest seq, so the
	 * next record does not take this one's number.
	 */
	memcpy(stone.magic, STORE_RECORD_MAGIC, 8);
	stone.version = STORE_RECORD_VERSION;
	stone.seq = hdr->seq;
	stone.flags = REC_CLEARED;

	if (put_header(st, (unsigned int)slot, &stone) ||
	    write_full(st->fd, slot_offset(st, (unsigned int)slot) + STORE_HEADER, log, len) ||
	    sync_fd(st->fd) || put_header(st, (unsigned int)slot, hdr))
		return set_err(err, errlen, "write error: %s", strerror(errno));
	st->slots[slot].state = SLOT_RECORD;
	st->slots[slot].hdr = *hdr;
	st->max_seq = hdr->seq;
	return slot;
}

/**
 * store_set_flags() - add flags to a record's header (a one-sector rewrite)
 * @st: a store open for writing
 * @slot: a slot with a valid header
 * @flags: REC_EXPORTED or REC_CLEARED
 * @err: the reason on failure
 * @errlen: size of @err
 *
 * Return: 0 or -1.
 */
int store_set_flags(struct store *st, unsigned int slot, uint32_t flags, char *err,
		    size_t errlen)
{
	struct store_record hdr = st->slots[slot].hdr;

	hdr.flags |= flags;
	if (put_header(st, slot, &hdr))
		return set_err(err, errlen, "write error: %s", strerror(errno));
	st->slots[slot].hdr = hdr;
	if (flags & REC_CLEARED)
		st->slots[slot].state = SLOT_EMPTY;
	return 0;
}

/**
 * store_clear() - remove a record and wipe its log
 * @st: a store open for writing
 * @slot: the record's slot
 * @err: the reason on failure
 * @errlen: size of @err
 *
 * The header keeps its sequence number, so numbering goes on after a clear.
 * A slot whose header is not a record (SLOT_UNKNOWN) gets a cleared header
 * and is free again; only "saveoops clear --all" does that.
 *
 * Return: 0 or -1.
 */
int store_clear(struct store *st, unsigned int slot, char *err, size_t errlen)
{
	uint32_t len = st->slots[slot].hdr.log_len;
	struct store_record stone = { 0 };
	char *zero;

	/* A header not ours: a tombstone over it, its log left as it is. */
	if (st->slots[slot].state == SLOT_UNKNOWN) {
		memcpy(stone.magic, STORE_RECORD_MAGIC, 8);
		stone.version = STORE_RECORD_VERSION;
		stone.seq = st->max_seq;
		stone.flags = REC_CLEARED;
		if (put_header(st, slot, &stone))
			return set_err(err, errlen, "write error: %s", strerror(errno));
		st->slots[slot].state = SLOT_EMPTY;
		st->slots[slot].hdr = stone;
		return 0;
	}

	if (store_set_flags(st, slot, REC_CLEARED, err, errlen))
		return -1;
	zero = calloc(1, len ? len : 1);
	if (!zero)
		return set_err(err, errlen, "out of memory");
	if (write_full(st->fd, slot_offset(st, slot) + STORE_HEADER, zero, len) ||
	    sync_fd(st->fd)) {
		free(zero);
		return set_err(err, errlen, "write error: %s", strerror(errno));
	}
	free(zero);
	return 0;
}

static int put_missed(struct store *st, struct store_missed *m, char *err, size_t errlen)
{
	m->crc = 0;
	if (m->magic[0])
		m->crc = missed_crc(m);
	if (write_full(st->fd, missed_offset(&st->sb), m, sizeof(*m)) || sync_fd(st->fd))
		return set_err(err, errlen, "write error: %s", strerror(errno));
	st->missed = *m;
	return 0;
}

/**
 * store_note_missed() - count a crash that store_write() found no slot for
 * @st: a store open for writing
 * @hdr: the crash's record header, as it would have been written
 * @err: the reason on failure
 * @errlen: size of @err
 *
 * Only the missed note's sector is written; a write cut off leaves a note
 * with a bad checksum, read as no note, and every record intact.
 *
 * Return: 0 or -1.
 */
int store_note_missed(struct store *st, const struct store_record *hdr, char *err,
		      size_t errlen)
{
	struct store_missed m = st->missed;

	memcpy(m.magic, STORE_MISSED_MAGIC, 8);
	m.version = STORE_RECORD_VERSION;
	if (m.count < UINT64_MAX)
		m.count++;
	m.last_crash_time = hdr->crash_time;
	snprintf(m.last_release, sizeof(m.last_release), "%s", hdr->release);
	snprintf(m.last_reason, sizeof(m.last_reason), "%s", hdr->reason);
	return put_missed(st, &m, err, errlen);
}

/**
 * store_reset_missed() - forget the crashes counted by store_note_missed()
 * @st: a store open for writing
 * @err: the reason on failure
 * @errlen: size of @err
 *
 * Return: 0 or -1.
 */
int store_reset_missed(struct store *st, char *err, size_t errlen)
{
	struct store_missed none = { 0 };

	if (!st->missed.count)
		return 0;
	return put_missed(st, &none, err, errlen);
}

/* @len bytes at @off are @magic; false when they cannot be read. */
static bool magic_at(int fd, uint64_t off, const void *magic, size_t len)
{
	char buf[16];

	return len <= sizeof(buf) && !read_full(fd, off, buf, len) && !memcmp(buf, magic, len);
}

#define MD_MAGIC	"\xfc\x4e\x2b\xa9"	/* 0xa92b4efc, little endian */
#define MD_MAGIC_BE	"\xa9\x2b\x4e\xfc"
#define MD_RESERVED	(64U * 1024)		/* md 0.90: the last 64 KiB block */
#define ZFS_LABEL	(256U * 1024)
#define ZFS_UBER_MAGIC	"\x0c\xb1\xba\x00\x00\x00\x00\x00"
#define ZFS_UBER_MAGIC_BE "\x00\x00\x00\x00\x00\xba\xb1\x0c"

/* Signatures at a fixed offset from the start. */
static const struct {
	const char *name;
	uint64_t off;
	const char *magic;
	size_t len;
} fixed_sigs[] = {
	{ "an md 1.1 superblock", 0, MD_MAGIC, 4 },
	{ "an md 1.2 superblock", 4096, MD_MAGIC, 4 },
	{ "a bcache superblock", 4096 + 24,
	  "\xc6\x85\x73\xf6\x4e\x1a\x45\xca\x82\x65\xf5\x7f\x48\xba\x6d\x81", 16 },
	{ "an LVM2 label", 0, "LABELONE", 8 },
	{ "an LVM2 label", 512, "LABELONE", 8 },
	{ "an LVM2 label", 1024, "LABELONE", 8 },
	{ "an LVM2 label", 1536, "LABELONE", 8 },
	{ "a LUKS header", 0, "LUKS\xba\xbe", 6 },
	{ "a LUKS2 secondary header", 16384, "SKUL\xba\xbe", 6 },
	{ "a LUKS2 secondary header", 32768, "SKUL\xba\xbe", 6 },
	{ "a LUKS2 secondary header", 65536, "SKUL\xba\xbe", 6 },
	{ "a LUKS2 secondary header", 131072, "SKUL\xba\xbe", 6 },
	{ "a LUKS2 secondary header", 262144, "SKUL\xba\xbe", 6 },
	{ "a LUKS2 secondary header", 524288, "SKUL\xba\xbe", 6 },
	{ "a LUKS2 secondary header", 1048576, "SKUL\xba\xbe", 6 },
	{ "a LUKS2 secondary header", 2097152, "SKUL\xba\xbe", 6 },
	{ "a LUKS2 secondary header", 4194304, "SKUL\xba\xbe", 6 },
	{ "a btrfs superblock", 65536 + 64, "_BHRfS_M", 8 },
	{ "an ext2/3/4 superblock", 1024 + 56, "\x53\xef", 2 },
	{ "an XFS superblock", 0, "XFSB", 4 },
	{ "an F2FS superblock", 1024, "\x10\x20\xf5\xf2", 4 },
	{ "a swap signature", 4096 - 10, "SWAPSPACE2", 10 },
	{ "a swap signature", 4096 - 10, "SWAP-SPACE", 10 },
	{ "an ISO 9660 volume descriptor", 32769, "CD001", 5 },
	{ "a GPT header", 512, "EFI PART", 8 },
	{ "a DOS partition table or boot sector", 510, "\x55\xaa", 2 },
};

/* A ZFS label's uberblock ring (128 KiB of 1 KiB uberblocks at +128 KiB). */
static bool zfs_label_at(int fd, uint64_t off)
{
	unsigned int i;

	for (i = 0; i < 128; i++) {
		uint64_t ub = off + 128 * 1024 + i * 1024;

		if (magic_at(fd, ub, ZFS_UBER_MAGIC, 8) || magic_at(fd, ub, ZFS_UBER_MAGIC_BE, 8))
			return true;
	}
	return false;
}

/* Signatures placed from the end: md 0.90 and 1.0, the backup GPT, ZFS. */
static const char *end_signature(int fd, uint64_t size, uint64_t *at)
{
	uint64_t off;

	if (size >= 2 * MD_RESERVED) {
		off = (size & ~(uint64_t)(MD_RESERVED - 1)) - MD_RESERVED;
		*at = off;
		if (magic_at(fd, off, MD_MAGIC, 4) || magic_at(fd, off, MD_MAGIC_BE, 4))
			return "an md 0.90 superblock";
	}
	if (size >= 16 * 512) {
		off = ((size / 512 - 16) & ~(uint64_t)7) * 512;
		*at = off;
		if (magic_at(fd, off, MD_MAGIC, 4) && magic_at(fd, off + 4, "\x01\0\0\0", 4))
			return "an md 1.0 superblock";
	}
	if (size >= 1024) {
		*at = size - 512;
		if (magic_at(fd, size - 512, "EFI PART", 8))
			return "a backup GPT header";
	}
	if (size >= 4 * ZFS_LABEL) {
		off = (size & ~(uint64_t)(ZFS_LABEL - 1)) - 2 * ZFS_LABEL;
		*at = off;
		if (zfs_label_at(fd, off) || zfs_label_at(fd, off + ZFS_LABEL))
			return "a ZFS label";
	}
	return NULL;
}

/**
 * store_other_signature() - does a device carry another program's metadata
 * @fd: the device or file, open for reading
 * @what: set to the signature found and where, e.g. "an md 1.2 superblock
 *	  at byte 4096"
 * @size: size of @what
 *
 * Looks for what would make writing a store here harm someone else's data:
 * RAID members (md 0.90/1.0 at the end, 1.1/1.2 at the start), bcache,
 * LVM2, LUKS, btrfs, ZFS, ext2/3/4, XFS, F2FS, swap, ISO 9660, partition
 * tables. A saveoops store never has bytes at these offsets that match
 * (block 0 holds only the superblock and the missed note), bar a log text
 * holding exactly such bytes at exactly such an offset.
 *
 * Return: true if one was found.
 */
bool store_other_signature(int fd, char *what, size_t size)
{
	uint64_t dev_size = 0, at = 0;
	const char *name;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fixed_sigs); i++) {
		if (magic_at(fd, fixed_sigs[i].off, fixed_sigs[i].magic, fixed_sigs[i].len)) {
			snprintf(what, size, "%s at byte %" PRIu64, fixed_sigs[i].name,
				 fixed_sigs[i].off);
			return true;
		}
	}
	if (zfs_label_at(fd, 0) || zfs_label_at(fd, ZFS_LABEL)) {
		snprintf(what, size, "a ZFS label at the start");
		return true;
	}
	if (device_size(fd, &dev_size) || !dev_size)
		return false;
	name = end_signature(fd, dev_size, &at);
	if (name)
		snprintf(what, size, "%s at byte %" PRIu64, name, at);
	return name;
}

void store_scan_init(struct store_scan *scan)
{
	memset(scan, 0, sizeof(*scan));
	sb_init(&scan->seen);
	sb_init(&scan->skipped);
}

void store_scan_free(struct store_scan *scan)
{
	sb_free(&scan->seen);
	sb_free(&scan->skipped);
}

/* What a device holds, for the list of devices seen; true for a match. */
static bool look_at(const char *name, const uint8_t *uuid, struct store_scan *scan)
{
	char dev[300], other[160], id[UUID_STR_LEN];
	struct store_super sb;
	bool match = false;
	int fd;

	snprintf(dev, sizeof(dev), "/dev/%s", name);
	sb_addf(&scan->seen, "%s%s ", scan->seen.len ? ", " : "", name);
	fd = open(dev, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		sb_addf(&scan->seen, "(cannot open: %s)", strerror(errno));
		return false;
	}
	if (read_full(fd, 0, &sb, sizeof(sb)) || !super_valid(&sb)) {
		sb_addf(&scan->seen, "(no store)");
		goto out;
	}
	uuid_str(sb.uuid, id);
	sb_addf(&scan->seen, "(store %s)", id);
	if (uuid && memcmp(uuid, sb.uuid, 16))
		goto out;
	if (store_other_signature(fd, other, sizeof(other))) {
		sb_addf(&scan->skipped, "%s holds a saveoops store but also %s: skipped, "
			"it may belong to something else\n", dev, other);
		goto out;
	}
	match = true;
out:
	close(fd);
	return match;
}

/**
 * store_locate() - find a store by its superblock among the block devices
 * @uuid: the store's UUID, or NULL for any store
 * @scan: what was found, set up by store_scan_init() (and emptied here)
 *
 * Whole disks and partitions are both tried, in /sys/class/block order. A
 * device with another signature as well as a store (store_other_signature())
 * is skipped and named in @scan->skipped.
 *
 * Return: the number of stores that match; the first is @scan->path.
 */
int store_locate(const uint8_t *uuid, struct store_scan *scan)
{
	DIR *dir = opendir("/sys/class/block");
	struct dirent *de;

	store_scan_free(scan);
	store_scan_init(scan);
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || !look_at(de->d_name, uuid, scan))
			continue;
		if (!scan->found++)
			snprintf(scan->path, sizeof(scan->path), "/dev/%s", de->d_name);
	}
	closedir(dir);
	return scan->found;
}

static void fill_uuid(uint8_t *uuid)
{
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	unsigned int i;

	if (fd >= 0 && !read_full(fd, 0, uuid, 16)) {
		close(fd);
		return;
	}
	if (fd >= 0)
		close(fd);
	for (i = 0; i < 16; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		uuid[i] = (uint8_t)(seed >> 56);
	}
}

/**
 * store_format() - write an empty store
 * @fd: the device or file, open for writing
 * @size: bytes to use, 0 for the whole device or file
 * @slots: number of records the store holds
 * @err: the reason on failure
 * @errlen: size of @err
 *
 * Return: 0 or -1.
 */
int store_format(int fd, uint64_t size, unsigned int slots, char *err, size_t errlen)
{
	struct store_record blank = { 0 };
	struct store_super sb = { 0 };
	uint64_t dev_size = 0, slot_size;
	char block[STORE_BLOCK] = { 0 };
	unsigned int i;

	if (device_size(fd, &dev_size))
		return set_err(err, errlen, "cannot size the store: %s", strerror(errno));
	if (!size)
		size = dev_size;
	if (slots == 0 || slots > STORE_MAX_SLOTS)
		return set_err(err, errlen, "%u slots: use 1 to %u", slots, STORE_MAX_SLOTS);
	slot_size = 0;
	if (size > STORE_BLOCK + STORE_TAIL)
		slot_size = (size - STORE_BLOCK - STORE_TAIL) / slots / STORE_BLOCK * STORE_BLOCK;
	if (slot_size < STORE_MIN_SLOT)
		return set_err(err, errlen,
			    "%" PRIu64 " bytes is too small for %u slots of at least %u KiB",
			    size, slots, STORE_MIN_SLOT / 1024);
	if (slot_size > STORE_MAX_SLOT)
		slot_size = STORE_MAX_SLOT;
	memcpy(sb.magic, STORE_MAGIC, 8);
	sb.version = STORE_VERSION;
	sb.slot_count = slots;
	sb.slot_size = slot_size;
	sb.size = STORE_BLOCK + slots * slot_size + STORE_TAIL;
	sb.created = (int64_t)time(NULL);
	fill_uuid(sb.uuid);
	sb.crc = super_crc(&sb);
	if (is_block_device(fd) && sb.size > dev_size)
		return set_err(err, errlen, "%" PRIu64 " bytes do not fit a device of %" PRIu64,
			       sb.size, dev_size);
	/* Allocate a file now: the capture kernel should not have to. */
	if (!is_block_device(fd) && posix_fallocate(fd, 0, (off_t)sb.size))
		return set_err(err, errlen, "cannot allocate %" PRIu64 " bytes", sb.size);
	for (i = 0; i < slots; i++)
		if (write_full(fd, STORE_BLOCK + (uint64_t)i * slot_size, &blank, sizeof(blank)))
			return set_err(err, errlen, "write error: %s", strerror(errno));
	/* No missed note yet; the backup superblock in the last block. */
	if (write_full(fd, sb.size - STORE_TAIL, block, sizeof(block)))
		return set_err(err, errlen, "write error: %s", strerror(errno));
	memcpy(block, &sb, sizeof(sb));
	if (write_full(fd, sb.size - STORE_BLOCK, block, sizeof(block)))
		return set_err(err, errlen, "write error: %s", strerror(errno));
	/* The superblock last: a format cut short leaves no store at all. */
	if (sync_fd(fd) || write_full(fd, 0, block, sizeof(block)) || sync_fd(fd))
		return set_err(err, errlen, "write error: %s", strerror(errno));
	return 0;
}

/**
 * store_recover_scan() - find records without a superblock
 * @fd: the device or file, open for reading
 * @fn: called for each record header found, in disk order; a non-zero
 *	return ends the scan with that value
 * @arg: passed to @fn
 * @err: the reason on failure
 * @errlen: size of @err
 *
 * Every 4 KiB block is read for a record header with a good checksum (a
 * slot starts on a block in both layouts); cleared headers are skipped. A
 * header's log is checked against its checksum as far as the device goes.
 *
 * Return: 0, @fn's non-zero return, or -1 with @err set.
 */
int store_recover_scan(int fd, store_found_fn fn, void *arg, char *err, size_t errlen)
{
	struct store_found f;
	uint64_t size = 0, off;
	char *buf;
	int ret;

	if (device_size(fd, &size))
		return set_err(err, errlen, "cannot size it: %s", strerror(errno));
	for (off = 0; off + STORE_HEADER <= size; off += STORE_BLOCK) {
		memset(&f, 0, sizeof(f));
		if (read_full(fd, off, &f.hdr, sizeof(f.hdr)) ||
		    memcmp(f.hdr.magic, STORE_RECORD_MAGIC, 8) ||
		    f.hdr.version != STORE_RECORD_VERSION || f.hdr.hdr_crc != header_crc(&f.hdr) ||
		    (f.hdr.flags & REC_CLEARED))
			continue;
		terminate_strings(&f.hdr);
		f.off = off;
		if (f.hdr.log_len <= size - off - STORE_HEADER) {
			buf = malloc(f.hdr.log_len ? f.hdr.log_len : 1);
			if (!buf)
				return set_err(err, errlen, "out of memory");
			f.log_ok = !read_full(fd, off + STORE_HEADER, buf, f.hdr.log_len) &&
				   crc32_le(0, buf, f.hdr.log_len) == f.hdr.log_crc;
			free(buf);
		}
		ret = fn(fd, &f, arg);
		if (ret)
			return ret;
	}
	return 0;
}
