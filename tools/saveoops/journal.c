// SPDX-License-Identifier: GPL-2.0
/*
 * The journal's native protocol (systemd's JOURNAL_NATIVE_PROTOCOL): one
 * datagram on /run/systemd/journal/socket is one entry, a field a line,
 *	NAME=VALUE\n			for a value without a newline
 *	NAME\n<64-bit LE length>VALUE\n	for any value, binary safe
 * An entry too big for a datagram goes in a sealed memfd whose descriptor
 * is sent alone (SCM_RIGHTS), as sd_journal_sendv() does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "journal.h"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC		0x0001U
#define MFD_ALLOW_SEALING	0x0002U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS	1033
#define F_SEAL_SEAL	0x0001
#define F_SEAL_SHRINK	0x0002
#define F_SEAL_GROW	0x0004
#define F_SEAL_WRITE	0x0008
#endif

void journal_field(struct strbuf *entry, const char *name, const char *value, size_t len)
{
	uint64_t le = len;	/* little endian: store.h refuses other hosts */

	sb_add(entry, name, strlen(name));
	if (memchr(value, '\n', len)) {
		sb_add(entry, "\n", 1);
		sb_add(entry, &le, sizeof(le));
	} else {
		sb_add(entry, "=", 1);
	}
	sb_add(entry, value, len);
	sb_add(entry, "\n", 1);
}

void journal_fieldf(struct strbuf *entry, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		entry->oom = true;
		return;
	}
	journal_field(entry, name, s, (size_t)n);
	free(s);
}

/* The entry in a sealed memfd, its descriptor sent alone. */
static int send_memfd(int sock, const struct sockaddr_un *sa, const struct strbuf *entry)
{
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct msghdr mh = {
		.msg_name = (void *)sa, .msg_namelen = sizeof(*sa),
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	struct cmsghdr *cmsg;
	int fd, ret = -1;

	fd = (int)syscall(SYS_memfd_create, "saveoops-journal", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	if (write_full(fd, 0, entry->data, entry->len) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL))
		goto out;
	cmsg = CMSG_FIRSTHDR(&mh);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	ret = sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
out:
	close(fd);
	return ret;
}

int journal_send(const struct strbuf *entry, char *err, size_t errlen)
{
	const char *path = getenv("SAVEOOPS_JOURNAL_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int sock, ret = 0;

	if (entry->oom)
		return set_err(err, errlen, "out of memory");
	if (!path || !*path)
		path = JOURNAL_SOCKET;
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path) >= (int)sizeof(sa.sun_path))
		return set_err(err, errlen, "%s: path too long", path);
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return set_err(err, errlen, "socket: %s", strerror(errno));
	/* $SAVEOOPS_JOURNAL_MEMFD=1: the memfd way always (for tests). */
	if (getenv("SAVEOOPS_JOURNAL_MEMFD")) {
		if (send_memfd(sock, &sa, entry))
			ret = set_err(err, errlen, "%s: %s", path, strerror(errno));
	} else if (sendto(sock, entry->data, entry->len, MSG_NOSIGNAL, (struct sockaddr *)&sa,
			  sizeof(sa)) < 0) {
		/* Too big for a datagram (the socket's buffer): a memfd. */
		if ((errno != EMSGSIZE && errno != ENOBUFS) || send_memfd(sock, &sa, entry))
			ret = set_err(err, errlen, "%s: %s", path, strerror(errno));
	}
	close(sock);
	return ret;
}
