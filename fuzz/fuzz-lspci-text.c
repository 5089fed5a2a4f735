// SPDX-License-Identifier: LGPL-2.1-or-later
/* fuzz-lspci-text.c - the lspci -vv text parser on arbitrary text */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dmaown/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmaown_topology *t = NULL;
	struct dmaown_err err = { 0 };

	if (dmaown_lspci_text_parse((const char *)data, size, "fuzz", &t,
				    &err) == 0) {
		dmaown_topology_free(t);
	} else if (t || !err.msg[0] || strchr(err.msg, '\n')) {
		__builtin_trap();	/* errors are one line, no topology */
	}
	return 0;
}
