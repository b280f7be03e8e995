// SPDX-License-Identifier: GPL-2.0
/*
 * ELF core reader for saveoops.
 *
 * The capture side trusts nothing in the core: headers are bounds-checked
 * as they are read, a read past the end of the file is an error, and an
 * address that no PT_LOAD covers is an error, not a guess. Kernel virtual
 * addresses are translated through the program headers first (the kernel
 * writes p_vaddr for its text and its direct map), then by the kernel-map
 * rule, then by walking the crashed kernel's own page tables, all from what
 * VMCOREINFO says.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "vmcore.h"

/*
 * e_phnum is 16 bits; a core with more program headers says PN_XNUM and
 * keeps the count in section header 0's sh_info. Each costs 32 bytes here.
 */
#define MAX_LOADS	(1U << 20)
#define MAX_INFO	(1U << 20)	/* VMCOREINFO is a page in the kernel */
#define PAGE_4K		4096ULL

static uint64_t note_pad(uint64_t len)
{
	return (len + 3) & ~(uint64_t)3;
}

/*
 * Find the VMCOREINFO note in the PT_NOTE segment of @len bytes at @off of
 * the file, reading one note header at a time: a segment holds a note per
 * CPU and may be large; only the VMCOREINFO note's text is kept. 1 if found.
 */
static int scan_notes(struct vmcore *vc, uint64_t off, uint64_t len)
{
	uint64_t pos = 0, name_off, desc_off, end;
	char name[sizeof("VMCOREINFO")];
	Elf64_Nhdr nh;

	while (len - pos >= sizeof(nh)) {
		if (read_full(vc->fd, off + pos, &nh, sizeof(nh)))
			return 0;
		name_off = pos + sizeof(nh);
		desc_off = name_off + note_pad(nh.n_namesz);
		end = desc_off + note_pad(nh.n_descsz);
		if (desc_off > len || end > len)
			return 0;
		if (nh.n_namesz == sizeof(name) &&
		    !read_full(vc->fd, off + name_off, name, sizeof(name)) &&
		    !memcmp(name, "VMCOREINFO", sizeof(name))) {
			if (nh.n_descsz > MAX_INFO)
				return 0;
			vc->info = malloc(nh.n_descsz + 1);
			if (!vc->info)
				return 0;
			if (read_full(vc->fd, off + desc_off, vc->info, nh.n_descsz)) {
				free(vc->info);
				vc->info = NULL;
				return 0;
			}
			vc->info[nh.n_descsz] = '\0';
			vc->info_len = strlen(vc->info);
			return 1;
		}
		pos = end;
	}
	return 0;
}

/* The number of program headers, from section header 0 for PN_XNUM. */
static uint64_t phdr_count(int fd, const Elf64_Ehdr *eh)
{
	Elf64_Shdr sh;

	if (eh->e_phnum != PN_XNUM)
		return eh->e_phnum;
	if (!eh->e_shoff || eh->e_shentsize != sizeof(sh) ||
	    read_full(fd, eh->e_shoff, &sh, sizeof(sh)))
		return 0;
	return sh.sh_info;
}

static int read_headers(struct vmcore *vc, char *err, size_t errlen)
{
	uint64_t i, phnum;
	Elf64_Ehdr eh;

	if (read_full(vc->fd, 0, &eh, sizeof(eh)))
		return set_err(err, errlen, "too short for an ELF header");
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return set_err(err, errlen, "not a 64-bit little-endian ELF file");
	if (eh.e_type != ET_CORE || eh.e_machine != EM_X86_64)
		return set_err(err, errlen, "not an x86_64 ELF core (type %u, machine %u)",
			    eh.e_type, eh.e_machine);
	phnum = phdr_count(vc->fd, &eh);
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || phnum == 0 || phnum > MAX_LOADS)
		return set_err(err, errlen, "bad program header table (%" PRIu64 " entries of "
			       "%u bytes)", phnum, eh.e_phentsize);

	vc->loads = calloc(phnum, sizeof(*vc->loads));
	if (!vc->loads)
		return set_err(err, errlen, "out of memory");
	for (i = 0; i < phnum; i++) {
		Elf64_Phdr ph;

		if (read_full(vc->fd, eh.e_phoff + i * sizeof(ph), &ph, sizeof(ph)))
			return set_err(err, errlen, "program header %" PRIu64 " is past the end",
				       i);
		if (ph.p_type == PT_LOAD && ph.p_filesz) {
			struct vmcore_load *l = &vc->loads[vc->nr_loads++];

			l->vaddr = ph.p_vaddr;
			l->paddr = ph.p_paddr;
			l->offset = ph.p_offset;
			l->filesz = ph.p_filesz;
			continue;
		}
		if (ph.p_type != PT_NOTE || vc->info || !ph.p_filesz ||
		    ph.p_offset + ph.p_filesz < ph.p_offset)
			continue;
		scan_notes(vc, ph.p_offset, ph.p_filesz);
	}
	if (!vc->info)
		return set_err(err, errlen, "no VMCOREINFO note");
	if (!vc->nr_loads)
		return set_err(err, errlen, "no memory (PT_LOAD) in the core");
	return 0;
}

static void setup_translation(struct vmcore *vc)
{
	uint64_t pgd, l5 = 0;

	vmcoreinfo_num(vc, "NUMBER(phys_base)", &vc->phys_base);
	vmcoreinfo_num(vc, "NUMBER(sme_mask)", &vc->sme_mask);
	if (!vmcoreinfo_num(vc, "NUMBER(KERNEL_IMAGE_SIZE)", &vc->image_size))
		vc->image_size = 1ULL << 30;
	vmcoreinfo_num(vc, "NUMBER(pgtable_l5_enabled)", &l5);
	vc->l5 = l5 != 0;
	if (vmcoreinfo_num(vc, "SYMBOL(init_top_pgt)", &pgd) && pgd >= VMCORE_KERNEL_MAP) {
		vc->pgd_paddr = pgd - VMCORE_KERNEL_MAP + vc->phys_base;
		vc->has_pgd = true;
	}
}

/**
 * vmcore_open_fd() - read the headers and VMCOREINFO of an ELF core
 * @vc: the reader to set up; vmcore_close() releases it, even on failure
 * @fd: an open, readable file; the reader owns it from now on
 * @err: where to put a one-line reason on failure
 * @errlen: size of @err
 *
 * Return: 0, or -1 with @err set.
 */
int vmcore_open_fd(struct vmcore *vc, int fd, char *err, size_t errlen)
{
	memset(vc, 0, sizeof(*vc));
	vc->fd = fd;
	if (read_headers(vc, err, errlen))
		return -1;
	setup_translation(vc);
	return 0;
}

int vmcore_open(struct vmcore *vc, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		memset(vc, 0, sizeof(*vc));
		vc->fd = -1;
		return set_err(err, errlen, "%s: %s", path, strerror(errno));
	}
	return vmcore_open_fd(vc, fd, err, errlen);
}

void vmcore_close(struct vmcore *vc)
{
	if (vc->fd >= 0)
		close(vc->fd);
	free(vc->loads);
	free(vc->info);
	memset(vc, 0, sizeof(*vc));
	vc->fd = -1;
}

/* The value of "KEY=" at the start of a VMCOREINFO line, or NULL. */
static const char *info_value(const struct vmcore *vc, const char *key, size_t *len)
{
	size_t klen = strlen(key);
	const char *line = vc->info;

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t llen = eol ? (size_t)(eol - line) : strlen(line);

		if (llen > klen && !strncmp(line, key, klen) && line[klen] == '=') {
			*len = llen - klen - 1;
			return line + klen + 1;
		}
		line = eol ? eol + 1 : NULL;
	}
	return NULL;
}

/**
 * vmcoreinfo_str() - copy a VMCOREINFO value as text
 * @vc: an open reader
 * @key: the full key, e.g. "OSRELEASE"
 * @buf: where to put the NUL-terminated value, cut to fit
 * @size: size of @buf, at least 1
 *
 * Return: true if the key exists.
 */
bool vmcoreinfo_str(const struct vmcore *vc, const char *key, char *buf, size_t size)
{
	size_t len;
	const char *val = info_value(vc, key, &len);

	if (!val)
		return false;
	if (len >= size)
		len = size - 1;
	memcpy(buf, val, len);
	buf[len] = '\0';
	return true;
}

/**
 * vmcoreinfo_num() - a VMCOREINFO value as a number
 * @vc: an open reader
 * @key: the full key, e.g. "SYMBOL(prb)" or "OFFSET(prb_desc.state_var)"
 * @val: the value; SYMBOL() and KERNELOFFSET are hex, the rest decimal,
 *	 NUMBER() possibly negative
 *
 * Return: true if the key exists and its whole value parsed.
 */
bool vmcoreinfo_num(const struct vmcore *vc, const char *key, uint64_t *val)
{
	char buf[32], *end;
	bool hex = !strncmp(key, "SYMBOL(", 7) || !strcmp(key, "KERNELOFFSET");

	if (!vmcoreinfo_str(vc, key, buf, sizeof(buf)) || !buf[0] ||
	    strlen(buf) == sizeof(buf) - 1)
		return false;
	if (buf[0] == '-' && strncmp(key, "NUMBER(", 7))
		return false;
	errno = 0;
	if (hex)
		*val = strtoull(buf, &end, 16);
	else if (buf[0] == '-')
		*val = (uint64_t)strtoll(buf, &end, 10);
	else
		*val = strtoull(buf, &end, 10);
	return !errno && *end == '\0';
}

static const struct vmcore_load *find_load(const struct vmcore *vc, uint64_t addr,
					   bool virt)
{
	size_t i;

	for (i = 0; i < vc->nr_loads; i++) {
		const struct vmcore_load *l = &vc->loads[i];
		uint64_t start = virt ? l->vaddr : l->paddr;

		if (virt && !start)
			continue;
		if (addr >= start && addr - start < l->filesz)
			return l;
	}
	return NULL;
}

/* Read from one PT_LOAD at most up to its end; returns the bytes read or 0. */
static size_t read_load(const struct vmcore *vc, uint64_t addr, bool virt,
			void *buf, size_t len)
{
	const struct vmcore_load *l = find_load(vc, addr, virt);
	uint64_t rel, left;

	if (!l)
		return 0;
	rel = addr - (virt ? l->vaddr : l->paddr);
	left = l->filesz - rel;
	if (len > left)
		len = (size_t)left;
	if (read_full(vc->fd, l->offset + rel, buf, len))
		return 0;
	return len;
}

int vmcore_read_phys(const struct vmcore *vc, uint64_t paddr, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		size_t n = read_load(vc, paddr, false, p, len);

		if (!n)
			return -1;
		p += n;
		paddr += n;
		len -= n;
	}
	return 0;
}

#define PTE_PRESENT	(1ULL << 0)
#define PTE_LARGE	(1ULL << 7)
#define PTE_ADDR_MASK	0x000ffffffffff000ULL

/* Walk the crashed kernel's page tables (4 or 5 levels) for one address. */
static int walk_page_tables(const struct vmcore *vc, uint64_t vaddr, uint64_t *paddr)
{
	int level = vc->l5 ? 5 : 4;
	uint64_t table = vc->pgd_paddr, entry;

	if (!vc->has_pgd)
		return -1;
	for (; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		uint64_t index = (vaddr >> shift) & 511;

		if (vmcore_read_phys(vc, table + index * 8, &entry, sizeof(entry)))
			return -1;
		if (!(entry & PTE_PRESENT))
			return -1;
		entry &= ~vc->sme_mask;
		if (level == 1 || ((level == 2 || level == 3) && (entry & PTE_LARGE))) {
			uint64_t page_mask = (1ULL << shift) - 1;

			*paddr = ((entry & PTE_ADDR_MASK) & ~page_mask) | (vaddr & page_mask);
			return 0;
		}
		table = entry & PTE_ADDR_MASK;
	}
	return -1;
}

static int virt_to_phys(const struct vmcore *vc, uint64_t vaddr, uint64_t *paddr)
{
	/* Modules and the fixmap are above the image: only the walk knows them. */
	if (vaddr >= VMCORE_KERNEL_MAP && vaddr - VMCORE_KERNEL_MAP < vc->image_size) {
		*paddr = vaddr - VMCORE_KERNEL_MAP + vc->phys_base;
		if (find_load(vc, *paddr, false))
			return 0;
	}
	return walk_page_tables(vc, vaddr, paddr);
}

/**
 * vmcore_read_virt() - read the crashed kernel's memory at a virtual address
 * @vc: an open reader
 * @vaddr: a kernel virtual address
 * @buf: where to copy to
 * @len: how many bytes
 *
 * Return: 0, or -1 if any byte of the range is not in the core.
 */
int vmcore_read_virt(const struct vmcore *vc, uint64_t vaddr, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		size_t chunk = PAGE_4K - (vaddr & (PAGE_4K - 1));
		uint64_t paddr;
		size_t n;

		if (chunk > len)
			chunk = len;
		n = read_load(vc, vaddr, true, p, chunk);
		if (!n) {
			if (virt_to_phys(vc, vaddr, &paddr) ||
			    vmcore_read_phys(vc, paddr, p, chunk))
				return -1;
			n = chunk;
		}
		p += n;
		vaddr += n;
		len -= n;
	}
	return 0;
}
