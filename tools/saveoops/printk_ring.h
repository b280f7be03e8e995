/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoder for the lockless printk ring buffer of Linux 5.10 and later
 * (kernel/printk/printk_ringbuffer.c), driven only by VMCOREINFO.
 */
#ifndef SAVEOOPS_PRINTK_RING_H
#define SAVEOOPS_PRINTK_RING_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"
#include "vmcore.h"

/* What the decoder saw, for the record header and the console. */
struct ring_stats {
	uint64_t records;	/* records written to the log */
	uint64_t first_seq;	/* sequence number of the first one */
	uint64_t last_seq;	/* and of the last one */
	uint64_t bad_desc;	/* descriptors with a foreign id or state */
	uint64_t bad_data;	/* text blocks out of place or overwritten */
	uint64_t reserved;	/* records another CPU was still writing at the crash */
	uint64_t dropped;	/* oldest records left out to fit the memory budget */
	uint64_t truncated;	/* texts shorter than their recorded length */
	uint64_t unreadable;	/* pages of the ring missing from the core */
	bool levels;		/* the log lines carry <level> */
	bool callers;		/* the log lines carry [caller] */
};

static inline uint64_t ring_skipped(const struct ring_stats *st)
{
	return st->bad_desc + st->bad_data;
}

/*
 * The log format, one line per text line of a record:
 *	<LEVEL>[SECONDS.MICROS][CALLER] TEXT
 * <LEVEL> only when the level could be located, [CALLER] (T<pid> or
 * C<cpu>, right-aligned in 6) only when VMCOREINFO has the caller id.
 * Bytes that are not printable, bar tab, appear as \xNN (\r, \v, \f too).
 * A record that names a device (dev_printk) is followed by " SUBSYSTEM=..."
 * and " DEVICE=..." lines, as /dev/kmsg gives them; log_print() shows them
 * only with LOG_SHOW_DICT, and log_count_lines() does not count them.
 */
void ring_set_memory_limit(uint64_t bytes);
int ring_decode(const struct vmcore *vc, struct strbuf *log, struct ring_stats *st,
		char *err, size_t errlen);

/* Where the text of a log line starts, after its <level>/time/caller prefix. */
const char *log_line_text(const char *line, const char *end);

#define LOG_SHOW_LEVEL	(1U << 0)
#define LOG_SHOW_CALLER	(1U << 1)
#define LOG_SHOW_DICT	(1U << 2)	/* the " SUBSYSTEM=" and " DEVICE=" lines */

/*
 * Write log lines as dmesg shows them: "[time] text", plus <level>,
 * [caller] and the device lines when asked. @skip_lines leading lines are
 * left out (for a tail).
 */
void log_print(FILE *f, const char *log, size_t len, unsigned int show, size_t skip_lines);
size_t log_count_lines(const char *log, size_t len);

/* The most telling line of a log (a panic, else an oops/BUG), without prefix. */
void log_reason(const char *log, size_t len, char *buf, size_t size);

#endif /* SAVEOOPS_PRINTK_RING_H */
