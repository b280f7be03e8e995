/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One structured entry to the systemd journal, over journald's native
 * protocol, without libsystemd (the programs link statically).
 */
#ifndef SAVEOOPS_JOURNAL_H
#define SAVEOOPS_JOURNAL_H

#include <stddef.h>

#include "util.h"

/*
 * journald's socket; for tests, $SAVEOOPS_JOURNAL_SOCKET replaces it and
 * $SAVEOOPS_JOURNAL_MEMFD sends every entry in a memfd.
 */
#define JOURNAL_SOCKET	"/run/systemd/journal/socket"

void journal_field(struct strbuf *entry, const char *name, const char *value, size_t len);
void journal_fieldf(struct strbuf *entry, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int journal_send(const struct strbuf *entry, char *err, size_t errlen);

#endif /* SAVEOOPS_JOURNAL_H */
