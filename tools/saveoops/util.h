/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the saveoops programs. */
#ifndef SAVEOOPS_UTIL_H
#define SAVEOOPS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* A growable byte buffer; len bytes of data, always NUL-terminated. */
struct strbuf {
	char *data;
	size_t len;
	size_t cap;
	bool oom;		/* an append failed; data holds what fitted */
};

void sb_init(struct strbuf *sb);
void sb_free(struct strbuf *sb);
void sb_add(struct strbuf *sb, const void *data, size_t len);
void sb_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

uint32_t crc32_le(uint32_t crc, const void *data, size_t len);

int read_full(int fd, uint64_t off, void *buf, size_t len);

#define UUID_STR_LEN	37	/* 8-4-4-4-12 hex digits and a NUL */
void uuid_str(const uint8_t *uuid, char *buf);
int uuid_parse(const char *s, uint8_t *uuid);
int write_full(int fd, uint64_t off, const void *buf, size_t len);

#endif /* SAVEOOPS_UTIL_H */
