// SPDX-License-Identifier: GPL-2.0
/*
 * saveoops-capture's module loader (see modules.h): the modules that
 * saveoops-mkpayload put in the capture initramfs, loaded with
 * finit_module() in the order it wrote, before the store is looked for.
 * A module that does not load is reported in one line and the next one is
 * tried: the store may still be reachable without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "modules.h"
#include "util.h"

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE	4	/* include/uapi/linux/module.h */
#endif

/* Left compressed by saveoops-mkpayload: this kernel decompresses it. */
static bool compressed(const char *path)
{
	static const char *const suffixes[] = { ".xz", ".zst", ".gz" };
	size_t len = strlen(path), i;

	for (i = 0; i < ARRAY_SIZE(suffixes); i++) {
		size_t s = strlen(suffixes[i]);

		if (len > s && !strcmp(path + len - s, suffixes[i]))
			return true;
	}
	return false;
}

/* What an finit_module() error most likely means here. */
static const char *why(int err)
{
	switch (err) {
	case ENOEXEC:
		return " (built for another kernel, or not a module)";
	case ENOENT:
		return " (a symbol it needs is missing: a module it depends on did not load)";
	case ENODEV:
		return " (no device or CPU feature for it)";
	case EPERM:
		return " (module loading is not allowed: lockdown or modules_disabled)";
	case ENOKEY:
	case EKEYREJECTED:
	case EBADMSG:
		return " (its signature is refused)";
	default:
		return "";
	}
}

unsigned int modules_load(void (*say)(const char *fmt, ...))
{
	char line[512], path[520];
	unsigned int loaded = 0, failed = 0, skipped = 0;
	struct utsname u;
	FILE *f = fopen("/" MODULES_ORDER, "re");
	bool optional;
	int fd, flags;

	if (!f)
		return 0;
	if (uname(&u))
		u.release[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		if (!strncmp(line, "release ", 8)) {
			if (!strcmp(line + 8, u.release))
				continue;
			say("the modules of the capture initramfs are for Linux %s, "
			    "this is %s: none loaded", line + 8, u.release);
			fclose(f);
			return 1;
		}
		/* A softdep: a CPU without its feature is no failure. */
		optional = !strncmp(line, "optional ", 9);
		snprintf(path, sizeof(path), "/%s", line + (optional ? 9 : 0));
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			say("module %s: %s", path, strerror(errno));
			failed++;
			continue;
		}
		flags = compressed(path) ? MODULE_INIT_COMPRESSED_FILE : 0;
		if (syscall(SYS_finit_module, fd, "", flags) && errno != EEXIST) {
			if (optional && errno == ENODEV) {
				skipped++;
			} else {
				say("module %s did not load: %s%s", path, strerror(errno),
				    why(errno));
				failed++;
			}
		} else {
			loaded++;
		}
		close(fd);
	}
	fclose(f);
	if (skipped)
		say("loaded %u of %u modules (%u optional ones have no use on this machine)",
		    loaded, loaded + failed + skipped, skipped);
	else
		say("loaded %u of %u modules", loaded, loaded + failed);
	return failed;
}
