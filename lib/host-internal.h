/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * host-internal.h - what the live and fake actuators share (not public)
 */
#ifndef DMAOWN_HOST_INTERNAL_H
#define DMAOWN_HOST_INTERNAL_H

#include "dmaown/host.h"

struct dmaown_host {
	const struct dmaown_host_ops *ops;
	char *root;		/* as given */
	int rootfd;		/* O_PATH directory fd of root */
	unsigned long nwrites;	/* write attempts so far */
	dmaown_host_trace_fn trace;
	void *trace_ctx;
	bool test_stop;		/* DMAOWN_TEST_STOP_AFTER given (live only) */
	unsigned long test_stop_after;
};

/* plain file primitives relative to h->rootfd */
int host_file_write(struct dmaown_host *h, const char *path,
		    const char *value);
int host_file_read(struct dmaown_host *h, const char *path, char *buf,
		   size_t len);
int host_file_link(struct dmaown_host *h, const char *path, char *buf,
		   size_t len);
int host_file_exists(struct dmaown_host *h, const char *path);

/* allocate a host over @ops rooted at @root (opened O_PATH) */
int host_new(const struct dmaown_host_ops *ops, const char *root,
	     struct dmaown_host **ret);

/* "vfio_pci" -> "vfio-pci" style normalisation into @buf */
void host_driver_name(const char *in, char *buf, size_t len);

#endif
