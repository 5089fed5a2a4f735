// SPDX-License-Identifier: LGPL-2.1-or-later
/* fuzz-lspci-dump.c - lspci -xxx dumps through libpci's dump method */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmaown/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/dmaown-fuzz-dump-XXXXXX";
	struct dmaown_topology *t = NULL;
	struct dmaown_err err = { 0 };
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	if (dmaown_source_load(DMAOWN_SOURCE_LSPCI_DUMP, path, &t, &err) == 0)
		dmaown_topology_free(t);
	else if (t || !err.msg[0] || strchr(err.msg, '\n'))
		__builtin_trap();
	unlink(path);
	return 0;
}
