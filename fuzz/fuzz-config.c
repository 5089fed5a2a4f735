// SPDX-License-Identifier: LGPL-2.1-or-later
/* fuzz-config.c - the config-space walker on arbitrary bytes */
#include <stddef.h>
#include <stdint.h>

#include "dmaown/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmaown_dev d;

	dmaown_dev_init(&d);
	dmaown_config_parse(&d, data, size);
	if (d.acs_pos && d.acs_pos < 0x100)
		__builtin_trap();
	return 0;
}
