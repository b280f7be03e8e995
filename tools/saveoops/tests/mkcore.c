// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only builder of synthetic x86_64 ELF cores holding a printk ring.
 * See mkcore.h. The ring writer follows the 6.12 rules a reader depends
 * on: state_var = state << 62 | id, descriptor index = id & (count - 1),
 * blocks of ALIGN(8 + len, 8) bytes led by their descriptor's id, a block
 * that would cross the end of the data ring placed at 0 with next in the
 * following wrap, and old records made reusable when their block is
 * overwritten or their descriptor is recycled.
 */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mkcore.h"

/*
 * Layouts. Every offset is chosen to differ from 6.12 where it can, and
 * the sizes carry padding the kernel does not have.
 */
const struct mk_layout mk_layout_padded = {
	.name = "padded",
	.rb_size = 200, .rb_desc_ring = 96, .rb_text_ring = 8,
	.dr_count_bits = 72, .dr_descs = 56, .dr_infos = 40, .dr_head_id = 24, .dr_tail_id = 0,
	.tr_size_bits = 40, .tr_data = 16,
	.desc_size = 40, .desc_sv = 24, .desc_lpos = 0, .lpos_begin = 8, .lpos_next = 0,
	.info_size = 104, .info_seq = 56, .info_ts = 0, .info_len = 40, .info_caller = 44,
	.info_facility = 42, .info_level = 43,
};

const struct mk_layout mk_layout_scattered = {
	.name = "scattered",
	.rb_size = 128, .rb_desc_ring = 16, .rb_text_ring = 80,
	.dr_count_bits = 44, .dr_descs = 8, .dr_infos = 24, .dr_head_id = 32, .dr_tail_id = 0,
	.tr_size_bits = 0, .tr_data = 16,
	.desc_size = 32, .desc_sv = 16, .desc_lpos = 0, .lpos_begin = 0, .lpos_next = 8,
	.info_size = 64, .info_seq = 8, .info_ts = 24, .info_len = 4, .info_caller = 16,
	.info_facility = 6, .info_level = 7,
};

const struct mk_layout mk_layout_nocaller = {
	.name = "nocaller",
	.rb_size = 128, .rb_desc_ring = 16, .rb_text_ring = 80,
	.dr_count_bits = 44, .dr_descs = 8, .dr_infos = 24, .dr_head_id = 32, .dr_tail_id = 0,
	.tr_size_bits = 0, .tr_data = 16,
	.desc_size = 32, .desc_sv = 16, .desc_lpos = 0, .lpos_begin = 0, .lpos_next = 8,
	.info_size = 48, .info_seq = 24, .info_ts = 8, .info_len = 0, .info_caller = -1,
	.info_facility = 2, .info_level = 3,
};

const struct mk_layout mk_layout_6_12 = {
	.name = "6.12",
	.rb_size = 88, .rb_desc_ring = 0, .rb_text_ring = 48,
	.dr_count_bits = 0, .dr_descs = 8, .dr_infos = 16, .dr_head_id = 24, .dr_tail_id = 32,
	.tr_size_bits = 0, .tr_data = 8,
	.desc_size = 24, .desc_sv = 0, .desc_lpos = 8, .lpos_begin = 0, .lpos_next = 8,
	.info_size = 88, .info_seq = 0, .info_ts = 8, .info_len = 16, .info_caller = 20,
	.info_facility = 18, .info_level = 19,
};

/* printk's LOG_NEWLINE in the five flag bits, so a reader must mask them. */
#define MK_INFO_FLAGS	0x02

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p) {
		perror("mkcore");
		abort();
	}
	return p;
}

void mk_put(unsigned char *p, uint64_t v, unsigned int size)
{
	memcpy(p, &v, size);	/* little endian host, as the store demands */
}

uint64_t mk_get(const unsigned char *p, unsigned int size)
{
	uint64_t v = 0;

	memcpy(&v, p, size);
	return v;
}

static uint64_t id_add(uint64_t id, uint64_t n)
{
	return (id + n) & MK_ID_MASK;
}

unsigned char *mk_ring_desc(const struct mk_ring *r, uint64_t id)
{
	return r->descs + (id & (r->count - 1)) * r->l->desc_size;
}

unsigned char *mk_ring_info(const struct mk_ring *r, uint64_t id)
{
	return r->infos + (id & (r->count - 1)) * r->l->info_size;
}

void mk_ring_set_sv(const struct mk_ring *r, uint64_t id, uint64_t state, uint64_t sv_id)
{
	mk_put(mk_ring_desc(r, id) + r->l->desc_sv, state << 62 | (sv_id & MK_ID_MASK), 8);
}

void mk_ring_set_lpos(const struct mk_ring *r, uint64_t id, uint64_t begin, uint64_t next)
{
	unsigned char *lpos = mk_ring_desc(r, id) + r->l->desc_lpos;

	mk_put(lpos + r->l->lpos_begin, begin, 8);
	mk_put(lpos + r->l->lpos_next, next, 8);
}

void mk_ring_lpos(const struct mk_ring *r, uint64_t id, uint64_t *begin, uint64_t *next)
{
	const unsigned char *lpos = mk_ring_desc(r, id) + r->l->desc_lpos;

	*begin = mk_get(lpos + r->l->lpos_begin, 8);
	*next = mk_get(lpos + r->l->lpos_next, 8);
}

static uint64_t wraps(const struct mk_ring *r, uint64_t lpos)
{
	return lpos >> r->size_bits;
}

unsigned char *mk_ring_block(const struct mk_ring *r, uint64_t id)
{
	uint64_t begin, next;

	mk_ring_lpos(r, id, &begin, &next);
	if (begin & 1)
		return NULL;
	if (wraps(r, begin) != wraps(r, next))
		return r->data;
	return r->data + (begin & (r->size - 1));
}

bool mk_ring_valid(const struct mk_ring *r, uint64_t id)
{
	uint64_t sv = mk_get(mk_ring_desc(r, id) + r->l->desc_sv, 8);
	uint64_t state = sv >> 62;

	return (sv & MK_ID_MASK) == id &&
	       (state == MK_DESC_COMMITTED || state == MK_DESC_FINALIZED);
}

void mk_ring_init_at(struct mk_ring *r, const struct mk_layout *l, unsigned int count_bits,
		     unsigned int size_bits, uint64_t first_id, uint64_t first_lpos)
{
	memset(r, 0, sizeof(*r));
	r->l = l;
	r->count_bits = count_bits;
	r->size_bits = size_bits;
	r->count = 1ULL << count_bits;
	r->size = 1ULL << size_bits;
	r->descs = xcalloc(r->count, l->desc_size);
	r->infos = xcalloc(r->count, l->info_size);
	r->data = xcalloc(r->size, 1);
	/* The descriptor before the first: reusable and data-less, as at boot. */
	r->head_id = id_add(first_id, MK_ID_MASK);
	r->tail_id = r->head_id;
	mk_ring_set_sv(r, r->head_id, MK_DESC_REUSABLE, r->head_id);
	mk_ring_set_lpos(r, r->head_id, MK_LPOS_FAILED, MK_LPOS_FAILED);
	r->head_lpos = first_lpos;
}

void mk_ring_init(struct mk_ring *r, const struct mk_layout *l, unsigned int count_bits,
		  unsigned int size_bits)
{
	/* DESC0_ID + 1 and BLK0_LPOS: both overflow early, as in the kernel. */
	mk_ring_init_at(r, l, count_bits, size_bits, (0 - (1ULL << count_bits)) & MK_ID_MASK,
			0 - (1ULL << size_bits));
}

void mk_ring_free(struct mk_ring *r)
{
	free(r->descs);
	free(r->infos);
	free(r->data);
	memset(r, 0, sizeof(*r));
}

/* Make reusable every record whose block begins before @limit (wrap-safe). */
static void invalidate_data(struct mk_ring *r, uint64_t limit)
{
	uint64_t id = r->tail_id, begin, next;

	for (;; id = id_add(id, 1)) {
		mk_ring_lpos(r, id, &begin, &next);
		if (mk_ring_valid(r, id) && !(begin & 1) && (int64_t)(limit - begin) > 0)
			mk_ring_set_sv(r, id, MK_DESC_REUSABLE, id);
		if (id == r->head_id)
			break;
	}
}

/* Reserve a block for @len bytes of text; returns its lpos pair and place. */
static unsigned char *alloc_block(struct mk_ring *r, uint64_t id, size_t len,
				  uint64_t *begin, uint64_t *next)
{
	uint64_t size = (8 + len + 7) & ~7ULL;
	unsigned char *blk;

	if (size > r->size - 8) {
		fprintf(stderr, "mkcore: a %zu byte text does not fit a %llu byte ring\n", len,
			(unsigned long long)r->size);
		abort();
	}
	*begin = r->head_lpos;
	*next = *begin + size;
	if (wraps(r, *begin) != wraps(r, *next)) {
		/* 6.12's get_next_lpos(): the block goes to 0, the tail is wasted. */
		*next = (*next & ~(r->size - 1)) + size;
		blk = r->data;
		r->wrapping_blocks++;
	} else {
		blk = r->data + (*begin & (r->size - 1));
	}
	invalidate_data(r, *next - r->size);
	r->head_lpos = *next;
	memset(blk, 0xa5, size);	/* stale bytes in the alignment padding */
	mk_put(blk, id, 8);
	return blk + 8;
}

static void fill_info(struct mk_ring *r, uint64_t id, const struct mk_rec *rec, size_t len)
{
	const struct mk_layout *l = r->l;
	unsigned char *info = mk_ring_info(r, id);

	memset(info, 0, l->info_size);
	mk_put(info + l->info_seq, r->next_seq++, 8);
	mk_put(info + l->info_ts, rec->ts_nsec, 8);
	mk_put(info + l->info_len, len, 2);
	info[l->info_facility] = (unsigned char)rec->facility;
	info[l->info_level] = (unsigned char)(MK_INFO_FLAGS | (rec->level & 7) << 5);
	if (l->info_caller >= 0)
		mk_put(info + l->info_caller, rec->caller, 4);
}

uint64_t mk_ring_add(struct mk_ring *r, const struct mk_rec *rec)
{
	uint64_t id = id_add(r->head_id, 1), begin, next;
	size_t len = rec->text ? (rec->len ? rec->len : strlen(rec->text)) : 0;

	/* The descriptor array is full: recycle the tail, as desc_push_tail(). */
	if (((id - r->tail_id) & MK_ID_MASK) >= r->count) {
		mk_ring_set_sv(r, r->tail_id, MK_DESC_REUSABLE, r->tail_id);
		r->tail_id = id_add(r->tail_id, 1);
	}
	if (rec->text) {
		memcpy(alloc_block(r, id, len, &begin, &next), rec->text, len);
	} else {
		begin = rec->failed ? MK_LPOS_FAILED : MK_LPOS_EMPTY;
		next = begin;
	}
	r->head_id = id;
	mk_ring_set_sv(r, id, MK_DESC_FINALIZED, id);
	mk_ring_set_lpos(r, id, begin, next);
	fill_info(r, id, rec, len);
	return id;
}

/* ---- the ELF file ---- */

static void add_zero(struct strbuf *sb, size_t n)
{
	static const char zero[64];

	while (n) {
		size_t k = n < sizeof(zero) ? n : sizeof(zero);

		sb_add(sb, zero, k);
		n -= k;
	}
}

void mk_elf(struct strbuf *out, const char *info, const struct mk_seg *segs, size_t nsegs)
{
	size_t nph = nsegs + !!info, info_len = info ? strlen(info) : 0;
	size_t note_len = sizeof(Elf64_Nhdr) + 12 + ((info_len + 3) & ~(size_t)3);
	uint64_t off = sizeof(Elf64_Ehdr) + nph * sizeof(Elf64_Phdr);
	Elf64_Ehdr eh = { 0 };
	size_t i;

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (Elf64_Half)nph;
	sb_add(out, &eh, sizeof(eh));

	if (info) {
		Elf64_Phdr ph = { .p_type = PT_NOTE, .p_offset = off, .p_filesz = note_len };

		sb_add(out, &ph, sizeof(ph));
		off += note_len;
	}
	for (i = 0; i < nsegs; i++) {
		Elf64_Phdr ph = {
			.p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X, .p_offset = off,
			.p_vaddr = segs[i].vaddr, .p_paddr = segs[i].paddr,
			.p_filesz = segs[i].len, .p_memsz = segs[i].len,
		};

		sb_add(out, &ph, sizeof(ph));
		off += (segs[i].len + 7) & ~(size_t)7;
	}
	if (info) {
		Elf64_Nhdr nh = { .n_namesz = 11, .n_descsz = (Elf64_Word)info_len, .n_type = 0 };

		sb_add(out, &nh, sizeof(nh));
		sb_add(out, "VMCOREINFO\0\0", 12);
		sb_add(out, info, info_len);
		add_zero(out, ((info_len + 3) & ~(size_t)3) - info_len);
	}
	for (i = 0; i < nsegs; i++) {
		sb_add(out, segs[i].data, segs[i].len);
		add_zero(out, ((segs[i].len + 7) & ~(size_t)7) - segs[i].len);
	}
}

/* ---- a whole core ---- */

/* Offsets in the synthetic kernel image. */
#define IMG_PML4	0x0000
#define IMG_PDPT	0x1000
#define IMG_PD		0x2000
#define IMG_PT		0x3000
#define IMG_PRB		0x4000		/* the "prb" pointer variable */
#define IMG_RB		0x4040		/* the printk_ringbuffer it points to */
#define IMG_ARRAYS	0x5000

#define PTE_FLAGS	0x63ULL		/* present, writable, accessed, dirty */
#define PTE_LARGE	0x80ULL
#define PTE_PAT_LARGE	0x1000ULL	/* PAT bit of a 2M/1G entry, not an address bit */
#define PTE_NX		(1ULL << 63)

struct arrays {
	uint64_t descs, infos, data, len;	/* offsets from the arrays' start */
};

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static void plan_arrays(const struct mk_ring *r, struct arrays *a)
{
	a->descs = 0;
	a->infos = align_up(r->count * r->l->desc_size, 64);
	a->data = align_up(a->infos + r->count * r->l->info_size, 4096);
	a->len = a->data + r->size;
}

static void copy_arrays(unsigned char *dst, const struct mk_ring *r, const struct arrays *a)
{
	memcpy(dst + a->descs, r->descs, r->count * r->l->desc_size);
	memcpy(dst + a->infos, r->infos, r->count * r->l->info_size);
	memcpy(dst + a->data, r->data, r->size);
}

/* The physical address of the direct-map arrays for each placement. */
static uint64_t direct_phys(enum mk_place place)
{
	switch (place) {
	case MK_DIRECT_2M:
		return 0x2a400000ULL + 0x5000;	/* not at the start of its large page */
	case MK_DIRECT_1G:
		return 0x40000000ULL + 0x1234000;
	default:
		return 0x2a400000ULL;
	}
}

static void set_entry(unsigned char *table, uint64_t vaddr, unsigned int shift, uint64_t val)
{
	mk_put(table + ((vaddr >> shift) & 511) * 8, val, 8);
}

/* Map the arrays' pages at MK_DIRECT_MAP + phys in 4-level tables. */
static void map_direct(unsigned char *img, uint64_t img_phys, const struct mk_opts *o,
		       uint64_t phys, const struct arrays *a)
{
	uint64_t vaddr = MK_DIRECT_MAP + phys, sme = o->sme_mask, v, p;
	uint64_t data_first = (phys + a->data) >> 12;

	if (o->place == MK_DIRECT_VADDR)
		return;		/* no tables: only the program header can find it */
	set_entry(img + IMG_PML4, vaddr, 39, (img_phys + IMG_PDPT) | PTE_FLAGS | sme);
	if (o->place == MK_DIRECT_1G) {
		set_entry(img + IMG_PDPT, vaddr, 30, (phys & ~((1ULL << 30) - 1)) | PTE_FLAGS |
			  PTE_LARGE | PTE_PAT_LARGE | PTE_NX | sme);
		return;
	}
	set_entry(img + IMG_PDPT, vaddr, 30, (img_phys + IMG_PD) | PTE_FLAGS | sme);
	if (o->place == MK_DIRECT_2M) {
		for (p = phys & ~0x1fffffULL; p < phys + a->len; p += 0x200000)
			set_entry(img + IMG_PD, MK_DIRECT_MAP + p, 21,
				  p | PTE_FLAGS | PTE_LARGE | PTE_PAT_LARGE | PTE_NX | sme);
		return;
	}
	if (((phys + a->len - 1) >> 21) != (phys >> 21)) {
		fprintf(stderr, "mkcore: 4K mappings of more than one page table\n");
		abort();
	}
	set_entry(img + IMG_PD, vaddr, 21, (img_phys + IMG_PT) | PTE_FLAGS | sme);
	for (p = phys & ~0xfffULL; p < phys + a->len; p += 4096) {
		if (o->unmapped_page && (p >> 12) == data_first + o->unmapped_page - 1)
			continue;
		v = MK_DIRECT_MAP + p;
		set_entry(img + IMG_PT, v, 12, p | PTE_FLAGS | PTE_NX | sme);
	}
}

static void write_ring_header(unsigned char *rb, const struct mk_ring *r, uint64_t arrays,
			      const struct arrays *a)
{
	const struct mk_layout *l = r->l;
	unsigned char *dr = rb + l->rb_desc_ring, *tr = rb + l->rb_text_ring;

	mk_put(dr + l->dr_count_bits, r->count_bits, 4);
	mk_put(dr + l->dr_descs, arrays + a->descs, 8);
	mk_put(dr + l->dr_infos, arrays + a->infos, 8);
	mk_put(dr + l->dr_head_id, r->head_id, 8);
	mk_put(dr + l->dr_tail_id, r->tail_id, 8);
	mk_put(tr + l->tr_size_bits, r->size_bits, 4);
	mk_put(tr + l->tr_data, arrays + a->data, 8);
}

static bool omitted(const struct mk_opts *o, const char *line)
{
	const char *const *k;
	size_t n = strcspn(line, "=");

	for (k = o->omit; k && *k; k++)
		if (strlen(*k) == n && !strncmp(*k, line, n))
			return true;
	return false;
}

static void info_line(struct strbuf *sb, const struct mk_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void info_line(struct strbuf *sb, const struct mk_opts *o, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!omitted(o, line))
		sb_addf(sb, "%s\n", line);
}

static void write_info(struct strbuf *sb, const struct mk_ring *r, const struct mk_opts *o)
{
	const struct mk_layout *l = r->l;

	info_line(sb, o, "OSRELEASE=%s", o->osrelease ? o->osrelease : "6.12.0-mkcore");
	info_line(sb, o, "BUILD-ID=%s", "0123456789abcdef0123456789abcdef01234567");
	info_line(sb, o, "PAGESIZE=4096");
	info_line(sb, o, "SYMBOL(init_top_pgt)=%llx", MK_KIMG_VADDR + IMG_PML4);
	info_line(sb, o, "NUMBER(phys_base)=%llu", (unsigned long long)o->phys_base);
	if (o->sme_mask)
		info_line(sb, o, "NUMBER(sme_mask)=%llu", (unsigned long long)o->sme_mask);
	info_line(sb, o, "SYMBOL(prb)=%llx", MK_KIMG_VADDR + IMG_PRB);
	info_line(sb, o, "SIZE(printk_ringbuffer)=%u", l->rb_size);
	info_line(sb, o, "OFFSET(printk_ringbuffer.desc_ring)=%u", l->rb_desc_ring);
	info_line(sb, o, "OFFSET(printk_ringbuffer.text_data_ring)=%u", l->rb_text_ring);
	info_line(sb, o, "OFFSET(prb_desc_ring.count_bits)=%u", l->dr_count_bits);
	info_line(sb, o, "OFFSET(prb_desc_ring.descs)=%u", l->dr_descs);
	info_line(sb, o, "OFFSET(prb_desc_ring.infos)=%u", l->dr_infos);
	info_line(sb, o, "OFFSET(prb_desc_ring.head_id)=%u", l->dr_head_id);
	info_line(sb, o, "OFFSET(prb_desc_ring.tail_id)=%u", l->dr_tail_id);
	info_line(sb, o, "SIZE(prb_desc)=%u", l->desc_size);
	info_line(sb, o, "OFFSET(prb_desc.state_var)=%u", l->desc_sv);
	info_line(sb, o, "OFFSET(prb_desc.text_blk_lpos)=%u", l->desc_lpos);
	info_line(sb, o, "SIZE(prb_data_blk_lpos)=16");
	info_line(sb, o, "OFFSET(prb_data_blk_lpos.begin)=%u", l->lpos_begin);
	info_line(sb, o, "OFFSET(prb_data_blk_lpos.next)=%u", l->lpos_next);
	info_line(sb, o, "SIZE(printk_info)=%u", l->info_size);
	info_line(sb, o, "OFFSET(printk_info.seq)=%u", l->info_seq);
	info_line(sb, o, "OFFSET(printk_info.ts_nsec)=%u", l->info_ts);
	info_line(sb, o, "OFFSET(printk_info.text_len)=%u", l->info_len);
	if (l->info_caller >= 0)
		info_line(sb, o, "OFFSET(printk_info.caller_id)=%d", l->info_caller);
	info_line(sb, o, "OFFSET(prb_data_ring.size_bits)=%u", l->tr_size_bits);
	info_line(sb, o, "OFFSET(prb_data_ring.data)=%u", l->tr_data);
	info_line(sb, o, "SIZE(atomic_long_t)=8");
	info_line(sb, o, "OFFSET(atomic_long_t.counter)=0");
	info_line(sb, o, "CRASHTIME=1700000000");
	info_line(sb, o, "KERNELOFFSET=0");
	if (o->extra_info)
		sb_add(sb, o->extra_info, strlen(o->extra_info));
}

void mk_core_ring(struct strbuf *out, const struct mk_ring *r, const struct mk_opts *o)
{
	uint64_t img_phys = MK_KIMG_PHYS + o->phys_base, phys = direct_phys(o->place);
	bool direct = o->place != MK_IN_IMAGE;
	struct mk_seg segs[2];
	struct strbuf info;
	struct arrays a;
	unsigned char *img, *arr;
	uint64_t img_len, arrays;

	plan_arrays(r, &a);
	img_len = IMG_ARRAYS + (direct ? 0 : a.len);
	img = xcalloc(img_len, 1);
	arrays = direct ? MK_DIRECT_MAP + phys : MK_KIMG_VADDR + IMG_ARRAYS;
	mk_put(img + IMG_PRB, MK_KIMG_VADDR + IMG_RB, 8);
	write_ring_header(img + IMG_RB, r, arrays, &a);
	segs[0] = (struct mk_seg){ MK_KIMG_VADDR, img_phys, img, img_len };
	arr = direct ? xcalloc(a.len, 1) : img + IMG_ARRAYS;
	copy_arrays(arr, r, &a);
	if (direct) {
		map_direct(img, img_phys, o, phys, &a);
		segs[1] = (struct mk_seg){
			o->place == MK_DIRECT_VADDR ? MK_DIRECT_MAP + phys : 0, phys, arr, a.len
		};
	}
	sb_init(&info);
	write_info(&info, r, o);
	mk_elf(out, info.data, segs, direct ? 2 : 1);
	sb_free(&info);
	if (direct)
		free(arr);
	free(img);
}

int mk_memfd(const void *data, size_t len)
{
	int fd = memfd_create("mkcore", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (len && write_full(fd, 0, data, len)) {
		close(fd);
		return -1;
	}
	return fd;
}
