// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * profile.c - kernel semantics profiles (spec/ownership.md §0, §8.9)
 *
 * Each profile is a set of feature toggles.  Version boundaries marked
 * "inferred" in the spec are kept as the spec gives them; where the spec
 * names only "latest", 6.12 follows the nearer anchor, noted per field.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmaown/ownership.h"

static const struct dmaown_profile profiles[] = {
	{
		/* before the framework: VFIO notifier, viability walk */
		.name = "5.18",
		.legacy_vfio_bug_on = true,
		/* 5.19 added the "!owner" test; before it a newcomer always
		 * went to the default domain (§5.1) */
		.hotadd_reattach_default = true,
	},
	{
		.name = "5.19",
		.hotadd_reattach_default = true,
		.blocking_alloc_einval = true,
	},
	{
		.name = "6.1",
		.amd_identity_tolerance = true, /* 6.0-rc4 .. 6.6 */
		.hotadd_reattach_default = true,
		.blocking_alloc_einval = true,
		.vfio_cookie_is_group = true,
		.vfio_release_on_last_unbind = true,
	},
	{
		.name = "6.2",
		.pasid_checks = true,
		.null_cookie_einval = true,
		.device_claim_api = true,
		.amd_identity_tolerance = true,
		.hotadd_reattach_default = true,
		.blocking_alloc_einval = true,
		.vfio_cookie_is_group = true,
		.vfio_release_on_last_unbind = true,
	},
	{
		.name = "6.12",
		.pasid_checks = true,
		.null_cookie_einval = true,
		.device_claim_api = true,
		/* b46064a18810 was backported to stable 6.12 */
		.probe_defer_without_default = true,
		.sysfs_type_uses_owner_cnt = true, /* ~6.4 */
		.cdx_bus = true,		    /* ~6.4 */
		.test_remove_runs_cleanup = true,   /* ~6.5 */
		/* inferred: the probe/remove rework predates 6.12 */
		.empty_group_warn_and_free = true,
		.require_direct_blocks_blocking = true,
		.vfio_cookie_is_group = true,
		.vfio_release_on_last_unbind = true,
	},
	{
		.name = "latest",
		.pasid_checks = true,
		.null_cookie_einval = true,
		.device_claim_api = true,
		.probe_defer_without_default = true,
		.sysfs_type_uses_owner_cnt = true,
		.cdx_bus = true,
		.test_remove_runs_cleanup = true,
		.empty_group_warn_and_free = true,
		.require_direct_blocks_blocking = true,
		.vfio_cookie_is_group = true,
		.vfio_release_on_last_unbind = true,
	},
};

#define NPROFILES (sizeof(profiles) / sizeof(profiles[0]))

const struct dmaown_profile *dmaown_profile_get(const char *name)
{
	if (!name || !*name)
		name = "latest";
	for (size_t i = 0; i < NPROFILES; i++)
		if (!strcmp(profiles[i].name, name))
			return &profiles[i];
	return NULL;
}

const char *dmaown_profile_name_at(size_t i)
{
	return i < NPROFILES ? profiles[i].name : NULL;
}

static int read_num(const char **s, unsigned int *ret)
{
	char *end;
	unsigned long v;

	if (**s < '0' || **s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(*s, &end, 10);
	if (errno || v > 1000)
		return -EINVAL;
	*ret = (unsigned int)v;
	*s = end;
	return 0;
}

int dmaown_profile_auto(const char *release, const struct dmaown_profile **ret)
{
	unsigned int major, minor, v;
	const char *s = release;
	const char *name;

	if (!release || !ret)
		return -EINVAL;
	if (read_num(&s, &major) < 0 || *s++ != '.' || read_num(&s, &minor) < 0)
		return -EINVAL;
	v = major * 1000 + minor;
	/* before the ownership API, VFIO's own viability walk and BUG_ON */
	if (v < 5019)
		name = "5.18";
	else if (v < 6001)
		name = "5.19";
	else if (v < 6002)
		name = "6.1";
	else if (v < 6012)
		name = "6.2";
	else if (v < 6014)
		name = "6.12";
	else
		name = "latest";
	*ret = dmaown_profile_get(name);
	return 0;
}
