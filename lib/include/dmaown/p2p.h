/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/p2p.h - peer-to-peer reachability below the root complex
 * (spec/groups.md §5.2) and the isolation domains it implies
 *
 * Pure model.  reach(A, B): can an untranslated memory request from A
 * reach B's memory BARs (or B's own memory target if B is a port)
 * without passing the root complex, i.e. without the IOMMU?  Ports do
 * not initiate requests.  The isolation domains are the connected
 * components of reach joined with DMA-alias equivalence; they equal the
 * SPEC-model prediction of dmaown_predict().  Policies: a multifunction
 * function without an ACS capability is assumed to loop back internally
 * unless a quirk vouches for it (mainline's conservative view); an SR-IOV
 * PF without ACS is treated as a multifunction device with its VFs; a
 * root port never routes to another root port unless they share a
 * multifunction slot without ACS; the pcie_acs_override= patch is
 * ignored (it changes what the kernel believes, not the hardware).
 */
#ifndef DMAOWN_P2P_H
#define DMAOWN_P2P_H

#include <stdbool.h>
#include <stddef.h>

#include "dmaown/predict.h"
#include "dmaown/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

enum dmaown_p2p_kind {
	DMAOWN_P2P_NONE = 0, /* not reachable below the RC */
	DMAOWN_P2P_MFD_INTERNAL, /* functions of one device, no ACS */
	DMAOWN_P2P_SRIOV_INTERNAL, /* PF and VFs of a PF without ACS */
	DMAOWN_P2P_CONVENTIONAL, /* behind an aliasing/conventional bridge */
	DMAOWN_P2P_SUBTREE_LOOPBACK, /* turned around at a port without UF */
	DMAOWN_P2P_SWITCH, /* DSP to peer DSP without RR */
};

#define DMAOWN_P2P_MAX_HOPS 64

struct dmaown_p2p_path {
	enum dmaown_p2p_kind kind;
	int via; /* the port/bridge that let it through */
	int nhops;
	int hops[DMAOWN_P2P_MAX_HOPS]; /* device indexes from A to B */
};

struct dmaown_p2p;

/**
 * dmaown_p2p_new() - prepare the routing model of @t
 * @o: options (cmdline, kver, acs_input...); the model field is ignored
 * Return: 0 or -ENOMEM/-EINVAL; *@ret to free with dmaown_p2p_free().
 */
int dmaown_p2p_new(const struct dmaown_topology *t,
		   const struct dmaown_predict_opts *o,
		   struct dmaown_p2p **ret);
void dmaown_p2p_free(struct dmaown_p2p *p);

/** dmaown_p2p_kind_name() - "switch P2P without ACS RR" etc. */
const char *dmaown_p2p_kind_name(enum dmaown_p2p_kind kind);

/**
 * dmaown_p2p_reach() - can device @a reach device @b below the RC?
 * @path: the route when reachable (may be NULL)
 * Return: 1 reachable, 0 not, -EINVAL for bad indexes or @a == @b.
 */
int dmaown_p2p_reach(struct dmaown_p2p *p, size_t a, size_t b,
		     struct dmaown_p2p_path *path);

/**
 * dmaown_p2p_domains() - the isolation domains as a partition, computed
 * structurally (per switch bus, MFD slot, conventional segment), in
 * O(n log n).  Return: 0 or negative errno.
 */
int dmaown_p2p_domains(struct dmaown_p2p *p, struct dmaown_groups **ret);

enum dmaown_weak_kind {
	DMAOWN_WEAK_SWITCH_DSP, /* DSPs without ACS RR split apart */
	DMAOWN_WEAK_MFD_SPLIT, /* MFD split by partial ACS */
	DMAOWN_WEAK_SRIOV, /* PF without ACS apart from its VFs */
	DMAOWN_WEAK_ACS_OVERRIDE, /* split by pcie_acs_override */
	DMAOWN_WEAK_OTHER,
};

#define DMAOWN_WEAK_MAX_DEVS 32

struct dmaown_weakness {
	enum dmaown_weak_kind kind;
	size_t ndevs;
	size_t devs[DMAOWN_WEAK_MAX_DEVS]; /* device indexes */
	char sentence[256];
};

/** dmaown_weak_kind_name() - "switch-dsp-no-acs" etc. */
const char *dmaown_weak_kind_name(enum dmaown_weak_kind kind);

/**
 * dmaown_p2p_weaknesses() - every place where @part (the kernel's groups
 * or a prediction) is narrower than the isolation domains
 * @ret: malloc'd array (free()), @n its length
 * Return: 0 or negative errno.
 */
int dmaown_p2p_weaknesses(struct dmaown_p2p *p,
			  const struct dmaown_groups *part,
			  struct dmaown_weakness **ret, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
