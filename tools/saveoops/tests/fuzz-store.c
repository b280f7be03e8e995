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
 * Each input runs twice: as it is, and "repaired": the superblock and slot
 * header checksums recomputed (and the log checksums of even slots), the
 * file extended with zeroes to the size the superblock declares, so the
 * fuzzer gets past the checksums and small inputs make whole stores.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "tests/mkcore.h"

#define MAX_IMAGE	(2U << 20)	/* largest store the harness extends and compares */
#define NEW_LOG		"<0>[    1.000000][    T1] Kernel panic - not syncing: fuzz\n"

static char *read_image(int fd, uint64_t size)
{
	char *buf = malloc(size ? size : 1);

	if (buf && read_full(fd, 0, buf, size)) {
		free(buf);
		return NULL;
	}
	return buf;
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
	before = read_image(st->fd, size);
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
	after = read_image(st->fd, size);
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
	free(before);
	free(after);
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

	if (size > MAX_IMAGE / 4)	/* six image copies: keep the rate up */
		return;
	note = st->sb.version == STORE_VERSION_1 ? STORE_HEADER : size - STORE_TAIL;
	memset(&hdr, 0, sizeof(hdr));
	snprintf(hdr.reason, sizeof(hdr.reason), "Kernel panic - not syncing: missed");
	before = read_image(st->fd, size);
	ret = before ? store_note_missed(st, &hdr, err, sizeof(err)) : -1;
	after = ret ? NULL : read_image(st->fd, size);
	if (after)
		same_outside(before, after, size, note, note + STORE_HEADER);
	free(after);
	for (i = 0; i < st->sb.slot_count && !store_slot_used(&st->slots[i]); i++)
		;
	if (!before || i == st->sb.slot_count)
		goto out;
	off = STORE_BLOCK + i * st->sb.slot_size;
	free(before);
	before = read_image(st->fd, size);
	ret = before ? store_set_flags(st, i, REC_EXPORTED, err, sizeof(err)) : -1;
	after = ret ? NULL : read_image(st->fd, size);
	if (after)
		same_outside(before, after, size, off, off + STORE_HEADER);
	free(after);
	ret = before ? store_clear(st, i, err, sizeof(err)) : -1;
	after = ret ? NULL : read_image(st->fd, size);
	if (after)
		same_outside(before, after, size, off, off + st->sb.slot_size);
	if (!ret && (st->slots[i].state != SLOT_EMPTY ||
		     store_find_seq(st, st->slots[i].hdr.seq) >= 0))
		abort();
	free(after);
out:
	free(before);
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

/* @more: also the probes and the other writes (on the repaired pass only). */
static void run(const uint8_t *data, size_t size, uint64_t extend, bool more)
{
	struct store st;
	char err[256];
	int fd = mk_memfd(data, size);

	if (fd < 0 || (extend > size && ftruncate(fd, (off_t)extend)))
		abort();
	if (more) {
		store_other_signature(fd, err, sizeof(err));
		if (store_recover_scan(fd, check_found, NULL, err, sizeof(err)))
			abort();
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

	run(data, size, 0, false);
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	extend = repair(copy, size);
	run(copy, size, extend, true);
	free(copy);
	return 0;
}
