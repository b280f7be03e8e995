/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The saveoops store: crash records on a raw block device, a partition or
 * a file.
 *
 * Layout (version 2), all little endian:
 *	block 0			superblock (struct store_super), written by format only
 *	slot i			at STORE_BLOCK + i * slot_size: a 512-byte record
 *				header (struct store_record) and the log after it
 *	block after the slots	the missed note (struct store_missed), alone in
 *				its block, so that writing it never touches the
 *				superblock's (a 4 KiB-sector disk rewrites whole
 *				blocks)
 *	last block		a copy of the superblock, read when block 0 is
 *				damaged; written by format only
 * Version 1 stores (no tail; the missed note in block 0's second sector) are
 * still read and written; format makes version 2.
 *
 * A store in a file also carries its extent map (struct store_map_hdr and
 * the extents) at byte STORE_MAP_OFF of block 0 and of the last block, which
 * version 2 leaves zero and older tools ignore. Format writes the file whole
 * (no unwritten or shared extent), maps it with FIEMAP and makes it
 * immutable, so the map stays true; the capture kernel then writes the
 * file's sectors on the raw device through the map, after finding our
 * superblock at its first extent, and never mounts the file system
 * read-write.
 *
 * A slot is written header-last: its header is zeroed and synced, the log
 * written and synced, then the new header written and synced. Power lost at
 * any point leaves the slot empty or complete, and no other slot is touched,
 * so a cut-off write never damages an earlier record.
 *
 * Retention: a new record takes an empty slot, else the slot of the oldest
 * record already exported (or cleared). An unexported record is never
 * overwritten; when every slot holds one the store is full, the new crash
 * is not written, and the capture side says so on the console and counts
 * it in the missed note (struct store_missed), which "saveoops list" reports
 * until "clear --all" or "format" resets it. The superblock is never
 * rewritten.
 */
#ifndef SAVEOOPS_STORE_H
#define SAVEOOPS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the store format is little endian; add byte swapping for this host"
#endif

#define STORE_MAGIC		"SAVEOOPS"
#define STORE_RECORD_MAGIC	"SAVEOREC"
#define STORE_MISSED_MAGIC	"SAVEOMIS"
#define STORE_VERSION		2	/* of the layout; format writes this one */
#define STORE_VERSION_1		1	/* no tail, the note in block 0: still read */
#define STORE_RECORD_VERSION	1	/* of struct store_record and store_missed */
#define STORE_TAIL		(2 * STORE_BLOCK)	/* version 2: note, backup superblock */
#define STORE_BLOCK		4096U
#define STORE_HEADER		512U
#define STORE_MIN_SLOT		(64U * 1024)
#define STORE_MAX_SLOT		(1ULL << 30)	/* log_len is 32 bits; a GiB is plenty */
#define STORE_MAX_SLOTS		1024U
#define STORE_DEFAULT_SLOTS	8U

struct store_super {
	char magic[8];
	uint32_t version;
	uint32_t slot_count;
	uint64_t slot_size;		/* bytes, header included, a block multiple */
	uint64_t size;			/* bytes in use: superblock, slots, tail */
	int64_t created;		/* Unix time of format */
	uint8_t uuid[16];
	uint32_t reserved;
	uint32_t crc;			/* crc32_le of everything before it */
};

/* Record flags */
#define REC_EXPORTED	(1U << 0)	/* archived by "saveoops export": may be reused */
#define REC_CLEARED	(1U << 1)	/* removed by "saveoops clear": slot is free */
#define REC_TRUNCATED	(1U << 2)	/* the log's head did not fit the slot */
#define REC_RING_DAMAGED (1U << 3)	/* the decoder skipped records */

struct store_record {
	char magic[8];
	uint32_t version;
	uint32_t hdr_crc;		/* crc32_le of the header with this field 0 */
	uint64_t seq;			/* 1, 2, ... per store */
	int64_t crash_time;		/* CRASHTIME from VMCOREINFO, 0 if none */
	int64_t capture_time;		/* the capture kernel's clock at write */
	uint32_t log_len;
	uint32_t log_crc;
	uint32_t flags;
	uint32_t log_dropped;		/* bytes cut from the log's head */
	uint64_t records;		/* printk records in the log */
	uint64_t skipped;		/* printk records skipped as damaged */
	char release[65];		/* OSRELEASE */
	char build_id[41];		/* BUILD-ID */
	char reason[256];		/* the panic or oops line */
	char pad[STORE_HEADER - 434];
};

/* Crashes not saved because the store was full; all zero when there were none. */
struct store_missed {
	char magic[8];
	uint32_t version;
	uint32_t crc;			/* crc32_le of the note with this field 0 */
	uint64_t count;			/* crashes not saved since the last reset */
	int64_t last_crash_time;	/* of the latest one, as in a record */
	char last_release[65];
	char last_reason[256];
	char pad[STORE_HEADER - 353];
};

_Static_assert(sizeof(struct store_super) == 64, "superblock layout");
_Static_assert(sizeof(struct store_record) == STORE_HEADER, "record header layout");
_Static_assert(sizeof(struct store_missed) == STORE_HEADER, "missed note layout");

/* A file store's extent map; sectors of 512 bytes on the file system's device. */
#define STORE_MAP_MAGIC		"SAVEOMAP"
#define STORE_MAP_VERSION	1
#define STORE_MAP_OFF		1024U
#define STORE_SECTOR		512U
#define STORE_MAP_MAX		((STORE_BLOCK - STORE_MAP_OFF - 64) / 16)

struct store_extent {
	uint64_t sector;		/* first sector on the device */
	uint64_t sectors;		/* length; the file's bytes follow each other */
};

struct store_map_hdr {
	char magic[8];
	uint32_t version;
	uint32_t count;			/* extents that follow, at most STORE_MAP_MAX */
	uint32_t dev_major;		/* the file system's device at format time */
	uint32_t dev_minor;
	uint8_t fs_uuid[16];		/* its UUID (ext2/3/4, XFS), zeros if unknown */
	uint64_t sectors;		/* the store's size: the extents' sum */
	uint32_t reserved[3];
	uint32_t crc;			/* crc32_le of the header with 0 here, and the extents */
};

struct store_map {
	struct store_map_hdr hdr;
	struct store_extent ext[STORE_MAP_MAX];
};

_Static_assert(sizeof(struct store_map_hdr) == 64, "extent map header layout");
_Static_assert(sizeof(struct store_map) <= STORE_BLOCK - STORE_MAP_OFF, "extent map size");

enum slot_state {
	SLOT_EMPTY,		/* never written, cleared, or a capture cut off */
	SLOT_RECORD,		/* a record with a good checksum */
	SLOT_DAMAGED,		/* a good header whose log fails its checksum */
	/*
	 * A header that is neither ours nor all zeros: a damaged one, or
	 * another program's data. Never written, only reported.
	 */
	SLOT_UNKNOWN,
};

/* How store_open() opens a store */
#define STORE_WRITE	(1U << 0)	/* for writing, under an exclusive lock */
/*
 * Read headers only: logs are not checked and no slot is SLOT_DAMAGED.
 * Enough to write a record: no slot is taken or kept for its log's sake.
 */
#define STORE_HEADERS	(1U << 1)

struct store_slot {
	enum slot_state state;
	struct store_record hdr;	/* valid for SLOT_RECORD and SLOT_DAMAGED */
};

/* The slot holds a record (good or damaged), with a valid header. */
static inline bool store_slot_used(const struct store_slot *s)
{
	return s->state == SLOT_RECORD || s->state == SLOT_DAMAGED;
}

struct store {
	int fd;
	bool writable;
	/*
	 * A file store on its raw device: store offsets go through the map,
	 * and nothing outside its extents is ever read or written.
	 */
	struct store_map *map;
	bool reset_immutable;		/* store_close() sets the flag again */
	struct store_super sb;
	struct store_slot *slots;
	uint64_t max_seq;		/* highest seq any readable header had */
	struct store_missed missed;	/* zeroed unless there is a valid one */
	bool from_backup;		/* block 0 was damaged: sb is the backup's */
};

int store_open(struct store *st, const char *path, unsigned int how, char *err,
	       size_t errlen);
int store_open_fd(struct store *st, int fd, unsigned int how, char *err, size_t errlen);
int store_open_map(struct store *st, int fd, const struct store_map *map, unsigned int how,
		   char *err, size_t errlen);
void store_close(struct store *st);
bool store_probe(int fd);

uint64_t store_log_space(const struct store *st);
int store_read_log(const struct store *st, unsigned int slot, struct strbuf *log,
		   char *err, size_t errlen);
int store_find_seq(const struct store *st, uint64_t seq);
int store_newest(const struct store *st);
bool store_slot_reusable(const struct store_slot *s);
int store_pick_slot(const struct store *st);
#define STORE_FULL	(-2)	/* store_write(): no slot may be taken */

int store_write(struct store *st, struct store_record *hdr, const char *log,
		size_t len, char *err, size_t errlen);
int store_set_flags(struct store *st, unsigned int slot, uint32_t flags, char *err,
		    size_t errlen);
int store_clear(struct store *st, unsigned int slot, char *err, size_t errlen);
int store_note_missed(struct store *st, const struct store_record *hdr, char *err,
		      size_t errlen);
int store_reset_missed(struct store *st, char *err, size_t errlen);

bool store_other_signature(int fd, char *what, size_t size);

/* What store_locate() found among the block devices. */
struct store_scan {
	char path[264];		/* the first store that matched: /dev/NAME */
	int found;		/* stores that matched */
	struct strbuf seen;	/* "NAME (what it holds), ..." for every device */
	struct strbuf skipped;	/* one line per store not used, and why */
};

void store_scan_init(struct store_scan *scan);
void store_scan_free(struct store_scan *scan);
int store_locate(const uint8_t *uuid, struct store_scan *scan);
int store_format(int fd, uint64_t size, unsigned int slots, char *err, size_t errlen);
int store_wipe_signatures(int fd, uint64_t size);

void store_set_sysfs(const char *root);
void store_set_devdir(const char *dir);
int store_file_refused(int fd, char *err, size_t errlen);
bool store_file_stacked(int fd, char *what, size_t size);
int store_file_map(int fd, struct store_map *map, char *err, size_t errlen);
int store_seal_file(int fd, struct store_map *map, char *err, size_t errlen);
int store_map_read(int fd, uint64_t off, struct store_map *map);
bool store_fs_uuid(int fd, uint8_t *uuid);
int store_set_immutable(int fd, bool on);
int store_open_file_rw(const char *path, int flags, mode_t mode, bool *was_immutable);
int store_locate_map(const uint8_t *uuid, uint64_t sector, struct store_scan *scan,
		     struct store_map *map);

/* A record found by store_recover_scan(), without a superblock. */
struct store_found {
	uint64_t off;			/* of its header */
	struct store_record hdr;
	bool log_ok;			/* the log matches its checksum */
};

typedef int (*store_found_fn)(int fd, const struct store_found *f, void *arg);
int store_recover_scan(int fd, store_found_fn fn, void *arg, char *err, size_t errlen);

#endif /* SAVEOOPS_STORE_H */
