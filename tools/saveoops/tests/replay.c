// SPDX-License-Identifier: GPL-2.0
/*
 * Replay fuzzing inputs through a libFuzzer harness without libFuzzer, so
 * that a machine without clang still runs every input the fuzzers found
 * (and the seeds) under ASan and UBSan. Linked with one tests/fuzz-*.c:
 *
 *	replay-store FILE|DIR...	each file, and each file in each DIR
 *
 * An abort() or a sanitizer report ends it, naming the input it ran;
 * otherwise it prints how many inputs ran and exits 0.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long inputs;
static char current[4096];

/* A harness's abort(): say which input it was, then die of it. */
static void on_abort(int sig)
{
	static const char msg[] = "replay: aborted on ";

	if (write(2, msg, sizeof(msg) - 1) < 0 || write(2, current, strlen(current)) < 0 ||
	    write(2, "\n", 1) < 0)
		_exit(134);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int replay_file(const char *path)
{
	struct strbuf sb;
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		perror(path);
		return -1;
	}
	sb_init(&sb);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sb_add(&sb, buf, (size_t)n);
	close(fd);
	if (n < 0 || sb.oom) {
		fprintf(stderr, "%s: cannot read it\n", path);
		sb_free(&sb);
		return -1;
	}
	snprintf(current, sizeof(current), "%s", path);
	LLVMFuzzerTestOneInput((const uint8_t *)(sb.data ? sb.data : ""), sb.len);
	sb_free(&sb);
	inputs++;
	return 0;
}

static int replay(const char *path)
{
	struct dirent *de;
	struct stat stb;
	char sub[4096];
	int ret = 0;
	DIR *dir;

	if (stat(path, &stb)) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(stb.st_mode))
		return replay_file(path);
	dir = opendir(path);
	if (!dir) {
		perror(path);
		return -1;
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (!stat(sub, &stb) && S_ISREG(stb.st_mode))
			ret |= replay_file(sub);
	}
	closedir(dir);
	return ret;
}

int main(int argc, char **argv)
{
	int i, ret = 0;

	signal(SIGABRT, on_abort);
	for (i = 1; i < argc; i++)
		ret |= replay(argv[i]);
	printf("%lu inputs replayed\n", inputs);
	return ret ? 1 : 0;
}
