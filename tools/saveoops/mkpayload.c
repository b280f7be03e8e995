// SPDX-License-Identifier: GPL-2.0
/*
 * saveoops-mkpayload: build the early crash payload the kernel arms kdump
 * from (Documentation/admin-guide/kdump/early.rst), and put it ahead of an
 * initrd, as the early microcode loader's cpio is.
 *
 * The payload is an uncompressed newc cpio holding
 *	kernel/kdump/vmlinuz	the capture kernel
 *	kernel/kdump/initrd	its initramfs: saveoops-capture as /init, and the
 *				kernel modules that reach the store (modules.c)
 *	kernel/kdump/cmdline	its command line, if one is given
 * It is written without root and byte for byte the same for the same input.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "modules.h"
#include "store.h"
#include "util.h"

#define PAYLOAD_DIR	"kernel/kdump"
#define CPIO_ALIGN	512	/* what follows starts on a block, as the kernel likes */
#ifndef SAVEOOPS_PKGLIBDIR
#define SAVEOOPS_PKGLIBDIR	"/usr/lib/saveoops"	/* make install's PKGLIBDIR */
#endif

struct buf {
	char *data;
	size_t len;
};

static int load_file(const char *path, struct buf *b)
{
	struct strbuf sb;
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	sb_init(&sb);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		sb_add(&sb, chunk, (size_t)n);
	close(fd);
	if (n < 0 || sb.oom) {
		sb_free(&sb);
		errno = n < 0 ? errno : ENOMEM;
		return -1;
	}
	b->data = sb.data;
	b->len = sb.len;
	return 0;
}

static void pad(struct strbuf *out, size_t align)
{
	static const char zeros[CPIO_ALIGN];

	if (out->len % align)
		sb_add(out, zeros, align - out->len % align);
}

/* One newc entry; ino only needs to differ between entries. */
static void cpio_entry(struct strbuf *out, const char *name, unsigned int mode,
		       unsigned int rdev, const void *data, size_t len)
{
	if (len > UINT32_MAX) {	/* newc sizes are 8 hex digits */
		out->oom = true;
		return;
	}
	static unsigned int ino = 1;
	size_t namesize = strlen(name) + 1;

	sb_addf(out, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		ino++, mode, 0U, 0U, (mode & S_IFMT) == S_IFDIR ? 2U : 1U, 0U, len,
		0U, 0U, major(rdev), minor(rdev), namesize, 0U);
	sb_add(out, name, namesize);
	pad(out, 4);
	if (len) {
		sb_add(out, data, len);
		pad(out, 4);
	}
}

static void cpio_trailer(struct strbuf *out)
{
	cpio_entry(out, "TRAILER!!!", 0, 0, NULL, 0);
}

/* The capture initramfs: the program as /init, what it mounts on, modules. */
static void capture_initrd(struct strbuf *out, const struct buf *prog,
			   const struct module_set *ms)
{
	size_t i;

	cpio_entry(out, "dev", S_IFDIR | 0755, 0, NULL, 0);
	cpio_entry(out, "dev/console", S_IFCHR | 0600, makedev(5, 1), NULL, 0);
	cpio_entry(out, "mnt", S_IFDIR | 0755, 0, NULL, 0);
	cpio_entry(out, "proc", S_IFDIR | 0755, 0, NULL, 0);
	cpio_entry(out, "sys", S_IFDIR | 0755, 0, NULL, 0);
	cpio_entry(out, "init", S_IFREG | 0755, 0, prog->data, prog->len);
	for (i = 0; i < ms->count; i++)
		cpio_entry(out, ms->members[i].name, ms->members[i].mode, 0,
			   ms->members[i].data, ms->members[i].len);
	cpio_trailer(out);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: saveoops-mkpayload [--kernel BZIMAGE] [--capture PROGRAM |\n"
		"                          --capture-initrd FILE] [--cmdline STRING]\n"
		"                          [--initrd INITRD] [--store PATH|UUID=ID]\n"
		"                          [--store-driver LIST] [--modules LIST]\n"
		"                          [--modules-dir DIR] [--kernel-config FILE]\n"
		"                          --output FILE\n"
		"\n"
		"Write the early crash payload cpio to FILE, followed by INITRD if given:\n"
		"boot FILE as the initrd and the kernel arms kdump itself in early boot.\n"
		"  --kernel          capture kernel (default: /boot/vmlinuz-$(uname -r))\n"
		"  --capture         capture program, becomes /init of the capture\n"
		"                    initramfs (default: saveoops-capture beside this program,\n"
		"                    else in ../lib/saveoops or " SAVEOOPS_PKGLIBDIR ")\n"
		"  --capture-initrd  use this capture initramfs as it is instead\n"
		"  --cmdline         capture command line (default: none, the kernel's\n"
		"                    default is used); with --store naming a store,\n"
		"                    saveoops.store=UUID= of that store is added (to the\n"
		"                    kernel's default and this boot's console= without\n"
		"                    --cmdline), unless it has a saveoops.store= already\n"
		"Kernel modules go into the capture initramfs with what modules.dep says\n"
		"they need, and saveoops-capture loads them before it looks for the store:\n"
		"  --store           the store, a block device or a file on one, or\n"
		"                    UUID=ID of a store on a disk or partition: the\n"
		"                    drivers of its device, read from sysfs, and its file\n"
		"                    system (default: the common disk drivers, virtio_pci,\n"
		"                    virtio_blk, virtio_scsi, nvme, ahci, sd_mod)\n"
		"  --store-driver    the store's drivers, comma-separated, instead of sysfs'\n"
		"                    (for a payload built where the store is not)\n"
		"  --modules         more modules: names, or .ko files taken as they are\n"
		"  --modules-dir     the capture kernel's module tree (default:\n"
		"                    /lib/modules/RELEASE, RELEASE read from the kernel;\n"
		"                    ROOT/lib/modules/RELEASE for a kernel in ROOT/boot)\n"
		"  --kernel-config   the capture kernel's config (default: config-RELEASE\n"
		"                    beside it); a kernel that decompresses modules gets\n"
		"                    them compressed, others get them decompressed here\n"
		"                    by xz, zstd or gzip\n");
}

/*
 * saveoops-capture beside this program (the build tree), else where make
 * install put it: ../lib/saveoops from this program's directory (any
 * PREFIX or DESTDIR), else SAVEOOPS_PKGLIBDIR, which is then reported.
 */
static void default_capture(char *path, size_t size, const char *argv0)
{
	char self[PATH_MAX], *dir;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0) {
		snprintf(self, sizeof(self), "%s", argv0);
		n = (ssize_t)strlen(self);
	}
	self[n] = '\0';
	dir = dirname(self);
	snprintf(path, size, "%s/saveoops-capture", dir);
	if (!access(path, R_OK))
		return;
	snprintf(path, size, "%s/../lib/saveoops/saveoops-capture", dir);
	if (!access(path, R_OK))
		return;
	snprintf(path, size, "%s/saveoops-capture", SAVEOOPS_PKGLIBDIR);
}

struct args {
	const char *kernel, *capture, *capture_initrd, *cmdline, *initrd, *output;
	struct module_opts mod;
	char kernel_buf[PATH_MAX], capture_buf[PATH_MAX];
};

static int parse_args(struct args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "capture", required_argument, NULL, 'c' },
		{ "capture-initrd", required_argument, NULL, 'C' },
		{ "cmdline", required_argument, NULL, 'l' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "store", required_argument, NULL, 's' },
		{ "store-driver", required_argument, NULL, 'D' },
		{ "modules", required_argument, NULL, 'm' },
		{ "modules-dir", required_argument, NULL, 'M' },
		{ "kernel-config", required_argument, NULL, 'K' },
		{ "sysfs", required_argument, NULL, 'S' },	/* for tests */
		{ "dev", required_argument, NULL, 'V' },	/* for tests */
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct utsname u;
	int c;

	while ((c = getopt_long(argc, argv, "k:c:C:l:i:o:s:D:m:M:K:S:V:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			a->kernel = optarg;
			break;
		case 'c':
			a->capture = optarg;
			break;
		case 'C':
			a->capture_initrd = optarg;
			break;
		case 'l':
			a->cmdline = optarg;
			break;
		case 'i':
			a->initrd = optarg;
			break;
		case 'o':
			a->output = optarg;
			break;
		case 's':
			a->mod.store = optarg;
			break;
		case 'D':
			a->mod.store_driver = optarg;
			break;
		case 'm':
			a->mod.extra = optarg;
			break;
		case 'M':
			a->mod.modules_dir = optarg;
			break;
		case 'K':
			a->mod.config = optarg;
			break;
		case 'S':
			a->mod.sysfs = optarg;
			break;
		case 'V':
			a->mod.devdir = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (optind != argc || !a->output || (a->capture && a->capture_initrd))
		return -1;
	if (!a->kernel && !uname(&u)) {
		snprintf(a->kernel_buf, sizeof(a->kernel_buf), "/boot/vmlinuz-%s", u.release);
		a->kernel = a->kernel_buf;
	}
	if (!a->capture && !a->capture_initrd) {
		default_capture(a->capture_buf, sizeof(a->capture_buf), argv[0]);
		a->capture = a->capture_buf;
	}
	return 0;
}

static int fail_file(const char *what, const char *path)
{
	fprintf(stderr, "saveoops-mkpayload: %s %s: %s\n", what, path, strerror(errno));
	return 1;
}

/* The store's UUID from its superblock; false if @path holds no store. */
static bool store_uuid(const char *path, char *id)
{
	struct store_super sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = !read_full(fd, 0, &sb, sizeof(sb)) && !memcmp(sb.magic, STORE_MAGIC, 8) &&
	     sb.crc == crc32_le(0, &sb, offsetof(struct store_super, crc));
	close(fd);
	if (ok)
		uuid_str(sb.uuid, id);
	return ok;
}

/*
 * A store file's first sector on its file system's device, from the extent
 * map saveoops format recorded in it; false when there is none (a device,
 * a disk image, or a map that does not check out).
 */
static bool store_sector(const char *path, uint64_t *sector)
{
	struct store_map map;
	uint32_t crc;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = !read_full(fd, STORE_MAP_OFF, &map.hdr, sizeof(map.hdr)) &&
	     !memcmp(map.hdr.magic, STORE_MAP_MAGIC, 8) && map.hdr.version == STORE_MAP_VERSION &&
	     map.hdr.count && map.hdr.count <= STORE_MAP_MAX &&
	     !read_full(fd, STORE_MAP_OFF + sizeof(map.hdr), map.ext,
			map.hdr.count * sizeof(map.ext[0]));
	close(fd);
	if (!ok)
		return false;
	crc = map.hdr.crc;
	map.hdr.crc = 0;
	if (crc != crc32_le(crc32_le(0, &map.hdr, sizeof(map.hdr)), map.ext,
			    map.hdr.count * sizeof(map.ext[0])))
		return false;
	*sector = map.ext[0].sector;
	return true;
}

/*
 * The capture command line: --cmdline, or none (the kernel's default). With
 * --store naming a store (a device or a disk image), saveoops.store=UUID=
 * is added, so the capture writes to that store only, and for a store file
 * saveoops.sector= (where the capture finds it on the raw device); without
 * --cmdline the kernel's default is spelt out for it, with this boot's
 * console= options.
 */
static void capture_cmdline(const struct args *a, struct strbuf *cmd)
{
	char id[UUID_STR_LEN], boot[4096], *tok, *save;
	uint64_t sector = 0;
	bool file = false;
	uint8_t raw[16];
	FILE *f;
	size_t n;

	sb_init(cmd);
	if (a->cmdline)
		sb_addf(cmd, "%s", a->cmdline);
	if (!a->mod.store || (a->cmdline && strstr(a->cmdline, "saveoops.store=")))
		return;
	if (!strncmp(a->mod.store, "UUID=", 5)) {
		if (uuid_parse(a->mod.store + 5, raw)) {
			fprintf(stderr, "saveoops-mkpayload: --store %s is not a UUID: left off "
				"the command line\n", a->mod.store);
			return;
		}
		uuid_str(raw, id);
	} else if (!store_uuid(a->mod.store, id)) {
		fprintf(stderr, "saveoops-mkpayload: %s holds no saveoops store (yet): the "
			"capture will look for one by its signature\n", a->mod.store);
		return;
	}
	if (strncmp(a->mod.store, "UUID=", 5))
		file = store_sector(a->mod.store, &sector);
	if (!a->cmdline) {
		sb_addf(cmd, "irqpoll nr_cpus=1 reset_devices panic=10");
		f = fopen("/proc/cmdline", "re");
		n = f ? fread(boot, 1, sizeof(boot) - 1, f) : 0;
		if (f)
			fclose(f);
		boot[n] = '\0';
		tok = strtok_r(boot, " \t\n", &save);
		for (; tok; tok = strtok_r(NULL, " \t\n", &save))
			if (!strncmp(tok, "console=", 8))
				sb_addf(cmd, " %s", tok);
	}
	sb_addf(cmd, " saveoops.store=UUID=%s", id);
	if (file)
		sb_addf(cmd, " saveoops.sector=%" PRIu64, sector);
	fprintf(stderr, "saveoops-mkpayload: capture command line: %s\n", cmd->data);
}

static int build(const struct args *a, struct strbuf *out)
{
	struct buf kernel = { 0 }, inner = { 0 }, initrd = { 0 };
	struct strbuf cmdline;
	struct module_opts mod = a->mod;
	struct module_set ms = { 0 };
	struct strbuf capture;
	int ret = 1;

	sb_init(&capture);
	if (load_file(a->kernel, &kernel)) {
		fail_file("cannot read the capture kernel", a->kernel);
		goto out;
	}
	if (a->capture_initrd) {
		if (load_file(a->capture_initrd, &inner)) {
			fail_file("cannot read the capture initramfs", a->capture_initrd);
			goto out;
		}
		sb_add(&capture, inner.data, inner.len);
	} else {
		if (load_file(a->capture, &inner)) {
			fail_file("cannot read the capture program", a->capture);
			goto out;
		}
		mod.kernel = a->kernel;
		if (modules_collect(&ms, &mod))
			goto out;
		capture_initrd(&capture, &inner, &ms);
	}
	if (a->initrd && load_file(a->initrd, &initrd)) {
		fail_file("cannot read the initrd", a->initrd);
		goto out;
	}
	cpio_entry(out, "kernel", S_IFDIR | 0755, 0, NULL, 0);
	cpio_entry(out, PAYLOAD_DIR, S_IFDIR | 0755, 0, NULL, 0);
	cpio_entry(out, PAYLOAD_DIR "/vmlinuz", S_IFREG | 0644, 0, kernel.data, kernel.len);
	cpio_entry(out, PAYLOAD_DIR "/initrd", S_IFREG | 0644, 0, capture.data, capture.len);
	capture_cmdline(a, &cmdline);
	if (cmdline.len)
		cpio_entry(out, PAYLOAD_DIR "/cmdline", S_IFREG | 0644, 0, cmdline.data,
			   cmdline.len);
	sb_free(&cmdline);
	cpio_trailer(out);
	pad(out, CPIO_ALIGN);
	sb_add(out, initrd.data, initrd.len);
	ret = out->oom || capture.oom;
	if (ret)
		fputs("saveoops-mkpayload: out of memory, or a member of 4 GiB or more\n", stderr);
out:
	free(kernel.data);
	free(inner.data);
	free(initrd.data);
	modules_free(&ms);
	sb_free(&capture);
	return ret;
}

/* Replace the output whole: an initrd cut short by a crash would not boot. */
static int write_output(const char *path, const struct strbuf *out)
{
	char tmp[PATH_MAX];
	int fd, ret = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return fail_file("cannot create a file beside", path);
	if (fchmod(fd, 0644) || write_full(fd, 0, out->data, out->len) || fsync(fd))
		ret = fail_file("cannot write", tmp);
	if (close(fd) && !ret)
		ret = fail_file("cannot write", tmp);
	if (!ret && rename(tmp, path))
		ret = fail_file("cannot rename to", path);
	if (ret)
		unlink(tmp);
	return ret;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	struct strbuf out;
	int ret;

	if (parse_args(&a, argc, argv)) {
		usage(stderr);
		return 2;
	}
	sb_init(&out);
	ret = build(&a, &out);
	if (!ret)
		ret = write_output(a.output, &out);
	sb_free(&out);
	return ret;
}
