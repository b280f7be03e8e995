// SPDX-License-Identifier: GPL-2.0
/*
 * The saveoops store. See store.h for the layout and the rules that keep
 * earlier records safe.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>	/* BLKGETSIZE64 */
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

/*
 * From the kernel's uapi <linux/fs.h> and <linux/fiemap.h>, which musl-gcc
 * does not see.
 */
struct fiemap_extent {
	uint64_t fe_logical;
	uint64_t fe_physical;
	uint64_t fe_length;
	uint64_t fe_reserved64[2];
	uint32_t fe_flags;
	uint32_t fe_reserved[3];
};

struct fiemap {
	uint64_t fm_start;
	uint64_t fm_length;
	uint32_t fm_flags;
	uint32_t fm_mapped_extents;
	uint32_t fm_extent_count;
	uint32_t fm_reserved;
	struct fiemap_extent fm_extents[];
};

#define FS_IOC_GETFLAGS			_IOR('f', 1, long)
#define FS_IOC_SETFLAGS			_IOW('f', 2, long)
#define FS_IOC_FIEMAP			_IOWR('f', 11, struct fiemap)
#define FS_IMMUTABLE_FL			0x00000010
#define FIEMAP_FLAG_SYNC		0x00000001
#define FIEMAP_EXTENT_UNKNOWN		0x00000002
#define FIEMAP_EXTENT_DELALLOC		0x00000004
#define FIEMAP_EXTENT_ENCODED		0x00000008
#define FIEMAP_EXTENT_DATA_ENCRYPTED	0x00000080
#define FIEMAP_EXTENT_NOT_ALIGNED	0x00000100
#define FIEMAP_EXTENT_DATA_INLINE	0x00000200
#define FIEMAP_EXTENT_DATA_TAIL		0x00000400
#define FIEMAP_EXTENT_UNWRITTEN		0x00000800
#define FIEMAP_EXTENT_SHARED		0x00002000

/*
 * @len bytes at store offset @off: through the extent map of a file store
 * on its raw device, else at @off of the device or file. An access reaching
 * outside the map fails whole, before any byte is written.
 */
static int store_io(const struct store *st, uint64_t off, void *buf, size_t len, bool write)
{
	const struct store_map *m = st->map;
	uint64_t start = 0;
	char *p = buf;
	unsigned int i;

	if (!m)
		return write ? write_full(st->fd, off, buf, len) : read_full(st->fd, off, buf, len);
	if (off + len < off || off + len > m->hdr.sectors * STORE_SECTOR) {
		errno = EIO;
		return -1;
	}
	for (i = 0; i < m->hdr.count && len; i++) {
		uint64_t bytes = m->ext[i].sectors * STORE_SECTOR;

		if (off < start + bytes) {
			uint64_t in = off - start;
			uint64_t dev = m->ext[i].sector * STORE_SECTOR + in;
			size_t n = len < bytes - in ? len : (size_t)(bytes - in);

			if (write ? write_full(st->fd, dev, p, n) : read_full(st->fd, dev, p, n))
				return -1;
			p += n;
			off += n;
			len -= n;
		}
		start += bytes;
	}
	if (len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static int st_read(const struct store *st, uint64_t off, void *buf, size_t len)
{
	return store_io(st, off, buf, len, false);
}

static int st_write(const struct store *st, uint64_t off, const void *buf, size_t len)
{
	return store_io(st, off, (void *)buf, len, true);
}

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

	if (st_read(st, missed_offset(&st->sb), m, sizeof(*m)) ||
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
	if (st_read(st, slot_offset(st, i), &s->hdr, sizeof(s->hdr)))
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
	    st_read(st, dev_size - STORE_BLOCK, &sb, sizeof(sb)) || !super_valid(&sb) ||
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
	return store_open_map(st, fd, NULL, how, err, errlen);
}

/**
 * store_open_map() - store_open_fd() for a file store on its raw device
 * @st: the store to set up; store_close() releases it, even on failure
 * @fd: the file system's block device (or an image of it)
 * @map: the file's extents, from store_locate_map() or store_file_map();
 *	 NULL for a store that is the whole of @fd
 * @how: as for store_open_fd()
 * @err: a one-line reason on failure
 * @errlen: size of @err
 *
 * Every later read and write goes through @map: nothing outside the
 * file's extents is touched.
 *
 * Return: 0, or -1 with @err set.
 */
int store_open_map(struct store *st, int fd, const struct store_map *map, unsigned int how,
		   char *err, size_t errlen)
{
	bool writable = how & STORE_WRITE;
	uint64_t size = 0;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	st->fd = fd;
	st->writable = writable;
	if (map) {
		st->map = malloc(sizeof(*map));
		if (!st->map)
			return set_err(err, errlen, "out of memory");
		*st->map = *map;
		size = map->hdr.sectors * STORE_SECTOR;
	} else if (device_size(fd, &size)) {
		size = 0;
	}
	if (writable && read_only(fd))
		return set_err(err, errlen, "the device is read-only");
	/* One writer at a time: export and clear rewrite headers they read. */
	if (writable && flock(fd, LOCK_EX | LOCK_NB))
		return set_err(err, errlen, "in use by another saveoops (%s)", strerror(errno));
	if (st_read(st, 0, &st->sb, sizeof(st->sb)))
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

/*
 * A store file is immutable between saveoops commands (format sets the
 * flag, so that nothing moves its extents): one that must write it clears
 * the flag for as long as the store is open.
 */
int store_open(struct store *st, const char *path, unsigned int how, char *err, size_t errlen)
{
	bool immutable = false;
	int fd, ret;

	if (how & STORE_WRITE)
		fd = store_open_file_rw(path, O_RDWR | O_CLOEXEC, 0, &immutable);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		memset(st, 0, sizeof(*st));
		st->fd = -1;
		return set_err(err, errlen, "%s: %s", path, strerror(errno));
	}
	ret = store_open_fd(st, fd, how, err, errlen);
	st->reset_immutable = immutable;
	return ret;
}

void store_close(struct store *st)
{
	if (st->fd >= 0 && st->reset_immutable)
		store_set_immutable(st->fd, true);
	if (st->fd >= 0)
		close(st->fd);
	free(st->map);
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
	if (st_read(st, slot_offset(st, slot) + STORE_HEADER, buf, hdr->log_len)) {
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
	if (st_write(st, slot_offset(st, slot), hdr, sizeof(*hdr)))
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
	    st_write(st, slot_offset(st, (unsigned int)slot) + STORE_HEADER, log, len) ||
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
	if (st_write(st, slot_offset(st, slot) + STORE_HEADER, zero, len) ||
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
	if (st_write(st, missed_offset(&st->sb), m, sizeof(*m)) || sync_fd(st->fd))
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

/*
 * A ZFS label's uberblock ring (128 KiB of 1 KiB uberblocks at +128 KiB),
 * read 8 KiB at a time, as far as the device goes: an uberblock's magic is
 * its first 8 bytes.
 */
static bool zfs_label_at(int fd, uint64_t off)
{
	unsigned char buf[8192];
	size_t have = 0, i, got;
	ssize_t n;

	for (; have < 128 * 1024; have += sizeof(buf)) {
		for (got = 0; got < sizeof(buf); got += (size_t)n) {
			n = pread(fd, buf + got, sizeof(buf) - got,
				  (off_t)(off + 128 * 1024 + have + got));
			if (n < 0 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n <= 0)
				break;
		}
		for (i = 0; i + 8 <= got; i += 1024)
			if (!memcmp(buf + i, ZFS_UBER_MAGIC, 8) ||
			    !memcmp(buf + i, ZFS_UBER_MAGIC_BE, 8))
				return true;
		if (got < sizeof(buf))
			break;
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

/* Allocate @size bytes of a file and write zeros over them. */
static int zero_file(int fd, uint64_t size, char *err, size_t errlen)
{
	static const char zeros[64 * 1024];
	uint64_t off;
	size_t n;
	int ret = posix_fallocate(fd, 0, (off_t)size);

	/* Without fallocate (ext2, musl's posix_fallocate), the zeros allocate. */
	if (ret && ret != EOPNOTSUPP)
		return set_err(err, errlen, "cannot allocate %" PRIu64 " bytes: %s", size,
			       strerror(ret));
	for (off = 0; off < size; off += n) {
		n = size - off < sizeof(zeros) ? (size_t)(size - off) : sizeof(zeros);
		if (write_full(fd, off, zeros, n))
			return set_err(err, errlen, "write error: %s", strerror(errno));
	}
	if (fsync(fd))
		return set_err(err, errlen, "fsync: %s", strerror(errno));
	return 0;
}

#define MIB	(1024ULL * 1024)

/* Zero @len bytes at @off. */
static int zero_out(int fd, uint64_t off, uint64_t len)
{
	static const char zeros[64 * 1024];

	while (len) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);

		if (write_full(fd, off, zeros, n))
			return -1;
		off += n;
		len -= n;
	}
	return 0;
}

/**
 * store_wipe_signatures() - erase what probes look for, before a format
 * @fd: the device or file, open for writing
 * @size: its size
 *
 * Zeroes the first 4 MiB and a block (LUKS2's last secondary header), the
 * last MiB (md 0.90/1.0, ZFS, the backup GPT) and btrfs' mirror
 * superblocks at 64 MiB and 256 GiB: after it and store_format(),
 * store_other_signature() finds nothing.
 *
 * Return: 0, or -1 with errno set.
 */
int store_wipe_signatures(int fd, uint64_t size)
{
	static const uint64_t btrfs_mirrors[] = { 64 * MIB, 256 * 1024 * MIB };
	uint64_t head = size < 4 * MIB + STORE_BLOCK ? size : 4 * MIB + STORE_BLOCK;
	unsigned int i;

	if (zero_out(fd, 0, head))
		return -1;
	if (size > head && zero_out(fd, size - MIB > head ? size - MIB : head,
				    size - MIB > head ? MIB : size - head))
		return -1;
	for (i = 0; i < ARRAY_SIZE(btrfs_mirrors); i++)
		if (btrfs_mirrors[i] + STORE_BLOCK <= size &&
		    zero_out(fd, btrfs_mirrors[i], STORE_BLOCK))
			return -1;
	return fdatasync(fd);
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
	/*
	 * A file is allocated and written whole now: the capture kernel must
	 * find only written extents it can overwrite in place (a file on
	 * dm-crypt is refused: its sectors are ciphertext).
	 */
	if (!is_block_device(fd) && (store_file_refused(fd, err, errlen) ||
				     zero_file(fd, sb.size, err, errlen)))
		return -1;
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

/* Where sysfs and the device nodes are; tests point them at trees of their own. */
static const char *sysfs = "/sys";
static const char *devdir = "/dev";

/**
 * store_set_devdir() - look for store_locate_map()'s devices in @dir
 * @dir: a directory of device nodes (or images named as devices), NULL for /dev
 */
void store_set_devdir(const char *dir)
{
	devdir = dir ? dir : "/dev";
}

/**
 * store_set_sysfs() - read block device facts under @root instead of /sys
 * @root: a directory laid out as /sys is (dev/block/M:m/...), NULL for /sys
 */
void store_set_sysfs(const char *root)
{
	sysfs = root ? root : "/sys";
}

/* The "M:m" in the sysfs file @path. */
static bool read_devnum(const char *path, unsigned int *maj, unsigned int *min)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%u:%u", maj, min) == 2;
	fclose(f);
	return ok;
}

/* Is block device @maj:@min, or one it is built on, dm-crypt? */
static bool crypt_below(unsigned int maj, unsigned int min, unsigned int depth, char *what,
			size_t size)
{
	char path[PATH_MAX], uuid[160];
	unsigned int smaj, smin;
	struct dirent *de;
	bool found = false;
	FILE *f;
	DIR *d;

	if (depth > 8)
		return false;
	snprintf(path, sizeof(path), "%s/dev/block/%u:%u/dm/uuid", sysfs, maj, min);
	f = fopen(path, "re");
	if (f) {
		if (fgets(uuid, sizeof(uuid), f) && !strncmp(uuid, "CRYPT-", 6)) {
			snprintf(what, size, "dm-crypt (device %u:%u)", maj, min);
			found = true;
		}
		fclose(f);
	}
	/* A partition: the disk it is on. */
	snprintf(path, sizeof(path), "%s/dev/block/%u:%u/../dev", sysfs, maj, min);
	if (!found && !access(path, F_OK) && read_devnum(path, &smaj, &smin) &&
	    (smaj != maj || smin != min))
		found = crypt_below(smaj, smin, depth + 1, what, size);
	snprintf(path, sizeof(path), "%s/dev/block/%u:%u/slaves", sysfs, maj, min);
	d = opendir(path);
	while (d && !found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/dev/block/%u:%u/slaves/%s/dev", sysfs, maj, min,
			 de->d_name);
		if (read_devnum(path, &smaj, &smin))
			found = crypt_below(smaj, smin, depth + 1, what, size);
	}
	if (d)
		closedir(d);
	return found;
}

/**
 * store_file_refused() - is a file where its raw sectors are not its bytes
 * @fd: the store file
 * @err: the reason
 * @errlen: size of @err
 *
 * A file on dm-crypt (directly, or under LVM or md) is ciphertext on the
 * device the capture kernel would write: refused.
 *
 * Return: 0, or -1 with @err set.
 */
int store_file_refused(int fd, char *err, size_t errlen)
{
	char what[64];
	struct stat stb;

	if (fstat(fd, &stb) || !S_ISREG(stb.st_mode))
		return 0;
	if (crypt_below(major(stb.st_dev), minor(stb.st_dev), 0, what, sizeof(what)))
		return set_err(err, errlen, "the file is on %s: its sectors on the device are "
			       "ciphertext the capture kernel cannot write; put the store on a "
			       "partition of its own", what);
	return 0;
}

/**
 * store_file_stacked() - is a file's file system on device mapper or md
 * @fd: the store file
 * @what: set to what it is on, e.g. "device mapper (dm-3, LVM-...)"
 * @size: size of @what
 *
 * The capture kernel's initramfs assembles neither: a store file there is
 * found only if the capture kernel sets the device up itself.
 *
 * Return: true if it is.
 */
bool store_file_stacked(int fd, char *what, size_t size)
{
	char path[PATH_MAX], uuid[160] = "";
	struct stat stb;
	FILE *f;

	if (fstat(fd, &stb) || !S_ISREG(stb.st_mode))
		return false;
	snprintf(path, sizeof(path), "%s/dev/block/%u:%u/dm/uuid", sysfs, major(stb.st_dev),
		 minor(stb.st_dev));
	f = fopen(path, "re");
	if (f) {
		if (!fgets(uuid, sizeof(uuid), f))
			uuid[0] = '\0';
		fclose(f);
		uuid[strcspn(uuid, "\n")] = '\0';
		snprintf(what, size, "device mapper (%u:%u%s%s)", major(stb.st_dev),
			 minor(stb.st_dev), uuid[0] ? ", " : "", uuid);
		return true;
	}
	snprintf(path, sizeof(path), "%s/dev/block/%u:%u/md", sysfs, major(stb.st_dev),
		 minor(stb.st_dev));
	if (access(path, F_OK))
		return false;
	snprintf(what, size, "an md array (%u:%u)", major(stb.st_dev), minor(stb.st_dev));
	return true;
}

/* Open the device @maj:@min names, as /dev/NAME from its uevent. */
static int open_devnum(unsigned int maj, unsigned int min, int flags)
{
	char path[PATH_MAX], line[256];
	FILE *f;
	int fd = -1;

	snprintf(path, sizeof(path), "%s/dev/block/%u:%u/uevent", sysfs, maj, min);
	f = fopen(path, "re");
	while (f && fd < 0 && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "DEVNAME=", 8))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, sizeof(path), "/dev/%s", line + 8);
		fd = open(path, flags | O_CLOEXEC);
	}
	if (f)
		fclose(f);
	return fd;
}

/**
 * store_fs_uuid() - the UUID of the file system on a device
 * @fd: the device, open for reading
 * @uuid: set to the UUID, or zeros
 *
 * Return: true for ext2/3/4 and XFS, whose superblocks we know.
 */
bool store_fs_uuid(int fd, uint8_t *uuid)
{
	if (magic_at(fd, 1024 + 56, "\x53\xef", 2) && !read_full(fd, 1024 + 104, uuid, 16))
		return true;
	if (magic_at(fd, 0, "XFSB", 4) && !read_full(fd, 32, uuid, 16))
		return true;
	memset(uuid, 0, 16);
	return false;
}

static uint32_t map_crc(const struct store_map *map)
{
	struct store_map_hdr hdr = map->hdr;
	uint32_t crc;

	hdr.crc = 0;
	crc = crc32_le(0, &hdr, sizeof(hdr));
	return crc32_le(crc, map->ext, map->hdr.count * sizeof(map->ext[0]));
}

/* An extent FIEMAP reported with one of these cannot be written in place. */
static const char *bad_extent(uint32_t flags)
{
	static const struct {
		uint32_t flag;
		const char *name;
	} bad[] = {
		{ FIEMAP_EXTENT_UNWRITTEN, "unwritten (allocated, reads as zeros)" },
		{ FIEMAP_EXTENT_SHARED, "shared with another file (reflinked)" },
		{ FIEMAP_EXTENT_UNKNOWN, "of unknown location" },
		{ FIEMAP_EXTENT_DELALLOC, "not allocated yet" },
		{ FIEMAP_EXTENT_ENCODED, "encoded (compressed)" },
		{ FIEMAP_EXTENT_DATA_ENCRYPTED, "encrypted" },
		{ FIEMAP_EXTENT_NOT_ALIGNED, "not block aligned" },
		{ FIEMAP_EXTENT_DATA_INLINE, "inline in metadata" },
		{ FIEMAP_EXTENT_DATA_TAIL, "packed with other files' tails" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		if (flags & bad[i].flag)
			return bad[i].name;
	return NULL;
}

/* Append @sectors at @sector, merged with the last extent when contiguous. */
static int add_extent(struct store_map *map, uint64_t sector, uint64_t sectors)
{
	struct store_extent *last = map->hdr.count ? &map->ext[map->hdr.count - 1] : NULL;

	if (last && last->sector + last->sectors == sector) {
		last->sectors += sectors;
		return 0;
	}
	if (map->hdr.count == STORE_MAP_MAX)
		return -1;
	map->ext[map->hdr.count].sector = sector;
	map->ext[map->hdr.count].sectors = sectors;
	map->hdr.count++;
	return 0;
}

#define FIEMAP_BATCH	64

/* FIEMAP's extents of @fd over [0, @size) into @map; -1 with @err if unfit. */
static int fiemap_extents(int fd, uint64_t size, struct store_map *map, char *err,
			  size_t errlen)
{
	size_t fmsize = sizeof(struct fiemap) + FIEMAP_BATCH * sizeof(struct fiemap_extent);
	struct fiemap *fm = malloc(fmsize);
	uint64_t pos = 0;
	unsigned int i;
	int ret = 0;

	if (!fm)
		return set_err(err, errlen, "out of memory");
	while (!ret && pos < size) {
		memset(fm, 0, fmsize);
		fm->fm_start = pos;
		fm->fm_length = size - pos;
		fm->fm_flags = FIEMAP_FLAG_SYNC;
		fm->fm_extent_count = FIEMAP_BATCH;
		if (ioctl(fd, FS_IOC_FIEMAP, fm)) {
			ret = set_err(err, errlen, "FIEMAP: %s: the file system does not say "
				      "where the file's blocks are", strerror(errno));
			break;
		}
		if (!fm->fm_mapped_extents)
			ret = set_err(err, errlen, "a hole at byte %" PRIu64, pos);
		for (i = 0; !ret && i < fm->fm_mapped_extents && pos < size; i++) {
			const struct fiemap_extent *fe = &fm->fm_extents[i];
			const char *bad = bad_extent(fe->fe_flags);
			uint64_t in, len;

			if (fe->fe_logical + fe->fe_length <= pos)
				continue;
			if (fe->fe_logical > pos) {
				ret = set_err(err, errlen, "a hole at byte %" PRIu64, pos);
				break;
			}
			if (bad) {
				ret = set_err(err, errlen, "the extent at byte %" PRIu64 " is %s",
					      fe->fe_logical, bad);
				break;
			}
			in = pos - fe->fe_logical;
			len = fe->fe_length - in < size - pos ? fe->fe_length - in : size - pos;
			if ((fe->fe_physical + in) % STORE_SECTOR || len % STORE_SECTOR) {
				ret = set_err(err, errlen, "the extent at byte %" PRIu64
					      " is not sector aligned", fe->fe_logical);
				break;
			}
			if (add_extent(map, (fe->fe_physical + in) / STORE_SECTOR,
				       len / STORE_SECTOR)) {
				ret = set_err(err, errlen, "more than %u extents: too fragmented "
					      "(defragment it or make it smaller)", STORE_MAP_MAX);
				break;
			}
			pos += len;
		}
	}
	free(fm);
	return ret;
}

/**
 * store_file_map() - a store file's extents on its file system's device
 * @fd: the file, starting with a version 2 superblock
 * @map: set to the extents over the store's size, with the device and its
 *	 file system's UUID
 * @err: why the file cannot be written through its extents
 * @errlen: size of @err
 *
 * Refused: a file on dm-crypt, a hole, and an extent that is unwritten,
 * shared, encoded, inline, of unknown place or not sector aligned.
 *
 * Return: 0, or -1 with @err set.
 */
int store_file_map(int fd, struct store_map *map, char *err, size_t errlen)
{
	struct store_super sb;
	struct stat stb;
	int dev;

	memset(map, 0, sizeof(*map));
	if (fstat(fd, &stb) || !S_ISREG(stb.st_mode))
		return set_err(err, errlen, "not a regular file");
	if (read_full(fd, 0, &sb, sizeof(sb)) || !super_valid(&sb) ||
	    sb.version == STORE_VERSION_1 || check_super(&sb, (uint64_t)stb.st_size, err, errlen))
		return set_err(err, errlen, "no version %u store at the start of the file",
			       STORE_VERSION);
	if (store_file_refused(fd, err, errlen) || fiemap_extents(fd, sb.size, map, err, errlen))
		return -1;
	/* The capture reads the superblock and this map at the first sector. */
	if (map->ext[0].sectors < STORE_BLOCK / STORE_SECTOR)
		return set_err(err, errlen, "the file's first %u bytes are not contiguous on "
			       "the device", STORE_BLOCK);
	memcpy(map->hdr.magic, STORE_MAP_MAGIC, 8);
	map->hdr.version = STORE_MAP_VERSION;
	map->hdr.dev_major = major(stb.st_dev);
	map->hdr.dev_minor = minor(stb.st_dev);
	map->hdr.sectors = sb.size / STORE_SECTOR;
	dev = open_devnum(map->hdr.dev_major, map->hdr.dev_minor, O_RDONLY);
	if (dev >= 0) {
		store_fs_uuid(dev, map->hdr.fs_uuid);
		close(dev);
	}
	map->hdr.crc = map_crc(map);
	return 0;
}

/*
 * Extents the capture can write through: each one's bytes addressable in
 * 64 bits (a sector beyond would wrap to the start of the device), none
 * overlapping another (a write through one would change the other).
 */
static bool extents_apart(const struct store_map *map)
{
	unsigned int i, j;

	for (i = 0; i < map->hdr.count; i++) {
		const struct store_extent *e = &map->ext[i];

		if (e->sector > UINT64_MAX / STORE_SECTOR - e->sectors)
			return false;
		for (j = 0; j < i; j++)
			if (e->sector < map->ext[j].sector + map->ext[j].sectors &&
			    map->ext[j].sector < e->sector + e->sectors)
				return false;
	}
	return true;
}

/**
 * store_map_read() - read and check an extent map
 * @fd: a store file, or a device with a file store's block 0 at @off
 * @off: where block 0 is
 * @map: set to the map
 *
 * Return: 0 for a map with a good checksum whose extents add up, lie
 * apart, are addressable and hold block 0 in the first (so that the
 * superblock and the map read at the store's first sector are its own),
 * else -1.
 */
int store_map_read(int fd, uint64_t off, struct store_map *map)
{
	uint64_t sum = 0;
	unsigned int i;

	memset(map, 0, sizeof(*map));
	if (read_full(fd, off + STORE_MAP_OFF, &map->hdr, sizeof(map->hdr)) ||
	    memcmp(map->hdr.magic, STORE_MAP_MAGIC, 8) || map->hdr.version != STORE_MAP_VERSION ||
	    !map->hdr.count || map->hdr.count > STORE_MAP_MAX ||
	    read_full(fd, off + STORE_MAP_OFF + sizeof(map->hdr), map->ext,
		      map->hdr.count * sizeof(map->ext[0])) ||
	    map->hdr.crc != map_crc(map))
		goto bad;
	for (i = 0; i < map->hdr.count; i++) {
		if (!map->ext[i].sectors || map->ext[i].sectors > UINT64_MAX / STORE_SECTOR ||
		    sum + map->ext[i].sectors < sum)
			goto bad;
		sum += map->ext[i].sectors;
	}
	if (sum != map->hdr.sectors || sum > UINT64_MAX / STORE_SECTOR ||
	    map->ext[0].sectors < STORE_BLOCK / STORE_SECTOR || !extents_apart(map))
		goto bad;
	return 0;
bad:
	memset(map, 0, sizeof(*map));
	return -1;
}

static int map_write(int fd, const struct store_map *map)
{
	char buf[STORE_BLOCK - STORE_MAP_OFF] = { 0 };
	uint64_t size = map->hdr.sectors * STORE_SECTOR;

	memcpy(buf, &map->hdr, sizeof(map->hdr));
	memcpy(buf + sizeof(map->hdr), map->ext, map->hdr.count * sizeof(map->ext[0]));
	if (write_full(fd, STORE_MAP_OFF, buf, sizeof(buf)) ||
	    write_full(fd, size - STORE_BLOCK + STORE_MAP_OFF, buf, sizeof(buf)))
		return -1;
	return fdatasync(fd);
}

int store_set_immutable(int fd, bool on)
{
	int flags;

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags))
		return -1;
	flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
	return ioctl(fd, FS_IOC_SETFLAGS, &flags);
}

/**
 * store_open_file_rw() - open(2) a store for writing, immutable or not
 * @path: the store
 * @flags: open(2)'s, with O_RDWR
 * @mode: for O_CREAT
 * @was_immutable: set when the flag was cleared to open it; the caller
 *	 sets it again when done
 *
 * Return: the descriptor, or -1 with errno set.
 */
int store_open_file_rw(const char *path, int flags, mode_t mode, bool *was_immutable)
{
	int fd = open(path, flags, mode), ro, attr;

	*was_immutable = false;
	if (fd >= 0 || errno != EPERM)
		return fd;
	ro = open(path, O_RDONLY | O_CLOEXEC);
	if (ro < 0)
		return -1;
	if (ioctl(ro, FS_IOC_GETFLAGS, &attr) || !(attr & FS_IMMUTABLE_FL) ||
	    store_set_immutable(ro, false)) {
		close(ro);
		errno = EPERM;
		return -1;
	}
	fd = open(path, flags, mode);
	if (fd < 0)
		store_set_immutable(ro, true);
	else
		*was_immutable = true;
	close(ro);
	return fd;
}

/**
 * store_seal_file() - make a freshly formatted store file capture-ready
 * @fd: the file, open for writing, just formatted (and so written whole)
 * @map: set to its extents
 * @err: the reason on failure
 * @errlen: size of @err
 *
 * Maps the file (store_file_map()), writes the map into block 0 and the
 * backup block, checks the extents did not move, and sets the file
 * immutable so that no defragmenter, deduplicator or truncation moves them
 * later. On failure block 0 is zeroed: no half-made store is left.
 *
 * Return: 0, or -1 with @err set.
 */
int store_seal_file(int fd, struct store_map *map, char *err, size_t errlen)
{
	static const char zero[STORE_BLOCK];
	struct store_map again;

	if (store_file_map(fd, map, err, errlen))
		goto undo;
	if (map_write(fd, map)) {
		set_err(err, errlen, "write error: %s", strerror(errno));
		goto undo;
	}
	if (store_file_map(fd, &again, err, errlen))
		goto undo;
	if (memcmp(map, &again, sizeof(again))) {
		set_err(err, errlen, "the file's extents moved while it was mapped");
		goto undo;
	}
	if (store_set_immutable(fd, true)) {
		set_err(err, errlen, "cannot make it immutable: %s", strerror(errno));
		goto undo;
	}
	return 0;
undo:
	if (!write_full(fd, 0, zero, sizeof(zero)))
		fdatasync(fd);
	return -1;
}

/* A file store's map at @sector of @fd, checked against the device; NULL if none. */
static const char *map_mismatch(int fd, uint64_t sector, const struct store_map *map)
{
	uint8_t fs[16], none[16] = { 0 };

	if (map->ext[0].sector != sector)
		return "its extent map does not start where the store does";
	if (memcmp(map->hdr.fs_uuid, none, 16) &&
	    (!store_fs_uuid(fd, fs) || memcmp(fs, map->hdr.fs_uuid, 16)))
		return "the file system on the device is not the one the store was mapped on";
	return NULL;
}

/* Does @name hold the file store @uuid at @sector? */
static bool look_at_sector(const char *name, const uint8_t *uuid, uint64_t sector,
			   struct store_scan *scan, struct store_map *map)
{
	char dev[PATH_MAX], id[UUID_STR_LEN];
	struct store_super sb;
	const char *why;
	bool match = false;
	int fd;

	snprintf(dev, sizeof(dev), "%s/%s", devdir, name);
	sb_addf(&scan->seen, "%s%s ", scan->seen.len ? ", " : "", name);
	fd = open(dev, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		sb_addf(&scan->seen, "(cannot open: %s)", strerror(errno));
		return false;
	}
	if (read_full(fd, sector * STORE_SECTOR, &sb, sizeof(sb)) || !super_valid(&sb)) {
		sb_addf(&scan->seen, "(no store at sector %" PRIu64 ")", sector);
		goto out;
	}
	uuid_str(sb.uuid, id);
	sb_addf(&scan->seen, "(store %s at sector %" PRIu64 ")", id, sector);
	if (memcmp(uuid, sb.uuid, 16))
		goto out;
	if (store_map_read(fd, sector * STORE_SECTOR, map)) {
		sb_addf(&scan->skipped, "%s: the store at sector %" PRIu64 " has no valid "
			"extent map: skipped\n", dev, sector);
		goto out;
	}
	why = map_mismatch(fd, sector, map);
	if (why) {
		sb_addf(&scan->skipped, "%s: the store at sector %" PRIu64 ": %s: skipped\n",
			dev, sector, why);
		goto out;
	}
	match = true;
out:
	close(fd);
	return match;
}

/**
 * store_locate_map() - find a file store by its UUID and first sector
 * @uuid: the store's UUID
 * @sector: its first sector on its file system's device ("saveoops format"
 *	    prints it)
 * @scan: what was found, as for store_locate()
 * @map: set to the first match's extent map, read from the device and
 *	 checked: it starts at @sector and names the device's file system
 *
 * Return: the number of devices that hold it; the first is @scan->path.
 */
int store_locate_map(const uint8_t *uuid, uint64_t sector, struct store_scan *scan,
		     struct store_map *map)
{
	DIR *dir;
	char path[PATH_MAX];
	struct store_map found;
	struct dirent *de;

	snprintf(path, sizeof(path), "%s/class/block", sysfs);
	dir = opendir(path);
	store_scan_free(scan);
	store_scan_init(scan);
	memset(map, 0, sizeof(*map));
	if (!dir || sector > UINT64_MAX / STORE_SECTOR) {
		if (dir)
			closedir(dir);
		return 0;
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || !look_at_sector(de->d_name, uuid, sector, scan, &found))
			continue;
		if (!scan->found++) {
			snprintf(scan->path, sizeof(scan->path), "%s/%s", devdir, de->d_name);
			*map = found;
		}
	}
	closedir(dir);
	return scan->found;
}
