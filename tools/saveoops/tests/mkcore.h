/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-only builder of synthetic x86_64 ELF cores holding a printk ring.
 *
 * The ring is written by a small model of the 6.12 writer (descriptor ids
 * and states, logical positions, wrapping blocks) into structures whose
 * layout is chosen by the test and published only through VMCOREINFO, so
 * a decoder that assumed the kernel's own layout would fail.
 */
#ifndef SAVEOOPS_TESTS_MKCORE_H
#define SAVEOOPS_TESTS_MKCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define MK_KIMG_VADDR		0xffffffff81000000ULL	/* the synthetic kernel image */
#define MK_KIMG_PHYS		0x1000000ULL		/* its address before phys_base */
#define MK_DIRECT_MAP		0xffff888000000000ULL	/* x86_64 page_offset_base */

#define MK_ID_MASK		(~(3ULL << 62))
#define MK_DESC_RESERVED	0ULL
#define MK_DESC_COMMITTED	1ULL
#define MK_DESC_FINALIZED	2ULL
#define MK_DESC_REUSABLE	3ULL
#define MK_LPOS_FAILED		0x1ULL
#define MK_LPOS_EMPTY		0x3ULL

/* Offsets and sizes of the ring's structures, as VMCOREINFO publishes them. */
struct mk_layout {
	const char *name;
	/* struct printk_ringbuffer */
	unsigned int rb_size, rb_desc_ring, rb_text_ring;
	/* struct prb_desc_ring */
	unsigned int dr_count_bits, dr_descs, dr_infos, dr_head_id, dr_tail_id;
	/* struct prb_data_ring */
	unsigned int tr_size_bits, tr_data;
	/* struct prb_desc, struct prb_data_blk_lpos */
	unsigned int desc_size, desc_sv, desc_lpos, lpos_begin, lpos_next;
	/* struct printk_info; info_caller < 0: this kernel has no caller_id */
	unsigned int info_size, info_seq, info_ts, info_len;
	int info_caller;
	/* Not in VMCOREINFO: where the writer puts facility and flags:5/level:3. */
	unsigned int info_facility, info_level;
};

/* caller_id four bytes after text_len: levels derivable; nothing else as 6.12. */
extern const struct mk_layout mk_layout_padded;
/* caller_id twelve bytes after text_len: levels cannot be located. */
extern const struct mk_layout mk_layout_scattered;
/* No caller_id at all (kernels without CONFIG_PRINTK_CALLER's field). */
extern const struct mk_layout mk_layout_nocaller;
/* The real 6.12 x86_64 layout, for seeds that look like real cores. */
extern const struct mk_layout mk_layout_6_12;

/* The ring being written, with its arrays in host memory. */
struct mk_ring {
	const struct mk_layout *l;
	unsigned int count_bits, size_bits;
	uint64_t count, size;
	unsigned char *descs, *infos, *data;
	uint64_t head_id, tail_id;	/* ids, as prb_desc_ring keeps them */
	uint64_t head_lpos;		/* where the next data block begins */
	uint64_t next_seq;
	unsigned int wrapping_blocks;	/* blocks placed at 0 so far */
};

struct mk_rec {
	uint64_t ts_nsec;
	const char *text;		/* NULL: a data-less record */
	size_t len;			/* of text; 0: strlen(text) */
	bool failed;			/* data-less: FAILED_LPOS, else EMPTY_LINE_LPOS */
	unsigned int level, facility;
	uint32_t caller;
};

/* As the kernel boots: the last descriptor is the reusable head and tail. */
void mk_ring_init(struct mk_ring *r, const struct mk_layout *l, unsigned int count_bits,
		  unsigned int size_bits);
/* The same, but the first record gets @first_id and its block @first_lpos. */
void mk_ring_init_at(struct mk_ring *r, const struct mk_layout *l, unsigned int count_bits,
		     unsigned int size_bits, uint64_t first_id, uint64_t first_lpos);
void mk_ring_free(struct mk_ring *r);
/* Append a finalized record, recycling the oldest ones as the kernel does. */
uint64_t mk_ring_add(struct mk_ring *r, const struct mk_rec *rec);

unsigned char *mk_ring_desc(const struct mk_ring *r, uint64_t id);
unsigned char *mk_ring_info(const struct mk_ring *r, uint64_t id);
void mk_ring_set_sv(const struct mk_ring *r, uint64_t id, uint64_t state, uint64_t sv_id);
void mk_ring_set_lpos(const struct mk_ring *r, uint64_t id, uint64_t begin, uint64_t next);
void mk_ring_lpos(const struct mk_ring *r, uint64_t id, uint64_t *begin, uint64_t *next);
/* The data ring bytes of a data-ful record's block (its id word first). */
unsigned char *mk_ring_block(const struct mk_ring *r, uint64_t id);
bool mk_ring_valid(const struct mk_ring *r, uint64_t id);

void mk_put(unsigned char *p, uint64_t v, unsigned int size);
uint64_t mk_get(const unsigned char *p, unsigned int size);

/* Where the descriptor, info and data arrays live in the crashed kernel. */
enum mk_place {
	MK_IN_IMAGE,		/* static arrays in the kernel image */
	MK_DIRECT_VADDR,	/* direct map, found by its PT_LOAD's p_vaddr only */
	MK_DIRECT_4K,		/* direct map, p_vaddr 0: the page walk ends in a PTE */
	MK_DIRECT_2M,		/* ... in a 2 MiB PMD mapping */
	MK_DIRECT_1G,		/* ... in a 1 GiB PUD mapping */
};

struct mk_opts {
	enum mk_place place;
	uint64_t phys_base;
	uint64_t sme_mask;		/* set in every page table entry */
	unsigned int unmapped_page;	/* MK_DIRECT_4K: 1 + data page left out */
	const char *const *omit;	/* VMCOREINFO keys left out, NULL-ended */
	const char *extra_info;		/* appended VMCOREINFO lines */
	const char *osrelease;		/* default "6.12.0-mkcore" */
};

/* One PT_LOAD: vaddr 0 means none, as the kernel writes for unmapped RAM. */
struct mk_seg {
	uint64_t vaddr, paddr;
	const void *data;
	size_t len;
};

/* An ELF core with one VMCOREINFO note (if @info) and these PT_LOADs. */
void mk_elf(struct strbuf *out, const char *info, const struct mk_seg *segs, size_t nsegs);
/* A whole core: the ring, its VMCOREINFO and, if asked, page tables. */
void mk_core_ring(struct strbuf *out, const struct mk_ring *r, const struct mk_opts *o);

/* An anonymous file holding @len bytes of @data, at offset 0; -1 on error. */
int mk_memfd(const void *data, size_t len);

/* The entry point each libFuzzer harness defines (tests/fuzz-*.c). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* SAVEOOPS_TESTS_MKCORE_H */
