// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * src-dump.c - topology from `lspci -x`/`-xxx`/`-xxxx` hex dumps
 *
 * The dump is read by libpci's dump method.  Pasted dumps are normalized
 * first (markdown fences dropped, leading blanks stripped, a final newline
 * added) into an anonymous memory file, so libpci sees what lspci wrote.
 * VFs read as vendor ffff in a dump; they are matched to the PF whose
 * SR-IOV capability covers their address and take the PF's vendor and
 * VF device ID, like the kernel's sysfs attributes do.
 */
#include <errno.h>
#include <pci/pci.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "src-internal.h"

#define DUMP_MAX (32u << 20)

static int normalize(const char *in, size_t len, int fd)
{
	const char *p = in, *end = in + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *s = p;

		while (s < le && (*s == ' ' || *s == '\t'))
			s++;
		if (!(le - s >= 3 && !strncmp(s, "```", 3))) {
			if (write(fd, s, (size_t)(le - s)) != le - s ||
			    write(fd, "\n", 1) != 1)
				return -errno;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

static bool vf_of(const struct dmaown_dev *pf, struct dmaown_bdf bdf)
{
	unsigned int pf_rid = (unsigned int)pf->bdf.bus << 8 | pf->bdf.devfn;
	unsigned int rid = (unsigned int)bdf.bus << 8 | bdf.devfn;
	unsigned int nvf = pf->sriov_num_vfs ? pf->sriov_num_vfs :
					       pf->sriov_total_vfs;
	unsigned int i;

	if (pf->bdf.domain != bdf.domain || !pf->sriov_offset)
		return false;
	for (i = 0; i < nvf; i++)
		if (pf_rid + pf->sriov_offset + i * pf->sriov_stride == rid)
			return true;
	return false;
}

static int add_vf(struct dmaown_topology *t, const struct dmaown_dev *pfs,
		  size_t npf, const struct src_raw *r, const char *what,
		  struct dmaown_err *err)
{
	char b[DMAOWN_BDF_STRLEN];
	uint8_t cfg[SRC_CFG_MAX];
	struct dmaown_dev d;
	size_t i;
	int ret;

	for (i = 0; i < npf; i++) {
		if (!vf_of(&pfs[i], r->bdf))
			continue;
		memcpy(cfg, r->cfg, r->len);
		cfg[0] = (uint8_t)pfs[i].vendor;
		cfg[1] = (uint8_t)(pfs[i].vendor >> 8);
		cfg[2] = (uint8_t)pfs[i].sriov_vf_device;
		cfg[3] = (uint8_t)(pfs[i].sriov_vf_device >> 8);
		dmaown_dev_init(&d);
		dmaown_config_parse(&d, cfg, r->len);
		d.bdf = r->bdf;
		d.is_vf = true;
		d.physfn_bdf = pfs[i].bdf;
		ret = dmaown_topology_add(t, &d);
		if (ret < 0)
			goto fail;
		return 0;
	}
	ret = -EINVAL;
fail:
	return dmaown_err_set(err, ret,
			      "%s: %s: %s", what, dmaown_bdf_format(r->bdf, b),
			      ret == -EEXIST ? "listed twice" :
			      "vendor ID ffff and no SR-IOV PF claims it");
}

static int build(const struct src_raw *raw, size_t n, const char *what,
		 struct dmaown_topology *t, struct dmaown_err *err)
{
	char b[DMAOWN_BDF_STRLEN];
	struct dmaown_dev *pfs;
	size_t i, npf = 0;
	int ret = 0;

	pfs = calloc(n ? n : 1, sizeof(*pfs));
	if (!pfs)
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++) {
		struct dmaown_dev d;
		const struct src_raw *r = &raw[i];
		int idx;

		dmaown_dev_init(&d);
		if (r->len < 64) {
			ret = dmaown_err_set(err, -EINVAL,
				"%s: %s: fewer than 64 bytes of config space",
				what, dmaown_bdf_format(r->bdf, b));
			break;
		}
		if (dmaown_config_parse(&d, r->cfg, r->len) < 0)
			continue;	/* VF or vanished: second pass */
		d.bdf = r->bdf;
		idx = dmaown_topology_add(t, &d);
		if (idx == -EEXIST)
			ret = dmaown_err_set(err, idx, "%s: %s: listed twice",
					     what, dmaown_bdf_format(r->bdf, b));
		else if (idx < 0)
			ret = idx;
		else if (d.sriov_total_vfs)
			pfs[npf++] = d;
	}
	for (i = 0; i < n && !ret; i++) {
		uint16_t vendor = (uint16_t)(raw[i].cfg[0] | raw[i].cfg[1] << 8);

		if (vendor == 0xffff || vendor == 0)
			ret = add_vf(t, pfs, npf, &raw[i], what, err);
	}
	free(pfs);
	return ret;
}

int src_load_dump(const char *path, struct dmaown_topology **ret,
		  struct dmaown_err *err)
{
	struct dmaown_topology *t;
	struct src_raw *raw = NULL;
	char fdpath[64], *text;
	long len;
	int fd, n, r;

	len = src_read_file(path, DUMP_MAX, &text);
	if (len < 0)
		return dmaown_err_set(err, (int)len, "%s: %s", path,
				      strerror((int)-len));
	fd = memfd_create("dmaown-dump", MFD_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		free(text);
		return dmaown_err_set(err, r, "%s: memfd: %s", path,
				      strerror(-r));
	}
	r = normalize(text, (size_t)len, fd);
	free(text);
	if (r < 0) {
		close(fd);
		return dmaown_err_set(err, r, "%s: %s", path, strerror(-r));
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	n = src_pci_collect(PCI_ACCESS_DUMP, "dump.name", fdpath, path, &raw,
			    err);
	close(fd);
	if (n < 0)
		return n;
	if (n == 0) {
		free(raw);
		return dmaown_err_set(err, -EINVAL,
				      "%s: no devices in the dump", path);
	}
	t = dmaown_topology_new();
	if (!t) {
		free(raw);
		return -ENOMEM;
	}
	r = build(raw, (size_t)n, path, t, err);
	free(raw);
	if (r < 0) {
		dmaown_topology_free(t);
		return r;
	}
	return src_finish(t, path, ret, err);
}
