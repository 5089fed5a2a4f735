// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench-predict.c - time dmaown_predict() on synthetic fabrics from 1k to
 * 1M functions and report peak RSS, one child process per size.
 *
 *   sriov:  per PCI domain, 128 root ports (ACS) in multifunction slots,
 *           each with a PF (no ACS) and 255 VFs on its bus plus up to 255
 *           on a virtual bus;
 *   switch: per domain, RP -> USP -> 16 DSPs -> USP -> 8 DSPs -> 8-function
 *           endpoints; every other DSP lacks ACS.
 *
 * Usage: bench-predict [MAX_FUNCTIONS]   (default 1000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dmaown/predict.h"
#include "dmaown/topology.h"

static size_t added;

static void add(struct dmaown_topology *t, uint32_t dom, int bus, int devfn,
		int type, int sec, bool mf, bool acs, int vf_of_bus)
{
	struct dmaown_dev d;

	dmaown_dev_init(&d);
	d.bdf.domain = dom;
	d.bdf.bus = (uint8_t)bus;
	d.bdf.devfn = (uint8_t)devfn;
	d.is_pcie = true;
	d.pcie_type_raw = type;
	d.is_bridge = sec > 0;
	d.header_type = sec > 0;
	d.secondary = d.subordinate = (uint8_t)sec;
	d.hdr_multifunction = mf;
	d.vendor = 0x1234;
	d.device = 0x5678;
	d.class_code = 0x020000;
	if (acs) {
		d.acs_pos = 0x100;
		d.acs_cap = d.acs_ctrl = 0x1f;
	}
	if (vf_of_bus >= 0) {
		d.is_vf = true;
		d.physfn_bdf.domain = dom;
		d.physfn_bdf.bus = (uint8_t)vf_of_bus;
		d.physfn_bdf.devfn = 0;
	}
	if (dmaown_topology_add(t, &d) >= 0)
		added++;
}

static void sriov(struct dmaown_topology *t, size_t target)
{
	uint32_t dom;

	for (dom = 0; added < target; dom++) {
		int bus = 1, rp;

		for (rp = 0; rp < 120 && added < target && bus < 254; rp++) {
			int v, nvf = 255 + 255;

			add(t, dom, 0, rp, DMAOWN_PCIE_ROOT_PORT, bus,
			    (rp & 7) == 0, true, -1);
			add(t, dom, bus, 0, DMAOWN_PCIE_ENDPOINT, 0, false,
			    false, -1);
			for (v = 1; v <= nvf && added < target; v++)
				add(t, dom, v < 256 ? bus : bus + 1, v & 0xff,
				    DMAOWN_PCIE_ENDPOINT, 0, false, false, bus);
			bus += 2;
		}
	}
}

static void switches(struct dmaown_topology *t, size_t target)
{
	uint32_t dom;

	for (dom = 0; added < target; dom++) {
		int bus = 3, i, j, f;

		add(t, dom, 0, 0, DMAOWN_PCIE_ROOT_PORT, 1, false, true, -1);
		add(t, dom, 1, 0, DMAOWN_PCIE_UPSTREAM, 2, false, false, -1);
		for (i = 0; i < 16 && added < target; i++) {
			int usp = bus++, dsps = bus++;

			add(t, dom, 2, i << 3, DMAOWN_PCIE_DOWNSTREAM, usp,
			    false, i & 1, -1);
			add(t, dom, usp, 0, DMAOWN_PCIE_UPSTREAM, dsps, false,
			    false, -1);
			for (j = 0; j < 8; j++) {
				int ep = bus++;

				add(t, dom, dsps, j << 3,
				    DMAOWN_PCIE_DOWNSTREAM, ep, false, j & 1,
				    -1);
				for (f = 0; f < 8; f++)
					add(t, dom, ep, f, DMAOWN_PCIE_ENDPOINT,
					    0, f == 0, false, -1);
			}
		}
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(const char *kind, size_t target)
{
	struct dmaown_topology *t = dmaown_topology_new();
	struct dmaown_predict_opts ko = { .model = DMAOWN_MODEL_KERNEL };
	struct dmaown_predict_opts so = { .model = DMAOWN_MODEL_SPEC };
	struct dmaown_groups *g;
	struct rusage ru;
	double t0, tk, ts;
	size_t ngk, ngs;

	added = 0;
	if (!strcmp(kind, "sriov"))
		sriov(t, target);
	else
		switches(t, target);
	if (dmaown_topology_finalize(t, NULL))
		return 1;
	t0 = now();
	if (dmaown_predict(t, &ko, &g))
		return 1;
	tk = now() - t0;
	ngk = g->ngroups;
	dmaown_groups_free(g);
	t0 = now();
	if (dmaown_predict(t, &so, &g))
		return 1;
	ts = now() - t0;
	ngs = g->ngroups;
	dmaown_groups_free(g);
	getrusage(RUSAGE_SELF, &ru);
	printf("| %-6s | %9zu | %8.3f | %8.3f | %8.1f | %9zu | %9zu | %8ld |\n",
	       kind, dmaown_topology_count(t), tk * 1e3, ts * 1e3,
	       tk * 1e9 / (double)dmaown_topology_count(t), ngk, ngs,
	       ru.ru_maxrss / 1024);
	fflush(stdout);
	dmaown_topology_free(t);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const kinds[] = { "sriov", "switch" };
	size_t max = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	size_t k, n;

	printf("| fabric | functions | kernel ms | spec ms | ns/func (kernel) | kernel groups | spec groups | peak RSS MiB |\n");
	printf("|--------|----------:|----------:|--------:|-----------------:|--------------:|------------:|-------------:|\n");
	for (k = 0; k < 2; k++)
		for (n = 1000; n <= max; n *= 10) {
			pid_t pid;
			int st;

			fflush(stdout);
			pid = fork();
			if (pid == 0)
				_exit(run(kinds[k], n));
			if (pid < 0 || waitpid(pid, &st, 0) < 0 || st) {
				fprintf(stderr,
					"bench-predict: %s %zu failed\n",
					kinds[k], n);
				return 1;
			}
		}
	return 0;
}
