// SPDX-License-Identifier: GPL-2.0
/* Small helpers shared by the saveoops programs. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

void sb_init(struct strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void sb_free(struct strbuf *sb)
{
	free(sb->data);
	sb_init(sb);
}

static bool sb_grow(struct strbuf *sb, size_t more)
{
	size_t cap = sb->cap ? sb->cap : 4096;
	char *data;

	if (sb->oom || more > SIZE_MAX / 2 - sb->len)
		return false;
	while (cap < sb->len + more + 1)
		cap *= 2;
	if (cap == sb->cap)
		return true;
	data = realloc(sb->data, cap);
	if (!data)
		return false;
	sb->data = data;
	sb->cap = cap;
	return true;
}

void sb_add(struct strbuf *sb, const void *data, size_t len)
{
	if (!sb_grow(sb, len)) {
		sb->oom = true;
		return;
	}
	if (len)
		memcpy(sb->data + sb->len, data, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		sb_add(sb, small, (size_t)n);
		return;
	}
	if (!sb_grow(sb, (size_t)n)) {
		sb->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

/**
 * set_err() - put a one-line reason in a caller's buffer
 * @err: the buffer
 * @errlen: its size
 * @fmt: printf format of the reason
 *
 * errno is kept, so a caller may still look at it.
 *
 * Return: -1, for "return set_err(...)".
 */
int set_err(char *err, size_t errlen, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

/* CRC-32 (IEEE 802.3, as zlib and the kernel's crc32_le with ~0 seed/xor). */
uint32_t crc32_le(uint32_t crc, const void *data, size_t len)
{
	static uint32_t table[256];
	const unsigned char *p = data;
	size_t i;

	if (!table[1]) {
		for (i = 0; i < 256; i++) {
			uint32_t c = (uint32_t)i;
			int k;

			for (k = 0; k < 8; k++)
				c = (c & 1) ? 0xedb88320U ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

int read_full(int fd, uint64_t off, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int write_full(int fd, uint64_t off, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/**
 * uuid_str() - a UUID as text, 8-4-4-4-12 lower-case hex
 * @uuid: 16 bytes
 * @buf: UUID_STR_LEN bytes
 */
void uuid_str(const uint8_t *uuid, char *buf)
{
	unsigned int i;
	char *p = buf;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		p += sprintf(p, "%02x", uuid[i]);
	}
}

/**
 * uuid_parse() - read a UUID as uuid_str() writes it
 * @s: the text; upper-case hex is taken too
 * @uuid: 16 bytes, set on success
 *
 * Return: 0, or -1 if @s is not exactly a UUID.
 */
int uuid_parse(const char *s, uint8_t *uuid)
{
	unsigned int i, n = 0;

	for (i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		int v;

		if (dash) {
			if (s[i] != '-')
				return -1;
			continue;
		}
		if (s[i] >= '0' && s[i] <= '9')
			v = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			v = s[i] - 'a' + 10;
		else if (s[i] >= 'A' && s[i] <= 'F')
			v = s[i] - 'A' + 10;
		else
			return -1;
		if (n % 2)
			uuid[n / 2] |= (uint8_t)v;
		else
			uuid[n / 2] = (uint8_t)(v << 4);
		n++;
	}
	return s[36] ? -1 : 0;
}
