// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the core reader and the printk decoder: the input
 * is an ELF core, as /proc/vmcore hands it to the capture program. Besides
 * the sanitizers, it checks what printk_ring.h promises of the log: every
 * line starts with its prefix, ends in a newline, and holds no byte that is
 * neither printable nor a tab.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "printk_ring.h"
#include "vmcore.h"
#include "tests/mkcore.h"

static FILE *devnull;

static void check_log(const struct strbuf *log, const struct ring_stats *st)
{
	size_t i;

	if (!log->len) {
		if (st->records)
			abort();	/* a record always prints at least its "[time] " prefix */
		return;
	}
	if (log->data[log->len - 1] != '\n' || log_count_lines(log->data, log->len) < st->records)
		abort();
	for (i = 0; i < log->len; i++) {
		unsigned char c = (unsigned char)log->data[i];

		if (!isprint(c) && c != '\t' && c != '\n')
			abort();
		if ((i == 0 || log->data[i - 1] == '\n') && c != '<' && c != '[')
			abort();
	}
}

static void use_log(const char *log, size_t len)
{
	char reason[256];

	log_reason(log, len, reason, sizeof(reason));
	if (strlen(reason) >= sizeof(reason))
		abort();
	log_print(devnull, log, len, LOG_SHOW_LEVEL | LOG_SHOW_CALLER, 0);
	log_print(devnull, log, len, 0, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], release[65];
	struct ring_stats st;
	struct strbuf log;
	struct vmcore vc;
	uint64_t v;
	int fd;

	if (!devnull)
		devnull = fopen("/dev/null", "we");
	if (!devnull)
		abort();
	/* The log helpers also read saved logs: give them the raw bytes too. */
	use_log((const char *)data, size);

	fd = mk_memfd(data, size);
	if (fd < 0)
		abort();
	if (vmcore_open_fd(&vc, fd, err, sizeof(err))) {
		vmcore_close(&vc);
		return 0;
	}
	vmcoreinfo_str(&vc, "OSRELEASE", release, sizeof(release));
	vmcoreinfo_num(&vc, "CRASHTIME", &v);
	sb_init(&log);
	if (!ring_decode(&vc, &log, &st, err, sizeof(err))) {
		check_log(&log, &st);
		use_log(log.data ? log.data : "", log.len);
	}
	sb_free(&log);
	vmcore_close(&vc);
	return 0;
}
