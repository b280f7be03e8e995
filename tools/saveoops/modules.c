// SPDX-License-Identifier: GPL-2.0
/*
 * saveoops-mkpayload's choice of kernel modules for the capture initramfs
 * (see modules.h). The capture kernel's release comes from its bzImage
 * header, its module tree from /lib/modules/<release> (or the tree beside
 * the kernel when it lies in a boot/ directory of an unpacked system), and
 * the modules are:
 *	- the drivers of the store's device, read from sysfs as the device's
 *	  chain of parents (for a store given as UUID=..., the device found
 *	  to hold it), and the module of the file system a store file lies
 *	  on; or the --store-driver list; or, with neither, the common
 *	  disk drivers, as dracut's generic (not host-only) mode does;
 *	- the --modules list;
 *	- what modules.dep (and modules.softdep's "pre:") says each needs.
 * A compressed module is decompressed here by the xz, zstd or gzip program
 * unless the capture kernel's config says it decompresses that format.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "modules.h"
#include "store.h"
#include "util.h"

/* What a distribution's capture initramfs needs to find a local disk. */
static const char *const common_disk_drivers[] = {
	"virtio_pci", "virtio_blk", "virtio_scsi", "nvme", "ahci", "sd_mod",
};

static const struct {
	const char *suffix;
	const char *tool;
	const char *config;		/* the kernel decompresses it itself */
} compressions[] = {
	{ ".xz", "xz", "CONFIG_MODULE_COMPRESS_XZ" },
	{ ".zst", "zstd", "CONFIG_MODULE_COMPRESS_ZSTD" },
	{ ".gz", "gzip", "CONFIG_MODULE_COMPRESS_GZIP" },
};

struct kmod {
	char *name;			/* dashes as underscores, no suffix */
	char *path;			/* as modules.dep names it */
	char **deps;			/* paths, the deepest last */
	size_t ndeps;
	bool chosen, visiting;
};

struct tree {
	const struct module_opts *o;
	char release[65];
	char dir[PATH_MAX];
	struct strbuf dep, builtin, alias, softdep, config;
	struct kmod *mods;
	size_t count;
	struct module_set *ms;
	struct strbuf order;
	bool optional;			/* choosing a softdep: may fail to load */
};

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void note(const char *fmt, ...)
{
	va_list ap;

	fputs("saveoops-mkpayload: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The whole file in @sb; -1 with errno set if it cannot be read. */
static int slurp(const char *path, struct strbuf *sb)
{
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		sb_add(sb, chunk, (size_t)n);
	close(fd);
	if (n < 0 || sb->oom) {
		errno = n < 0 ? errno : ENOMEM;
		return -1;
	}
	return 0;
}

/* "kernel/drivers/nvme/host/nvme-core.ko.xz" -> "nvme_core" in @name. */
static void module_name(const char *path, char *name, size_t size)
{
	const char *base = strrchr(path, '/');
	char *ko, *p;

	snprintf(name, size, "%s", base ? base + 1 : path);
	ko = strstr(name, ".ko");
	if (ko)
		*ko = '\0';
	for (p = name; *p; p++)
		if (*p == '-')
			*p = '_';
}

/*
 * The release from the bzImage's setup header: kernel_version (offset
 * 0x20e) points, less 0x200, at "6.1.0-57-amd64 (debian-kernel@...) #1 ...".
 */
static int kernel_release(const char *path, char *release, size_t size)
{
	unsigned char hdr[0x210];
	char text[128];
	unsigned int off;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret = -1;

	if (fd < 0)
		return -1;
	if (read_full(fd, 0, hdr, sizeof(hdr)) || memcmp(hdr + 0x202, "HdrS", 4))
		goto out;
	off = hdr[0x20e] | hdr[0x20f] << 8;
	if (!off || read_full(fd, off + 0x200, text, sizeof(text)))
		goto out;
	text[sizeof(text) - 1] = '\0';
	text[strcspn(text, " ")] = '\0';
	if (!text[0] || strlen(text) >= size)
		goto out;
	snprintf(release, size, "%s", text);
	ret = 0;
out:
	close(fd);
	return ret;
}

/* "CONFIG_X=y" (or =m) in the kernel's config. */
static bool config_set(const struct tree *t, const char *option)
{
	size_t len = strlen(option);
	const char *p = t->config.data;

	while (p && (p = strstr(p, option))) {
		if ((p == t->config.data || p[-1] == '\n') && p[len] == '=' &&
		    (p[len + 1] == 'y' || p[len + 1] == 'm'))
			return true;
		p += len;
	}
	return false;
}

static void default_dirs(struct tree *t)
{
	const struct module_opts *o = t->o;
	char kdir[PATH_MAX], root[PATH_MAX], cfg[PATH_MAX + 80], *slash;
	struct stat st;

	/* The kernel's directory, and its parent if it is a boot/ directory. */
	snprintf(kdir, sizeof(kdir), "%s", o->kernel);
	slash = strrchr(kdir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(kdir, sizeof(kdir), ".");
	if (!o->config) {
		snprintf(cfg, sizeof(cfg), "%s/config-%s", kdir, t->release);
		if (!slurp(cfg, &t->config))
			note("capture kernel config: %s", cfg);
		else
			sb_free(&t->config);
	}
	if (o->modules_dir) {
		snprintf(t->dir, sizeof(t->dir), "%s", o->modules_dir);
		return;
	}
	/* An unpacked system: ROOT/boot/vmlinuz-R has ROOT/lib/modules/R. */
	root[0] = '\0';
	slash = strrchr(kdir, '/');
	if (!strcmp(slash ? slash + 1 : kdir, "boot")) {
		if (slash)
			snprintf(root, sizeof(root), "%.*s", (int)(slash - kdir), kdir);
		else
			snprintf(root, sizeof(root), ".");
	}
	/* The first that exists; else the system's, named in what is said. */
	snprintf(t->dir, sizeof(t->dir), "%s/lib/modules/%s", root, t->release);
	if (stat(t->dir, &st) && root[0])
		snprintf(t->dir, sizeof(t->dir), "%s/usr/lib/modules/%s", root, t->release);
	if (stat(t->dir, &st) && root[0])
		snprintf(t->dir, sizeof(t->dir), "/lib/modules/%s", t->release);
}

/* modules.dep: "kernel/a/b.ko: kernel/c.ko kernel/d.ko", tokenised in place. */
static int parse_dep(struct tree *t)
{
	char *line, *save, *colon, *tok, *save2;
	char name[256];
	size_t cap = 0;

	for (line = strtok_r(t->dep.data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct kmod *m;

		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		if (t->count == cap) {
			struct kmod *more;

			cap = cap ? cap * 2 : 1024;
			more = realloc(t->mods, cap * sizeof(*more));
			if (!more)
				return -1;
			t->mods = more;
		}
		m = &t->mods[t->count++];
		memset(m, 0, sizeof(*m));
		m->path = line;
		module_name(line, name, sizeof(name));
		m->name = strdup(name);
		if (!m->name)
			return -1;
		for (tok = strtok_r(colon + 1, " ", &save2); tok;
		     tok = strtok_r(NULL, " ", &save2)) {
			char **more = realloc(m->deps, (m->ndeps + 1) * sizeof(*more));

			if (!more)
				return -1;
			m->deps = more;
			m->deps[m->ndeps++] = tok;
		}
	}
	return 0;
}

static struct kmod *find_by_name(const struct tree *t, const char *want)
{
	char name[256];
	size_t i;

	module_name(want, name, sizeof(name));
	for (i = 0; i < t->count; i++)
		if (!strcmp(t->mods[i].name, name))
			return &t->mods[i];
	return NULL;
}

static struct kmod *find_by_path(const struct tree *t, const char *path)
{
	size_t i;

	for (i = 0; i < t->count; i++)
		if (!strcmp(t->mods[i].path, path))
			return &t->mods[i];
	return NULL;
}

/*
 * The next line of a modules.* file that starts with the words @a @b: the
 * first with @prev NULL, else the first after @prev. NULL if none.
 */
static const char *find_line(const struct strbuf *sb, const char *prev, const char *a,
			     const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	const char *p = prev ? strchr(prev, '\n') : sb->data;

	if (prev && p)
		p++;
	while (p && *p) {
		if (!strncmp(p, a, la) && !strncmp(p + la, b, lb) &&
		    (p[la + lb] == ' ' || p[la + lb] == '\n' || !p[la + lb]))
			return p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static bool is_builtin(const struct tree *t, const char *want)
{
	char name[256], other[256];
	const char *p = t->builtin.data;

	module_name(want, name, sizeof(name));
	while (p && *p) {
		size_t len = strcspn(p, "\n");
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%.*s", (int)len, p);
		module_name(path, other, sizeof(other));
		if (!strcmp(name, other))
			return true;
		p += len + (p[len] == '\n');
	}
	return false;
}

static void add_member(struct tree *t, const char *name, unsigned int mode, char *data,
		       size_t len)
{
	struct module_set *ms = t->ms;
	struct module_member *more = NULL;
	char *copy = strdup(name);

	if (copy)
		more = realloc(ms->members, (ms->count + 1) * sizeof(*more));
	if (!more) {
		free(copy);
		free(data);
		t->order.oom = true;
		return;
	}
	ms->members = more;
	ms->members[ms->count++] = (struct module_member){ copy, mode, data, len };
}

/* Run "TOOL -dc -- PATH" and keep what it writes; 0 if it exits 0. */
static int decompress(const char *tool, const char *path, struct strbuf *out)
{
	char chunk[65536];
	int p[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execlp(tool, tool, "-dc", "--", path, (char *)NULL);
		fprintf(stderr, "saveoops-mkpayload: cannot run %s: %s\n", tool, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	while ((n = read(p[0], chunk, sizeof(chunk))) > 0)
		sb_add(out, chunk, (size_t)n);
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return n < 0 || out->oom || !WIFEXITED(status) || WEXITSTATUS(status) ? -1 : 0;
}

/* "vermagic=6.1.0-57-amd64 SMP ..." in .modinfo; warn if not this release. */
static void check_vermagic(const struct tree *t, const char *name, const struct strbuf *sb)
{
	static const char key[] = "vermagic=";
	const char *v = memmem(sb->data, sb->len, key, sizeof(key) - 1);
	size_t len = strlen(t->release);

	if (!v || !t->release[0])
		return;
	v += sizeof(key) - 1;
	if ((size_t)(sb->data + sb->len - v) > len && !strncmp(v, t->release, len) &&
	    v[len] == ' ')
		return;
	note("warning: %s is built for %.*s, not %s: it may not load", name,
	     (int)strcspn(v, " "), v, t->release);
}

/* Put the module file at @path in the set as NAME.ko (or as it is, compressed). */
static int add_module_file(struct tree *t, const char *path, const char *why)
{
	const char *base = strrchr(path, '/');
	char member[PATH_MAX], shown[256];
	bool decompressed = false;
	struct strbuf sb;
	size_t i;

	base = base ? base + 1 : path;
	snprintf(member, sizeof(member), "lib/modules/%s/%s",
		 t->release[0] ? t->release : "any", base);
	sb_init(&sb);
	for (i = 0; i < ARRAY_SIZE(compressions); i++) {
		size_t l = strlen(member), s = strlen(compressions[i].suffix);

		if (l <= s || strcmp(member + l - s, compressions[i].suffix))
			continue;
		if (config_set(t, "CONFIG_MODULE_DECOMPRESS") &&
		    config_set(t, compressions[i].config))
			break;
		if (decompress(compressions[i].tool, path, &sb)) {
			note("cannot decompress %s with %s: left out", path, compressions[i].tool);
			sb_free(&sb);
			return -1;
		}
		member[l - s] = '\0';
		decompressed = true;
		break;
	}
	if (!decompressed && slurp(path, &sb)) {
		note("cannot read %s (%s): %s: left out", path, why, strerror(errno));
		sb_free(&sb);
		return -1;
	}
	module_name(base, shown, sizeof(shown));
	check_vermagic(t, shown, &sb);
	note("module %s: %s", shown, why);
	t->ms->bytes += sb.len;
	t->ms->modules++;
	sb_addf(&t->order, "%s%s\n", t->optional ? "optional " : "", member);
	add_member(t, member, S_IFREG | 0644, sb.data, sb.len);
	return 0;
}

static int choose(struct tree *t, struct kmod *m, const char *why);

/* Name or alias (as softdep names it) to the modules that provide it. */
static int choose_name(struct tree *t, const char *want, const char *why, bool quiet)
{
	char name[256];
	const char *line;
	struct kmod *m = find_by_name(t, want);
	int found = 0;

	if (m)
		return choose(t, m, why);
	if (is_builtin(t, want)) {
		if (!quiet)
			note("%s is built into the capture kernel (%s)", want, why);
		return 0;
	}
	/* Every module of the alias: the kernel picks among them when it asks. */
	for (line = find_line(&t->alias, NULL, "alias ", want); line;
	     line = find_line(&t->alias, line, "alias ", want)) {
		if (sscanf(line + 6 + strlen(want), " %255s", name) != 1)
			continue;
		m = find_by_name(t, name);
		if (m)
			found += !choose(t, m, why);
	}
	if (found)
		return 0;
	note("no module %s in %s (%s): left out", want, t->dir, why);
	return -1;
}

/* modules.softdep: "softdep NAME pre: A B post: C"; the pre part. */
static void choose_softdeps(struct tree *t, const struct kmod *m)
{
	const char *line = find_line(&t->softdep, NULL, "softdep ", m->name);
	char copy[512], why[300], *tok, *save, *pre;
	bool optional;

	if (!line)
		return;
	snprintf(copy, sizeof(copy), "%.*s", (int)strcspn(line, "\n"), line);
	pre = strstr(copy, " pre:");
	if (!pre)
		return;
	snprintf(why, sizeof(why), "loaded before %s if it can be (modules.softdep)", m->name);
	optional = t->optional;
	t->optional = true;
	for (tok = strtok_r(pre + 5, " ", &save); tok && strcmp(tok, "post:");
	     tok = strtok_r(NULL, " ", &save))
		choose_name(t, tok, why, true);
	t->optional = optional;
}

static int choose(struct tree *t, struct kmod *m, const char *why)
{
	char path[2 * PATH_MAX], need[300];
	size_t i;

	if (m->chosen || m->visiting)
		return 0;
	m->visiting = true;
	choose_softdeps(t, m);
	snprintf(need, sizeof(need), "needed by %s", m->name);
	/* depmod lists the deepest dependency last: load from the end. */
	for (i = m->ndeps; i-- > 0;) {
		struct kmod *d = find_by_path(t, m->deps[i]);

		if (d) {
			choose(t, d, need);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", t->dir, m->deps[i]);
		if (access(path, F_OK))
			note("modules.dep names %s (%s), which is not in %s: left out",
			     m->deps[i], need, t->dir);
		else
			add_module_file(t, path, need);
	}
	m->visiting = false;
	m->chosen = true;
	snprintf(path, sizeof(path), "%s%s%s", m->path[0] == '/' ? "" : t->dir,
		 m->path[0] == '/' ? "" : "/", m->path);
	if (access(path, F_OK)) {
		note("modules.dep names %s (%s), which is not in %s: left out", m->path, why,
		     t->dir);
		return -1;
	}
	return add_module_file(t, path, why);
}

/* NAME, NAME, ... of a comma-separated list, each chosen for @why. */
static void choose_list(struct tree *t, const char *list, const char *why)
{
	char *copy = strdup(list), *tok, *save;

	if (!copy) {
		t->order.oom = true;
		return;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strchr(tok, '/'))
			add_module_file(t, tok, why);
		else
			choose_name(t, tok, why, false);
	}
	free(copy);
}

/* The file system type of mount M:m, from /proc/self/mountinfo. */
static int mount_fstype(dev_t dev, char *type, size_t size)
{
	char line[4096], want[32], *sep;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int ret = -1;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), " %u:%u ", major(dev), minor(dev));
	while (ret && fgets(line, sizeof(line), f)) {
		sep = strstr(line, " - ");
		if (!strstr(line, want) || !sep || sscanf(sep + 3, "%31s", want) != 1)
			continue;
		snprintf(type, size, "%s", want);
		ret = 0;
	}
	fclose(f);
	return ret;
}

/*
 * The drivers of block device @id: from /sys/dev/block up the chain of
 * parents, each one's driver/module (or the driver's name when built in).
 * False if sysfs does not know the device.
 */
static bool choose_device_drivers(struct tree *t, dev_t id, const char *store)
{
	const char *sysfs = t->o->sysfs ? t->o->sysfs : "/sys";
	char dev[PATH_MAX], root[PATH_MAX], link[PATH_MAX + 16], target[PATH_MAX];
	char why[PATH_MAX + 64], *slash;
	size_t rootlen;
	ssize_t n;

	snprintf(link, sizeof(link), "%s/dev/block/%u:%u", sysfs, major(id), minor(id));
	snprintf(root, sizeof(root), "%s/devices", sysfs);
	if (!realpath(link, dev) || !realpath(root, target)) {
		note("%s (device %u:%u) is not in %s/dev/block", store, major(id), minor(id),
		     sysfs);
		return false;
	}
	rootlen = strlen(target);
	snprintf(why, sizeof(why), "driver of the store %s", store);
	while (strlen(dev) > rootlen && !strncmp(dev, target, rootlen)) {
		snprintf(link, sizeof(link), "%s/driver/module", dev);
		n = readlink(link, root, sizeof(root) - 1);
		if (n < 0) {
			snprintf(link, sizeof(link), "%s/driver", dev);
			n = readlink(link, root, sizeof(root) - 1);
		}
		if (n > 0) {
			root[n] = '\0';
			slash = strrchr(root, '/');
			choose_name(t, slash ? slash + 1 : root, why, true);
		}
		slash = strrchr(dev, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	return true;
}

/* True if the block device @path starts with a store whose UUID is @uuid. */
static bool holds_store(const char *path, const uint8_t *uuid)
{
	struct store_super sb;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = !read_full(fd, 0, &sb, sizeof(sb)) && !memcmp(sb.magic, STORE_MAGIC, 8) &&
	     sb.crc == crc32_le(0, &sb, offsetof(struct store_super, crc)) &&
	     !memcmp(sb.uuid, uuid, sizeof(sb.uuid));
	close(fd);
	return ok;
}

/*
 * A store named UUID=...: the block device, whole disk or partition, that
 * starts with a store superblock carrying that UUID, tried in sysfs'
 * class/block order (as saveoops-capture looks for it), its node in /dev
 * (or --dev). Its number in @id; false if no device holds it.
 */
static bool find_store_uuid(struct tree *t, const uint8_t *uuid, dev_t *id)
{
	const char *sysfs = t->o->sysfs ? t->o->sysfs : "/sys";
	const char *devdir = t->o->devdir ? t->o->devdir : "/dev";
	char path[PATH_MAX], node[PATH_MAX], num[32], *p;
	unsigned int maj, min;
	struct dirent *de;
	bool found = false;
	DIR *dir;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/class/block", sysfs);
	dir = opendir(path);
	if (!dir) {
		note("cannot list %s: %s", path, strerror(errno));
		return false;
	}
	while (!found && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/class/block/%s/dev", sysfs, de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, num, sizeof(num) - 1);
		close(fd);
		if (n <= 0)
			continue;
		num[n] = '\0';
		if (sscanf(num, "%u:%u", &maj, &min) != 2)
			continue;
		/* sysfs spells a "/" in a device's name "!" (cciss!c0d0). */
		snprintf(node, sizeof(node), "%s/%s", devdir, de->d_name);
		for (p = node + strlen(devdir); *p; p++)
			if (*p == '!')
				*p = '/';
		if (!holds_store(node, uuid))
			continue;
		*id = makedev(maj, min);
		note("the store UUID=%s is %s (device %u:%u)", t->o->store + 5, node, maj, min);
		found = true;
	}
	closedir(dir);
	return found;
}

/*
 * The store's drivers: those of its device (a block device, the one a
 * store file lies on, or the one whose store has the UUID of UUID=...), and
 * the file system a store file lies on. False if the device is unknown.
 */
static bool choose_store_drivers(struct tree *t, const char *store)
{
	char why[PATH_MAX + 64], fstype[32];
	uint8_t uuid[16];
	struct stat st;
	dev_t id;

	if (!strncmp(store, "UUID=", 5)) {
		if (uuid_parse(store + 5, uuid) || !find_store_uuid(t, uuid, &id)) {
			note("no block device holds the store %s", store);
			return false;
		}
		return choose_device_drivers(t, id, store);
	}
	if (stat(store, &st)) {
		note("cannot stat the store %s: %s", store, strerror(errno));
		return false;
	}
	id = S_ISBLK(st.st_mode) ? st.st_rdev : st.st_dev;
	if (!choose_device_drivers(t, id, store))
		return false;
	if (!S_ISBLK(st.st_mode) && !mount_fstype(st.st_dev, fstype, sizeof(fstype))) {
		snprintf(why, sizeof(why), "file system of the store %s", store);
		if (find_by_name(t, fstype) || is_builtin(t, fstype))
			choose_name(t, fstype, why, false);
	}
	return true;
}

static int open_tree(struct tree *t)
{
	static const char *const files[] = { "modules.builtin", "modules.alias",
					     "modules.softdep" };
	struct strbuf *bufs[] = { &t->builtin, &t->alias, &t->softdep };
	char path[PATH_MAX + 32];
	size_t i;

	snprintf(path, sizeof(path), "%s/modules.dep", t->dir);
	if (slurp(path, &t->dep)) {
		if (errno == ENOENT && !access(t->dir, F_OK))
			note("%s has no modules.dep: run depmod -b ROOT %s", t->dir, t->release);
		else
			note("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", t->dir, files[i]);
		if (slurp(path, bufs[i]))
			sb_free(bufs[i]);
	}
	if (parse_dep(t)) {
		note("out of memory reading %s/modules.dep", t->dir);
		return -1;
	}
	return 0;
}

static void free_tree(struct tree *t)
{
	size_t i;

	for (i = 0; i < t->count; i++) {
		free(t->mods[i].name);
		free(t->mods[i].deps);
	}
	free(t->mods);
	sb_free(&t->dep);
	sb_free(&t->builtin);
	sb_free(&t->alias);
	sb_free(&t->softdep);
	sb_free(&t->config);
	sb_free(&t->order);
}

/* The tree, or why there is none; 1 when going without modules is fine. */
static int find_tree(struct tree *t)
{
	const struct module_opts *o = t->o;

	if (kernel_release(o->kernel, t->release, sizeof(t->release))) {
		t->release[0] = '\0';
		note("no release in %s (not a bzImage?): no modules from a module tree",
		     o->kernel);
		return o->modules_dir ? -1 : 1;
	}
	if (o->config && slurp(o->config, &t->config)) {
		note("cannot read the kernel config %s: %s", o->config, strerror(errno));
		return -1;
	}
	default_dirs(t);
	if (t->config.len && !config_set(t, "CONFIG_MODULES")) {
		note("the capture kernel %s cannot load modules (no CONFIG_MODULES): none taken",
		     t->release);
		return 1;
	}
	if (!o->modules_dir && access(t->dir, F_OK)) {
		note("no module tree %s: the capture kernel must have the store's drivers built in",
		     t->dir);
		return 1;
	}
	note("capture kernel %s, modules from %s", t->release, t->dir);
	return open_tree(t) ? -1 : 0;
}

int modules_collect(struct module_set *ms, const struct module_opts *o)
{
	struct tree t = { .o = o, .ms = ms };
	char dir[PATH_MAX];
	uint8_t uuid[16];
	struct strbuf head;
	size_t i;
	int ret;

	memset(ms, 0, sizeof(*ms));
	sb_init(&head);
	if (o->store && !strncmp(o->store, "UUID=", 5) && uuid_parse(o->store + 5, uuid)) {
		note("--store %s: not a UUID (8-4-4-4-12 hex digits)", o->store);
		return -1;
	}
	ret = find_tree(&t);
	if (ret < 0)
		goto out;
	/* The directories first; dropped again if no module comes. */
	snprintf(dir, sizeof(dir), "lib/modules/%s", t.release[0] ? t.release : "any");
	add_member(&t, "lib", S_IFDIR | 0755, NULL, 0);
	add_member(&t, "lib/modules", S_IFDIR | 0755, NULL, 0);
	add_member(&t, dir, S_IFDIR | 0755, NULL, 0);
	if (ret == 0) {
		if (o->store_driver)
			choose_list(&t, o->store_driver, "driver of the store (--store-driver)");
		else if (!o->store || !choose_store_drivers(&t, o->store))
			for (i = 0; i < ARRAY_SIZE(common_disk_drivers); i++)
				choose_name(&t, common_disk_drivers[i], o->store ?
					    "a common disk driver (the store's device is unknown)" :
					    "a common disk driver (no store named)", false);
	}
	if (o->extra)
		choose_list(&t, o->extra, "asked for with --modules");
	if (t.release[0])
		sb_addf(&head, "release %s\n", t.release);
	sb_add(&head, t.order.data, t.order.len);
	ret = head.oom || t.order.oom ? -1 : 0;
	if (ret) {
		note("out of memory collecting modules");
		sb_free(&head);
	} else if (ms->modules) {
		add_member(&t, MODULES_ORDER, S_IFREG | 0644, head.data, head.len);
		ret = t.order.oom ? -1 : 0;
		note("%u modules, %zu KiB, in the capture initramfs, loaded in the order of /%s",
		     ms->modules, (ms->bytes + 1023) >> 10, MODULES_ORDER);
	} else {
		sb_free(&head);
	}
out:
	if (ret || !ms->modules)
		modules_free(ms);
	free_tree(&t);
	return ret;
}

void modules_free(struct module_set *ms)
{
	size_t i;

	for (i = 0; i < ms->count; i++) {
		free(ms->members[i].name);
		free(ms->members[i].data);
	}
	free(ms->members);
	memset(ms, 0, sizeof(*ms));
}
