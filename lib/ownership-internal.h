/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ownership-internal.h - engine internals shared by the ownership files
 *
 * Lock order: eng->lock (rwlock; read by every operation, write to add or
 * remove devices/groups and to check invariants) -> dev->lock (the model's
 * device_lock, held across a probe or a release) -> group->lock (the
 * kernel's group->mutex).  Helpers named __x() need the group lock held.
 */
#ifndef DMAOWN_OWNERSHIP_INTERNAL_H
#define DMAOWN_OWNERSHIP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "dmaown/drivers.h"
#include "dmaown/ownership.h"

/* nothing below is part of the library's ABI */
#pragma GCC visibility push(hidden)

struct og_dev {
	pthread_mutex_t lock;
	char name[DMAOWN_BDF_STRLEN + 16];	/* const */
	int home;		/* const: group it belongs to, -1 none */
	int group;		/* (eng write) current membership, -1 none */
	bool present;		/* (eng write) */
	bool require_direct;	/* const */
	bool bridge;		/* const: PCI header type not normal */
	bool no_coherency;	/* const: no IOMMU_CAP_CACHE_COHERENCY */
	bool cdx;		/* const: on the CDX bus */
	char driver[DMAOWN_DRIVER_NAME_MAX];	/* (dev lock) "" if none */
	bool dma_counted;	/* (dev lock) bound driver counted */
	bool vfio_bound;	/* (dev lock) registered with VFIO */
	bool unbinding;		/* (dev lock) between unbind begin/finish */
	bool resetting;		/* (group lock) reset_prepare pending */
	/*
	 * (group lock) legacy VFIO viability of this member, kept up to date
	 * at bind/unbind so the walk never reads another device's driver
	 * (the kernel's READ_ONCE(dev->driver)).
	 */
	bool legacy_ok;
	bool unbound_listed;	/* (group lock) on VFIO's unbound_list */
	unsigned long attached;	/* (group lock) its domain */
};

struct og_group {
	pthread_mutex_t lock;
	unsigned int flags;		/* const */
	int *members;			/* (eng write) dev ids ever in here */
	size_t nmembers, cap;
	size_t ndevs;			/* (group lock) present members */
	bool default_ready;		/* (group lock) */
	unsigned long default_domain;	/* (group lock) */
	unsigned long blocking_domain;	/* (group lock) */
	unsigned long domain;		/* (group lock) */
	uintptr_t owner;		/* (group lock) */
	unsigned int owner_cnt;		/* (group lock) */
	unsigned int pasid_cnt;		/* (group lock) */
	unsigned int blocking_allocs;	/* (group lock) */
	unsigned int domain_frees;	/* (group lock) empty-group frees */
	unsigned int resetting;		/* (group lock) resetting_domain set */
	const char *kbug;		/* (group lock) known kernel hole hit */
	/* VFIO layer, same lock */
	unsigned int vfio_devs;
	unsigned int vfio_fd;		/* open file, 0 if none */
	unsigned int vfio_fd_seq;	/* last fd number handed out */
	bool vfio_container;
	bool vfio_iommu;		/* SET_IOMMU done */
	unsigned long vfio_domain;
	uintptr_t vfio_cookie;
	char group_token, container_token;	/* addresses are cookies */
};

struct dmaown_engine {
	const struct dmaown_profile *prof;
	pthread_rwlock_t lock;
	struct og_dev **devs;		/* (eng write) */
	size_t ndevs, dcap;
	struct og_group **groups;	/* (eng write) */
	size_t ngroups, gcap;
	atomic_ulong warns;
	atomic_ulong crashes;
	atomic_ulong kernel_bugs;
	atomic_ulong next_domain;
	atomic_bool allow_unsafe_interrupts;
	struct dmaown_driver *overrides;	/* (eng write) */
	size_t noverrides, ocap;
};

static inline void og_warn(struct dmaown_engine *eng)
{
	atomic_fetch_add(&eng->warns, 1);
}

/* a known kernel hole was hit in @g (group lock held) */
static inline void __og_kernel_bug(struct dmaown_engine *eng,
				   struct og_group *g, const char *what)
{
	atomic_fetch_add(&eng->kernel_bugs, 1);
	if (!g->kbug)
		g->kbug = what;
}

/* pre-5.19 kernel: no ownership calls, VFIO notifier and viability walk */
static inline bool og_legacy(struct dmaown_engine *eng)
{
	return eng->prof->legacy_vfio_bug_on;
}

/* lookups; callers hold eng->lock (read or write) */
struct og_dev *og_dev(struct dmaown_engine *eng, int id);
struct og_group *og_group(struct dmaown_engine *eng, int id);
/* group of a device, NULL if none; callers hold eng->lock */
struct og_group *og_dev_group(struct dmaown_engine *eng, struct og_dev *d);

/* group-lock-held helpers (ownership-calls.c) */
int __og_set_domain(struct dmaown_engine *eng, struct og_group *g,
		    unsigned long dom);
int __og_use_default(struct dmaown_engine *eng, struct og_group *g);
void __og_unuse_default(struct dmaown_engine *eng, struct og_group *g);
int __og_group_claim(struct dmaown_engine *eng, struct og_group *g,
		     uintptr_t cookie);
void __og_group_release(struct dmaown_engine *eng, struct og_group *g);
int __og_attach(struct dmaown_engine *eng, struct og_group *g,
		unsigned long dom);
void __og_core_domain(struct dmaown_engine *eng, struct og_group *g);

/* driver flags: engine overrides, then the table; eng->lock held */
void og_driver_flags(struct dmaown_engine *eng, const char *name,
		     bool *managed, bool *vfio);
/* legacy viability of one member (group lock held) */
void __og_legacy_update(struct og_dev *d);
bool __og_legacy_viable(struct dmaown_engine *eng, struct og_group *g);

/* VFIO (ownership-driver.c), group lock held: last VFIO device left */
void __og_vfio_last_gone(struct dmaown_engine *eng, struct og_group *g);
/* dev lock held: driver release path; used by unbind and hot-remove */
void og_release_driver(struct dmaown_engine *eng, struct og_dev *d);

#pragma GCC visibility pop
#endif
