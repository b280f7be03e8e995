// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the store: the input is a store image. It is probed
 * for other signatures and scanned for records as "saveoops recover" does,
 * then opened and every record read, then a small record is written and the
 * store's promise checked (abort() if broken): no slot holding a record
 * nobody exported, nor one whose header is not ours, changes a byte, the
 * superblock does not change, and the new record reads back. Then the
 * missed note, set_flags and clear each change only their own bytes.
 *
 * The extent map at byte 1024 of block 0 and of the last block is read and
 * must be one the capture can use (block 0 in its first extent, extents
 * apart and addressable). With a good one, a device is made of the image
 * scattered over the map's extents: store_locate_map() finds the store at
 * its first sector, never at its backup block, and the same writes through
 * the map and on a flat copy give the same store, nothing outside the
 * extents changed. Last, "format --force" on the image as a device: its
 * probes, the wipe, and store_format() with the geometry the image's
 * superblock asks for, which writes only the store's bytes and leaves an
 * empty store that no probe takes for another program's.
 *
 * Each input runs twice: as it is, and "repaired": the superblock and slot
 * header checksums recomputed (and the log checksums of even slots), the
 * file extended with zeroes to the size the superblock declares, so the
 * fuzzer gets past the checksums and small inputs make whole stores.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "tests/mkcore.h"

#define MAX_IMAGE	(2U << 20)	/* largest store the harness extends and compares */
#define NEW_LOG		"<0>[    1.000000][    T1] Kernel panic - not syncing: fuzz\n"
#define DEV_MAX		(1ULL << 20)	/* largest device the map pass makes */
#define DEV_FD		900		/* that device's descriptor, /dev/fz0 links to it */
#define DEV_FILL	0xa5		/* its bytes outside the extents */

/* The harness's image buffers, each kept from one input to the next. */
enum {
	BUF_BEFORE, BUF_AFTER,			/* try_write(), try_ops() */
	BUF_DEV, BUF_FLAT, BUF_DEV_AFTER,	/* try_map() */
	BUF_FORMAT,				/* try_format() */
	BUFS
};

/*
 * Buffer @which of at least @size bytes. Big allocations are mapped anew
 * and faulted in each time under ASan: kept, they cost nothing per input.
 */
static char *buffer(unsigned int which, uint64_t size)
{
	static char *buf[BUFS];
	static uint64_t have[BUFS];

	if (size > have[which]) {
		free(buf[which]);
		buf[which] = malloc(size);
		if (!buf[which])
			abort();
		have[which] = size;
	}
	return buf[which];
}

/* The first @size bytes of @fd in buffer @which, or NULL if they cannot be read. */
static char *read_image(int fd, uint64_t size, unsigned int which)
{
	char *buf = buffer(which, size ? size : 1);

	return read_full(fd, 0, buf, size) ? NULL : buf;
}

static void list_slots(const struct store *st)
{
	unsigned int i;

	for (i = 0; i < st->sb.slot_count; i++) {
		const struct store_slot *s = &st->slots[i];
		struct strbuf log;
		char err[128];
		bool read_ok, is_record;
		int ret;

		if (!store_slot_used(s))
			continue;
		if (strlen(s->hdr.release) >= sizeof(s->hdr.release) ||
		    strlen(s->hdr.reason) >= sizeof(s->hdr.reason) ||
		    strlen(s->hdr.build_id) >= sizeof(s->hdr.build_id))
			abort();
		if (store_find_seq(st, s->hdr.seq) < 0 || store_newest(st) < 0)
			abort();
		sb_init(&log);
		ret = store_read_log(st, i, &log, err, sizeof(err));
		/* The scan at open and a read now agree on the log. */
		read_ok = ret == 0;
		is_record = s->state == SLOT_RECORD;
		if (read_ok != is_record || (!log.oom && log.len != s->hdr.log_len))
			abort();
		sb_free(&log);
	}
}

/* Slots store_write() must leave alone: records not exported, headers not ours. */
static void protected_slots(const struct store *st, bool *keep, uint64_t *max_seq)
{
	unsigned int i;

	*max_seq = 0;
	for (i = 0; i < st->sb.slot_count; i++) {
		const struct store_slot *s = &st->slots[i];

		/* A header that is not ours is kept whatever it says. */
		keep[i] = s->state == SLOT_UNKNOWN ||
			  (store_slot_used(s) && !(s->hdr.flags & REC_EXPORTED));
		if (store_slot_used(s) && s->hdr.seq > *max_seq)
			*max_seq = s->hdr.seq;
	}
}

static void check_reopen(int fd, int slot, const struct store_record *hdr)
{
	struct store st;
	char err[256];

	if (store_open_fd(&st, dup(fd), 0, err, sizeof(err)))
		abort();
	if (st.slots[slot].state != SLOT_RECORD || st.slots[slot].hdr.seq != hdr->seq ||
	    st.slots[slot].hdr.log_len != sizeof(NEW_LOG) - 1)
		abort();
	store_close(&st);
}

static void try_write(struct store *st)
{
	static bool keep[STORE_MAX_SLOTS];
	uint64_t size = st->sb.size, max_seq, off;
	struct store_record hdr;
	char *before, *after, err[256];
	unsigned int i;
	int pick, slot, expect;

	if (size > MAX_IMAGE)
		return;
	before = read_image(st->fd, size, BUF_BEFORE);
	if (!before)
		return;
	protected_slots(st, keep, &max_seq);
	pick = store_pick_slot(st);
	memset(&hdr, 0, sizeof(hdr));
	snprintf(hdr.reason, sizeof(hdr.reason), "Kernel panic - not syncing: fuzz");
	errno = 0;
	slot = store_write(st, &hdr, NEW_LOG, sizeof(NEW_LOG) - 1, err, sizeof(err));
	expect = pick < 0 ? STORE_FULL : st->max_seq == UINT64_MAX ? -1 : pick;
	if (slot != expect || (slot >= 0 && keep[slot]))
		abort();
	if (slot >= 0 && max_seq < UINT64_MAX && hdr.seq <= max_seq)
		abort();
	after = read_image(st->fd, size, BUF_AFTER);
	if (!after)
		abort();
	if (memcmp(before, after, STORE_BLOCK) || (slot < 0 && memcmp(before, after, size)))
		abort();
	for (i = 0; i < st->sb.slot_count; i++) {
		off = STORE_BLOCK + i * st->sb.slot_size;
		if (keep[i] && memcmp(before + off, after + off, st->sb.slot_size))
			abort();
	}
	if (slot >= 0)
		check_reopen(st->fd, slot, &hdr);
}

/* Only bytes in [@lo, @hi) of two images of @size may differ. */
static void same_outside(const char *a, const char *b, uint64_t size, uint64_t lo, uint64_t hi)
{
	if (hi > size || memcmp(a, b, lo) || memcmp(a + hi, b + hi, size - hi))
		abort();
}

/*
 * The other writes, each checked to touch only its own bytes: the missed
 * note its sector, set_flags a slot's header, clear that slot.
 */
static void try_ops(struct store *st)
{
	uint64_t size = st->sb.size, note, off;
	struct store_record hdr;
	char *before, *after = NULL, err[256];
	unsigned int i;
	int ret;

	if (size > MAX_IMAGE / 4)	/* six image reads: keep the rate up */
		return;
	note = st->sb.version == STORE_VERSION_1 ? STORE_HEADER : size - STORE_TAIL;
	memset(&hdr, 0, sizeof(hdr));
	snprintf(hdr.reason, sizeof(hdr.reason), "Kernel panic - not syncing: missed");
	before = read_image(st->fd, size, BUF_BEFORE);
	ret = before ? store_note_missed(st, &hdr, err, sizeof(err)) : -1;
	after = ret ? NULL : read_image(st->fd, size, BUF_AFTER);
	if (after)
		same_outside(before, after, size, note, note + STORE_HEADER);
	for (i = 0; i < st->sb.slot_count && !store_slot_used(&st->slots[i]); i++)
		;
	if (!before || i == st->sb.slot_count)
		return;
	off = STORE_BLOCK + i * st->sb.slot_size;
	before = read_image(st->fd, size, BUF_BEFORE);
	ret = before ? store_set_flags(st, i, REC_EXPORTED, err, sizeof(err)) : -1;
	after = ret ? NULL : read_image(st->fd, size, BUF_AFTER);
	if (after)
		same_outside(before, after, size, off, off + STORE_HEADER);
	ret = before ? store_clear(st, i, err, sizeof(err)) : -1;
	after = ret ? NULL : read_image(st->fd, size, BUF_AFTER);
	if (after)
		same_outside(before, after, size, off, off + st->sb.slot_size);
	if (!ret && (st->slots[i].state != SLOT_EMPTY ||
		     store_find_seq(st, st->slots[i].hdr.seq) >= 0))
		abort();
}

/* What the recovery scan finds is a header as the store writes them. */
static int check_found(int fd, const struct store_found *f, void *arg)
{
	(void)fd;
	(void)arg;
	if (f->off % STORE_BLOCK || (f->hdr.flags & REC_CLEARED) ||
	    strlen(f->hdr.reason) >= sizeof(f->hdr.reason) ||
	    strlen(f->hdr.release) >= sizeof(f->hdr.release))
		abort();
	return 0;
}

static bool all_zero(const void *p, size_t len)
{
	static const char zero[STORE_BLOCK];
	const char *c = p;
	size_t n;

	for (; len; len -= n, c += n) {
		n = len < sizeof(zero) ? len : sizeof(zero);
		if (memcmp(c, zero, n))
			return false;
	}
	return true;
}

static uint64_t fd_size(int fd)
{
	struct stat stb;

	if (fstat(fd, &stb))
		abort();
	return (uint64_t)stb.st_size;
}

/*
 * What store_map_read() promises of a map it returns: block 0 lies in the
 * first extent (the superblock and the map read at the store's sector are
 * the store's own), every extent's bytes are addressable in 64 bits, no two
 * extents overlap (a write through one would change another), and they add
 * up to the store's size.
 */
static bool map_sane(const struct store_map *m)
{
	uint64_t sum = 0;
	unsigned int i, j;

	if (memcmp(m->hdr.magic, STORE_MAP_MAGIC, 8) || !m->hdr.count ||
	    m->hdr.count > STORE_MAP_MAX || m->ext[0].sectors < STORE_BLOCK / STORE_SECTOR)
		return false;
	for (i = 0; i < m->hdr.count; i++) {
		const struct store_extent *e = &m->ext[i];

		if (!e->sectors || e->sector > UINT64_MAX / STORE_SECTOR - e->sectors)
			return false;
		for (j = 0; j < i; j++)
			if (e->sector < m->ext[j].sector + m->ext[j].sectors &&
			    m->ext[j].sector < e->sector + e->sectors)
				return false;
		sum += e->sectors;
	}
	return sum == m->hdr.sectors;
}

/* The maps of block 0 and of the last block: sane if read, zeros if not. */
static void check_maps(int fd, uint64_t size)
{
	struct store_map m;

	if (store_map_read(fd, 0, &m) ? !all_zero(&m, sizeof(m)) : !map_sane(&m))
		abort();
	if (size >= 2 * STORE_BLOCK &&
	    (store_map_read(fd, size - STORE_BLOCK, &m) ? !all_zero(&m, sizeof(m)) :
	     !map_sane(&m)))
		abort();
}

static char dev_root[PATH_MAX], sys_dir[PATH_MAX + 8], dev_dir[PATH_MAX + 8];

static void remove_devs(void)
{
	static const char *const paths[] = {
		"dev/fz0", "sys/class/block/fz0", "sys/class/block", "sys/class", "sys", "dev", "",
	};
	char path[PATH_MAX + 32];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		snprintf(path, sizeof(path), "%s/%s", dev_root, paths[i]);
		if (remove(path) && errno != ENOENT)
			perror(path);
	}
}

/*
 * A sysfs and a /dev of our own with one block device, fz0, which is
 * whatever descriptor DEV_FD is: store_locate_map() scans them, and the
 * probes' sysfs look-ups find nothing of the host's.
 */
static void setup_devs(void)
{
	static const char *const dirs[] = {
		"sys", "sys/class", "sys/class/block", "sys/class/block/fz0", "dev",
	};
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX + 32], link[32];
	unsigned int i;

	if (dev_root[0])
		return;
	snprintf(dev_root, sizeof(dev_root), "%s/fuzz-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dev_root))
		abort();
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", dev_root, dirs[i]);
		if (mkdir(path, 0755))
			abort();
	}
	snprintf(path, sizeof(path), "%s/dev/fz0", dev_root);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", DEV_FD);
	if (symlink(link, path))
		abort();
	/* The store keeps the pointers. */
	snprintf(sys_dir, sizeof(sys_dir), "%s/sys", dev_root);
	store_set_sysfs(sys_dir);
	snprintf(dev_dir, sizeof(dev_dir), "%s/dev", dev_root);
	store_set_devdir(dev_dir);
	atexit(remove_devs);
}

/* The same calls on the store through its map and on its flat copy agree. */
static void same_ops(struct store *a, struct store *b)
{
	struct store_record ha, hb;
	char err[256];
	unsigned int i;
	int ra, rb;

	memset(&ha, 0, sizeof(ha));
	snprintf(ha.reason, sizeof(ha.reason), "Kernel panic - not syncing: fuzz");
	hb = ha;
	ra = store_write(a, &ha, NEW_LOG, sizeof(NEW_LOG) - 1, err, sizeof(err));
	rb = store_write(b, &hb, NEW_LOG, sizeof(NEW_LOG) - 1, err, sizeof(err));
	if (ra != rb || memcmp(&ha, &hb, sizeof(ha)))
		abort();
	if (ra == STORE_FULL &&
	    (store_note_missed(a, &ha, err, sizeof(err)) != store_note_missed(b, &hb, err,
									   sizeof(err))))
		abort();
	for (i = 0; i < a->sb.slot_count && !store_slot_used(&a->slots[i]); i++)
		;
	if (i == a->sb.slot_count)
		return;
	if (store_set_flags(a, i, REC_EXPORTED, err, sizeof(err)) !=
	    store_set_flags(b, i, REC_EXPORTED, err, sizeof(err)) ||
	    store_clear(a, i, err, sizeof(err)) != store_clear(b, i, err, sizeof(err)))
		abort();
}

/*
 * The image as a store file whose map (at byte 1024 of block 0) is good:
 * a device of DEV_FILL with the file's bytes in the map's extents and, if
 * the map names a file system, an ext4 superblock of that UUID.
 * store_locate_map() finds the store at the first extent's sector and not
 * at the backup block's; then the same writes through the map and on a
 * flat copy of the file leave the same bytes, and none outside the extents
 * changes.
 */
static void try_map(int file)
{
	uint64_t end = 2 * STORE_BLOCK, bytes, off, in, backup = UINT64_MAX;
	struct store_map map, found, back;
	struct store_scan scan;
	struct store_super sb;
	struct store sm, sf;
	char *dev, *flat, *after, err[256];
	uint8_t fs[16];
	unsigned int i;
	int flat_fd, dev_fd, n, expect;
	bool fs_ok;

	if (store_map_read(file, 0, &map))
		return;
	for (i = 0; i < map.hdr.count; i++)
		if ((map.ext[i].sector + map.ext[i].sectors) * STORE_SECTOR > end)
			end = (map.ext[i].sector + map.ext[i].sectors) * STORE_SECTOR;
	bytes = map.hdr.sectors * STORE_SECTOR;
	if (end > DEV_MAX)
		return;
	dev = buffer(BUF_DEV, end);
	flat = buffer(BUF_FLAT, bytes);
	after = buffer(BUF_DEV_AFTER, end);
	memset(flat, 0, bytes);
	memset(dev, DEV_FILL, end);
	if (!all_zero(map.hdr.fs_uuid, 16)) {
		memcpy(dev + 1024 + 56, "\x53\xef", 2);
		memcpy(dev + 1024 + 104, map.hdr.fs_uuid, 16);
	}
	in = fd_size(file);
	if (read_full(file, 0, flat, in < bytes ? in : bytes))
		abort();
	for (i = 0, off = 0; i < map.hdr.count; off += map.ext[i++].sectors * STORE_SECTOR) {
		memcpy(dev + map.ext[i].sector * STORE_SECTOR, flat + off,
		       map.ext[i].sectors * STORE_SECTOR);
		/* The backup block, when one extent holds it whole. */
		if (off <= bytes - STORE_BLOCK && bytes - off <= map.ext[i].sectors * STORE_SECTOR)
			backup = map.ext[i].sector + (bytes - STORE_BLOCK - off) / STORE_SECTOR;
	}
	dev_fd = mk_memfd(dev, end);
	flat_fd = mk_memfd(flat, bytes);
	if (dev_fd < 0 || flat_fd < 0 || dup2(dev_fd, DEV_FD) != DEV_FD)
		abort();
	close(dev_fd);

	/* The look-up of the capture kernel: at its sector, the store's own map. */
	memcpy(&sb, flat, sizeof(sb));
	fs_ok = all_zero(map.hdr.fs_uuid, 16) ||
		(store_fs_uuid(DEV_FD, fs) && !memcmp(fs, map.hdr.fs_uuid, 16));
	expect = store_probe(flat_fd) && fs_ok;
	store_scan_init(&scan);
	n = store_locate_map(sb.uuid, map.ext[0].sector, &scan, &found);
	if (n != expect || (n && memcmp(&found, &map, sizeof(map))))
		abort();
	/* A backup block holding the same map is never taken for the store. */
	if (backup != UINT64_MAX && backup != map.ext[0].sector &&
	    !store_map_read(flat_fd, bytes - STORE_BLOCK, &back) &&
	    !memcmp(&back, &map, sizeof(map)) &&
	    store_locate_map(sb.uuid, backup, &scan, &found))
		abort();
	store_scan_free(&scan);
	if (read_full(DEV_FD, 0, after, end) || memcmp(dev, after, end))
		abort();

	/* Through the map and flat: the same store, the same writes. */
	n = store_open_map(&sm, dup(DEV_FD), &map, STORE_WRITE, err, sizeof(err));
	if (n != store_open_fd(&sf, dup(flat_fd), STORE_WRITE, err, sizeof(err)))
		abort();
	if (!n) {
		if (memcmp(&sm.sb, &sf.sb, sizeof(sm.sb)) || sm.max_seq != sf.max_seq)
			abort();
		for (i = 0; i < sm.sb.slot_count; i++)
			if (sm.slots[i].state != sf.slots[i].state)
				abort();
		same_ops(&sm, &sf);
	}
	store_close(&sm);
	store_close(&sf);
	if (fd_size(DEV_FD) != end || read_full(flat_fd, 0, flat, bytes))
		abort();
	for (i = 0, off = 0; i < map.hdr.count; off += map.ext[i++].sectors * STORE_SECTOR)
		memcpy(dev + map.ext[i].sector * STORE_SECTOR, flat + off,
		       map.ext[i].sectors * STORE_SECTOR);
	if (read_full(DEV_FD, 0, after, end) || memcmp(dev, after, end))
		abort();
	close(DEV_FD);
	close(flat_fd);
}

/* A record header found on a freshly formatted store: there must be none. */
static int none_found(int fd, const struct store_found *f, void *arg)
{
	(void)fd;
	(void)f;
	(void)arg;
	abort();
}

/*
 * "saveoops format --force" on the image as a device of @dev_size bytes:
 * the probes format makes first, the wipe, then store_format() with the
 * slot count and size the image's superblock asks for. It fails exactly
 * when that geometry cannot hold its slots, writing nothing; else it writes
 * only the store's bytes and leaves an empty store, with its backup
 * superblock, that store_other_signature() does not take for another
 * program's (the capture would skip it) and recovery finds nothing in.
 */
static void try_format(const uint8_t *data, size_t size, uint64_t dev_size)
{
	struct store_super want = { 0 }, sb, copy;
	uint64_t req, space;
	char what[160], err[256], *img;
	struct store st;
	unsigned int i;
	bool fits;
	int fd, ret;

	if (dev_size < size)
		dev_size = size;
	if (dev_size > MAX_IMAGE)
		return;
	fd = mk_memfd(data, size);
	if (fd < 0 || ftruncate(fd, (off_t)dev_size))
		abort();
	store_other_signature(fd, what, sizeof(what));
	if (store_probe(fd)) {
		store_open_fd(&st, dup(fd), 0, err, sizeof(err));
		store_close(&st);
	}
	memcpy(&want, data, size < sizeof(want) ? size : sizeof(want));
	req = want.size <= MAX_IMAGE ? want.size : 0;
	if (store_wipe_signatures(fd, dev_size))
		abort();
	img = read_image(fd, dev_size, BUF_FORMAT);
	if (!img || !all_zero(img, dev_size))
		abort();
	space = req ? req : dev_size;
	fits = want.slot_count && want.slot_count <= STORE_MAX_SLOTS &&
	       space >= STORE_BLOCK + STORE_TAIL + (uint64_t)want.slot_count * STORE_MIN_SLOT;
	ret = store_format(fd, req, want.slot_count, err, sizeof(err));
	if (ret != (fits ? 0 : -1))
		abort();
	img = read_image(fd, fd_size(fd), BUF_FORMAT);
	if (!img)
		abort();
	if (ret) {
		if (fd_size(fd) != dev_size || !all_zero(img, dev_size))
			abort();
		goto out;
	}
	memcpy(&sb, img, sizeof(sb));
	if (sb.slot_count != want.slot_count || sb.size > space || sb.slot_size % STORE_BLOCK ||
	    sb.slot_size < STORE_MIN_SLOT || sb.slot_size > STORE_MAX_SLOT ||
	    fd_size(fd) != (sb.size > dev_size ? sb.size : dev_size) ||
	    !all_zero(img + sizeof(sb), STORE_BLOCK - sizeof(sb)) ||
	    !all_zero(img + sb.size, fd_size(fd) - sb.size))
		abort();
	memcpy(&copy, img + sb.size - STORE_BLOCK, sizeof(copy));
	if (memcmp(&sb, &copy, sizeof(sb)) || store_other_signature(fd, what, sizeof(what)) ||
	    store_recover_scan(fd, none_found, NULL, err, sizeof(err)))
		abort();
	if (store_open_fd(&st, dup(fd), 0, err, sizeof(err)) || st.from_backup || st.max_seq ||
	    st.missed.count || store_pick_slot(&st) != 0)
		abort();
	for (i = 0; i < st.sb.slot_count; i++)
		if (st.slots[i].state != SLOT_EMPTY)
			abort();
	store_close(&st);
out:
	close(fd);
}

/* @more: also the probes and the other writes (on the repaired pass only). */
static void run(const uint8_t *data, size_t size, uint64_t extend, bool more)
{
	struct store st;
	char err[256];
	int fd = mk_memfd(data, size);

	if (fd < 0 || (extend > size && ftruncate(fd, (off_t)extend)))
		abort();
	check_maps(fd, fd_size(fd));
	if (more) {
		store_other_signature(fd, err, sizeof(err));
		if (store_recover_scan(fd, check_found, NULL, err, sizeof(err)))
			abort();
		try_map(fd);
	}
	if (store_open_fd(&st, fd, STORE_WRITE, err, sizeof(err))) {
		store_close(&st);
		return;
	}
	list_slots(&st);
	try_write(&st);
	if (more)
		try_ops(&st);
	store_close(&st);
}

/* crc32_le of @len bytes at @off of the image, zeroes past its end. */
static uint32_t log_crc(const uint8_t *img, size_t size, uint64_t off, uint64_t len)
{
	static const char zero[4096];
	uint64_t have = off < size ? size - off : 0, n;
	uint32_t crc;

	if (have > len)
		have = len;
	crc = crc32_le(0, img + off, have);
	for (len -= have; len; len -= n) {
		n = len < sizeof(zero) ? len : sizeof(zero);
		crc = crc32_le(crc, zero, n);
	}
	return crc;
}

/*
 * The extent map in the block at @off: its checksum, and its size made the
 * extents' sum unless the first reserved word's low bit is set (so that a
 * sum that does not add up is tried too).
 */
static void repair_map(uint8_t *img, size_t size, uint64_t off)
{
	struct store_map_hdr hdr;
	struct store_extent ext;
	uint64_t sum = 0;
	unsigned int i;
	uint8_t *at;

	if (off > size || size - off < STORE_BLOCK)
		return;
	at = img + off + STORE_MAP_OFF;
	memcpy(&hdr, at, sizeof(hdr));
	if (memcmp(hdr.magic, STORE_MAP_MAGIC, 8) || !hdr.count || hdr.count > STORE_MAP_MAX)
		return;
	for (i = 0; i < hdr.count; i++) {
		memcpy(&ext, at + sizeof(hdr) + i * sizeof(ext), sizeof(ext));
		sum += ext.sectors;
	}
	if (!(hdr.reserved[0] & 1))
		hdr.sectors = sum;
	hdr.crc = 0;
	hdr.crc = crc32_le(crc32_le(0, &hdr, sizeof(hdr)), at + sizeof(hdr),
			   hdr.count * sizeof(ext));
	memcpy(at, &hdr, sizeof(hdr));
}

/* Fix the checksums in place; returns the size to extend the file to, or 0. */
static uint64_t repair(uint8_t *img, size_t size)
{
	struct store_record hdr;
	struct store_super sb;
	uint64_t off;
	unsigned int i;

	if (size < sizeof(sb))
		return 0;
	memcpy(&sb, img, sizeof(sb));
	sb.crc = crc32_le(0, &sb, offsetof(struct store_super, crc));
	memcpy(img, &sb, sizeof(sb));
	repair_map(img, size, 0);
	if (sb.size >= STORE_BLOCK)
		repair_map(img, size, sb.size - STORE_BLOCK);
	if (!sb.slot_count || sb.slot_count > STORE_MAX_SLOTS || sb.slot_size < STORE_MIN_SLOT ||
	    sb.slot_size % STORE_BLOCK || sb.slot_size > MAX_IMAGE || sb.size > MAX_IMAGE)
		return 0;
	for (i = 0; i < sb.slot_count; i++) {
		off = STORE_BLOCK + i * sb.slot_size;
		if (off + sizeof(hdr) > size)
			break;
		memcpy(&hdr, img + off, sizeof(hdr));
		if (memcmp(hdr.magic, STORE_RECORD_MAGIC, 8))
			continue;
		if (!(i & 1) && hdr.log_len <= sb.slot_size - STORE_HEADER)
			hdr.log_crc = log_crc(img, size, off + STORE_HEADER, hdr.log_len);
		hdr.hdr_crc = 0;
		hdr.hdr_crc = crc32_le(0, &hdr, sizeof(hdr));
		memcpy(img + off, &hdr, sizeof(hdr));
	}
	return sb.size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;
	uint64_t extend;

	setup_devs();
	run(data, size, 0, false);
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	extend = repair(copy, size);
	run(copy, size, extend, true);
	try_format(copy, size, extend);
	free(copy);
	return 0;
}
