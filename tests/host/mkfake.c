// SPDX-License-Identifier: LGPL-2.1-or-later
/* mkfake - build the group4 fake root (fakeroot.h) at DIR for CLI tests */
#include <stdio.h>
#include <stdlib.h>

#include "dmaown/host.h"
#include "fakeroot.h"

int main(int argc, char **argv)
{
	struct dmaown_topology *t;
	struct dmaown_err err = { 0 };
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: mkfake DIR\n");
		return 2;
	}
	t = fake_topology();
	r = dmaown_fake_build(argv[1], t, &err);
	dmaown_topology_free(t);
	if (r < 0) {
		fprintf(stderr, "mkfake: %s\n", err.msg);
		return 1;
	}
	return 0;
}
