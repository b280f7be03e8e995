// SPDX-License-Identifier: GPL-2.0
/*
 * Decoder for the crashed kernel's printk ring buffer.
 *
 * The ring is two arrays and a byte ring: descriptors (state and text
 * position), infos (sequence, time, length, caller) and the text data ring,
 * where each block starts with the id of the descriptor that owns it. Every
 * size and offset comes from VMCOREINFO; the only thing inferred is where
 * the syslog level lives, because it is a bitfield VMCOREINFO cannot name
 * (see find_level_byte()). Nothing read from the core is trusted: a record
 * that does not check out is counted and skipped, and the walk is bounded
 * by the size of the descriptor array.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "printk_ring.h"

/*
 * Bounds a sane 6.12 ring stays within; larger is corruption. A 64 MiB log
 * (log_buf_len=64M) has 2^21 descriptors and needs about 300 MiB in all,
 * already more than a usual crashkernel= reservation holds.
 */
#define MAX_COUNT_BITS	22
#define MAX_SIZE_BITS	26
#define MAX_STRUCT	4096
#define MAX_RING_BYTES	(512ULL << 20)
/*
 * The kernel gives a data ring of 2^size_bits bytes 2^(size_bits - 5)
 * descriptors (PRB_AVGBITS, 32 bytes of text per record on average);
 * outside these ratios count_bits or size_bits is damaged.
 */
#define MIN_AVG_BITS	3
#define MAX_AVG_BITS	8

/* Bytes the decoder may use, 0 for half the free memory (ring_set_memory_limit()). */
static uint64_t memory_limit;

#define DESC_RESERVED	0
#define DESC_COMMITTED	1
#define DESC_FINALIZED	2
#define DESC_REUSABLE	3

#define LPOS_FAILED	0x1
#define LPOS_EMPTY_LINE	0x3

struct ring_layout {
	unsigned int word;		/* sizeof(long) of the crashed kernel */
	uint64_t desc_ring;		/* address of prb->desc_ring */
	uint64_t data_ring;		/* address of prb->text_data_ring */
	uint64_t count_bits_off, descs_off, infos_off, head_id_off, tail_id_off;
	uint64_t counter_off;
	uint64_t desc_size, sv_off, lpos_off, begin_off, next_off;
	uint64_t info_size, seq_off, ts_off, len_off, caller_off;
	uint64_t size_bits_off, data_off;
	bool has_caller;
	bool has_level;
	uint64_t level_off;
	/* struct dev_printk_info in printk_info: SUBSYSTEM= and DEVICE= */
	bool has_dev;
	uint64_t sub_off, sub_len, dev_off, dev_len;
};

struct ring {
	struct ring_layout l;
	uint64_t count;			/* descriptors */
	uint64_t size;			/* data ring bytes */
	uint64_t descs_addr, infos_addr, data_addr;
	/* The descriptors and infos from first to head only, in id order. */
	unsigned char *descs, *infos, *data;
	uint64_t first, span;		/* first id read, and how many after it */
	bool data_partial;		/* only the kept records' text blocks read */
	uint64_t id_mask;
	unsigned int flags_shift;
};

static uint64_t get_word(const unsigned char *p, unsigned int size)
{
	uint64_t v = 0;

	memcpy(&v, p, size);	/* little endian: the low bytes come first */
	return v;
}

/* A field of @width bytes at @off lies inside a struct of @size bytes. */
static bool fits(uint64_t off, uint64_t width, uint64_t size)
{
	return off <= size && width <= size - off;
}

static bool need(const struct vmcore *vc, const char *key, uint64_t *val,
		 const char **missing)
{
	if (vmcoreinfo_num(vc, key, val))
		return true;
	if (!*missing)
		*missing = key;
	return false;
}

/*
 * printk_info has "u16 text_len; u8 facility; u8 flags:5, level:3;" before
 * caller_id. When caller_id sits exactly four bytes after text_len, that
 * layout holds and the level is the top three bits of the byte before it.
 */
static void find_level_byte(struct ring_layout *l)
{
	if (l->has_caller && l->caller_off == l->len_off + 4) {
		l->has_level = true;
		l->level_off = l->caller_off - 1;
	}
}

/* An optional SIZE(): @size keeps MAX_STRUCT when absent; false if implausible. */
static bool struct_size(const struct vmcore *vc, const char *key, uint64_t *size)
{
	*size = MAX_STRUCT;
	return !vmcoreinfo_num(vc, key, size) || (*size && *size <= MAX_STRUCT);
}

/*
 * Where the device a record names lives (SUBSYSTEM= and DEVICE= of
 * /dev/kmsg), if VMCOREINFO says and it fits in printk_info.
 */
static void find_dev_info(const struct vmcore *vc, struct ring_layout *l)
{
	uint64_t dev = 0, sub_off = 0, dev_off = 0, size = MAX_STRUCT;

	if (!vmcoreinfo_num(vc, "OFFSET(printk_info.dev_info)", &dev) ||
	    !vmcoreinfo_num(vc, "OFFSET(dev_printk_info.subsystem)", &sub_off) ||
	    !vmcoreinfo_num(vc, "LENGTH(printk_info_subsystem)", &l->sub_len) ||
	    !vmcoreinfo_num(vc, "OFFSET(dev_printk_info.device)", &dev_off) ||
	    !vmcoreinfo_num(vc, "LENGTH(printk_info_device)", &l->dev_len) ||
	    !struct_size(vc, "SIZE(dev_printk_info)", &size) || dev > MAX_STRUCT ||
	    sub_off > MAX_STRUCT || dev_off > MAX_STRUCT || !l->sub_len || !l->dev_len ||
	    !fits(sub_off, l->sub_len, size) || !fits(dev_off, l->dev_len, size) ||
	    !fits(dev + sub_off, l->sub_len, l->info_size) ||
	    !fits(dev + dev_off, l->dev_len, l->info_size))
		return;
	l->has_dev = true;
	l->sub_off = dev + sub_off;
	l->dev_off = dev + dev_off;
}

static int read_layout(const struct vmcore *vc, struct ring_layout *l,
		       char *err, size_t errlen)
{
	uint64_t rb_size, dr_size, tr_size, lpos_size;
	const char *missing = NULL;
	uint64_t prb_sym, prb, desc_ring_off, data_ring_off, word;
	bool ok = true;

	ok &= need(vc, "SYMBOL(prb)", &prb_sym, &missing);
	ok &= need(vc, "OFFSET(printk_ringbuffer.desc_ring)", &desc_ring_off, &missing);
	ok &= need(vc, "OFFSET(printk_ringbuffer.text_data_ring)", &data_ring_off, &missing);
	ok &= need(vc, "OFFSET(prb_desc_ring.count_bits)", &l->count_bits_off, &missing);
	ok &= need(vc, "OFFSET(prb_desc_ring.descs)", &l->descs_off, &missing);
	ok &= need(vc, "OFFSET(prb_desc_ring.infos)", &l->infos_off, &missing);
	ok &= need(vc, "OFFSET(prb_desc_ring.head_id)", &l->head_id_off, &missing);
	ok &= need(vc, "OFFSET(prb_desc_ring.tail_id)", &l->tail_id_off, &missing);
	ok &= need(vc, "SIZE(prb_desc)", &l->desc_size, &missing);
	ok &= need(vc, "OFFSET(prb_desc.state_var)", &l->sv_off, &missing);
	ok &= need(vc, "OFFSET(prb_desc.text_blk_lpos)", &l->lpos_off, &missing);
	ok &= need(vc, "OFFSET(prb_data_blk_lpos.begin)", &l->begin_off, &missing);
	ok &= need(vc, "OFFSET(prb_data_blk_lpos.next)", &l->next_off, &missing);
	ok &= need(vc, "SIZE(printk_info)", &l->info_size, &missing);
	ok &= need(vc, "OFFSET(printk_info.seq)", &l->seq_off, &missing);
	ok &= need(vc, "OFFSET(printk_info.ts_nsec)", &l->ts_off, &missing);
	ok &= need(vc, "OFFSET(printk_info.text_len)", &l->len_off, &missing);
	ok &= need(vc, "OFFSET(prb_data_ring.size_bits)", &l->size_bits_off, &missing);
	ok &= need(vc, "OFFSET(prb_data_ring.data)", &l->data_off, &missing);
	ok &= need(vc, "SIZE(atomic_long_t)", &word, &missing);
	ok &= need(vc, "OFFSET(atomic_long_t.counter)", &l->counter_off, &missing);
	if (!ok)
		return set_err(err, errlen, "VMCOREINFO has no %s: not a lockless printk ring",
			    missing);
	l->has_caller = vmcoreinfo_num(vc, "OFFSET(printk_info.caller_id)", &l->caller_off);
	find_level_byte(l);

	if (word != 8)
		return set_err(err, errlen, "SIZE(atomic_long_t)=%" PRIu64 ": only 64-bit kernels",
			    word);
	l->word = (unsigned int)word;
	/*
	 * VMCOREINFO gives no size for printk_ringbuffer, prb_desc_ring,
	 * prb_data_ring or prb_data_blk_lpos: their offsets are bounded by
	 * MAX_STRUCT, so that no sum of two of them wraps.
	 */
	if (desc_ring_off > MAX_STRUCT || data_ring_off > MAX_STRUCT ||
	    l->count_bits_off > MAX_STRUCT || l->descs_off > MAX_STRUCT ||
	    l->infos_off > MAX_STRUCT || l->head_id_off > MAX_STRUCT ||
	    l->tail_id_off > MAX_STRUCT || l->size_bits_off > MAX_STRUCT ||
	    l->data_off > MAX_STRUCT || l->sv_off > MAX_STRUCT || l->begin_off > MAX_STRUCT ||
	    l->next_off > MAX_STRUCT)
		return set_err(err, errlen, "VMCOREINFO offsets of the ring are out of bounds");
	if (l->desc_size == 0 || l->desc_size > MAX_STRUCT || l->info_size == 0 ||
	    l->info_size > MAX_STRUCT || l->counter_off > MAX_STRUCT ||
	    l->lpos_off > MAX_STRUCT ||
	    !fits(l->sv_off + l->counter_off, word, l->desc_size) ||
	    !fits(l->lpos_off + l->begin_off, word, l->desc_size) ||
	    !fits(l->lpos_off + l->next_off, word, l->desc_size) ||
	    !fits(l->seq_off, 8, l->info_size) || !fits(l->ts_off, 8, l->info_size) ||
	    !fits(l->len_off, 4, l->info_size) ||
	    (l->has_caller && !fits(l->caller_off, 4, l->info_size)))
		return set_err(err, errlen, "VMCOREINFO sizes and offsets of the ring do not fit");
	/* The structures VMCOREINFO gives a size for (6.12 does all of them). */
	if (!struct_size(vc, "SIZE(printk_ringbuffer)", &rb_size) ||
	    !struct_size(vc, "SIZE(prb_desc_ring)", &dr_size) ||
	    !struct_size(vc, "SIZE(prb_data_ring)", &tr_size) ||
	    !struct_size(vc, "SIZE(prb_data_blk_lpos)", &lpos_size) ||
	    !fits(desc_ring_off, 1, rb_size) || !fits(data_ring_off, 1, rb_size) ||
	    !fits(l->count_bits_off, 4, dr_size) || !fits(l->descs_off, 8, dr_size) ||
	    !fits(l->infos_off, 8, dr_size) ||
	    !fits(l->head_id_off + l->counter_off, word, dr_size) ||
	    !fits(l->tail_id_off + l->counter_off, word, dr_size) ||
	    !fits(l->size_bits_off, 4, tr_size) || !fits(l->data_off, 8, tr_size) ||
	    !fits(l->begin_off, word, lpos_size) || !fits(l->next_off, word, lpos_size))
		return set_err(err, errlen, "VMCOREINFO offsets of the ring do not fit their "
			       "structures' sizes");
	find_dev_info(vc, l);

	if (vmcore_read_virt(vc, prb_sym, &prb, sizeof(prb)))
		return set_err(err, errlen, "prb at 0x%" PRIx64 " is not in the core", prb_sym);
	l->desc_ring = prb + desc_ring_off;
	l->data_ring = prb + data_ring_off;
	return 0;
}

/* Read a range into @buf, page by page; unreadable pages stay zero and are counted. */
static void read_pages(const struct vmcore *vc, uint64_t addr, unsigned char *buf,
		       uint64_t len, uint64_t *unreadable)
{
	uint64_t off = 0;

	while (off < len) {
		uint64_t chunk = 4096 - ((addr + off) & 4095);

		if (chunk > len - off)
			chunk = len - off;
		if (vmcore_read_virt(vc, addr + off, buf + off, chunk))
			(*unreadable)++;
		off += chunk;
	}
}

/*
 * Entries @first .. @first + @n - 1 (indices modulo @count) of an array of
 * @count entries of @size bytes at @addr, in that order, into a new buffer.
 */
static unsigned char *read_entries(const struct vmcore *vc, uint64_t addr, uint64_t count,
				   uint64_t size, uint64_t first, uint64_t n,
				   uint64_t *unreadable)
{
	unsigned char *buf = calloc(1, n * size > 0 ? n * size : 1);
	uint64_t idx = first & (count - 1), run = n < count - idx ? n : count - idx;

	if (!buf)
		return NULL;
	read_pages(vc, addr + idx * size, buf, run * size, unreadable);
	if (run < n)
		read_pages(vc, addr, buf + run * size, (n - run) * size, unreadable);
	return buf;
}

static int read_ring(const struct vmcore *vc, struct ring *r, char *err, size_t errlen)
{
	const struct ring_layout *l = &r->l;
	uint32_t count_bits, size_bits;

	if (vmcore_read_virt(vc, l->desc_ring + l->count_bits_off, &count_bits, 4) ||
	    vmcore_read_virt(vc, l->desc_ring + l->descs_off, &r->descs_addr, 8) ||
	    vmcore_read_virt(vc, l->desc_ring + l->infos_off, &r->infos_addr, 8) ||
	    vmcore_read_virt(vc, l->data_ring + l->size_bits_off, &size_bits, 4) ||
	    vmcore_read_virt(vc, l->data_ring + l->data_off, &r->data_addr, 8))
		return set_err(err, errlen, "the ring's header is not in the core");
	if (count_bits > MAX_COUNT_BITS || size_bits > MAX_SIZE_BITS || size_bits < 3)
		return set_err(err, errlen, "implausible ring: 2^%u descriptors, 2^%u data bytes",
			    count_bits, size_bits);
	if (size_bits < count_bits + MIN_AVG_BITS || size_bits > count_bits + MAX_AVG_BITS)
		return set_err(err, errlen, "implausible ring: 2^%u descriptors for 2^%u data "
			       "bytes (the kernel makes one per 2^5 bytes)", count_bits, size_bits);
	r->count = 1ULL << count_bits;
	r->size = 1ULL << size_bits;
	/* No overflow: at most 2^22 * (2 * 4096) + 2^26. */
	if (r->count * (l->desc_size + l->info_size) + r->size > MAX_RING_BYTES)
		return set_err(err, errlen, "implausible ring: 2^%u descriptors of %" PRIu64
			    "+%" PRIu64 " bytes", count_bits, l->desc_size, l->info_size);
	r->flags_shift = l->word * 8 - 2;
	r->id_mask = ~(3ULL << r->flags_shift);
	return 0;
}

/**
 * ring_set_memory_limit() - bound the decoder's memory
 * @bytes: what ring_decode() may allocate for the ring and the log; 0 for
 *	   half the memory free when it starts (sysinfo(2))
 */
void ring_set_memory_limit(uint64_t bytes)
{
	memory_limit = bytes;
}

static uint64_t memory_budget(void)
{
	struct sysinfo si;

	if (memory_limit)
		return memory_limit;
	if (sysinfo(&si))
		return MAX_RING_BYTES;
	return (uint64_t)si.freeram * si.mem_unit / 2;
}

/*
 * Read the descriptors and infos between @tail and @head, and the data
 * ring. When the records and their log would not fit the memory budget,
 * only the newest that fit are read (st->dropped says how many were left
 * out), and of the data ring only their text blocks, as decode_one()
 * reaches them.
 */
static int read_span(const struct vmcore *vc, struct ring *r, uint64_t tail, uint64_t head,
		     struct ring_stats *st, char *err, size_t errlen)
{
	const struct ring_layout *l = &r->l;
	/* A record costs its descriptor, its info and about twice its text in the log. */
	uint64_t per = l->desc_size + l->info_size + 3 * (r->size / r->count) + 64;
	uint64_t budget = memory_budget(), keep;

	r->first = tail & r->id_mask;
	head &= r->id_mask;
	r->span = (head - r->first) & r->id_mask;
	if (r->span >= r->count) {
		/* The tail cannot trail the head by more than the array. */
		st->bad_desc++;
		r->first = (head - r->count + 1) & r->id_mask;
		r->span = r->count - 1;
	}
	if ((r->span + 1) * per + r->size > budget) {
		keep = budget / (per + r->size / r->count);
		if (!keep)
			keep = 1;
		if (keep < r->span + 1) {
			st->dropped = r->span + 1 - keep;
			r->first = (head - keep + 1) & r->id_mask;
			r->span = keep - 1;
		}
		r->data_partial = true;
	}
	r->descs = read_entries(vc, r->descs_addr, r->count, l->desc_size, r->first,
				r->span + 1, &st->unreadable);
	r->infos = read_entries(vc, r->infos_addr, r->count, l->info_size, r->first,
				r->span + 1, &st->unreadable);
	/* Pages not touched by the partial read cost no memory. */
	r->data = calloc(1, r->size);
	if (r->data && !r->data_partial)
		read_pages(vc, r->data_addr, r->data, r->size, &st->unreadable);
	if (!r->descs || !r->infos || !r->data)
		return set_err(err, errlen, "out of memory for a ring of %" PRIu64 " bytes",
			       r->size);
	return 0;
}

/*
 * Locate a record's text in the data ring; NULL if the block is not where a
 * valid one could be or is owned by another descriptor. *len is the space
 * after the block's id.
 */
static const unsigned char *find_text(const struct vmcore *vc, const struct ring *r,
				      uint64_t id, uint64_t begin, uint64_t next, uint64_t *len,
				      uint64_t *unreadable)
{
	unsigned int bits = 0;
	uint64_t start, size, w = r->l.word;

	while ((1ULL << bits) < r->size)
		bits++;
	if ((begin >> bits) == (next >> bits) && begin < next) {
		start = begin & (r->size - 1);
		size = next - begin;
	} else if (((begin + r->size) >> bits) == (next >> bits)) {
		start = 0;
		size = next & (r->size - 1);
	} else {
		return NULL;
	}
	if ((begin | next) & (w - 1) || size < w || start + size > r->size)
		return NULL;
	if (r->data_partial)
		read_pages(vc, r->data_addr + start, r->data + start, size, unreadable);
	if ((get_word(r->data + start, r->l.word) & r->id_mask) != id)
		return NULL;
	*len = size - w;
	return r->data + start + w;
}

static void add_prefix(struct strbuf *log, const struct ring *r, const unsigned char *info)
{
	const struct ring_layout *l = &r->l;
	uint64_t ts = get_word(info + l->ts_off, 8);

	if (l->has_level) {
		unsigned int facility = info[l->len_off + 2];
		unsigned int level = info[l->level_off] >> 5;

		sb_addf(log, "<%u>", facility << 3 | level);
	}
	sb_addf(log, "[%5" PRIu64 ".%06" PRIu64 "]", ts / 1000000000, ts % 1000000000 / 1000);
	if (l->has_caller) {
		uint32_t caller = (uint32_t)get_word(info + l->caller_off, 4);
		char who[16];

		snprintf(who, sizeof(who), "%c%u", caller & 0x80000000U ? 'C' : 'T',
			 caller & ~0x80000000U);
		sb_addf(log, "[%6s]", who);
	}
	sb_add(log, " ", 1);
}

/* " KEY=value" after a record, as /dev/kmsg gives it; nothing for an empty value. */
static void add_dict(struct strbuf *log, const char *key, const unsigned char *val,
		     uint64_t max)
{
	const unsigned char *end = memchr(val, '\0', max);
	size_t n = end ? (size_t)(end - val) : (size_t)max, i;

	if (!n)
		return;
	sb_addf(log, " %s=", key);
	for (i = 0; i < n; i++) {
		if (isprint(val[i]) && val[i] != '\\')
			sb_add(log, &val[i], 1);
		else
			sb_addf(log, "\\x%02x", val[i]);
	}
	sb_add(log, "\n", 1);
}

/*
 * One record: every line of its text gets the prefix, as the console shows
 * it; then the device it names, if any, in lines that start with a space.
 */
static void add_record(struct strbuf *log, const struct ring *r, const unsigned char *info,
		       const unsigned char *text, size_t len)
{
	size_t i;

	add_prefix(log, r, info);
	for (i = 0; i < len; i++) {
		unsigned char c = text[i];

		if (c == '\n') {
			sb_add(log, "\n", 1);
			add_prefix(log, r, info);
		} else if (isprint(c) || c == '\t') {
			/* \r, \v and \f too are escaped: they rewrite a terminal's line. */
			sb_add(log, &c, 1);
		} else {
			sb_addf(log, "\\x%02x", c);
		}
	}
	sb_add(log, "\n", 1);
	if (r->l.has_dev) {
		add_dict(log, "SUBSYSTEM", info + r->l.sub_off, r->l.sub_len);
		add_dict(log, "DEVICE", info + r->l.dev_off, r->l.dev_len);
	}
}

static void decode_one(const struct vmcore *vc, struct strbuf *log, const struct ring *r,
		       uint64_t id, struct ring_stats *st)
{
	const struct ring_layout *l = &r->l;
	uint64_t idx = (id - r->first) & r->id_mask;
	const unsigned char *desc = r->descs + idx * l->desc_size;
	const unsigned char *info = r->infos + idx * l->info_size;
	uint64_t sv = get_word(desc + l->sv_off + l->counter_off, l->word);
	uint64_t begin = get_word(desc + l->lpos_off + l->begin_off, l->word);
	uint64_t next = get_word(desc + l->lpos_off + l->next_off, l->word);
	unsigned int state = (unsigned int)(sv >> r->flags_shift);
	uint64_t text_len = get_word(info + l->len_off, 2), avail = 0;
	const unsigned char *text = NULL;

	if ((sv & r->id_mask) != id) {
		st->bad_desc++;
		return;
	}
	if (state == DESC_REUSABLE)
		return;		/* already given up by the kernel */
	if (state == DESC_RESERVED) {
		/* Being written by another CPU when the kernel stopped: not damage. */
		st->reserved++;
		return;
	}
	if (begin & 1) {
		/* Data-less: an empty line, or text that did not fit. */
		if (begin != LPOS_EMPTY_LINE && begin != LPOS_FAILED) {
			st->bad_data++;
			return;
		}
		text_len = 0;
	} else {
		text = find_text(vc, r, id, begin, next, &avail, &st->unreadable);
		if (!text) {
			st->bad_data++;
			return;
		}
		if (text_len > avail) {
			st->truncated++;
			text_len = avail;
		}
	}
	if (!st->records)
		st->first_seq = get_word(info + l->seq_off, 8);
	st->last_seq = get_word(info + l->seq_off, 8);
	st->records++;
	add_record(log, r, info, text, (size_t)text_len);
}

static void walk(const struct vmcore *vc, struct strbuf *log, const struct ring *r,
		 struct ring_stats *st)
{
	uint64_t id = r->first, n;

	for (n = 0; n <= r->span; n++) {
		decode_one(vc, log, r, id, st);
		id = (id + 1) & r->id_mask;
	}
}

/**
 * ring_decode() - the crashed kernel's printk log as text
 * @vc: an open core
 * @log: where to append the log (see printk_ring.h for the format)
 * @st: what was decoded and what was skipped
 * @err: a one-line reason when nothing could be decoded
 * @errlen: size of @err
 *
 * Return: 0 if the ring was found (records may still have been skipped),
 * -1 if not.
 */
int ring_decode(const struct vmcore *vc, struct strbuf *log, struct ring_stats *st,
		char *err, size_t errlen)
{
	struct ring r = { 0 };
	uint64_t head, tail;
	int ret = -1;

	memset(st, 0, sizeof(*st));
	if (read_layout(vc, &r.l, err, errlen))
		return -1;
	st->levels = r.l.has_level;
	st->callers = r.l.has_caller;
	if (read_ring(vc, &r, err, errlen))
		goto out;
	if (vmcore_read_virt(vc, r.l.desc_ring + r.l.head_id_off + r.l.counter_off, &head, 8) ||
	    vmcore_read_virt(vc, r.l.desc_ring + r.l.tail_id_off + r.l.counter_off, &tail, 8)) {
		set_err(err, errlen, "the ring's head and tail are not in the core");
		goto out;
	}
	if (read_span(vc, &r, tail, head, st, err, errlen))
		goto out;
	walk(vc, log, &r, st);
	if (log->oom) {
		set_err(err, errlen, "out of memory after %" PRIu64 " records", st->records);
		goto out;
	}
	ret = 0;
out:
	free(r.descs);
	free(r.infos);
	free(r.data);
	return ret;
}

/* Each skip_*() returns @p past its part of a line prefix, or @p if absent. */
static const char *skip_level(const char *p, const char *end)
{
	const char *q = p + 1;

	if (p >= end || *p != '<')
		return p;
	while (q < end && isdigit((unsigned char)*q))
		q++;
	return q > p + 1 && q < end && *q == '>' ? q + 1 : p;
}

static const char *skip_time(const char *p, const char *end)
{
	const char *q = p + 1;

	if (p >= end || *p != '[')
		return p;
	while (q < end && *q == ' ')
		q++;
	while (q < end && (isdigit((unsigned char)*q) || *q == '.'))
		q++;
	return q < end && *q == ']' ? q + 1 : p;
}

static const char *skip_caller(const char *p, const char *end)
{
	const char *q = p + 1;

	if (p >= end || *p != '[')
		return p;
	while (q < end && *q == ' ')
		q++;
	if (q >= end || (*q != 'T' && *q != 'C'))
		return p;
	q++;
	while (q < end && isdigit((unsigned char)*q))
		q++;
	return q < end && *q == ']' && q - p >= 7 ? q + 1 : p;
}

const char *log_line_text(const char *line, const char *end)
{
	const char *p = skip_caller(skip_time(skip_level(line, end), end), end);

	return p < end && *p == ' ' ? p + 1 : p;
}

/* A " KEY=value" line after a record (the device it names), not a log line. */
static bool dict_line(const char *line, const char *end)
{
	return line < end && *line == ' ';
}

size_t log_count_lines(const char *log, size_t len)
{
	const char *line = log, *end = log + len, *eol;
	size_t n = 0;

	while (line < end) {
		eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			eol = end;
		n += !dict_line(line, eol);
		line = eol + 1;
	}
	return n;
}

static void print_line(FILE *f, const char *line, const char *end, unsigned int show)
{
	const char *time = skip_level(line, end);
	const char *caller = skip_time(time, end);
	const char *text = skip_caller(caller, end);

	if (show & LOG_SHOW_LEVEL)
		fwrite(line, 1, (size_t)(time - line), f);
	fwrite(time, 1, (size_t)(caller - time), f);
	if (show & LOG_SHOW_CALLER)
		fwrite(caller, 1, (size_t)(text - caller), f);
	fwrite(text, 1, (size_t)(end - text), f);
	fputc('\n', f);
}

void log_print(FILE *f, const char *log, size_t len, unsigned int show, size_t skip_lines)
{
	const char *line = log, *end = log + len, *eol;

	while (line < end) {
		eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			eol = end;
		if (dict_line(line, eol)) {
			if (!skip_lines && (show & LOG_SHOW_DICT))
				fprintf(f, "%.*s\n", (int)(eol - line), line);
		} else if (skip_lines) {
			skip_lines--;
		} else {
			print_line(f, line, eol, show);
		}
		line = eol + 1;
	}
}

static bool starts(const char *text, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - text) >= n && !memcmp(text, word, n);
}

void log_reason(const char *log, size_t len, char *buf, size_t size)
{
	static const char *const oops_words[] = {
		"BUG: ", "Oops: ", "kernel BUG at ", "general protection fault",
		"Unable to handle", "sysrq: Trigger a crash",
	};
	const char *end = log + len, *line = log, *panic = NULL, *oops = NULL, *warn = NULL;
	const char *last = NULL, *text, *eol;
	size_t i, n;

	while (line < end) {
		eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			eol = end;
		if (dict_line(line, eol)) {
			line = eol + 1;
			continue;
		}
		text = log_line_text(line, eol);
		if (starts(text, eol, "Kernel panic - not syncing"))
			panic = line;
		for (i = 0; !oops && i < ARRAY_SIZE(oops_words); i++)
			if (starts(text, eol, oops_words[i]))
				oops = line;
		if (!warn && starts(text, eol, "WARNING: "))
			warn = line;
		if (eol > text)
			last = line;
		line = eol + 1;
	}
	if (!size)
		return;
	buf[0] = '\0';
	line = panic ? panic : oops ? oops : warn ? warn : last;
	if (!line)
		return;
	eol = memchr(line, '\n', (size_t)(end - line));
	if (!eol)
		eol = end;
	text = log_line_text(line, eol);
	n = (size_t)(eol - text);
	if (n >= size)
		n = size - 1;
	memcpy(buf, text, n);
	buf[n] = '\0';
}
