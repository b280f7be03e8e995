// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the saveoops core reader, printk decoder and store,
 * printed as TAP (the plan comes last; the exit code is 1 on any failure).
 *
 *	unit-test			run every test
 *	unit-test --write-seeds DIR	write fuzzing seeds to DIR/vmcore, DIR/store
 *
 * The cores come from tests/mkcore.c, whose ring layouts differ from the
 * kernel's and reach the decoder only through VMCOREINFO.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "printk_ring.h"
#include "store.h"
#include "vmcore.h"
#include "tests/mkcore.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#define NSEC		1000000000ULL

/* ---- TAP ---- */

static unsigned int tap_count, tap_failed;
static bool test_ok = true;

static void tap(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* End the current test: one TAP line for everything checked since the last. */
static void tap(const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	tap_failed += !test_ok;
	printf("%s %u - ", test_ok ? "ok" : "not ok", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	test_ok = true;
}

/* Show a text as diagnostics, one "#" line per line, bytes escaped. */
static void diag_text(const char *label, const char *s)
{
	printf("#     %s: \"", label);
	for (; s && *s; s++) {
		if (*s == '\n' && s[1])
			printf("\\n\"\n#         \"");
		else if (*s == '\n')
			printf("\\n");
		else if (*s < ' ' || *s > '~')
			printf("\\x%02x", (unsigned char)*s);
		else
			putchar(*s);
	}
	printf("\"\n");
}

static bool check(bool cond, int line, const char *what)
{
	if (!cond) {
		test_ok = false;
		printf("#   unit.c:%d: failed: %s\n", line, what);
	}
	return cond;
}

static bool check_u64(uint64_t got, uint64_t want, int line, const char *what)
{
	if (got == want)
		return true;
	test_ok = false;
	printf("#   unit.c:%d: %s is %" PRIu64 " (0x%" PRIx64 "), want %" PRIu64 "\n", line,
	       what, got, got, want);
	return false;
}

static bool check_str(const char *got, const char *want, int line, const char *what)
{
	if (got && !strcmp(got, want))
		return true;
	test_ok = false;
	printf("#   unit.c:%d: %s differs\n", line, what);
	diag_text("got ", got ? got : "(null)");
	diag_text("want", want);
	return false;
}

static bool check_has(const char *hay, const char *needle, int line, const char *what)
{
	if (hay && strstr(hay, needle))
		return true;
	test_ok = false;
	printf("#   unit.c:%d: %s lacks \"%s\"\n", line, what, needle);
	diag_text("got ", hay ? hay : "(null)");
	return false;
}

#define CHECK(c)		check(!!(c), __LINE__, #c)
#define CHECK_EQ(got, want)	check_u64((uint64_t)(got), (uint64_t)(want), __LINE__, #got)
#define CHECK_STR(got, want)	check_str((got), (want), __LINE__, #got)
#define CHECK_HAS(hay, needle)	check_has((hay), (needle), __LINE__, #hay)

/* ---- decoding a synthetic core ---- */

struct dec {
	int ret;		/* ring_decode()'s, or -2/-3: no file/core */
	struct strbuf log;
	struct ring_stats st;
	char err[256];
	const char *text;	/* the log, "" if empty */
};

static const struct mk_opts base_opts = { .place = MK_IN_IMAGE, .phys_base = 0x3000000 };

static void decode_bytes(const void *core, size_t len, struct dec *d)
{
	struct vmcore vc;
	int fd = mk_memfd(core, len);

	memset(d, 0, sizeof(*d));
	sb_init(&d->log);
	d->text = "";
	if (fd < 0) {
		d->ret = -2;
		snprintf(d->err, sizeof(d->err), "memfd: %s", strerror(errno));
		return;
	}
	if (vmcore_open_fd(&vc, fd, d->err, sizeof(d->err))) {
		d->ret = -3;
	} else {
		d->ret = ring_decode(&vc, &d->log, &d->st, d->err, sizeof(d->err));
		if (d->log.data)
			d->text = d->log.data;
	}
	vmcore_close(&vc);
}

static void decode_ring(const struct mk_ring *r, const struct mk_opts *o, struct dec *d)
{
	struct strbuf core;

	sb_init(&core);
	mk_core_ring(&core, r, o ? o : &base_opts);
	decode_bytes(core.data, core.len, d);
	sb_free(&core);
}

static void dec_free(struct dec *d)
{
	sb_free(&d->log);
}

static uint64_t add_rec(struct mk_ring *r, uint64_t sec, const char *text)
{
	struct mk_rec rec = { .ts_nsec = sec * NSEC, .text = text, .level = 6, .caller = 1 };

	return mk_ring_add(r, &rec);
}

static uint64_t skipped_or_bad(const struct ring_stats *st)
{
	return st->bad_desc + st->bad_data + st->reserved + st->truncated + st->unreadable;
}

/* ---- the decoder ---- */

static const struct mk_rec simple_recs[] = {
	{ .ts_nsec = 1 * NSEC, .text = "hello", .level = 6, .caller = 1 },
	{ .ts_nsec = 12345678901ULL, .text = "cpu record", .level = 4, .caller = 0x80000002 },
	{ .ts_nsec = 123456000001000ULL, .text = "user", .level = 5, .facility = 1,
	  .caller = 12345 },
};

static void test_simple(void)
{
	static const struct {
		const struct mk_layout *l;
		bool levels, callers;
		const char *want;
	} rows[] = {
		{ &mk_layout_padded, true, true,
		  "<6>[    1.000000][    T1] hello\n"
		  "<4>[   12.345678][    C2] cpu record\n"
		  "<13>[123456.000001][T12345] user\n" },
		{ &mk_layout_scattered, false, true,
		  "[    1.000000][    T1] hello\n"
		  "[   12.345678][    C2] cpu record\n"
		  "[123456.000001][T12345] user\n" },
		{ &mk_layout_nocaller, false, false,
		  "[    1.000000] hello\n"
		  "[   12.345678] cpu record\n"
		  "[123456.000001] user\n" },
		{ &mk_layout_6_12, true, true,
		  "<6>[    1.000000][    T1] hello\n"
		  "<4>[   12.345678][    C2] cpu record\n"
		  "<13>[123456.000001][T12345] user\n" },
	};
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct mk_ring r;
		struct dec d;

		mk_ring_init(&r, rows[i].l, 4, 10);
		for (j = 0; j < ARRAY_SIZE(simple_recs); j++)
			mk_ring_add(&r, &simple_recs[j]);
		decode_ring(&r, NULL, &d);
		CHECK_EQ(d.ret, 0);
		CHECK_STR(d.text, rows[i].want);
		CHECK_EQ(d.st.records, 3);
		CHECK_EQ(d.st.first_seq, 0);
		CHECK_EQ(d.st.last_seq, 2);
		CHECK_EQ(d.st.levels, rows[i].levels);
		CHECK_EQ(d.st.callers, rows[i].callers);
		CHECK_EQ(skipped_or_bad(&d.st), 0);
		if (d.ret)
			printf("#   error: %s\n", d.err);
		dec_free(&d);
		mk_ring_free(&r);
		tap("decode a simple ring, %s layout", rows[i].l->name);
	}
}

static void test_multiline(void)
{
	struct mk_ring r;
	struct dec d;

	mk_ring_init(&r, &mk_layout_padded, 4, 10);
	add_rec(&r, 2, "first\nsecond\n\nfourth");
	decode_ring(&r, NULL, &d);
	CHECK_STR(d.text, "<6>[    2.000000][    T1] first\n"
			  "<6>[    2.000000][    T1] second\n"
			  "<6>[    2.000000][    T1] "
			  "\n"
			  "<6>[    2.000000][    T1] fourth\n");
	CHECK_EQ(d.st.records, 1);
	CHECK_EQ(log_count_lines(d.log.data, d.log.len), 4);
	dec_free(&d);
	mk_ring_free(&r);
	tap("every line of a multi-line record gets the prefix");
}

static void test_escape(void)
{
	static const char text[] = "tab\there\x01\x1b[31m\x7f\x80\xff nul\0end\rcr\vvt\fff";
	struct mk_rec rec = { .ts_nsec = NSEC, .text = text, .len = sizeof(text) - 1,
			      .level = 6, .caller = 1 };
	struct mk_ring r;
	struct dec d;

	mk_ring_init(&r, &mk_layout_padded, 4, 10);
	mk_ring_add(&r, &rec);
	decode_ring(&r, NULL, &d);
	CHECK_STR(d.text, "<6>[    1.000000][    T1] "
			  "tab\there\\x01\\x1b[31m\\x7f\\x80\\xff nul\\x00end"
			  "\\x0dcr\\x0bvt\\x0cff\n");
	dec_free(&d);
	mk_ring_free(&r);
	tap("non-printable bytes, \\r, \\v and \\f are escaped as \\xNN, tabs kept");
}

/* What the model says the decoder must print: every valid record, tail to head. */
static void expect_live(const struct mk_ring *r, char texts[][80], struct strbuf *want,
			uint64_t *live, bool *live_wrapping)
{
	uint64_t id = r->tail_id, begin, next;

	*live = 0;
	*live_wrapping = false;
	for (;; id = (id + 1) & MK_ID_MASK) {
		if (mk_ring_valid(r, id)) {
			uint64_t seq = mk_get(mk_ring_info(r, id) + r->l->info_seq, 8);

			sb_addf(want, "<6>[%5" PRIu64 ".000000][    T1] %s\n", seq + 1, texts[seq]);
			mk_ring_lpos(r, id, &begin, &next);
			if ((begin >> r->size_bits) != (next >> r->size_bits))
				*live_wrapping = true;
			(*live)++;
		}
		if (id == r->head_id)
			break;
	}
}

static void test_wrap(void)
{
	static const struct {
		const char *what;
		uint64_t first_id, first_lpos;
		bool kernel_start;
	} rows[] = {
		{ "ids and lpos from boot values", 0, 0, true },
		{ "ids overflowing 62 bits, lpos overflowing 64", MK_ID_MASK - 4,
		  -(3ULL << 8) + 40 },
		{ "ids and lpos mid-range", 1000003, 77ULL << 8 },
	};
	static char texts[120][80];
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct strbuf want;
		struct mk_ring r;
		uint64_t live, first_tail;
		bool live_wrapping;
		struct dec d;

		if (rows[i].kernel_start)
			mk_ring_init(&r, &mk_layout_padded, 3, 8);
		else
			mk_ring_init_at(&r, &mk_layout_padded, 3, 8, rows[i].first_id,
					rows[i].first_lpos);
		first_tail = r.tail_id;
		/* Enough records to lap the ring, until a live block wraps. */
		live_wrapping = false;
		for (n = 0; n < ARRAY_SIZE(texts) && (n < 40 || !live_wrapping); n++) {
			snprintf(texts[n], sizeof(texts[n]), "record %u %.*s", n, (int)(n * 7 % 45),
				 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS");
			add_rec(&r, n + 1, texts[n]);
			sb_init(&want);
			expect_live(&r, texts, &want, &live, &live_wrapping);
			sb_free(&want);
		}
		sb_init(&want);
		expect_live(&r, texts, &want, &live, &live_wrapping);
		decode_ring(&r, NULL, &d);
		CHECK_EQ(d.ret, 0);
		CHECK(r.tail_id != first_tail);
		CHECK(r.wrapping_blocks > 2);
		CHECK(live_wrapping);		/* a live block wraps: the test covers it */
		CHECK(live >= 3);
		CHECK_STR(d.text, want.data);
		CHECK_EQ(d.st.records, live);
		CHECK_EQ(d.st.last_seq, n - 1);
		CHECK_EQ(skipped_or_bad(&d.st), 0);
		sb_free(&want);
		dec_free(&d);
		mk_ring_free(&r);
		tap("wrapped ring, %s", rows[i].what);
	}
}

static void test_dataless(void)
{
	struct mk_rec empty = { .ts_nsec = 2 * NSEC, .level = 6, .caller = 1 };
	struct mk_rec failed = { .ts_nsec = 3 * NSEC, .level = 6, .caller = 1, .failed = true };
	struct mk_ring r;
	struct dec d;

	mk_ring_init(&r, &mk_layout_padded, 4, 10);
	add_rec(&r, 1, "before");
	mk_ring_add(&r, &empty);
	add_rec(&r, 4, "after");
	decode_ring(&r, NULL, &d);
	CHECK_STR(d.text, "<6>[    1.000000][    T1] before\n"
			  "<6>[    2.000000][    T1] "
			  "\n"
			  "<6>[    4.000000][    T1] after\n");
	CHECK_EQ(d.st.records, 3);
	CHECK_EQ(skipped_or_bad(&d.st), 0);
	dec_free(&d);
	tap("a data-less empty line prints its prefix and no text");

	mk_ring_add(&r, &failed);
	add_rec(&r, 5, "last");
	decode_ring(&r, NULL, &d);
	CHECK_EQ(d.ret, 0);
	CHECK_EQ(d.st.bad_data, 0);
	CHECK_HAS(d.text, "<6>[    4.000000][    T1] after\n");
	CHECK_HAS(d.text, "<6>[    5.000000][    T1] last\n");
	dec_free(&d);
	mk_ring_free(&r);
	tap("a data-less failed record is not a bad block");
}

/* Three records, the middle one given a state. */
static void test_states(void)
{
	static const struct {
		const char *what;
		uint64_t state;
		bool middle;		/* else the head */
		uint64_t records, reserved;
		const char *want;
	} rows[] = {
		{ "a reserved record at the head is counted reserved, not damage",
		  MK_DESC_RESERVED, false, 2, 1,
		  "<6>[    1.000000][    T1] one\n<6>[    2.000000][    T1] two\n" },
		{ "a committed record at the head is printed", MK_DESC_COMMITTED, false, 3, 0,
		  "<6>[    1.000000][    T1] one\n<6>[    2.000000][    T1] two\n"
		  "<6>[    3.000000][    T1] three\n" },
		{ "a reusable record is skipped silently", MK_DESC_REUSABLE, true, 2, 0,
		  "<6>[    1.000000][    T1] one\n<6>[    3.000000][    T1] three\n" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct mk_ring r;
		uint64_t ids[3];
		struct dec d;

		mk_ring_init(&r, &mk_layout_padded, 4, 10);
		ids[0] = add_rec(&r, 1, "one");
		ids[1] = add_rec(&r, 2, "two");
		ids[2] = add_rec(&r, 3, "three");
		mk_ring_set_sv(&r, ids[rows[i].middle ? 1 : 2], rows[i].state,
			       ids[rows[i].middle ? 1 : 2]);
		decode_ring(&r, NULL, &d);
		CHECK_STR(d.text, rows[i].want);
		CHECK_EQ(d.st.records, rows[i].records);
		CHECK_EQ(d.st.reserved, rows[i].reserved);
		CHECK_EQ(ring_skipped(&d.st), 0);
		CHECK_EQ(d.st.bad_desc + d.st.bad_data + d.st.truncated, 0);
		dec_free(&d);
		mk_ring_free(&r);
		tap("%s", rows[i].what);
	}
}

enum corrupt {
	FOREIGN_ID_AHEAD, FOREIGN_ID_BEHIND, BLOCK_ID, BEGIN_MISALIGNED, NEXT_MISALIGNED,
	BEGIN_ODD, NEXT_BEFORE_BEGIN, NEXT_TWO_WRAPS, EMPTY_BLOCK, BLOCK_TOO_BIG,
};

static void corrupt(struct mk_ring *r, uint64_t id, enum corrupt how)
{
	uint64_t begin, next;

	mk_ring_lpos(r, id, &begin, &next);
	switch (how) {
	case FOREIGN_ID_AHEAD:
		mk_ring_set_sv(r, id, MK_DESC_FINALIZED, id + r->count);
		break;
	case FOREIGN_ID_BEHIND:
		mk_ring_set_sv(r, id, MK_DESC_FINALIZED, id - r->count);
		break;
	case BLOCK_ID:
		mk_put(mk_ring_block(r, id), id + r->count, 8);
		break;
	case BEGIN_MISALIGNED:
		mk_ring_set_lpos(r, id, begin + 4, next);
		break;
	case NEXT_MISALIGNED:
		mk_ring_set_lpos(r, id, begin, next - 4);
		break;
	case BEGIN_ODD:
		mk_ring_set_lpos(r, id, 5, 5);
		break;
	case NEXT_BEFORE_BEGIN:
		mk_ring_set_lpos(r, id, begin, begin - 8);
		break;
	case NEXT_TWO_WRAPS:
		mk_ring_set_lpos(r, id, begin, next + 2 * r->size);
		break;
	case EMPTY_BLOCK:
		mk_ring_set_lpos(r, id, begin, begin);
		break;
	case BLOCK_TOO_BIG:
		mk_ring_set_lpos(r, id, begin, begin + r->size);
		break;
	}
}

static void test_corrupt(void)
{
	static const struct {
		const char *what;
		enum corrupt how;
		bool bad_desc;
	} rows[] = {
		{ "a descriptor with a later lap's id", FOREIGN_ID_AHEAD, true },
		{ "a descriptor with an earlier lap's id", FOREIGN_ID_BEHIND, true },
		{ "a block owned by another id", BLOCK_ID, false },
		{ "a misaligned begin", BEGIN_MISALIGNED, false },
		{ "a misaligned next", NEXT_MISALIGNED, false },
		{ "an odd begin that is no data-less marker", BEGIN_ODD, false },
		{ "next before begin", NEXT_BEFORE_BEGIN, false },
		{ "next two wraps ahead", NEXT_TWO_WRAPS, false },
		{ "an empty block", EMPTY_BLOCK, false },
		{ "a block as large as the ring", BLOCK_TOO_BIG, false },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct mk_ring r;
		uint64_t id;
		struct dec d;

		mk_ring_init(&r, &mk_layout_padded, 4, 10);
		add_rec(&r, 1, "one");
		id = add_rec(&r, 2, "two");
		add_rec(&r, 3, "three");
		corrupt(&r, id, rows[i].how);
		decode_ring(&r, NULL, &d);
		CHECK_EQ(d.ret, 0);
		CHECK_STR(d.text, "<6>[    1.000000][    T1] one\n"
				  "<6>[    3.000000][    T1] three\n");
		CHECK_EQ(d.st.bad_desc, rows[i].bad_desc);
		CHECK_EQ(d.st.bad_data, !rows[i].bad_desc);
		CHECK_EQ(d.st.records, 2);
		CHECK_EQ(ring_skipped(&d.st), 1);
		dec_free(&d);
		mk_ring_free(&r);
		tap("%s is counted in %s", rows[i].what,
		    rows[i].bad_desc ? "bad_desc" : "bad_data");
	}
}

static void test_truncated(void)
{
	struct mk_ring r;
	uint64_t id;
	struct dec d;

	mk_ring_init(&r, &mk_layout_padded, 4, 10);
	add_rec(&r, 1, "one");
	id = add_rec(&r, 2, "hello");
	add_rec(&r, 3, "three");
	mk_put(mk_ring_info(&r, id) + r.l->info_len, 200, 2);
	decode_ring(&r, NULL, &d);
	CHECK_EQ(d.st.truncated, 1);
	CHECK_EQ(d.st.records, 3);
	CHECK_EQ(ring_skipped(&d.st), 0);
	CHECK_HAS(d.text, "<6>[    1.000000][    T1] one\n<6>[    2.000000][    T1] hello");
	CHECK_HAS(d.text, "\n<6>[    3.000000][    T1] three\n");
	dec_free(&d);
	mk_ring_free(&r);
	tap("text_len beyond its block is counted in truncated and cut to the block");
}

static void test_span(void)
{
	static const struct {
		const char *what;
		int64_t tail_from_head;		/* tail = head + this */
		uint64_t head_flags;		/* state bits set in the head_id word */
		bool bad;
	} rows[] = {
		{ "a tail ahead of the head", 5, 0, true },
		{ "a tail 40 laps behind the head", -40 * 16, 0, true },
		{ "a tail exactly one array behind", -16, 0, true },
		{ "state bits in the head_id word", -3, 3ULL << 62, false },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct mk_ring r;
		uint64_t head;
		struct dec d;

		mk_ring_init(&r, &mk_layout_padded, 4, 10);
		add_rec(&r, 1, "one");
		add_rec(&r, 2, "two");
		head = add_rec(&r, 3, "three");
		r.tail_id = (head + (uint64_t)rows[i].tail_from_head) & MK_ID_MASK;
		r.head_id = head | rows[i].head_flags;
		decode_ring(&r, NULL, &d);
		CHECK_EQ(d.ret, 0);
		CHECK_EQ(d.st.records, 3);
		CHECK_STR(d.text, "<6>[    1.000000][    T1] one\n<6>[    2.000000][    T1] two\n"
				  "<6>[    3.000000][    T1] three\n");
		/* Counted within the array (16), not as 2^62 bad descriptors. */
		CHECK_EQ(d.st.bad_desc > 0 && d.st.bad_desc <= 16, rows[i].bad);
		dec_free(&d);
		mk_ring_free(&r);
		tap("%s: the walk stays within one array", rows[i].what);
	}
}

static const char *const required_keys[] = {
	"SYMBOL(prb)",
	"OFFSET(printk_ringbuffer.desc_ring)",
	"OFFSET(printk_ringbuffer.text_data_ring)",
	"OFFSET(prb_desc_ring.count_bits)",
	"OFFSET(prb_desc_ring.descs)",
	"OFFSET(prb_desc_ring.infos)",
	"OFFSET(prb_desc_ring.head_id)",
	"OFFSET(prb_desc_ring.tail_id)",
	"SIZE(prb_desc)",
	"OFFSET(prb_desc.state_var)",
	"OFFSET(prb_desc.text_blk_lpos)",
	"OFFSET(prb_data_blk_lpos.begin)",
	"OFFSET(prb_data_blk_lpos.next)",
	"SIZE(printk_info)",
	"OFFSET(printk_info.seq)",
	"OFFSET(printk_info.ts_nsec)",
	"OFFSET(printk_info.text_len)",
	"OFFSET(prb_data_ring.size_bits)",
	"OFFSET(prb_data_ring.data)",
	"SIZE(atomic_long_t)",
	"OFFSET(atomic_long_t.counter)",
};

static void simple_ring(struct mk_ring *r, const struct mk_layout *l)
{
	unsigned int j;

	mk_ring_init(r, l, 4, 10);
	for (j = 0; j < ARRAY_SIZE(simple_recs); j++)
		mk_ring_add(r, &simple_recs[j]);
}

static void test_missing_keys(void)
{
	struct mk_ring r;
	unsigned int i;

	simple_ring(&r, &mk_layout_padded);
	for (i = 0; i < ARRAY_SIZE(required_keys); i++) {
		const char *const omit[] = { required_keys[i], NULL };
		struct mk_opts o = base_opts;
		struct dec d;

		o.omit = omit;
		decode_ring(&r, &o, &d);
		CHECK_EQ(d.ret, -1);
		CHECK_HAS(d.err, required_keys[i]);
		CHECK_EQ(d.log.len, 0);
		dec_free(&d);
		tap("without %s: an error naming it", required_keys[i]);
	}
	mk_ring_free(&r);
}

static void test_bad_keys(void)
{
	static const struct {
		const char *key, *value, *err;
	} rows[] = {
		{ "SIZE(atomic_long_t)", "4", "only 64-bit" },
		{ "SIZE(prb_desc)", "16", "do not fit" },
		{ "SIZE(prb_desc)", "5000", "do not fit" },
		{ "SIZE(printk_info)", "0", "do not fit" },
		{ "OFFSET(printk_info.caller_id)", "102", "do not fit" },
		{ "OFFSET(printk_info.ts_nsec)", "100", "do not fit" },
		{ "OFFSET(prb_desc.state_var)", "24x", "has no OFFSET(prb_desc.state_var)" },
		{ "OFFSET(prb_desc.state_var)", "", "has no OFFSET(prb_desc.state_var)" },
		{ "SYMBOL(prb)", "ffffffff90000000", "is not in the core" },
		{ "OFFSET(printk_ringbuffer.desc_ring)", "1000000", "out of bounds" },
		/* Offsets in structs VMCOREINFO gives no size for: bounded all the same. */
		{ "OFFSET(prb_desc_ring.head_id)", "4097", "out of bounds" },
		{ "OFFSET(prb_data_ring.data)", "18446744073709551615", "out of bounds" },
		{ "OFFSET(prb_desc_ring.count_bits)", "65536", "out of bounds" },
		/* Bounded by the structures' sizes where VMCOREINFO gives them. */
		{ "SIZE(prb_desc_ring)", "8", "do not fit their structures" },
		{ "SIZE(prb_data_ring)", "5000", "do not fit their structures" },
		{ "SIZE(printk_ringbuffer)", "8", "do not fit their structures" },
		/* Offsets that wrap an unchecked "off + width > size" around. */
		{ "OFFSET(printk_info.seq)", "-8", "has no OFFSET(printk_info.seq)" },
		{ "OFFSET(prb_desc.state_var)", "18446744073709551608", "out of bounds" },
		{ "OFFSET(prb_data_blk_lpos.next)", "18446744073709551615", "out of bounds" },
		{ "OFFSET(atomic_long_t.counter)", "18446744073709551600", "do not fit" },
		{ "SIZE(prb_desc)", "0000000000000000000000000000000000016",
		  "has no SIZE(prb_desc)" },
	};
	struct mk_ring r;
	unsigned int i;

	simple_ring(&r, &mk_layout_padded);
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		const char *const omit[] = { rows[i].key, NULL };
		struct mk_opts o = base_opts;
		char extra[256];
		struct dec d;

		snprintf(extra, sizeof(extra), "%s=%s\n", rows[i].key, rows[i].value);
		o.omit = omit;
		o.extra_info = extra;
		decode_ring(&r, &o, &d);
		CHECK_EQ(d.ret, -1);
		CHECK_HAS(d.err, rows[i].err);
		dec_free(&d);
		tap("%s=%s: error \"%s\"", rows[i].key, rows[i].value, rows[i].err);
	}
	mk_ring_free(&r);
}

static void test_bad_header(void)
{
	static const struct {
		const char *what;
		const struct mk_layout *l;
		unsigned int count_bits, size_bits;
		const char *extra;
		bool ok;
	} rows[] = {
		{ "2^23 descriptors", &mk_layout_6_12, 23, 10, NULL, false },
		{ "2^27 data bytes", &mk_layout_6_12, 4, 27, NULL, false },
		{ "a 4-byte data ring", &mk_layout_6_12, 4, 2, NULL, false },
		{ "2^21 descriptors of 4000-byte infos", &mk_layout_6_12, 21, 26,
		  "SIZE(printk_info)=4000\n", false },
		{ "a 64 MiB log of a real 6.12 kernel", &mk_layout_6_12, 21, 26, NULL, true },
		/* count_bits against the data ring: one descriptor per 2^5 bytes. */
		{ "2^10 descriptors for 2^10 data bytes", &mk_layout_6_12, 10, 10, NULL, false },
		{ "2^4 descriptors for 2^13 data bytes", &mk_layout_6_12, 4, 13, NULL, false },
		{ "2^4 descriptors for 2^9 data bytes", &mk_layout_6_12, 4, 9, NULL, true },
	};
	static const char *const omit[] = { "SIZE(printk_info)", NULL };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct mk_opts o = base_opts;
		struct mk_ring r;
		struct dec d;

		/* The header claims a size; the arrays in the core stay small. */
		simple_ring(&r, rows[i].l);
		r.count_bits = rows[i].count_bits;
		r.size_bits = rows[i].size_bits;
		if (rows[i].extra) {
			o.omit = omit;
			o.extra_info = rows[i].extra;
		}
		decode_ring(&r, &o, &d);
		CHECK_EQ(d.ret, rows[i].ok ? 0 : -1);
		if (!rows[i].ok)
			CHECK_HAS(d.err, "implausible ring");
		dec_free(&d);
		r.count_bits = 4;
		r.size_bits = 10;
		mk_ring_free(&r);
		tap("a ring header claiming %s is %s", rows[i].what,
		    rows[i].ok ? "accepted" : "refused");
	}
}

static void test_callers(void)
{
	static const struct {
		uint32_t caller;
		const char *field;
	} rows[] = {
		{ 1, "[    T1]" },
		{ 0, "[    T0]" },
		{ 0x80000000U, "[    C0]" },
		{ 0x80000fffU, "[ C4095]" },
		{ 99999, "[T99999]" },
		{ 4194304, "[T4194304]" },
		{ 0x7fffffffU, "[T2147483647]" },
		{ 0xffffffffU, "[C2147483647]" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct mk_rec rec = { .ts_nsec = NSEC, .text = "x", .level = 6,
				      .caller = rows[i].caller };
		struct mk_ring r;
		char want[64];
		struct dec d;

		mk_ring_init(&r, &mk_layout_padded, 4, 10);
		mk_ring_add(&r, &rec);
		decode_ring(&r, NULL, &d);
		snprintf(want, sizeof(want), "<6>[    1.000000]%s x\n", rows[i].field);
		CHECK_STR(d.text, want);
		dec_free(&d);
		mk_ring_free(&r);
		tap("caller id 0x%08x prints as %s", rows[i].caller, rows[i].field);
	}
}

static void test_levels(void)
{
	static const struct {
		const struct mk_layout *l;
		unsigned int level, facility;
		const char *want;
	} rows[] = {
		{ &mk_layout_padded, 7, 3, "<31>[    1.000000][    T1] x\n" },
		{ &mk_layout_padded, 0, 0, "<0>[    1.000000][    T1] x\n" },
		{ &mk_layout_scattered, 7, 3, "[    1.000000][    T1] x\n" },
		{ &mk_layout_nocaller, 7, 3, "[    1.000000] x\n" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct mk_rec rec = { .ts_nsec = NSEC, .text = "x", .level = rows[i].level,
				      .facility = rows[i].facility, .caller = 1 };
		struct mk_ring r;
		struct dec d;

		mk_ring_init(&r, rows[i].l, 4, 10);
		mk_ring_add(&r, &rec);
		decode_ring(&r, NULL, &d);
		CHECK_STR(d.text, rows[i].want);
		dec_free(&d);
		mk_ring_free(&r);
		tap("level %u facility %u in the %s layout: %s", rows[i].level,
		    rows[i].facility, rows[i].l->name,
		    rows[i].want[0] == '<' ? "printed" : "no <N>");
	}
}

/* A ring spread over two data pages, some records wrapping. */
static void two_page_ring(struct mk_ring *r, const struct mk_layout *l)
{
	char text[200], digits[121];
	unsigned int n;

	for (n = 0; n < sizeof(digits) - 1; n++)
		digits[n] = '0' + n % 10;
	digits[n] = '\0';
	mk_ring_init(r, l, 7, 13);
	for (n = 0; n < 200; n++) {
		snprintf(text, sizeof(text), "walk record %u %.*s", n, (int)(n * 13 % 120),
			 digits);
		add_rec(r, n + 1, text);
	}
}

static void test_walk(void)
{
	static const struct {
		const char *what;
		enum mk_place place;
		uint64_t sme_mask;
	} rows[] = {
		{ "p_vaddr of a direct-map PT_LOAD", MK_DIRECT_VADDR, 0 },
		{ "a 4-level walk to 4 KiB pages", MK_DIRECT_4K, 0 },
		{ "a 4-level walk to a 2 MiB page", MK_DIRECT_2M, 0 },
		{ "a 4-level walk to a 1 GiB page", MK_DIRECT_1G, 0 },
		{ "4 KiB pages with the SME bit", MK_DIRECT_4K, 1ULL << 47 },
		{ "a 2 MiB page with the SME bit", MK_DIRECT_2M, 1ULL << 47 },
		{ "a 1 GiB page with the SME bit", MK_DIRECT_1G, 1ULL << 47 },
	};
	struct dec ref, d;
	struct mk_ring r;
	unsigned int i;

	two_page_ring(&r, &mk_layout_scattered);
	decode_ring(&r, NULL, &ref);
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct mk_opts o = base_opts;

		o.place = rows[i].place;
		o.sme_mask = rows[i].sme_mask;
		decode_ring(&r, &o, &d);
		CHECK_EQ(d.ret, 0);
		CHECK(ref.st.records > 20);
		CHECK_EQ(d.st.records, ref.st.records);
		CHECK_EQ(skipped_or_bad(&d.st), 0);
		CHECK_STR(d.text, ref.text);
		dec_free(&d);
		tap("arrays in the direct map, found by %s", rows[i].what);
	}
	dec_free(&ref);
	mk_ring_free(&r);
}

static void test_walk_fails(void)
{
	static const char *const no_pgd[] = { "SYMBOL(init_top_pgt)", NULL };
	static const char *const no_base[] = { "NUMBER(phys_base)", NULL };
	struct mk_opts o = base_opts;
	uint64_t id, lost = 0, kept = 0;
	struct mk_ring r;
	struct dec d;

	two_page_ring(&r, &mk_layout_scattered);
	o.place = MK_DIRECT_4K;
	o.unmapped_page = 2;
	/* Blocks starting in the missing page lose their id word; others are kept. */
	for (id = r.tail_id;; id = (id + 1) & MK_ID_MASK) {
		if (mk_ring_valid(&r, id) && mk_ring_block(&r, id) - r.data >= 4096)
			lost++;
		else if (mk_ring_valid(&r, id))
			kept++;
		if (id == r.head_id)
			break;
	}
	decode_ring(&r, &o, &d);
	CHECK_EQ(d.ret, 0);
	CHECK_EQ(d.st.unreadable, 1);
	CHECK(lost > 5 && kept > 5);
	CHECK_EQ(d.st.bad_data, lost);
	CHECK_EQ(d.st.records, kept);
	dec_free(&d);
	tap("an unmapped data page is counted unreadable, its records bad_data, the rest kept");

	o.unmapped_page = 0;
	o.omit = no_pgd;
	decode_ring(&r, &o, &d);
	CHECK_EQ(d.ret, 0);
	CHECK(d.st.unreadable > 0);
	CHECK_EQ(d.st.records, 0);
	dec_free(&d);
	tap("without SYMBOL(init_top_pgt) the direct map is unreadable, no records invented");

	o.omit = no_base;
	decode_ring(&r, &o, &d);
	CHECK(d.st.unreadable > 0);
	CHECK_EQ(d.st.records, 0);
	dec_free(&d);
	tap("without NUMBER(phys_base) the page tables are not found");
	mk_ring_free(&r);
}

/*
 * dev_printk()'s device, SUBSYSTEM= and DEVICE= as /dev/kmsg gives them:
 * lines after the record that start with a space, shown by log_print()
 * only with LOG_SHOW_DICT and not counted as log lines; a record without
 * one gets none; without the VMCOREINFO keys, none at all.
 */
static void test_dev_info(void)
{
	static const char keys[] =
		"OFFSET(printk_info.dev_info)=24\nSIZE(dev_printk_info)=64\n"
		"OFFSET(dev_printk_info.subsystem)=0\nLENGTH(printk_info_subsystem)=16\n"
		"OFFSET(dev_printk_info.device)=16\nLENGTH(printk_info_device)=48\n";
	struct mk_opts o = base_opts;
	char *out = NULL;
	size_t out_len = 0;
	struct mk_ring r;
	unsigned char *info;
	uint64_t id;
	struct dec d;
	FILE *f;

	mk_ring_init(&r, &mk_layout_6_12, 4, 9);
	add_rec(&r, 1, "plain");
	id = add_rec(&r, 2, "virtio_blk virtio1: [vda] 65536 512-byte logical blocks");
	add_rec(&r, 3, "after");
	info = r.infos + (id & (r.count - 1)) * r.l->info_size;
	memcpy(info + 24, "virtio", 7);
	memcpy(info + 24 + 16, "+virtio:virtio1\x01", 16);
	o.extra_info = keys;
	decode_ring(&r, &o, &d);
	CHECK_STR(d.text, "<6>[    1.000000][    T1] plain\n"
			  "<6>[    2.000000][    T1] virtio_blk virtio1: [vda] 65536 512-byte "
			  "logical blocks\n"
			  " SUBSYSTEM=virtio\n DEVICE=+virtio:virtio1\\x01\n"
			  "<6>[    3.000000][    T1] after\n");
	CHECK_EQ(log_count_lines(d.log.data, d.log.len), 3);
	f = open_memstream(&out, &out_len);
	if (CHECK(f)) {
		log_print(f, d.log.data, d.log.len, 0, 1);
		log_print(f, d.log.data, d.log.len, LOG_SHOW_DICT, 1);
		fclose(f);
		CHECK_STR(out, "[    2.000000] virtio_blk virtio1: [vda] 65536 512-byte logical "
			  "blocks\n[    3.000000] after\n"
			  "[    2.000000] virtio_blk virtio1: [vda] 65536 512-byte logical "
			  "blocks\n SUBSYSTEM=virtio\n DEVICE=+virtio:virtio1\\x01\n"
			  "[    3.000000] after\n");
	}
	free(out);
	dec_free(&d);
	decode_ring(&r, NULL, &d);
	CHECK(!strstr(d.text, "SUBSYSTEM="));
	dec_free(&d);
	mk_ring_free(&r);
	tap("dev_info: SUBSYSTEM= and DEVICE= lines kept after their record, shown on request");
}

/*
 * A memory budget too small for the whole ring: the newest records that
 * fit are decoded, the oldest left out and counted, nothing else skipped;
 * with room enough, all of them.
 */
static void test_memory_limit(void)
{
	struct mk_ring r;
	struct dec all, some;

	two_page_ring(&r, &mk_layout_scattered);
	decode_ring(&r, NULL, &all);
	ring_set_memory_limit(16 * 1024);
	decode_ring(&r, NULL, &some);
	ring_set_memory_limit(0);
	CHECK_EQ(all.st.dropped, 0);
	CHECK_EQ(some.ret, 0);
	CHECK(some.st.dropped > 0);
	CHECK(some.st.records > 10);
	CHECK(some.st.records < all.st.records);
	CHECK_EQ(skipped_or_bad(&some.st), 0);

	/* The kept part is the newest records, whole: the tail of the full log. */
	CHECK(some.log.len < all.log.len &&
	      !memcmp(some.log.data, all.log.data + all.log.len - some.log.len, some.log.len));
	CHECK_HAS(some.text, "walk record 199 ");
	dec_free(&all);
	dec_free(&some);
	mk_ring_free(&r);
	tap("a memory budget too small: the newest records that fit, the oldest counted");
}

/* A text starting with "[drm]" in a caller-less log stays text. */
static void test_drm_ring(void)
{
	struct mk_ring r;
	char reason[64];
	char *out = NULL;
	size_t outlen = 0;
	struct dec d;
	FILE *f;

	mk_ring_init(&r, &mk_layout_nocaller, 4, 10);
	add_rec(&r, 1, "[drm] Initialized");
	add_rec(&r, 2, "[ C1234]");
	decode_ring(&r, NULL, &d);
	CHECK_STR(d.text, "[    1.000000] [drm] Initialized\n[    2.000000] [ C1234]\n");
	f = open_memstream(&out, &outlen);
	if (CHECK(f)) {
		log_print(f, d.log.data, d.log.len, LOG_SHOW_LEVEL | LOG_SHOW_CALLER, 0);
		fclose(f);
		CHECK_STR(out, "[    1.000000] [drm] Initialized\n[    2.000000] [ C1234]\n");
	}
	log_reason(d.log.data, d.log.len, reason, sizeof(reason));
	CHECK_STR(reason, "[ C1234]");
	free(out);
	dec_free(&d);
	mk_ring_free(&r);
	tap("a text starting with [drm] is not taken for a caller field");
}

/* ---- log helpers ---- */

static void test_reason(void)
{
	static const struct {
		const char *what, *log, *want;
		size_t size;
	} rows[] = {
		{ "a panic over an earlier BUG",
		  "<6>[    0.900000][    T1] booting\n"
		  "<1>[    1.000000][    T1] BUG: kernel NULL pointer dereference, address: 0\n"
		  "<4>[    1.000100][    T1] Oops: 0002 [#1] PREEMPT SMP\n"
		  "<0>[    1.100000][    T1] Kernel panic - not syncing: Fatal exception\n"
		  "<0>[    1.100001][    T1] ---[ end Kernel panic - not syncing: Fatal "
		  "exception ]---\n",
		  "Kernel panic - not syncing: Fatal exception", 256 },
		{ "the first oops line without a panic",
		  "<6>[    0.900000][    T1] booting\n"
		  "<1>[    1.000000][    T1] BUG: unable to handle page fault for address: 8\n"
		  "<4>[    1.000100][    T1] Oops: 0000 [#1] SMP\n"
		  "<4>[    1.000200][    T1] Call Trace:\n",
		  "BUG: unable to handle page fault for address: 8", 256 },
		{ "a general protection fault",
		  "[    1.000000] general protection fault, probably for non-canonical address\n"
		  "[    1.000001] RIP: 0010:foo+0x1/0x2\n",
		  "general protection fault, probably for non-canonical address", 256 },
		{ "a panic without level or caller",
		  "[    5.000000] Kernel panic - not syncing: VFS: Unable to mount root fs\n"
		  "[    5.000001] CPU: 0 PID: 1 Comm: swapper\n",
		  "Kernel panic - not syncing: VFS: Unable to mount root fs", 256 },
		{ "a panic mid-text is not a panic line",
		  "[    1.000000] not a Kernel panic - not syncing: x\n[    2.000000] last words\n",
		  "last words", 256 },
		{ "the last non-empty line otherwise",
		  "<6>[    1.000000][    T1] one\n<6>[    2.000000][    T1] two\n"
		  "<6>[    3.000000][    T1] "
		  "\n",
		  "two", 256 },
		{ "a log without a final newline",
		  "[    1.000000] a\n[    2.000000] sysrq: Trigger a crash",
		  "sysrq: Trigger a crash", 256 },
		{ "a reason cut to its buffer",
		  "[    1.000000] Kernel panic - not syncing: a long reason\n",
		  "Kernel panic ", 14 },
		{ "an oops over an earlier boot-time WARNING",
		  "[    0.500000] WARNING: CPU: 0 PID: 1 at drivers/foo.c:10 foo_probe\n"
		  "[    1.000000] BUG: kernel NULL pointer dereference, address: 0\n",
		  "BUG: kernel NULL pointer dereference, address: 0", 256 },
		{ "a WARNING when there is nothing worse",
		  "[    0.500000] WARNING: CPU: 0 PID: 1 at drivers/foo.c:10 foo_probe\n"
		  "[    0.600000] Call Trace:\n",
		  "WARNING: CPU: 0 PID: 1 at drivers/foo.c:10 foo_probe", 256 },
		{ "an empty log", "", "", 256 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		char buf[256];

		memset(buf, 'Z', sizeof(buf));
		log_reason(rows[i].log, strlen(rows[i].log), buf, rows[i].size);
		CHECK_STR(buf, rows[i].want);
		tap("log_reason(): %s", rows[i].what);
	}
}

static void test_print(void)
{
	static const char log[] = "<6>[    1.000000][    T1] hello\n"
				  "<4>[    2.000000][    C3] [drm] x\n"
				  "<0>[    3.000000][ T4567] end";
	static const struct {
		unsigned int show;
		size_t skip;
		const char *want;
	} rows[] = {
		{ 0, 0, "[    1.000000] hello\n[    2.000000] [drm] x\n[    3.000000] end\n" },
		{ LOG_SHOW_LEVEL, 0,
		  "<6>[    1.000000] hello\n<4>[    2.000000] [drm] x\n<0>[    3.000000] end\n" },
		{ LOG_SHOW_CALLER, 0,
		  "[    1.000000][    T1] hello\n[    2.000000][    C3] [drm] x\n"
		  "[    3.000000][ T4567] end\n" },
		{ LOG_SHOW_LEVEL | LOG_SHOW_CALLER, 0,
		  "<6>[    1.000000][    T1] hello\n<4>[    2.000000][    C3] [drm] x\n"
		  "<0>[    3.000000][ T4567] end\n" },
		{ 0, 2, "[    3.000000] end\n" },
		{ LOG_SHOW_CALLER, 5, "" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		char *out = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);

		if (CHECK(f)) {
			log_print(f, log, sizeof(log) - 1, rows[i].show, rows[i].skip);
			fclose(f);
			CHECK_STR(out, rows[i].want);
		}
		free(out);
		tap("log_print()%s%s, %zu lines skipped",
		    rows[i].show & LOG_SHOW_LEVEL ? " with levels" : "",
		    rows[i].show & LOG_SHOW_CALLER ? " with callers" : "", rows[i].skip);
	}
	CHECK_EQ(log_count_lines(log, sizeof(log) - 1), 3);
	CHECK_EQ(log_count_lines(log, 0), 0);
	CHECK_EQ(log_count_lines("a\n", 2), 1);
	CHECK_EQ(log_count_lines("\n\n", 2), 2);
	tap("log_count_lines() counts a last line without a newline");
}

static void test_line_text(void)
{
	static const struct {
		const char *line, *text;
	} rows[] = {
		{ "<6>[    1.000000][    T1] hello", "hello" },
		{ "[    1.000000][    T1] [drm] x", "[drm] x" },
		{ "<6>[    1.000000] [drm] x", "[drm] x" },
		{ "[    1.000000][drm] x", "[drm] x" },
		{ "[    1.000000][T1] x", "[T1] x" },
		{ "[    1.000000][ C1234] x", "x" },
		{ "[123456.000001][T123456] x", "x" },
		{ "plain text", "plain text" },
		{ "<6>", "" },
		{ "<6>hello", "hello" },
		{ "<x>[    1.000000] y", "<x>[    1.000000] y" },
		{ "[    1.0000", "[    1.0000" },
		{ "", "" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		const char *l = rows[i].line;

		CHECK_STR(log_line_text(l, l + strlen(l)), rows[i].text);
	}
	tap("log_line_text() strips only real level, time and caller fields");
}

/* ---- the core reader ---- */

static void simple_core(struct strbuf *core)
{
	struct mk_ring r;

	simple_ring(&r, &mk_layout_padded);
	sb_init(core);
	mk_core_ring(core, &r, &base_opts);
	mk_ring_free(&r);
}

/* The note of simple_core(): after the ELF header, the PT_NOTE and one PT_LOAD. */
#define NOTE_OFF	(sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr))

static void test_open_errors(void)
{
	static const struct {
		const char *what, *err;
		size_t off, size;
		uint64_t value;
		size_t len;		/* cut the file here, if not 0 */
	} rows[] = {
		{ "a 10-byte file", "too short", 0, 0, 0, 10 },
		{ "no ELF magic", "not a 64-bit", 1, 1, 'X', 0 },
		{ "a 32-bit ELF", "not a 64-bit", EI_CLASS, 1, ELFCLASS32, 0 },
		{ "a big-endian ELF", "not a 64-bit", EI_DATA, 1, ELFDATA2MSB, 0 },
		{ "an executable", "not an x86_64 ELF core", offsetof(Elf64_Ehdr, e_type), 2,
		  ET_EXEC, 0 },
		{ "an arm64 core", "not an x86_64 ELF core", offsetof(Elf64_Ehdr, e_machine), 2,
		  EM_AARCH64, 0 },
		{ "no program headers", "bad program header table",
		  offsetof(Elf64_Ehdr, e_phnum), 2, 0, 0 },
		{ "32-byte program headers", "bad program header table",
		  offsetof(Elf64_Ehdr, e_phentsize), 2, 32, 0 },
		{ "program headers past the end", "past the end", offsetof(Elf64_Ehdr, e_phoff),
		  8, 1ULL << 40, 0 },
		{ "a note named otherwise", "no VMCOREINFO note", NOTE_OFF + 12 + 9, 1, 'X', 0 },
		{ "a note longer than its segment", "no VMCOREINFO note", NOTE_OFF + 4, 4,
		  1 << 20, 0 },
		{ "a note segment past the end", "no VMCOREINFO note",
		  64 + offsetof(Elf64_Phdr, p_offset), 8, 1ULL << 40, 0 },
	};
	struct strbuf core;
	unsigned int i;

	simple_core(&core);
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct strbuf bad;
		struct dec d;

		sb_init(&bad);
		sb_add(&bad, core.data, rows[i].len ? rows[i].len : core.len);
		if (rows[i].size)
			memcpy(bad.data + rows[i].off, &rows[i].value, rows[i].size);
		decode_bytes(bad.data, bad.len, &d);
		CHECK_EQ(d.ret, -3);
		CHECK_HAS(d.err, rows[i].err);
		dec_free(&d);
		sb_free(&bad);
		tap("vmcore_open_fd() refuses %s", rows[i].what);
	}
	sb_free(&core);
}

/*
 * A core built by hand: @nloads one-page PT_LOADs (by PN_XNUM when there
 * are more than 65534 program headers) after a PT_NOTE segment holding
 * @dummies "CORE" notes of 64 bytes before the VMCOREINFO note.
 */
static void big_core(struct strbuf *core, unsigned int nloads, unsigned int dummies)
{
	static const char info[] = "OSRELEASE=6.12.limits\n";
	static const char page[4096];
	uint64_t nph = 1 + (uint64_t)nloads, notes_len, off;
	Elf64_Ehdr eh = { 0 };
	Elf64_Shdr sh = { 0 };
	Elf64_Phdr ph = { 0 };
	Elf64_Nhdr nh;
	char desc[64] = { 0 };
	unsigned int i;

	notes_len = (uint64_t)dummies * (sizeof(nh) + 8 + sizeof(desc)) + sizeof(nh) + 12 +
		    ((sizeof(info) + 3) & ~3UL);
	sb_init(core);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phoff = sizeof(eh) + sizeof(sh);
	eh.e_phnum = nph >= PN_XNUM ? PN_XNUM : (Elf64_Half)nph;
	eh.e_shoff = nph >= PN_XNUM ? sizeof(eh) : 0;
	eh.e_shentsize = sizeof(sh);
	sb_add(core, &eh, sizeof(eh));
	sh.sh_info = (uint32_t)nph;
	sb_add(core, &sh, sizeof(sh));
	off = eh.e_phoff + nph * sizeof(ph);
	ph.p_type = PT_NOTE;
	ph.p_offset = off;
	ph.p_filesz = notes_len;
	sb_add(core, &ph, sizeof(ph));
	off += notes_len;
	for (i = 0; i < nloads; i++) {
		ph.p_type = PT_LOAD;
		ph.p_offset = off;
		ph.p_vaddr = 0xffff888000000000ULL + (uint64_t)i * 4096;
		ph.p_paddr = (uint64_t)i * 4096;
		ph.p_filesz = i + 1 == nloads ? 4096 : 0;
		ph.p_memsz = ph.p_filesz;
		sb_add(core, &ph, sizeof(ph));
	}
	for (i = 0; i < dummies; i++) {
		nh = (Elf64_Nhdr){ 5, sizeof(desc), 1 };
		sb_add(core, &nh, sizeof(nh));
		sb_add(core, "CORE\0\0\0\0", 8);
		sb_add(core, desc, sizeof(desc));
	}
	nh = (Elf64_Nhdr){ 11, sizeof(info), 0 };
	sb_add(core, &nh, sizeof(nh));
	sb_add(core, "VMCOREINFO\0\0", 12);
	sb_add(core, info, sizeof(info));
	sb_add(core, "\0\0\0\0", ((sizeof(info) + 3) & ~3UL) - sizeof(info));
	sb_add(core, page, sizeof(page));
}

/*
 * The note segment is read one note at a time (no limit on its size: a
 * note per CPU), and the program headers may number more than e_phnum
 * holds (PN_XNUM): the VMCOREINFO note behind 2 MiB of notes and a core
 * with 70000 program headers both open.
 */
static void test_open_limits(void)
{
	struct strbuf core;
	struct vmcore vc;
	char err[256], rel[65];
	int fd;

	big_core(&core, 1, 30000);
	fd = mk_memfd(core.data, core.len);
	if (CHECK(!vmcore_open_fd(&vc, fd, err, sizeof(err))))
		CHECK(vmcoreinfo_str(&vc, "OSRELEASE", rel, sizeof(rel)) &&
		      !strcmp(rel, "6.12.limits"));
	else
		printf("#   %s\n", err);
	vmcore_close(&vc);
	sb_free(&core);
	tap("a VMCOREINFO note behind 2 MiB of other notes is found");

	big_core(&core, 70000, 0);
	fd = mk_memfd(core.data, core.len);
	if (CHECK(!vmcore_open_fd(&vc, fd, err, sizeof(err))))
		CHECK(vmcoreinfo_str(&vc, "OSRELEASE", rel, sizeof(rel)) &&
		      !strcmp(rel, "6.12.limits"));
	else
		printf("#   %s\n", err);
	vmcore_close(&vc);
	sb_free(&core);
	tap("a core of 70000 program headers (PN_XNUM) opens");
}

static void test_open_structure(void)
{
	static const char data[64];
	struct mk_seg seg = { 0, 0x1000, data, sizeof(data) };
	struct strbuf core;
	struct vmcore vc;
	char err[256];
	struct dec d;

	sb_init(&core);
	mk_elf(&core, NULL, &seg, 1);
	decode_bytes(core.data, core.len, &d);
	CHECK_EQ(d.ret, -3);
	CHECK_HAS(d.err, "no VMCOREINFO note");
	dec_free(&d);
	sb_free(&core);
	sb_init(&core);
	mk_elf(&core, "OSRELEASE=x\n", NULL, 0);
	decode_bytes(core.data, core.len, &d);
	CHECK_EQ(d.ret, -3);
	CHECK_HAS(d.err, "no memory (PT_LOAD)");
	dec_free(&d);
	sb_free(&core);
	CHECK_EQ(vmcore_open(&vc, "/nonexistent/vmcore", err, sizeof(err)), -1);
	CHECK_HAS(err, "/nonexistent/vmcore");
	vmcore_close(&vc);
	tap("a core without VMCOREINFO, one without memory, a missing file: errors");
}

static void test_vmcoreinfo(void)
{
	static const char info[] =
		"OSRELEASE=6.12.1-test\n"
		"SYMBOL(prb_x)=1\n"
		"SYMBOL(prb)=ffffffff82000000\n"
		"NUMBER(phys_base)=-2097152\n"
		"OFFSET(a.b)=12\n"
		"BAD=12x\n"
		"EMPTY=\n"
		"HUGE=99999999999999999999999\n"
		"KERNELOFFSET=1a000000\n"
		"LAST=7";
	static const char data[8];
	struct mk_seg seg = { 0, 0x1000, data, sizeof(data) };
	struct vmcore vc = { .fd = -1 };
	struct strbuf core;
	char err[256], buf[8];
	uint64_t v = 0;
	int fd;

	sb_init(&core);
	mk_elf(&core, info, &seg, 1);
	fd = mk_memfd(core.data, core.len);
	if (CHECK(fd >= 0) && CHECK(!vmcore_open_fd(&vc, fd, err, sizeof(err)))) {
		CHECK(vmcoreinfo_str(&vc, "OSRELEASE", buf, sizeof(buf)));
		CHECK_STR(buf, "6.12.1-");
		CHECK(vmcoreinfo_num(&vc, "SYMBOL(prb)", &v));
		CHECK_EQ(v, 0xffffffff82000000ULL);
		CHECK(vmcoreinfo_num(&vc, "SYMBOL(prb_x)", &v));
		CHECK_EQ(v, 1);
		CHECK(vmcoreinfo_num(&vc, "NUMBER(phys_base)", &v));
		CHECK_EQ(v, (uint64_t)-2097152);
		CHECK(vmcoreinfo_num(&vc, "OFFSET(a.b)", &v));
		CHECK_EQ(v, 12);
		CHECK(vmcoreinfo_num(&vc, "KERNELOFFSET", &v));
		CHECK_EQ(v, 0x1a000000);
		CHECK(vmcoreinfo_num(&vc, "LAST", &v));
		CHECK_EQ(v, 7);
		CHECK(!vmcoreinfo_num(&vc, "BAD", &v));
		CHECK(!vmcoreinfo_num(&vc, "EMPTY", &v));
		CHECK(!vmcoreinfo_num(&vc, "HUGE", &v));
		CHECK(!vmcoreinfo_num(&vc, "SYMBOL(pr", &v));
		CHECK(!vmcoreinfo_str(&vc, "OSREL", buf, sizeof(buf)));
		CHECK(!vmcoreinfo_str(&vc, "MISSING", buf, sizeof(buf)));
		CHECK(!vmcore_read_virt(&vc, 0xffffffff80000000ULL + 0x1000 + 2097152, buf, 8));
	}
	vmcore_close(&vc);
	sb_free(&core);
	tap("VMCOREINFO values: hex symbols, signed numbers, exact keys, junk refused");
}

static void test_read(void)
{
	static unsigned char a[4096], b[4096], c[8192], k[4096];
	const struct mk_seg segs[] = {
		{ 0, 0x1000, a, sizeof(a) },
		{ 0, 0x2000, b, sizeof(b) },
		{ MK_DIRECT_MAP + 0x100000, 0x100000, c, sizeof(c) },
		{ 0, 0x1000000 - 0x200000, k, sizeof(k) },
	};
	struct vmcore vc = { .fd = -1 };
	unsigned char buf[64];
	struct strbuf core;
	char err[256];
	unsigned int i;
	int fd;

	for (i = 0; i < sizeof(a); i++) {
		a[i] = (unsigned char)i;
		b[i] = (unsigned char)(i ^ 0x5a);
		k[i] = (unsigned char)(i * 7);
	}
	for (i = 0; i < sizeof(c); i++)
		c[i] = (unsigned char)(i * 3);
	sb_init(&core);
	mk_elf(&core, "NUMBER(phys_base)=-2097152\n", segs, ARRAY_SIZE(segs));
	fd = mk_memfd(core.data, core.len);
	if (CHECK(fd >= 0) && CHECK(!vmcore_open_fd(&vc, fd, err, sizeof(err)))) {
		CHECK(!vmcore_read_phys(&vc, 0x1ff0, buf, 32));
		CHECK(!memcmp(buf, a + 4080, 16) && !memcmp(buf + 16, b, 16));
		CHECK(vmcore_read_phys(&vc, 0x2ff0, buf, 32));
		CHECK(vmcore_read_phys(&vc, 0x3000, buf, 1));
		CHECK(vmcore_read_phys(&vc, 0xfff, buf, 2));
		CHECK(!vmcore_read_virt(&vc, MK_DIRECT_MAP + 0x100ff8, buf, 16));
		CHECK(!memcmp(buf, c + 0xff8, 16));
		CHECK(vmcore_read_virt(&vc, MK_DIRECT_MAP + 0x101ff8, buf, 16));
		/* The kernel map rule, with a negative phys_base. */
		CHECK(!vmcore_read_virt(&vc, 0xffffffff81000010ULL, buf, 16));
		CHECK(!memcmp(buf, k + 16, 16));
		CHECK(vmcore_read_virt(&vc, 0xffffffff81000ff8ULL, buf, 16));
		/* No init_top_pgt: nothing else can be translated. */
		CHECK(vmcore_read_virt(&vc, MK_DIRECT_MAP + 0x1000, buf, 1));
	}
	vmcore_close(&vc);
	sb_free(&core);
	tap("reads span adjacent PT_LOADs, stop at holes, use p_vaddr and the kernel map");
}

/* ---- the store ---- */

#define SLOT_BYTES	(64ULL * 1024)
#define LOG_SPACE	(SLOT_BYTES - STORE_HEADER)

struct tmpstore {
	char path[512];
	unsigned int slots;
};

static uint64_t slot_off(unsigned int slot)
{
	return STORE_BLOCK + slot * SLOT_BYTES;
}

static int tmp_file(char *path, size_t size)
{
	const char *dir = getenv("TMPDIR");

	snprintf(path, size, "%s/saveoops-unit-XXXXXX", dir && *dir ? dir : "/tmp");
	return mkstemp(path);
}

/* A store file of @slots slots of SLOT_BYTES; false (and a failed test) if not. */
static bool store_new(struct tmpstore *t, unsigned int slots)
{
	char err[256];
	int fd = tmp_file(t->path, sizeof(t->path));

	t->slots = slots;
	if (!CHECK(fd >= 0))
		return false;
	if (store_format(fd, STORE_BLOCK + slots * SLOT_BYTES + STORE_TAIL, slots, err,
			 sizeof(err))) {
		printf("#   store_format: %s\n", err);
		test_ok = false;
		close(fd);
		unlink(t->path);
		return false;
	}
	close(fd);
	return true;
}

static bool store_opened(struct store *st, const char *path, bool writable)
{
	char err[256];

	if (!store_open(st, path, writable ? STORE_WRITE : 0, err, sizeof(err)))
		return true;
	printf("#   store_open: %s\n", err);
	test_ok = false;
	store_close(st);
	return false;
}

/* The whole file in @sb (initialised here); false if it cannot be read. */
static bool slurp(const char *path, struct strbuf *sb)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[65536];
	ssize_t n;

	sb_init(sb);
	sb_add(sb, "", 0);
	if (!CHECK(fd >= 0))
		return false;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sb_add(sb, buf, (size_t)n);
	close(fd);
	return CHECK(n == 0 && !sb->oom);
}

static bool spit(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	bool ok = fd >= 0 && !write_full(fd, 0, data, len);

	if (fd >= 0)
		close(fd);
	return CHECK(ok);
}

static bool patch(const char *path, uint64_t off, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok = fd >= 0 && !write_full(fd, off, data, len);

	if (fd >= 0)
		close(fd);
	return CHECK(ok);
}

/* A log of @lines lines, different for each @n. */
static void make_log(struct strbuf *log, unsigned int n, unsigned int lines)
{
	unsigned int i;

	sb_init(log);
	sb_add(log, "", 0);
	for (i = 0; i < lines; i++)
		sb_addf(log, "<%u>[%5u.%06u][    T1] record %u line %u\n", i % 8, n, i, n, i);
}

static int put_record(struct store *st, unsigned int n, const struct strbuf *log,
		      struct store_record *out)
{
	struct store_record hdr;
	char err[256];
	int slot;

	memset(&hdr, 0, sizeof(hdr));
	hdr.crash_time = 1700000000 + n;
	snprintf(hdr.release, sizeof(hdr.release), "6.12.%u-unit", n);
	snprintf(hdr.reason, sizeof(hdr.reason), "Kernel panic - not syncing: record %u", n);
	slot = store_write(st, &hdr, log->data, log->len, err, sizeof(err));
	if (slot < 0 && slot != STORE_FULL)
		printf("#   store_write of record %u: %s\n", n, err);
	if (out)
		*out = hdr;
	return slot;
}

/* The slot holds a good record @seq with this log. */
static bool slot_has(const struct store *st, unsigned int slot, uint64_t seq,
		     const struct strbuf *log)
{
	const struct store_slot *s = &st->slots[slot];
	struct strbuf got;
	char err[256];
	bool ok;

	if (s->state != SLOT_RECORD || s->hdr.seq != seq || s->hdr.log_len != log->len)
		return false;
	sb_init(&got);
	ok = !store_read_log(st, slot, &got, err, sizeof(err)) && got.len == log->len &&
	     (!log->len || !memcmp(got.data, log->data, log->len)) &&
	     s->hdr.log_crc == crc32_le(0, log->data, log->len);
	sb_free(&got);
	return ok;
}

static void test_store_format(void)
{
	static const struct {
		unsigned int slots;
		uint64_t bytes, slot_size;
	} rows[] = {
		{ 1, STORE_BLOCK + SLOT_BYTES + STORE_TAIL, SLOT_BYTES },
		{ 3, STORE_BLOCK + 3 * SLOT_BYTES + 5000 + STORE_TAIL, SLOT_BYTES },
		{ 8, STORE_BLOCK + 8 * 100000 + STORE_TAIL, 98304 },
	};
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		char path[512], err[256];
		struct store st;
		int fd = tmp_file(path, sizeof(path));

		if (!CHECK(fd >= 0))
			continue;
		CHECK(!store_format(fd, rows[i].bytes, rows[i].slots, err, sizeof(err)));
		CHECK(store_probe(fd));
		close(fd);
		if (store_opened(&st, path, false)) {
			CHECK_EQ(st.sb.slot_count, rows[i].slots);
			CHECK_EQ(st.sb.slot_size, rows[i].slot_size);
			CHECK_EQ(st.sb.size, STORE_BLOCK + rows[i].slots * rows[i].slot_size +
				 STORE_TAIL);
			CHECK_EQ(st.sb.version, STORE_VERSION);
			CHECK(!st.from_backup);
			CHECK_EQ(store_log_space(&st), rows[i].slot_size - STORE_HEADER);
			for (j = 0; j < rows[i].slots; j++)
				CHECK_EQ(st.slots[j].state, SLOT_EMPTY);
			CHECK_EQ(store_newest(&st), -1);
			CHECK_EQ(store_pick_slot(&st), 0);
			CHECK_EQ(store_find_seq(&st, 1), -1);
			store_close(&st);
		}
		unlink(path);
		tap("format %u slots in %" PRIu64 " bytes, then open: all empty", rows[i].slots,
		    rows[i].bytes);
	}
}

static void test_store_format_errors(void)
{
	static const struct {
		unsigned int slots;
		uint64_t bytes;
		const char *err;
	} rows[] = {
		{ 0, 1 << 20, "0 slots" },
		{ STORE_MAX_SLOTS + 1, 1ULL << 30, "slots" },
		{ 2, STORE_BLOCK + 2 * SLOT_BYTES + STORE_TAIL - 1, "too small" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		char path[512], err[256] = "";
		int fd = tmp_file(path, sizeof(path));

		if (!CHECK(fd >= 0))
			continue;
		CHECK_EQ(store_format(fd, rows[i].bytes, rows[i].slots, err, sizeof(err)), -1);
		CHECK_HAS(err, rows[i].err);
		CHECK(!store_probe(fd));
		close(fd);
		unlink(path);
		tap("format refuses %u slots in %" PRIu64 " bytes", rows[i].slots, rows[i].bytes);
	}
}

static void test_store_roundtrip(void)
{
	struct strbuf logs[3];
	struct tmpstore t;
	struct store st;
	unsigned int i;

	make_log(&logs[0], 1, 3);
	make_log(&logs[1], 2, 700);
	make_log(&logs[2], 3, 0);		/* an empty log is a record too */
	if (store_new(&t, 4) && store_opened(&st, t.path, true)) {
		for (i = 0; i < 3; i++) {
			struct store_record hdr;

			CHECK_EQ(put_record(&st, i + 1, &logs[i], &hdr), i);
			CHECK_EQ(hdr.seq, i + 1);
		}
		store_close(&st);
		if (store_opened(&st, t.path, false)) {
			for (i = 0; i < 3; i++) {
				char want[64];

				CHECK(slot_has(&st, i, i + 1, &logs[i]));
				snprintf(want, sizeof(want),
					 "Kernel panic - not syncing: record %u", i + 1);
				CHECK_STR(st.slots[i].hdr.reason, want);
				snprintf(want, sizeof(want), "6.12.%u-unit", i + 1);
				CHECK_STR(st.slots[i].hdr.release, want);
				CHECK_EQ(st.slots[i].hdr.crash_time, 1700000001 + i);
				CHECK_EQ(st.slots[i].hdr.flags, 0);
			}
			CHECK_EQ(st.slots[3].state, SLOT_EMPTY);
			CHECK_EQ(store_find_seq(&st, 2), 1);
			CHECK_EQ(store_newest(&st), 2);
			CHECK_EQ(store_pick_slot(&st), 3);
			store_close(&st);
		}
		unlink(t.path);
	}
	for (i = 0; i < 3; i++)
		sb_free(&logs[i]);
	tap("three records get seq 1, 2, 3 and read back with matching checksums");
}

/* A store of @n records, seq i + 1 in slot i. */
static bool store_full(struct tmpstore *t, unsigned int n, struct strbuf *logs)
{
	struct store st;
	unsigned int i;
	bool ok = true;

	if (!store_new(t, n))
		return false;
	if (!store_opened(&st, t->path, true))
		return false;
	for (i = 0; i < n; i++) {
		make_log(&logs[i], i + 1, 20 + i);
		ok &= CHECK_EQ(put_record(&st, i + 1, &logs[i], NULL), i);
	}
	store_close(&st);
	return ok;
}

static void free_logs(struct strbuf *logs, unsigned int n)
{
	while (n--)
		sb_free(&logs[n]);
}

static void test_store_pick(void)
{
	struct strbuf base, logs[4];
	struct tmpstore t;
	unsigned int mask, i, bad = 0;

	if (!store_full(&t, 4, logs) || !slurp(t.path, &base))
		goto out;
	for (mask = 0; mask < 16; mask++) {
		int want = -1, got;
		struct store st;
		char err[256];

		spit(t.path, base.data, base.len);
		if (!store_opened(&st, t.path, true))
			break;
		for (i = 0; i < 4; i++)
			if (mask & (1U << i))
				CHECK(!store_set_flags(&st, i, REC_EXPORTED, err, sizeof(err)));
		store_close(&st);
		if (!store_opened(&st, t.path, false))
			break;
		for (i = 0; i < 4 && want < 0; i++)
			if (mask & (1U << i))
				want = (int)i;		/* slot i holds seq i + 1 */
		got = store_pick_slot(&st);
		if (got != want || (got >= 0 && !(st.slots[got].hdr.flags & REC_EXPORTED))) {
			printf("#   exported mask 0x%x: picked %d, want %d\n", mask, got, want);
			bad++;
		}
		for (i = 0; i < 4; i++)
			CHECK_EQ(store_slot_reusable(&st.slots[i]), !!(mask & (1U << i)));
		store_close(&st);
	}
	CHECK_EQ(bad, 0);
	sb_free(&base);
	unlink(t.path);
out:
	free_logs(logs, 4);
	tap("store_pick_slot() over all 16 export patterns: only the oldest exported slot");
}

static void test_store_full(void)
{
	struct strbuf before, after, logs[3], extra;
	struct store_record hdr;
	struct tmpstore t;
	struct store st;
	char err[256] = "";
	unsigned int i;

	make_log(&extra, 9, 10);
	if (!store_full(&t, 3, logs) || !slurp(t.path, &before))
		goto out;
	if (store_opened(&st, t.path, true)) {
		memset(&hdr, 0, sizeof(hdr));
		errno = 0;
		CHECK_EQ(store_write(&st, &hdr, extra.data, extra.len, err, sizeof(err)),
			 STORE_FULL);
		CHECK_HAS(err, "full");
		store_close(&st);
	}
	if (slurp(t.path, &after)) {
		CHECK(before.len == after.len && !memcmp(before.data, after.data, before.len));
		sb_free(&after);
	}
	if (store_opened(&st, t.path, false)) {
		for (i = 0; i < 3; i++)
			CHECK(slot_has(&st, i, i + 1, &logs[i]));
		store_close(&st);
	}
	sb_free(&before);
	unlink(t.path);
out:
	free_logs(logs, 3);
	sb_free(&extra);
	tap("a full store refuses a write with STORE_FULL and is left byte for byte");
}

/*
 * A crash a full store cannot take is counted in the missed note, in a
 * block of its own after the slots, which survives a reopen, touches no
 * record and not block 0, reads as none when torn, and is reset on request.
 */
static void test_store_missed(void)
{
	const uint64_t note = STORE_BLOCK + 2 * SLOT_BYTES;
	struct strbuf before, after, logs[2];
	struct store_record hdr = { 0 };
	struct tmpstore t;
	struct store st;
	char err[256] = "";
	unsigned int i;
	int fd;

	if (!store_full(&t, 2, logs) || !slurp(t.path, &before))
		goto out;
	hdr.crash_time = 1700000000;
	snprintf(hdr.release, sizeof(hdr.release), "6.12.0-missed");
	snprintf(hdr.reason, sizeof(hdr.reason), "Kernel panic - not syncing: missed");
	for (i = 0; i < 2 && store_opened(&st, t.path, true); i++) {
		CHECK_EQ(store_note_missed(&st, &hdr, err, sizeof(err)), 0);
		store_close(&st);
	}
	if (store_opened(&st, t.path, false)) {
		CHECK_EQ(st.missed.count, 2);
		CHECK_EQ(st.missed.last_crash_time, 1700000000);
		CHECK_HAS(st.missed.last_release, "6.12.0-missed");
		CHECK_HAS(st.missed.last_reason, "not syncing: missed");
		for (i = 0; i < 2; i++)
			CHECK(slot_has(&st, i, i + 1, &logs[i]));
		store_close(&st);
	}
	if (slurp(t.path, &after)) {
		CHECK(after.len == before.len);
		/* Only the note's sector, in the block after the slots, changed. */
		CHECK(!memcmp(after.data, before.data, note));
		CHECK(memcmp(after.data + note, before.data + note, STORE_HEADER));
		CHECK(!memcmp(after.data + note + STORE_HEADER,
			      before.data + note + STORE_HEADER,
			      before.len - note - STORE_HEADER));
		sb_free(&after);
	}
	/* A torn note: one byte of the count changed, the checksum no longer fits. */
	fd = open(t.path, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0 && pwrite(fd, "\x7f", 1, (off_t)note + 16) == 1);
	if (fd >= 0)
		close(fd);
	if (store_opened(&st, t.path, true)) {
		CHECK_EQ(st.missed.count, 0);
		CHECK_EQ(store_note_missed(&st, &hdr, err, sizeof(err)), 0);
		CHECK_EQ(st.missed.count, 1);
		CHECK_EQ(store_reset_missed(&st, err, sizeof(err)), 0);
		store_close(&st);
	}
	if (store_opened(&st, t.path, false)) {
		CHECK_EQ(st.missed.count, 0);
		store_close(&st);
	}
	sb_free(&before);
	unlink(t.path);
out:
	free_logs(logs, 2);
	tap("a full store counts missed crashes in a block of their own, apart from records "
	    "and superblock");
}

static void test_store_reuse(void)
{
	struct strbuf logs[3], l4, l5;
	struct store_record hdr;
	struct tmpstore t;
	struct store st;
	char err[256];

	make_log(&l4, 4, 5);
	make_log(&l5, 5, 6);
	if (!store_full(&t, 3, logs) || !store_opened(&st, t.path, true))
		goto out;
	CHECK(!store_set_flags(&st, 1, REC_EXPORTED, err, sizeof(err)));
	CHECK(!store_set_flags(&st, 0, REC_EXPORTED, err, sizeof(err)));
	CHECK_EQ(put_record(&st, 4, &l4, &hdr), 0);	/* seq 1: the oldest exported */
	CHECK_EQ(hdr.seq, 4);
	store_close(&st);
	if (store_opened(&st, t.path, true)) {
		CHECK(slot_has(&st, 0, 4, &l4));
		CHECK(slot_has(&st, 1, 2, &logs[1]));
		CHECK(slot_has(&st, 2, 3, &logs[2]));
		CHECK_EQ(store_find_seq(&st, 1), -1);
		CHECK_EQ(put_record(&st, 5, &l5, &hdr), 1);
		CHECK_EQ(hdr.seq, 5);
		CHECK_EQ(put_record(&st, 6, &l5, NULL), STORE_FULL);
		store_close(&st);
	}
	if (store_opened(&st, t.path, false)) {
		CHECK(slot_has(&st, 0, 4, &l4));
		CHECK(slot_has(&st, 1, 5, &l5));
		CHECK(slot_has(&st, 2, 3, &logs[2]));
		store_close(&st);
	}
	unlink(t.path);
out:
	free_logs(logs, 3);
	sb_free(&l4);
	sb_free(&l5);
	tap("exported records are reused oldest first, then the store is full again");
}

/* Reuse by sequence, not by slot order. */
static void test_store_reuse_order(void)
{
	struct strbuf logs[4], l;
	struct tmpstore t;
	struct store st;
	char err[256];

	make_log(&l, 7, 3);
	if (!store_full(&t, 4, logs) || !store_opened(&st, t.path, true))
		goto out;
	store_set_flags(&st, 0, REC_EXPORTED, err, sizeof(err));
	store_set_flags(&st, 1, REC_EXPORTED, err, sizeof(err));
	CHECK_EQ(put_record(&st, 5, &l, NULL), 0);
	CHECK_EQ(put_record(&st, 6, &l, NULL), 1);
	/* Slots now hold seq 5, 6, 3, 4: exporting 0 and 3 must reuse 3. */
	store_set_flags(&st, 0, REC_EXPORTED, err, sizeof(err));
	store_set_flags(&st, 3, REC_EXPORTED, err, sizeof(err));
	store_close(&st);
	if (store_opened(&st, t.path, false)) {
		CHECK_EQ(store_pick_slot(&st), 3);
		CHECK_EQ(store_newest(&st), 1);
		store_close(&st);
	}
	unlink(t.path);
out:
	free_logs(logs, 4);
	sb_free(&l);
	tap("the oldest exported record goes first, whatever its slot");
}

static bool zeroes(const char *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

static void test_store_clear(void)
{
	struct strbuf logs[3], img, l;
	struct store_record hdr;
	struct tmpstore t;
	struct store st;
	char err[256];
	unsigned int i;

	make_log(&l, 4, 4);
	if (!store_full(&t, 3, logs) || !store_opened(&st, t.path, true))
		goto out;
	CHECK(!store_clear(&st, 2, err, sizeof(err)));	/* the newest, seq 3 */
	store_close(&st);
	if (slurp(t.path, &img)) {
		CHECK(zeroes(img.data + slot_off(2) + STORE_HEADER, logs[2].len));
		CHECK(!zeroes(img.data + slot_off(1) + STORE_HEADER, logs[1].len));
		sb_free(&img);
	}
	if (store_opened(&st, t.path, true)) {
		CHECK_EQ(st.slots[2].state, SLOT_EMPTY);
		CHECK_EQ(store_find_seq(&st, 3), -1);
		CHECK_EQ(store_newest(&st), 1);
		CHECK_EQ(put_record(&st, 4, &l, &hdr), 2);
		CHECK_EQ(hdr.seq, 4);
		for (i = 0; i < 3; i++)
			CHECK(!store_clear(&st, i, err, sizeof(err)));
		store_close(&st);
	}
	if (store_opened(&st, t.path, true)) {
		CHECK_EQ(store_newest(&st), -1);
		CHECK_EQ(put_record(&st, 5, &l, &hdr), 0);
		CHECK_EQ(hdr.seq, 5);
		store_close(&st);
	}
	unlink(t.path);
out:
	free_logs(logs, 3);
	sb_free(&l);
	tap("clear zeroes the log and numbering goes on from the highest seq");
}

static void test_store_truncate(void)
{
	static const struct {
		const char *what;
		unsigned int line_len;		/* with its newline */
		uint64_t len;
	} rows[] = {
		{ "the cut inside a line", 100, 100000 },
		{ "the cut at a line start", 64, LOG_SPACE + 64 * 484 },
		{ "one line too many", 64, LOG_SPACE + 64 },
		{ "one byte too many", 100, LOG_SPACE + 1 },
		{ "a log that just fits", 64, LOG_SPACE },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		uint64_t len = rows[i].len, drop = 0, n;
		struct store_record hdr;
		struct tmpstore t;
		struct strbuf log;
		struct store st;

		/* Lines of line_len bytes; the first may be shorter, to reach len. */
		sb_init(&log);
		sb_add(&log, "", 0);
		for (n = len % rows[i].line_len; n; n--)
			sb_add(&log, n == 1 ? "\n" : "h", 1);
		while (log.len < len)
			sb_addf(&log, "%0*zu\n", (int)rows[i].line_len - 1, log.len);
		/* The least a line-aligned cut can drop. */
		while (len - drop > LOG_SPACE)
			drop += drop ? rows[i].line_len : len % rows[i].line_len ?
				len % rows[i].line_len : rows[i].line_len;
		if (!CHECK_EQ(log.len, len) || !store_new(&t, 1))
			goto next;
		if (store_opened(&st, t.path, true)) {
			CHECK_EQ(put_record(&st, 1, &log, &hdr), 0);
			CHECK_EQ(!!(hdr.flags & REC_TRUNCATED), drop > 0);
			CHECK_EQ(hdr.log_dropped, drop);
			CHECK_EQ(hdr.log_len, len - drop);
			store_close(&st);
		}
		if (store_opened(&st, t.path, false)) {
			struct strbuf tail;

			sb_init(&tail);
			sb_add(&tail, log.data + drop, len - drop);
			CHECK(slot_has(&st, 0, 1, &tail));
			CHECK_EQ(st.slots[0].hdr.log_dropped, drop);
			CHECK(!drop || log.data[drop - 1] == '\n');
			sb_free(&tail);
			store_close(&st);
		}
		unlink(t.path);
next:
		sb_free(&log);
		tap("a %" PRIu64 "-byte log, %s: keeps the longest tail from a line start",
		    len, rows[i].what);
	}
}

/*
 * The store's writes, recorded as they happen, so the torn-write test
 * replays what store.c really does rather than what store.h says it does.
 * This program defines pwrite() and fdatasync() itself: they pass every
 * call on to the kernel and, while a test records, keep a copy, split in
 * 512-byte sectors, each with the sync epoch it was written in. A write by
 * any other call would be missed; the replay check in test_torn() fails
 * then.
 */
struct piece {
	uint64_t off;
	size_t len;
	char *data;
	unsigned int epoch;
};

static struct {
	bool on;
	unsigned int epoch;
	struct piece *p;
	size_t n, cap;
} wlog;

static void wlog_add(uint64_t off, const char *data, size_t len)
{
	while (len) {
		size_t n = STORE_HEADER - off % STORE_HEADER;
		struct piece *p;

		if (n > len)
			n = len;
		if (wlog.n == wlog.cap) {
			wlog.cap = wlog.cap ? 2 * wlog.cap : 256;
			wlog.p = realloc(wlog.p, wlog.cap * sizeof(*wlog.p));
			if (!wlog.p)
				abort();
		}
		p = &wlog.p[wlog.n++];
		p->off = off;
		p->len = n;
		p->data = malloc(n);
		if (!p->data)
			abort();
		memcpy(p->data, data, n);
		p->epoch = wlog.epoch;
		off += n;
		data += n;
		len -= n;
	}
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset)
{
	if (wlog.on && offset >= 0)
		wlog_add((uint64_t)offset, buf, count);
	return syscall(SYS_pwrite64, fd, buf, count, offset);
}

int fdatasync(int fd)
{
	if (wlog.on)
		wlog.epoch++;
	return (int)syscall(SYS_fdatasync, fd);
}

static void wlog_reset(void)
{
	while (wlog.n)
		free(wlog.p[--wlog.n].data);
	free(wlog.p);
	memset(&wlog, 0, sizeof(wlog));
}

/* Apply the first @bytes bytes of the recorded pieces, in write order. */
static void apply_prefix(char *img, size_t bytes)
{
	size_t i, n;

	for (i = 0; i < wlog.n && bytes; i++) {
		n = bytes < wlog.p[i].len ? bytes : wlog.p[i].len;
		memcpy(img + wlog.p[i].off, wlog.p[i].data, n);
		bytes -= n;
	}
}

/*
 * Every piece of epochs before @epoch, then of @epoch only piece @only (if
 * @alone) or all but it: what a disk that reorders unsynced sectors may keep.
 */
static void apply_epoch(char *img, unsigned int epoch, size_t only, bool alone)
{
	size_t i;

	for (i = 0; i < wlog.n; i++) {
		const struct piece *p = &wlog.p[i];
		bool is_only = i == only;

		if (p->epoch < epoch || (p->epoch == epoch && is_only == alone))
			memcpy(img + p->off, p->data, p->len);
	}
}

enum torn_seen { TORN_ABSENT, TORN_COMPLETE, TORN_OLD, TORN_HELD, TORN_BAD };

/*
 * Power lost mid-write of record 3: records 1 and 2 are intact (1 may be
 * gone if it was exported and its slot reused), record 3 is either absent
 * or complete. A header sector torn part way (not on disks that write a
 * sector whole) is neither ours nor zeros: the slot is held back, never
 * written again without a clear, and no record is listed in it.
 */
static enum torn_seen torn_check(const char *path, const struct strbuf *logs,
				 unsigned int slot, bool reused)
{
	enum torn_seen seen = TORN_BAD;
	struct store st;
	char err[256];

	if (store_open(&st, path, 0, err, sizeof(err))) {
		printf("#   store_open: %s\n", err);
		store_close(&st);
		return TORN_BAD;
	}
	if (!slot_has(&st, 1, 2, &logs[1]) || (!reused && !slot_has(&st, 0, 1, &logs[0])))
		goto out;
	if (st.slots[slot].state == SLOT_EMPTY)
		seen = TORN_ABSENT;
	else if (st.slots[slot].state == SLOT_UNKNOWN)
		seen = TORN_HELD;
	else if (slot_has(&st, slot, 3, &logs[2]))
		seen = TORN_COMPLETE;
	else if (reused && slot_has(&st, slot, 1, &logs[0]))
		seen = TORN_OLD;
out:
	store_close(&st);
	return seen;
}

struct torn {
	const char *path;
	const struct strbuf *base, *logs;
	struct strbuf img;
	uint64_t lo, hi;		/* the bytes the write touches */
	unsigned int slot;
	bool reused;
	unsigned int counts[5];
};

/* Put the region the write touches, as built in t->img, in the file; check it. */
static enum torn_seen torn_try(struct torn *t, const char *how, size_t at)
{
	enum torn_seen seen = TORN_BAD;
	int fd = open(t->path, O_WRONLY | O_CLOEXEC);

	if (fd >= 0 && !write_full(fd, t->lo, t->img.data + t->lo, t->hi - t->lo))
		seen = torn_check(t->path, t->logs, t->slot, t->reused);
	if (fd >= 0)
		close(fd);
	if (seen == TORN_BAD && t->counts[TORN_BAD] < 5)
		printf("#   %s %zu: an earlier record damaged or the new one half there\n", how,
		       at);
	t->counts[seen]++;
	memcpy(t->img.data + t->lo, t->base->data + t->lo, t->hi - t->lo);
	return seen;
}

static void torn_replay(struct torn *t)
{
	size_t i, total = 0, cut;
	enum torn_seen seen;

	for (i = 0; i < wlog.n; i++) {
		total += wlog.p[i].len;
		if (wlog.p[i].off < t->lo)
			t->lo = wlog.p[i].off;
		if (wlog.p[i].off + wlog.p[i].len > t->hi)
			t->hi = wlog.p[i].off + wlog.p[i].len;
	}
	for (cut = 0; cut <= total; cut++) {
		apply_prefix(t->img.data, cut);
		seen = torn_try(t, "in order, cut after byte", cut);
		if (cut == 0)
			CHECK_EQ(seen, t->reused ? TORN_OLD : TORN_ABSENT);
		if (cut == total)
			CHECK_EQ(seen, TORN_COMPLETE);
	}
	for (i = 0; i < wlog.n; i++) {
		apply_epoch(t->img.data, wlog.p[i].epoch, i, true);
		torn_try(t, "only this sector of its sync epoch:", i);
		apply_epoch(t->img.data, wlog.p[i].epoch, i, false);
		torn_try(t, "all but this sector of its sync epoch:", i);
	}
}

static void test_torn(void)
{
	static const struct {
		const char *what;
		unsigned int slots;
		bool reuse;
	} rows[] = {
		{ "into an empty slot", 3, false },
		{ "over an exported record", 2, true },
	};
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct torn t = { .reused = rows[i].reuse, .lo = UINT64_MAX };
		struct strbuf logs[3], base, after;
		struct tmpstore ts;
		struct store st;
		char err[256];
		int slot;

		for (k = 0; k < 3; k++)
			make_log(&logs[k], k + 1, 30 + 10 * k);
		sb_init(&base);
		sb_init(&after);
		sb_init(&t.img);
		if (!store_new(&ts, rows[i].slots) || !store_opened(&st, ts.path, true))
			goto next;
		put_record(&st, 1, &logs[0], NULL);
		put_record(&st, 2, &logs[1], NULL);
		if (rows[i].reuse)
			store_set_flags(&st, 0, REC_EXPORTED, err, sizeof(err));
		store_close(&st);
		sb_free(&base);
		if (!slurp(ts.path, &base) || !store_opened(&st, ts.path, true))
			goto next;
		wlog_reset();
		wlog.on = true;
		slot = put_record(&st, 3, &logs[2], NULL);
		wlog.on = false;
		store_close(&st);
		sb_free(&after);
		if (!CHECK_EQ(slot, rows[i].reuse ? 0 : 2) || !slurp(ts.path, &after))
			goto next;
		/* The recording is the whole write: replayed on the old image, the new. */
		sb_add(&t.img, base.data, base.len);
		apply_prefix(t.img.data, SIZE_MAX);
		CHECK(t.img.len == after.len && !memcmp(t.img.data, after.data, after.len));
		memcpy(t.img.data, base.data, base.len);
		CHECK(wlog.epoch >= 3);		/* header, log, header: each synced */

		t.path = ts.path;
		t.base = &base;
		t.logs = logs;
		t.slot = (unsigned int)slot;
		torn_replay(&t);
		CHECK_EQ(t.counts[TORN_BAD], 0);
		CHECK(t.counts[TORN_ABSENT] > 0 && t.counts[TORN_COMPLETE] > 0);
		printf("#   %u power cuts: %u absent, %u complete, %u old record kept, "
		       "%u torn header held back\n",
		       t.counts[0] + t.counts[1] + t.counts[2] + t.counts[3] + t.counts[4],
		       t.counts[TORN_ABSENT], t.counts[TORN_COMPLETE], t.counts[TORN_OLD],
		       t.counts[TORN_HELD]);
next:
		wlog_reset();
		unlink(ts.path);
		sb_free(&base);
		sb_free(&after);
		sb_free(&t.img);
		free_logs(logs, 3);
		tap("power lost at every byte, or unsynced sectors lost, of a write %s: "
		    "earlier records intact, the new one absent or complete", rows[i].what);
	}
}

/* Recompute the superblock checksum after a change. */
static void super_fix(struct store_super *sb)
{
	sb->crc = crc32_le(0, sb, offsetof(struct store_super, crc));
}

enum super_bad { SB_CRC, SB_MAGIC, SB_VERSION, SB_NO_SLOTS, SB_MANY_SLOTS, SB_UNALIGNED,
		 SB_SIZE, SB_SHORT_FILE, SB_EMPTY_FILE };

static void test_store_super(void)
{
	static const struct {
		const char *what, *err;
		enum super_bad how;
		bool probe;		/* store_probe() still says yes */
	} rows[] = {
		{ "a bad superblock checksum", "no valid superblock", SB_CRC, false },
		{ "a bad magic", "no valid superblock", SB_MAGIC, false },
		{ "version 3", "no valid superblock", SB_VERSION, false },
		{ "no slots", "impossible layout", SB_NO_SLOTS, true },
		{ "2000 slots", "impossible layout", SB_MANY_SLOTS, true },
		{ "an unaligned slot size", "impossible layout", SB_UNALIGNED, true },
		{ "a size that disagrees", "impossible layout", SB_SIZE, true },
		{ "a store larger than its file", "on a device of", SB_SHORT_FILE, true },
		{ "an empty file", "cannot read the superblock", SB_EMPTY_FILE, false },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct store_super sb;
		struct tmpstore t;
		struct store st;
		char err[256] = "";
		int fd;

		if (!store_new(&t, 2))
			continue;
		fd = open(t.path, O_RDWR | O_CLOEXEC);
		if (!CHECK(fd >= 0) || !CHECK(!read_full(fd, 0, &sb, sizeof(sb))))
			goto next;
		switch (rows[i].how) {
		case SB_CRC:
			sb.crc ^= 1;
			break;
		case SB_MAGIC:
			sb.magic[0] = 'X';
			break;
		case SB_VERSION:
			sb.version = 3;
			break;
		case SB_NO_SLOTS:
			sb.slot_count = 0;
			break;
		case SB_MANY_SLOTS:
			sb.slot_count = 2000;
			break;
		case SB_UNALIGNED:
			sb.slot_size += 512;
			break;
		case SB_SIZE:
			sb.size += STORE_BLOCK;
			break;
		case SB_SHORT_FILE:
			CHECK(!ftruncate(fd, (off_t)sb.size - 1));
			break;
		case SB_EMPTY_FILE:
			CHECK(!ftruncate(fd, 0));
			break;
		}
		if (rows[i].how != SB_CRC)
			super_fix(&sb);
		/* The backup too, so that neither copy can stand in. */
		if (rows[i].how != SB_EMPTY_FILE)
			CHECK(!write_full(fd, 0, &sb, sizeof(sb)));
		if (rows[i].how != SB_EMPTY_FILE && rows[i].how != SB_SHORT_FILE)
			CHECK(!write_full(fd, STORE_BLOCK + 2 * SLOT_BYTES + STORE_BLOCK, &sb,
					  sizeof(sb)));
		CHECK_EQ(store_probe(fd), rows[i].probe);
		CHECK_EQ(store_open(&st, t.path, 0, err, sizeof(err)), -1);
		CHECK_HAS(err, rows[i].err);
		store_close(&st);
next:
		if (fd >= 0)
			close(fd);
		unlink(t.path);
		tap("store_open() refuses %s: \"%s\"", rows[i].what, rows[i].err);
	}
}

static uint32_t hdr_crc(const struct store_record *hdr)
{
	struct store_record copy = *hdr;

	copy.hdr_crc = 0;
	return crc32_le(0, &copy, sizeof(copy));
}

enum hdr_bad { HDR_CRC, HDR_MAGIC, HDR_VERSION, HDR_LOG_LEN, HDR_FOREIGN };

static void test_store_bad_header(void)
{
	static const struct {
		const char *what;
		enum hdr_bad how;
	} rows[] = {
		{ "a bad header checksum", HDR_CRC },
		{ "a bad record magic", HDR_MAGIC },
		{ "record version 2", HDR_VERSION },
		{ "a log longer than its slot", HDR_LOG_LEN },
		{ "another program's bytes", HDR_FOREIGN },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct strbuf logs[3], img;
		struct store_record hdr;
		struct tmpstore t;
		struct store st;

		if (!store_full(&t, 3, logs))
			goto next;
		if (store_opened(&st, t.path, false)) {
			hdr = st.slots[2].hdr;
			store_close(&st);
		}
		switch (rows[i].how) {
		case HDR_CRC:
			hdr.reason[3] ^= 0x20;
			break;
		case HDR_MAGIC:
			hdr.magic[7] = 'X';
			break;
		case HDR_VERSION:
			hdr.version = 2;
			break;
		case HDR_LOG_LEN:
			hdr.log_len = LOG_SPACE + 1;
			break;
		case HDR_FOREIGN:
			memset(&hdr, 0, sizeof(hdr));
			memcpy(hdr.pad + 40, "XFSB", 4);
			break;
		}
		if (rows[i].how != HDR_CRC && rows[i].how != HDR_FOREIGN)
			hdr.hdr_crc = hdr_crc(&hdr);
		patch(t.path, slot_off(2), &hdr, sizeof(hdr));
		if (store_opened(&st, t.path, true)) {
			CHECK_EQ(st.slots[2].state, SLOT_UNKNOWN);
			CHECK(slot_has(&st, 0, 1, &logs[0]));
			CHECK(slot_has(&st, 1, 2, &logs[1]));
			CHECK_EQ(store_pick_slot(&st), -1);
			CHECK_EQ(store_newest(&st), 1);
			CHECK_EQ(store_find_seq(&st, 3), -1);
			CHECK(!store_slot_reusable(&st.slots[2]));
			CHECK_EQ(put_record(&st, 4, &logs[0], NULL), STORE_FULL);
			store_close(&st);
		}
		if (slurp(t.path, &img)) {
			CHECK(!memcmp(img.data + slot_off(2), &hdr, sizeof(hdr)));
			sb_free(&img);
		}
next:
		unlink(t.path);
		free_logs(logs, 3);
		tap("a slot header with %s is held back: not a record, never written",
		    rows[i].what);
	}
}

static void test_store_damaged(void)
{
	struct strbuf logs[2], got, l3;
	struct tmpstore t;
	struct store st;
	char err[256] = "";
	unsigned char c;

	make_log(&l3, 3, 5);
	if (!store_full(&t, 2, logs))
		goto out;
	c = (unsigned char)logs[0].data[10] ^ 0x01;
	patch(t.path, slot_off(0) + STORE_HEADER + 10, &c, 1);
	if (!store_opened(&st, t.path, true))
		goto out;
	CHECK_EQ(st.slots[0].state, SLOT_DAMAGED);
	store_close(&st);
	/* Headers only, as the capture opens it: the damage goes unseen, the slot
	 * is still not taken.
	 */
	if (store_open(&st, t.path, STORE_WRITE | STORE_HEADERS, err, sizeof(err)))
		goto out;
	CHECK_EQ(st.slots[0].state, SLOT_RECORD);
	CHECK_EQ(store_pick_slot(&st), -1);
	store_close(&st);
	if (!store_opened(&st, t.path, true))
		goto out;
	CHECK_EQ(store_find_seq(&st, 1), 0);
	sb_init(&got);
	CHECK_EQ(store_read_log(&st, 0, &got, err, sizeof(err)), -1);
	CHECK_HAS(err, "checksum");
	CHECK(got.len == logs[0].len && (unsigned char)got.data[10] == c &&
	      !memcmp(got.data + 11, logs[0].data + 11, logs[0].len - 11));
	sb_free(&got);
	CHECK(!store_slot_reusable(&st.slots[0]));
	CHECK_EQ(store_pick_slot(&st), -1);
	CHECK_EQ(put_record(&st, 3, &l3, NULL), STORE_FULL);
	CHECK(!store_set_flags(&st, 0, REC_EXPORTED, err, sizeof(err)));
	CHECK_EQ(store_pick_slot(&st), 0);
	CHECK_EQ(put_record(&st, 3, &l3, NULL), 0);
	store_close(&st);
	if (store_opened(&st, t.path, false)) {
		CHECK(slot_has(&st, 0, 3, &l3));
		CHECK(slot_has(&st, 1, 2, &logs[1]));
		store_close(&st);
	}
	unlink(t.path);
out:
	free_logs(logs, 2);
	sb_free(&l3);
	tap("a log failing its checksum is SLOT_DAMAGED, kept until exported, "
	    "also when only headers are read");
}

static void test_store_flags(void)
{
	struct strbuf logs[2];
	struct tmpstore t;
	struct store st;
	char err[256];

	if (!store_full(&t, 2, logs) || !store_opened(&st, t.path, true))
		goto out;
	CHECK(!store_set_flags(&st, 1, REC_EXPORTED, err, sizeof(err)));
	store_close(&st);
	if (store_opened(&st, t.path, false)) {
		CHECK(slot_has(&st, 1, 2, &logs[1]));
		CHECK_EQ(st.slots[1].hdr.flags, REC_EXPORTED);
		CHECK_EQ(st.slots[0].hdr.flags, 0);
		CHECK(store_slot_reusable(&st.slots[1]));
		CHECK(!store_slot_reusable(&st.slots[0]));
		store_close(&st);
	}
	unlink(t.path);
out:
	free_logs(logs, 2);
	tap("store_set_flags() persists with a good header checksum, log untouched");
}

static void test_store_uuid(void)
{
	static const char *const bad[] = {
		"", "0123456789abcdef0123456789abcdef", "01234567-89ab-cdef-0123-456789abcde",
		"01234567-89ab-cdef-0123-456789abcdef0", "01234567-89ab-cdef-0123_456789abcdef",
		"0123456g-89ab-cdef-0123-456789abcdef", "01234567-89ab-cdef-0123-456789abcde ",
	};
	uint8_t uuid[16], back[16];
	char text[UUID_STR_LEN];
	unsigned int i;

	for (i = 0; i < 16; i++)
		uuid[i] = (uint8_t)(i * 17);
	uuid_str(uuid, text);
	CHECK_STR(text, "00112233-4455-6677-8899-aabbccddeeff");
	CHECK_EQ(uuid_parse(text, back), 0);
	CHECK(!memcmp(uuid, back, 16));
	CHECK_EQ(uuid_parse("00112233-4455-6677-8899-AABBCCDDEEFF", back), 0);
	CHECK(!memcmp(uuid, back, 16));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		if (!CHECK_EQ(uuid_parse(bad[i], back), -1))
			printf("#   took \"%s\"\n", bad[i]);
	tap("a store UUID prints as 8-4-4-4-12 hex and parses back; %zu malformed ones refused",
	    ARRAY_SIZE(bad));
}

/*
 * A store that also carries another program's signature is not ours to
 * write: each signature planted in a store image full of records is named;
 * the same store without it has none.
 */
#define MD090_AT	INT64_MIN
#define ZFS_L3_AT	(INT64_MIN + 1)

static void test_store_other_signature(void)
{
	static const struct {
		const char *name;
		int64_t off;		/* from the start; negative: from the end */
		const char *magic;
		size_t len;
	} rows[] = {
		{ "an md 1.2 superblock at byte 4096", 4096, "\xfc\x4e\x2b\xa9", 4 },
		{ "an md 0.90 superblock", MD090_AT, "\xfc\x4e\x2b\xa9", 4 },
		{ "an md 1.0 superblock", -8192, "\xfc\x4e\x2b\xa9\x01\0\0\0", 8 },
		{ "a bcache superblock at byte 4120", 4120,
		  "\xc6\x85\x73\xf6\x4e\x1a\x45\xca\x82\x65\xf5\x7f\x48\xba\x6d\x81", 16 },
		{ "an LVM2 label at byte 512", 512, "LABELONE", 8 },
		{ "a LUKS2 secondary header at byte 16384", 16384, "SKUL\xba\xbe", 6 },
		{ "a btrfs superblock at byte 65600", 65600, "_BHRfS_M", 8 },
		{ "an ext2/3/4 superblock at byte 1080", 1080, "\x53\xef", 2 },
		{ "a swap signature", 4086, "SWAPSPACE2", 10 },
		{ "a DOS partition table", 510, "\x55\xaa", 2 },
		{ "a GPT header at byte 512", 512, "EFI PART", 8 },
		{ "a backup GPT header", -512, "EFI PART", 8 },
		{ "a ZFS label at the start", 131072 + 3 * 1024, "\x0c\xb1\xba\0\0\0\0\0", 8 },
		{ "a ZFS label", ZFS_L3_AT, "\x0c\xb1\xba\0\0\0\0\0", 8 },
	};
	struct strbuf logs[16], base;
	char what[160] = "";
	struct tmpstore t;
	unsigned int i;
	int fd;

	/* 16 slots: 1 MiB and more, room for ZFS's four labels. */
	if (!store_full(&t, 16, logs) || !slurp(t.path, &base))
		goto out;
	fd = open(t.path, O_RDWR | O_CLOEXEC);
	if (CHECK(fd >= 0)) {
		CHECK(!store_other_signature(fd, what, sizeof(what)));
		if (what[0])
			printf("#   a plain store: %s\n", what);
		for (i = 0; i < ARRAY_SIZE(rows); i++) {
			uint64_t off = rows[i].off < 0 ? base.len - (uint64_t)-rows[i].off :
				       (uint64_t)rows[i].off;

			/* md 0.90: the last 64 KiB-aligned 64 KiB; ZFS L3: the last 256 KiB. */
			if (rows[i].off == MD090_AT)
				off = (base.len & ~0xffffULL) - 0x10000;
			else if (rows[i].off == ZFS_L3_AT)
				off = (base.len & ~0x3ffffULL) - 0x40000 + 0x20000 + 5 * 1024;

			what[0] = '\0';
			CHECK(!write_full(fd, off, rows[i].magic, rows[i].len));
			if (!CHECK(store_other_signature(fd, what, sizeof(what))) ||
			    !CHECK_HAS(what, rows[i].name))
				printf("#   planted %s\n", rows[i].name);
			CHECK(!write_full(fd, off, base.data + off, rows[i].len));
		}
		CHECK(!store_other_signature(fd, what, sizeof(what)));
		close(fd);
	}
	sb_free(&base);
	unlink(t.path);
out:
	free_logs(logs, 16);
	tap("store_other_signature() names %zu signatures planted in a store of records, "
	    "and none in the store itself", ARRAY_SIZE(rows));
}

/*
 * Power lost right after the first step of a write over the record with
 * the highest seq: the slot is empty, but its tombstone keeps the seq, so
 * the next record does not take a number already exported.
 */
static void test_store_tombstone(void)
{
	struct strbuf logs[3], l, base;
	struct store_record hdr;
	struct tmpstore t;
	struct store st;
	char err[256];
	size_t i;

	make_log(&l, 9, 4);
	sb_init(&base);
	if (!store_full(&t, 3, logs) || !store_opened(&st, t.path, true))
		goto out;
	CHECK(!store_set_flags(&st, 2, REC_EXPORTED, err, sizeof(err)));
	store_close(&st);
	if (!slurp(t.path, &base) || !store_opened(&st, t.path, true))
		goto out;
	wlog_reset();
	wlog.on = true;
	CHECK_EQ(put_record(&st, 4, &l, NULL), 2);
	wlog.on = false;
	store_close(&st);
	/* The image before the write, plus what was synced first only. */
	spit(t.path, base.data, base.len);
	for (i = 0; i < wlog.n; i++)
		if (wlog.p[i].epoch == 0)
			patch(t.path, wlog.p[i].off, wlog.p[i].data, wlog.p[i].len);
	wlog_reset();
	if (store_opened(&st, t.path, true)) {
		CHECK_EQ(st.slots[2].state, SLOT_EMPTY);
		CHECK_EQ(store_find_seq(&st, 3), -1);
		CHECK_EQ(st.max_seq, 4);
		CHECK_EQ(put_record(&st, 5, &l, &hdr), 2);
		CHECK_EQ(hdr.seq, 5);
		store_close(&st);
	}
	unlink(t.path);
out:
	sb_free(&base);
	free_logs(logs, 3);
	sb_free(&l);
	tap("a write cut off after its first sync leaves an empty slot that keeps the new "
	    "seq: no number is used twice");
}

/*
 * Block 0 wiped: the backup superblock in the last block stands in, for
 * reading only, and the capture's probe does not take the device.
 */
static void test_store_backup(void)
{
	static const char zero[STORE_BLOCK];
	struct strbuf logs[3], l;
	struct tmpstore t;
	struct store st;
	char err[256] = "";
	unsigned int i;
	int fd;

	make_log(&l, 9, 3);
	if (!store_full(&t, 3, logs))
		goto out;
	if (store_opened(&st, t.path, false)) {
		CHECK(!st.from_backup);
		store_close(&st);
	}
	patch(t.path, 0, zero, sizeof(zero));
	fd = open(t.path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && !store_probe(fd));
	if (fd >= 0)
		close(fd);
	if (store_opened(&st, t.path, false)) {
		CHECK(st.from_backup);
		CHECK_EQ(st.sb.slot_count, 3);
		for (i = 0; i < 3; i++)
			CHECK(slot_has(&st, i, i + 1, &logs[i]));
		store_close(&st);
	}
	CHECK_EQ(store_open(&st, t.path, STORE_WRITE, err, sizeof(err)), -1);
	CHECK_HAS(err, "backup superblock");
	store_close(&st);
	/* Without the backup either: no store. */
	patch(t.path, STORE_BLOCK + 3 * SLOT_BYTES + STORE_BLOCK, zero, sizeof(zero));
	CHECK_EQ(store_open(&st, t.path, 0, err, sizeof(err)), -1);
	CHECK_HAS(err, "no valid superblock");
	store_close(&st);
	unlink(t.path);
out:
	free_logs(logs, 3);
	sb_free(&l);
	tap("block 0 wiped: the backup superblock reads the records, never for writing");
}

/* A version 1 store (no tail, the note in block 0) is still read and written. */
static void test_store_v1(void)
{
	struct store_super sb = { 0 };
	struct store_record hdr = { 0 };
	struct strbuf l, img;
	char path[512], err[256];
	struct store st;
	int fd = tmp_file(path, sizeof(path));

	make_log(&l, 1, 5);
	if (!CHECK(fd >= 0))
		goto out;
	memcpy(sb.magic, STORE_MAGIC, 8);
	sb.version = STORE_VERSION_1;
	sb.slot_count = 2;
	sb.slot_size = SLOT_BYTES;
	sb.size = STORE_BLOCK + 2 * SLOT_BYTES;
	super_fix(&sb);
	CHECK(!ftruncate(fd, (off_t)sb.size) && !write_full(fd, 0, &sb, sizeof(sb)));
	close(fd);
	if (store_opened(&st, path, true)) {
		CHECK_EQ(st.sb.version, STORE_VERSION_1);
		CHECK_EQ(put_record(&st, 1, &l, NULL), 0);
		snprintf(hdr.reason, sizeof(hdr.reason), "missed in v1");
		CHECK_EQ(store_note_missed(&st, &hdr, err, sizeof(err)), 0);
		store_close(&st);
	}
	if (store_opened(&st, path, false)) {
		CHECK(slot_has(&st, 0, 1, &l));
		CHECK_EQ(st.missed.count, 1);
		store_close(&st);
	}
	if (slurp(path, &img)) {
		CHECK(img.len == sb.size && !memcmp(img.data + STORE_HEADER, "SAVEOMIS", 8));
		CHECK(!memcmp(img.data, &sb, sizeof(sb)));
		sb_free(&img);
	}
	unlink(path);
out:
	sb_free(&l);
	tap("a version 1 store: records and the missed note in block 0, read and written");
}

struct found_list {
	uint64_t seq[8];
	bool ok[8];
	unsigned int n;
};

static int note_found(int fd, const struct store_found *f, void *arg)
{
	struct found_list *fl = arg;

	(void)fd;
	if (fl->n < ARRAY_SIZE(fl->seq)) {
		fl->seq[fl->n] = f->hdr.seq;
		fl->ok[fl->n] = f->log_ok;
	}
	fl->n++;
	return 0;
}

/* Both superblocks gone: the records are found by their headers alone. */
static void test_store_recover(void)
{
	static const char zero[STORE_BLOCK];
	struct found_list fl = { 0 };
	struct strbuf logs[4];
	struct tmpstore t;
	struct store st;
	char err[256] = "", c = 'X';
	int fd;

	if (!store_full(&t, 4, logs) || !store_opened(&st, t.path, true))
		goto out;
	CHECK(!store_set_flags(&st, 1, REC_EXPORTED, err, sizeof(err)));
	CHECK(!store_clear(&st, 2, err, sizeof(err)));
	store_close(&st);
	patch(t.path, 0, zero, sizeof(zero));
	patch(t.path, STORE_BLOCK + 4 * SLOT_BYTES + STORE_BLOCK, zero, sizeof(zero));
	patch(t.path, slot_off(3) + STORE_HEADER + 5, &c, 1);
	fd = open(t.path, O_RDONLY | O_CLOEXEC);
	if (CHECK(fd >= 0)) {
		CHECK_EQ(store_recover_scan(fd, note_found, &fl, err, sizeof(err)), 0);
		close(fd);
	}
	/* 1 and 2 (exported) whole, 3 cleared and not listed, 4 damaged. */
	CHECK_EQ(fl.n, 3);
	CHECK(fl.seq[0] == 1 && fl.ok[0]);
	CHECK(fl.seq[1] == 2 && fl.ok[1]);
	CHECK(fl.seq[2] == 4 && !fl.ok[2]);
	unlink(t.path);
out:
	free_logs(logs, 4);
	tap("store_recover_scan() without superblocks: records found by header, cleared "
	    "ones skipped, a damaged log flagged");
}

/* ---- fuzzing seeds ---- */

static bool seed_file(const char *dir, const char *sub, const char *name, const void *data,
		      size_t len)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	return spit(path, data, len);
}

static bool seed_cores(const char *dir)
{
	static const struct {
		const char *name;
		const struct mk_layout *l;
		enum mk_place place;
		uint64_t sme_mask;
		bool wrap;
	} cores[] = {
		{ "padded-image", &mk_layout_padded, MK_IN_IMAGE, 0, false },
		{ "6.12-image-wrapped", &mk_layout_6_12, MK_IN_IMAGE, 0, true },
		{ "scattered-walk-4k", &mk_layout_scattered, MK_DIRECT_4K, 0, true },
		{ "nocaller-walk-2m-sme", &mk_layout_nocaller, MK_DIRECT_2M, 1ULL << 47, false },
		{ "padded-walk-1g", &mk_layout_padded, MK_DIRECT_1G, 0, true },
		{ "6.12-direct-vaddr", &mk_layout_6_12, MK_DIRECT_VADDR, 0, false },
	};
	unsigned int i, n;
	bool ok = true;

	for (i = 0; i < ARRAY_SIZE(cores); i++) {
		struct mk_opts o = base_opts;
		struct strbuf core;
		struct mk_ring r;
		char text[96];

		mk_ring_init(&r, cores[i].l, 4, 9);
		for (n = 0; n < (cores[i].wrap ? 24 : 3); n++) {
			struct mk_rec rec = { .ts_nsec = n * 1234567ULL, .text = text,
					      .level = n % 8, .caller = n * 0x10000001U };

			snprintf(text, sizeof(text), "%s line %u%s", n == 2 ? "BUG: seed" : "seed",
				 n, n % 3 ? "" : "\nsecond line\tescape \x01");
			mk_ring_add(&r, &rec);
		}
		o.place = cores[i].place;
		o.sme_mask = cores[i].sme_mask;
		sb_init(&core);
		mk_core_ring(&core, &r, &o);
		ok &= seed_file(dir, "vmcore", cores[i].name, core.data, core.len);
		sb_free(&core);
		mk_ring_free(&r);
	}
	return ok;
}

/* A store of @slots slots with @records records; @cut: keep only the used part. */
static bool seed_store(const char *dir, const char *name, unsigned int slots,
		       unsigned int records, unsigned int exported, bool damage, bool cut)
{
	struct tmpstore t;
	struct strbuf img, log;
	struct store st;
	char err[256];
	unsigned int i;
	size_t len;
	bool ok;

	if (!store_new(&t, slots) || !store_opened(&st, t.path, true))
		return false;
	for (i = 0; i < records; i++) {
		make_log(&log, i + 1, 3 + i);
		put_record(&st, i + 1, &log, NULL);
		sb_free(&log);
		if (i < exported)
			store_set_flags(&st, i, REC_EXPORTED, err, sizeof(err));
	}
	len = slot_off(records ? records - 1 : 0) + STORE_HEADER +
	      (records ? st.slots[records - 1].hdr.log_len : 0);
	store_close(&st);
	ok = slurp(t.path, &img);
	unlink(t.path);
	if (damage && img.len > slot_off(0) + STORE_HEADER)
		img.data[slot_off(0) + STORE_HEADER] ^= 0x40;
	ok = ok && seed_file(dir, "store", name, img.data, cut ? len : img.len);
	sb_free(&img);
	return ok;
}

/*
 * A store file with a record and its extent map in block 0 and in the
 * backup block, as format leaves it: three extents out of order
 * (@scatter), or one with a file system UUID. @cut keeps block 0 and the
 * record only.
 */
static bool seed_map_store(const char *dir, const char *name, bool scatter, bool cut)
{
	uint64_t sectors = (STORE_BLOCK + 2 * SLOT_BYTES + STORE_TAIL) / STORE_SECTOR;
	size_t len, map_len;
	struct store_map_hdr hdr;
	struct store_map map;
	struct strbuf img, log;
	struct tmpstore t;
	struct store st;
	bool ok;

	if (!store_new(&t, 2) || !store_opened(&st, t.path, true))
		return false;
	make_log(&log, 1, 3);
	put_record(&st, 1, &log, NULL);
	len = slot_off(0) + STORE_HEADER + log.len;
	sb_free(&log);
	store_close(&st);
	ok = slurp(t.path, &img) && img.len == sectors * STORE_SECTOR;
	unlink(t.path);
	memset(&map, 0, sizeof(map));
	memcpy(map.hdr.magic, STORE_MAP_MAGIC, 8);
	map.hdr.version = STORE_MAP_VERSION;
	map.hdr.sectors = sectors;
	if (scatter) {
		/* Within the fuzzer's 1 MiB device. */
		map.hdr.count = 3;
		map.ext[0] = (struct store_extent){ 1200, 24 };
		map.ext[1] = (struct store_extent){ 100, 40 };
		map.ext[2] = (struct store_extent){ 400, sectors - 64 };
	} else {
		map.hdr.count = 1;
		memset(map.hdr.fs_uuid, 0x5a, 16);
		map.ext[0] = (struct store_extent){ 1024, sectors };
	}
	hdr = map.hdr;
	map.hdr.crc = crc32_le(crc32_le(0, &hdr, sizeof(hdr)), map.ext,
			       map.hdr.count * sizeof(map.ext[0]));
	map_len = sizeof(map.hdr) + map.hdr.count * sizeof(map.ext[0]);
	if (ok) {
		memcpy(img.data + STORE_MAP_OFF, &map, map_len);
		memcpy(img.data + img.len - STORE_BLOCK + STORE_MAP_OFF, &map, map_len);
	}
	ok = ok && seed_file(dir, "store", name, img.data, cut ? len : img.len);
	sb_free(&img);
	return ok;
}

static int write_seeds(const char *dir)
{
	bool ok;

	mkdir(dir, 0755);
	ok = seed_cores(dir);
	ok &= seed_store(dir, "one-slot", 1, 1, 0, false, false);
	ok &= seed_store(dir, "two-slots-exported", 2, 2, 1, false, false);
	ok &= seed_store(dir, "two-slots-damaged", 2, 2, 0, true, false);
	ok &= seed_store(dir, "four-slots-cut", 4, 1, 0, false, true);
	ok &= seed_store(dir, "three-slots-cut-exported", 3, 1, 1, false, true);
	ok &= seed_map_store(dir, "map-scattered", true, false);
	ok &= seed_map_store(dir, "map-one-extent-fs-cut", false, true);
	if (!ok)
		fprintf(stderr, "unit-test: could not write every seed to %s\n", dir);
	return ok ? 0 : 1;
}

/* ---- file stores: the extent map ---- */

#define DEV_SECTORS	8192U		/* a 4 MiB "device" */

/* A map of @store_sectors over three extents, out of order on the device. */
static void scatter_map(struct store_map *map, uint64_t store_sectors)
{
	uint64_t a = 24, b = 40;	/* two short extents, then the rest */
	struct store_map_hdr hdr;

	memset(map, 0, sizeof(*map));
	memcpy(map->hdr.magic, STORE_MAP_MAGIC, 8);
	map->hdr.version = STORE_MAP_VERSION;
	map->hdr.count = 3;
	map->hdr.sectors = store_sectors;
	map->ext[0] = (struct store_extent){ 6000, a };
	map->ext[1] = (struct store_extent){ 100, b };
	map->ext[2] = (struct store_extent){ 2000, store_sectors - a - b };
	hdr = map->hdr;
	hdr.crc = 0;
	map->hdr.crc = crc32_le(crc32_le(0, &hdr, sizeof(hdr)), map->ext,
				map->hdr.count * sizeof(map->ext[0]));
}

/* Copy the store file's bytes to where @map puts them on @dev (or back). */
static bool move_through(int file, int dev, const struct store_map *map, bool to_dev)
{
	uint64_t off = 0;
	unsigned int i;
	char *buf;
	bool ok = true;

	for (i = 0; i < map->hdr.count && ok; i++) {
		size_t len = map->ext[i].sectors * STORE_SECTOR;
		uint64_t at = map->ext[i].sector * STORE_SECTOR;

		buf = malloc(len);
		ok = buf && (to_dev ? !read_full(file, off, buf, len) &&
				      !write_full(dev, at, buf, len) :
				      !read_full(dev, at, buf, len) &&
				      !write_full(file, off, buf, len));
		free(buf);
		off += len;
	}
	return ok;
}

/* The device's bytes outside @map's extents are all @fill. */
static bool outside_is(int dev, const struct store_map *map, unsigned char fill)
{
	static unsigned char sector[STORE_SECTOR];
	uint64_t s;
	unsigned int i, j;

	for (s = 0; s < DEV_SECTORS; s++) {
		bool in = false;

		for (i = 0; i < map->hdr.count; i++)
			in |= s >= map->ext[i].sector &&
			      s < map->ext[i].sector + map->ext[i].sectors;
		if (in)
			continue;
		if (read_full(dev, s * STORE_SECTOR, sector, sizeof(sector)))
			return false;
		for (j = 0; j < sizeof(sector); j++)
			if (sector[j] != fill)
				return false;
	}
	return true;
}

/*
 * A store file scattered over a device in three extents, out of order:
 * store_open_map() reads and writes it through the map, a record lands in
 * the file's bytes and nowhere else; store_map_read() takes the map back
 * from the device and refuses it damaged; a map shorter than the store is
 * refused before anything is written.
 */
static void test_store_map(void)
{
	char dev_path[4096], file_path[4096], err[256];
	static unsigned char fill[STORE_SECTOR * 64];
	struct store_map map, back, shorter;
	struct tmpstore t;
	struct strbuf log;
	struct store st;
	uint64_t sectors = (STORE_BLOCK + 2 * SLOT_BYTES + STORE_TAIL) / STORE_SECTOR;
	int dev, file;
	unsigned int i;

	if (!store_new(&t, 2)) {
		tap("store: a file store written through its extent map");
		return;
	}
	scatter_map(&map, sectors);
	memset(fill, 0xa5, sizeof(fill));
	dev = tmp_file(dev_path, sizeof(dev_path));
	file = open(t.path, O_RDWR | O_CLOEXEC);
	CHECK(dev >= 0 && file >= 0);
	for (i = 0; dev >= 0 && i < DEV_SECTORS / 64; i++)
		CHECK(!write_full(dev, (uint64_t)i * sizeof(fill), fill, sizeof(fill)));
	/* The map in block 0 and the backup block, as store_seal_file() puts it. */
	CHECK(!write_full(file, STORE_MAP_OFF, &map, sizeof(map.hdr) + 3 * sizeof(map.ext[0])));
	CHECK(!write_full(file, sectors * STORE_SECTOR - STORE_BLOCK + STORE_MAP_OFF, &map,
			  sizeof(map.hdr) + 3 * sizeof(map.ext[0])));
	CHECK(move_through(file, dev, &map, true));

	make_log(&log, 1, 40);
	if (CHECK(!store_open_map(&st, dup(dev), &map, STORE_WRITE, err, sizeof(err))))
		CHECK_EQ(put_record(&st, 1, &log, NULL), 0);
	else
		printf("#   store_open_map: %s\n", err);
	store_close(&st);
	CHECK(outside_is(dev, &map, 0xa5));
	if (CHECK(!store_open_map(&st, dup(dev), &map, 0, err, sizeof(err))))
		CHECK(slot_has(&st, 0, 1, &log));
	store_close(&st);
	/* The file put back together from the extents is the store. */
	snprintf(file_path, sizeof(file_path), "%s", t.path);
	CHECK(move_through(file, dev, &map, false));
	if (store_opened(&st, file_path, false))
		CHECK(slot_has(&st, 0, 1, &log));
	store_close(&st);

	CHECK(!store_map_read(dev, map.ext[0].sector * STORE_SECTOR, &back));
	CHECK(!memcmp(&back, &map, sizeof(map)));
	CHECK(patch(dev_path, map.ext[0].sector * STORE_SECTOR + STORE_MAP_OFF + 64 + 3, "\x01",
		    1));
	CHECK(store_map_read(dev, map.ext[0].sector * STORE_SECTOR, &back));

	shorter = map;
	shorter.ext[2].sectors -= 8;
	shorter.hdr.sectors -= 8;
	CHECK(store_open_map(&st, dup(dev), &shorter, STORE_WRITE, err, sizeof(err)));
	store_close(&st);
	CHECK(outside_is(dev, &map, 0xa5));

	sb_free(&log);
	if (file >= 0)
		close(file);
	if (dev >= 0)
		close(dev);
	unlink(dev_path);
	unlink(t.path);
	tap("store: a file store written through its extent map touches nothing outside it");
}

/*
 * FIEMAP on a real file (the unit tests' TMPDIR): a formatted store file is
 * written whole and maps in full; unwritten extents (fallocate over a
 * punched range) and a hole are refused.
 */
static void test_store_fiemap(void)
{
	struct store_map map;
	struct tmpstore t;
	char err[256] = "";
	uint64_t off = STORE_BLOCK + SLOT_BYTES;
	int fd;

	if (!store_new(&t, 2)) {
		tap("store: FIEMAP maps a store file, refuses unwritten extents and holes");
		return;
	}
	fd = open(t.path, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0);
	if (store_file_map(fd, &map, err, sizeof(err)) && strstr(err, "FIEMAP")) {
		printf("# SKIP %s\n", err);
		close(fd);
		unlink(t.path);
		tap("store: FIEMAP maps a store file # SKIP no FIEMAP here");
		return;
	}
	if (!CHECK(!store_file_map(fd, &map, err, sizeof(err))))
		printf("#   store_file_map: %s\n", err);
	CHECK_EQ(map.hdr.sectors, (STORE_BLOCK + 2 * SLOT_BYTES + STORE_TAIL) / STORE_SECTOR);
	CHECK(map.hdr.count >= 1);
	/* Slot 1 made unwritten: allocated again, never written. */
	CHECK(!fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, 65536));
	CHECK(!fallocate(fd, 0, (off_t)off, 65536));
	CHECK(store_file_map(fd, &map, err, sizeof(err)));
	CHECK_HAS(err, "unwritten");
	CHECK(!fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, 65536));
	CHECK(store_file_map(fd, &map, err, sizeof(err)));
	CHECK_HAS(err, "a hole at byte");
	close(fd);
	unlink(t.path);
	tap("store: FIEMAP maps a store file, refuses unwritten extents and holes");
}

/* Write @text to @root/@rel, making its directories. */
static bool put_sysfs(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX], *slash;
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "we");
	if (!f)
		return false;
	ok = fputs(text, f) >= 0;
	return !fclose(f) && ok;
}

/*
 * A store file whose file system is on LVM over dm-crypt (a sysfs tree of
 * the test's own, with the file's real device number): refused by
 * store_file_refused() and store_file_map(), naming the dm-crypt device;
 * the same stack without dm-crypt is not refused.
 */
static void test_store_crypt(void)
{
	char root[PATH_MAX], rel[128], err[256] = "";
	const char *dir = getenv("TMPDIR");
	struct store_map map;
	struct tmpstore t;
	struct stat stb;
	int fd = -1;

	snprintf(root, sizeof(root), "%s/saveoops-sysfs-XXXXXX", dir && *dir ? dir : "/tmp");
	if (!store_new(&t, 2) || !CHECK(mkdtemp(root))) {
		tap("store: a store file on dm-crypt is refused");
		return;
	}
	fd = open(t.path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && !fstat(fd, &stb));
	snprintf(rel, sizeof(rel), "dev/block/%u:%u/slaves/dm-7/dev", major(stb.st_dev),
		 minor(stb.st_dev));
	CHECK(put_sysfs(root, rel, "254:7\n"));
	CHECK(put_sysfs(root, "dev/block/254:7/dm/uuid", "LVM-0123456789abcdef\n"));
	CHECK(put_sysfs(root, "dev/block/254:7/slaves/dm-3/dev", "254:3\n"));
	CHECK(put_sysfs(root, "dev/block/254:3/dm/uuid", "CRYPT-LUKS2-0123456789abcdef-luks\n"));
	store_set_sysfs(root);
	CHECK_EQ(store_file_refused(fd, err, sizeof(err)), -1);
	CHECK_HAS(err, "dm-crypt (device 254:3)");
	CHECK(store_file_map(fd, &map, err, sizeof(err)));
	CHECK_HAS(err, "dm-crypt");
	CHECK(put_sysfs(root, "dev/block/254:3/dm/uuid", "LVM-fedcba9876543210\n"));
	CHECK_EQ(store_file_refused(fd, err, sizeof(err)), 0);
	/* Not refused, but format warns: the file system is not on a plain device. */
	CHECK(!store_file_stacked(fd, err, sizeof(err)));
	snprintf(rel, sizeof(rel), "dev/block/%u:%u/dm/uuid", major(stb.st_dev),
		 minor(stb.st_dev));
	CHECK(put_sysfs(root, rel, "LVM-0123456789abcdef\n"));
	CHECK(store_file_stacked(fd, err, sizeof(err)));
	CHECK_HAS(err, "device mapper");
	CHECK_HAS(err, "LVM-0123456789abcdef");
	store_set_sysfs(NULL);
	if (fd >= 0)
		close(fd);
	unlink(t.path);
	tap("store: a store file on dm-crypt (under LVM) is refused; on LVM alone, stacked");
}

/*
 * store_locate_map() on devices of the test's own (sysfs and /dev trees
 * with images named vda and vdb): a store file at the sector given, whose
 * map names the device's file system, is found; a mirror copy on a second
 * device makes two (the capture then refuses); a second device whose file
 * system is another is skipped and said so; another sector finds nothing.
 */
static void test_store_locate_map(void)
{
	static const uint8_t fs_a[16] = { 0xa1, 0xa2, 0xa3 }, fs_b[16] = { 0xb1 };
	const uint64_t sector = 2048, dev_size = 4ULL << 20;
	char root[512], sys[PATH_MAX], dev[PATH_MAX], path[PATH_MAX + 8];
	const char *dir = getenv("TMPDIR");
	struct store_map map, found;
	struct store_scan scan;
	struct store_super sb;
	struct strbuf image;
	struct store_map_hdr hdr;
	struct tmpstore t;
	uint64_t sectors = (STORE_BLOCK + 2 * SLOT_BYTES + STORE_TAIL) / STORE_SECTOR;
	unsigned int i;
	int fd;

	snprintf(root, sizeof(root), "%s/saveoops-devs-XXXXXX", dir && *dir ? dir : "/tmp");
	if (!store_new(&t, 2) || !CHECK(mkdtemp(root)) || !slurp(t.path, &image)) {
		tap("store: store_locate_map() finds a file store by UUID and sector");
		return;
	}
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(dev, sizeof(dev), "%s/dev", root);
	mkdir(sys, 0755);
	CHECK(put_sysfs(sys, "class/block/vda/dev", "254:0\n"));
	CHECK(put_sysfs(sys, "class/block/vdb/dev", "254:16\n"));
	mkdir(dev, 0755);
	/* The map, as store_seal_file() writes it into block 0. */
	memset(&map, 0, sizeof(map));
	memcpy(map.hdr.magic, STORE_MAP_MAGIC, 8);
	map.hdr.version = STORE_MAP_VERSION;
	map.hdr.count = 1;
	map.hdr.sectors = sectors;
	memcpy(map.hdr.fs_uuid, fs_a, 16);
	map.ext[0] = (struct store_extent){ sector, sectors };
	hdr = map.hdr;
	map.hdr.crc = crc32_le(crc32_le(0, &hdr, sizeof(hdr)), map.ext, sizeof(map.ext[0]));
	memcpy(image.data + STORE_MAP_OFF, &map, sizeof(map.hdr) + sizeof(map.ext[0]));
	memcpy(&sb, image.data, sizeof(sb));
	/* An ext4 superblock with fs_a, the store at the sector. */
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/vd%c", dev, 'a' + i);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		CHECK(fd >= 0 && !ftruncate(fd, (off_t)dev_size) &&
		      !write_full(fd, 1024 + 56, "\x53\xef", 2) &&
		      !write_full(fd, 1024 + 104, i ? fs_b : fs_a, 16) &&
		      !write_full(fd, sector * STORE_SECTOR, image.data, image.len));
		if (fd >= 0)
			close(fd);
	}
	store_set_sysfs(sys);
	store_set_devdir(dev);
	store_scan_init(&scan);
	CHECK_EQ(store_locate_map(sb.uuid, sector, &scan, &found), 1);
	snprintf(path, sizeof(path), "%s/vda", dev);
	CHECK_STR(scan.path, path);
	CHECK(!memcmp(&found, &map, sizeof(map)));
	CHECK_HAS(scan.skipped.data, "not the one the store was mapped on");
	CHECK_EQ(store_locate_map(sb.uuid, sector + 8, &scan, &found), 0);
	/* vdb a mirror of vda: two devices hold it. */
	snprintf(path, sizeof(path), "%s/vdb", dev);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0 && !write_full(fd, 1024 + 104, fs_a, 16));
	if (fd >= 0)
		close(fd);
	CHECK_EQ(store_locate_map(sb.uuid, sector, &scan, &found), 2);
	store_scan_free(&scan);
	store_set_sysfs(NULL);
	store_set_devdir(NULL);
	sb_free(&image);
	unlink(t.path);
	tap("store: store_locate_map() finds a file store by UUID and sector, checks its fs");
}

int main(int argc, char **argv)
{
	static void (*const tests[])(void) = {
		test_simple, test_multiline, test_escape, test_wrap, test_dataless,
		test_states, test_corrupt, test_truncated, test_span, test_missing_keys,
		test_bad_keys, test_bad_header, test_callers, test_levels, test_walk,
		test_walk_fails, test_memory_limit, test_dev_info, test_drm_ring, test_reason,
		test_print, test_line_text,
		test_open_errors, test_open_limits, test_open_structure, test_vmcoreinfo, test_read,
		test_store_format, test_store_format_errors, test_store_roundtrip,
		test_store_pick, test_store_full, test_store_missed, test_store_reuse,
		test_store_reuse_order,
		test_store_clear, test_store_truncate, test_torn, test_store_super,
		test_store_bad_header, test_store_damaged, test_store_flags, test_store_uuid,
		test_store_other_signature, test_store_tombstone, test_store_backup,
		test_store_v1, test_store_recover, test_store_map, test_store_fiemap,
		test_store_crypt, test_store_locate_map,
	};
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "--write-seeds"))
		return write_seeds(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: %s [--write-seeds DIR]\n", argv[0]);
		return 2;
	}
	for (i = 0; i < ARRAY_SIZE(tests); i++)
		tests[i]();
	printf("1..%u\n", tap_count);
	return tap_failed ? 1 : 0;
}
