/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakeroot.h - build the fake roots the host tests use
 *
 * The "group4" host is spec/real-kernel.md's example: group 4 holds the
 * PCIe-to-PCI bridge 00:12.0 and the e1000s 06:01.0 and 06:02.0 behind
 * it; 01:00.0 is an e1000e alone in group 6 behind root port 00:10.0
 * (pcieport, group 2); 00:00.0 is the host bridge (group 0); 07:00.0 is
 * a device with no IOMMU group.
 */
#ifndef DMAOWN_TEST_FAKEROOT_H
#define DMAOWN_TEST_FAKEROOT_H

#include "dmaown/topology.h"

/* the group4 topology (finalized); free with dmaown_topology_free() */
struct dmaown_topology *fake_topology(void);

/* mkdtemp a directory under $TMPDIR and build the group4 tree in it */
char *fake_root_new(void);

/* rm -rf the tree and free the string */
void fake_root_free(char *root);

/* write @text to ROOT/@rel (creating parents); returns 0 or -errno */
int fake_put(const char *root, const char *rel, const char *text);

/* symlink ROOT/@rel -> @target */
int fake_link(const char *root, const char *rel, const char *target);

/*
 * "BDF driver override" lines for every device, for comparing host
 * states; malloc'd.
 */
char *fake_state(const char *root);

#endif
