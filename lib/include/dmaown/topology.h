/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/topology.h - the in-memory PCI topology every source produces
 *
 * Pure model: no I/O.  A topology is an opaque container of device
 * records (struct dmaown_dev).  Sources (live sysfs, snapshots, lspci
 * dumps, lspci text) and tests build one with dmaown_topology_add(), then
 * call dmaown_topology_finalize(), which links each device to the bridge
 * above it, applies the PCIe type correction and the effective
 * multifunction rule, and sorts the records by address.  After finalize
 * records are read-only and indexes are stable.
 *
 * Facts the kernel computed (its IOMMU groups, bound drivers) are kept in
 * the "host state" fields.  They describe the host; the group predictor
 * never reads kernel_group.
 */
#ifndef DMAOWN_TOPOLOGY_H
#define DMAOWN_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmaown/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- PCI addresses ---------------------------------------------------- */

struct dmaown_bdf {
	uint32_t domain;	/* segment; VMD domains are >= 0x10000 */
	uint8_t bus;
	uint8_t devfn;		/* device << 3 | function */
};

#define DMAOWN_BDF_STRLEN 16	/* "10000:00:1f.7" + NUL, rounded up */
#define DMAOWN_SLOT(devfn) ((devfn) >> 3)
#define DMAOWN_FUNC(devfn) ((devfn) & 7)
#define DMAOWN_DEVFN(slot, fn) ((uint8_t)(((slot) << 3) | (fn)))

/**
 * dmaown_bdf_parse() - parse "DDDD:BB:SS.F" or "BB:SS.F" (domain 0)
 * Return: 0, or -EINVAL for anything else (trailing text, bad digits,
 * slot > 0x1f, function > 7, domain > 0xffffffff).
 */
int dmaown_bdf_parse(const char *s, struct dmaown_bdf *ret);

/** dmaown_bdf_format() - full form "0000:00:1f.0"; returns @buf. */
char *dmaown_bdf_format(struct dmaown_bdf bdf, char buf[DMAOWN_BDF_STRLEN]);

/** dmaown_bdf_cmp() - order by domain, bus, devfn (qsort style). */
int dmaown_bdf_cmp(struct dmaown_bdf a, struct dmaown_bdf b);

/* ---- PCIe facts ------------------------------------------------------- */

enum dmaown_pcie_type {
	DMAOWN_PCIE_NONE = -1,		/* conventional PCI / PCI-X */
	DMAOWN_PCIE_ENDPOINT = 0x0,
	DMAOWN_PCIE_LEGACY_ENDPOINT = 0x1,
	DMAOWN_PCIE_ROOT_PORT = 0x4,
	DMAOWN_PCIE_UPSTREAM = 0x5,
	DMAOWN_PCIE_DOWNSTREAM = 0x6,
	DMAOWN_PCIE_PCIE_TO_PCI = 0x7,	/* PCIe-to-PCI/PCI-X bridge */
	DMAOWN_PCIE_PCI_TO_PCIE = 0x8,	/* reverse bridge */
	DMAOWN_PCIE_RCIEP = 0x9,
	DMAOWN_PCIE_RCEC = 0xa,
};

/* ACS Capability / Control bits (PCIe ext cap 0x0d, words at +4 / +6) */
#define DMAOWN_ACS_SV 0x0001
#define DMAOWN_ACS_TB 0x0002
#define DMAOWN_ACS_RR 0x0004
#define DMAOWN_ACS_CR 0x0008
#define DMAOWN_ACS_UF 0x0010
#define DMAOWN_ACS_EC 0x0020
#define DMAOWN_ACS_DT 0x0040
/* what the kernel's grouping code requires (REQ_ACS_FLAGS) */
#define DMAOWN_ACS_REQ (DMAOWN_ACS_SV | DMAOWN_ACS_RR | DMAOWN_ACS_CR | \
			DMAOWN_ACS_UF)

/* kernel dev_flags the quirks set (include/linux/pci.h bit numbers) */
#define DMAOWN_DEVF_ACS_ENABLED_QUIRK (1u << 3)
#define DMAOWN_DEVF_PCIE_BRIDGE_ALIAS (1u << 5)
#define DMAOWN_DEVF_BRIDGE_XLATE_ROOT (1u << 9)
#define DMAOWN_DEVF_PCI_BRIDGE_NO_ALIAS (1u << 14)

#define DMAOWN_MAX_BARS 6

struct dmaown_bar {
	uint64_t base;
	uint64_t size;		/* 0: BAR absent or size unknown */
	bool is_mem;		/* memory (vs I/O) */
	bool prefetch;
};

/*
 * One PCI function.  Fields marked (src) are set by the source before
 * finalize; (fin) are computed by dmaown_topology_finalize(); (quirk) by
 * the grouping code's header-quirk pass; (host) describe the running host.
 */
struct dmaown_dev {
	struct dmaown_bdf bdf;			/* (src) */
	uint16_t vendor, device;		/* (src) */
	uint16_t subsys_vendor, subsys_device;	/* (src) */
	uint32_t class_code;			/* (src) 24-bit class */
	uint8_t revision;			/* (src) */
	uint8_t header_type;			/* (src) low 7 bits */
	bool hdr_multifunction;			/* (src) header bit 7 as read */
	bool multifunction;	/* (fin) hdr bit, or forced for fn > 0; never for VFs */

	bool is_pcie;				/* (src) PCIe cap present */
	int pcie_type_raw;	/* (src) as read; DMAOWN_PCIE_NONE if !is_pcie */
	int pcie_type;		/* (fin) after set_pcie_port_type() correction */
	bool pcie_type_corrected;		/* (fin) */

	/* type 1 headers */
	bool is_bridge;				/* (src) */
	uint8_t secondary, subordinate;		/* (src) bus numbers */
	uint64_t mem_base, mem_limit;		/* (src) windows; limit < base: none */
	uint64_t pref_base, pref_limit;		/* (src) */

	/* ACS (ext cap 0x0d); acs_pos == 0 means no ACS capability */
	uint16_t acs_pos;			/* (src) */
	uint16_t acs_cap, acs_ctrl;		/* (src) words at +4, +6 */
	uint32_t acs_dw_cap, acs_dw_ctrl;	/* (src) dwords at +4, +8 (Intel SPT layout) */
	bool acs_known;		/* (src) false: source could not see ext. config space */

	/* SR-IOV */
	bool is_vf;				/* (src) */
	struct dmaown_bdf physfn_bdf;		/* (src) VF: its PF */
	uint16_t sriov_total_vfs, sriov_num_vfs;	/* (src) PF */
	uint16_t sriov_offset, sriov_stride, sriov_vf_device; /* (src) PF */
	bool ari;				/* (src) ARI capability */

	uint32_t rcba;		/* (src) config 0xf0 dword (Intel LPC 00:1f.0) */
	/* (src) ACPI DMAR/IVRS scope: 0 unknown, 1 inside, -1 outside every IOMMU */
	int8_t iommu_scope;

	int nbars;
	struct dmaown_bar bar[DMAOWN_MAX_BARS];	/* (src) */

	/* links, as indexes into the topology (-1: none) */
	bool parent_known;	/* (src) source set parent_bdf itself (sysfs path) */
	struct dmaown_bdf parent_bdf;	/* (src) valid if parent_known && has_parent */
	bool has_parent;			/* (src) with parent_known */
	/*
	 * (src) the source had no bus numbers for the bridges above: the
	 * link rests on an inferred numbering (see dmaown_host_info
	 * bus_numbers), or could not be inferred at all (the device is then
	 * shown on a root bus, which it may not be on)
	 */
	bool parent_inferred;
	bool parent_unknown;
	int parent;	/* (fin) bridge whose secondary bus holds this device */
	bool on_root_bus;	/* (fin) no bridge above (root bus or virtual bus off one) */
	bool on_virtual_bus;	/* (fin) VF on a bus no bridge owns */
	int physfn;		/* (fin) VF: index of its PF */
	int vmd_owner;		/* (fin) VMD endpoint this device DMAs as */

	/* (quirk) */
	uint32_t dev_flags;
	uint8_t *dma_alias_mask;	/* 32 bytes (256 devfns) or NULL */

	/* (host) state of the running host, never a prediction input */
	char *driver;			/* bound driver, NULL if none */
	char *driver_override;		/* NULL or "" if unset */
	char *modalias;
	int kernel_group;		/* /sys/kernel/iommu_groups/N, -1 none */
	char *name;			/* pci.ids name, filled by the tool */

	bool config_full;	/* (src) >= 4096 bytes of config were read */
	uint32_t config_len;	/* (src) bytes of config space seen */
};

struct dmaown_topology;

/* where the bridges' bus numbers (and so the parent links) came from */
enum dmaown_bus_numbers {
	DMAOWN_BUSNUM_READ = 0,	/* read from config space or printed */
	DMAOWN_BUSNUM_DFS,	/* inferred: depth-first, one bus per bridge */
	DMAOWN_BUSNUM_GAPS,	/* inferred: DFS with reserved bus ranges */
	DMAOWN_BUSNUM_UNKNOWN,	/* could not be inferred: parents unknown */
};

/* host-wide facts kept with the topology */
struct dmaown_host_info {
	char *cmdline;		/* /proc/cmdline, or NULL */
	char *kernel_release;	/* uname -r / proc/sys/kernel/osrelease */
	bool iommu_present;	/* an IOMMU driver registered (groups exist) */
	bool iommu_known;	/* the source could tell */
	char *iommu_kind;	/* "intel", "amd", "virtio", ... or NULL */
	bool ivrs_present;	/* AMD ACPI IVRS table present */
	/* worst of all domains; anything but READ: lspci text without Bus: */
	enum dmaown_bus_numbers bus_numbers;
};

struct dmaown_topology *dmaown_topology_new(void);
void dmaown_topology_free(struct dmaown_topology *t);

/**
 * dmaown_topology_add() - append a copy of @tmpl (strings are duplicated,
 * dma_alias_mask copied).  Only before finalize.
 * Return: index >= 0, -ENOMEM, -EEXIST for a duplicate address,
 * -EBUSY after finalize.
 */
int dmaown_topology_add(struct dmaown_topology *t, const struct dmaown_dev *tmpl);

/** dmaown_dev_init() - zero @d and set the "none" values (-1 links...). */
void dmaown_dev_init(struct dmaown_dev *d);

/**
 * dmaown_topology_finalize() - sort by address, link parents, VFs, VMD
 * owners, correct PCIe port types, compute effective multifunction.
 * Return: 0 or negative errno with @err naming the device.
 */
int dmaown_topology_finalize(struct dmaown_topology *t, struct dmaown_err *err);

size_t dmaown_topology_count(const struct dmaown_topology *t);
const struct dmaown_dev *dmaown_topology_dev(const struct dmaown_topology *t,
					     size_t i);
/** mutable access, for quirk passes and tools filling names */
struct dmaown_dev *dmaown_topology_dev_mut(struct dmaown_topology *t, size_t i);
/** Return: index of @bdf, or -ENODEV. */
int dmaown_topology_find(const struct dmaown_topology *t, struct dmaown_bdf bdf);

struct dmaown_host_info *dmaown_topology_host(struct dmaown_topology *t);
const struct dmaown_host_info *
dmaown_topology_host_const(const struct dmaown_topology *t);

/** dmaown_dev_set_str() - replace one of a record's strings (strdup). */
int dmaown_dev_set_str(char **field, const char *value);

/**
 * dmaown_topology_scan_order() - indexes in the kernel's registration
 * order (root buses by address, each bus in devfn order, then child buses
 * depth first).  @ret gets a malloc'd array of count() entries.
 */
int dmaown_topology_scan_order(const struct dmaown_topology *t, size_t **ret);

/* ---- partitions (groups) ---------------------------------------------- */

/*
 * A partition of a topology's devices into groups: group_of[i] is the
 * group index of device i, or -1 for a device in no group (no IOMMU).
 * Used for the kernel's groups and for predictions alike.
 */
struct dmaown_groups {
	size_t ndevs;
	size_t ngroups;
	int *group_of;		/* ndevs entries */
	char **why;		/* ngroups entries, each malloc'd or NULL */
	int *kernel_id;		/* ngroups: the kernel's group number, or -1 */
};

struct dmaown_groups *dmaown_groups_new(size_t ndevs);
void dmaown_groups_free(struct dmaown_groups *g);
/** dmaown_groups_from_kernel() - the kernel's groups as read by the source */
int dmaown_groups_from_kernel(const struct dmaown_topology *t,
			      struct dmaown_groups **ret);
/** dmaown_groups_equal() - same partition (as sets of sets)? */
bool dmaown_groups_equal(const struct dmaown_groups *a,
			 const struct dmaown_groups *b);
/**
 * dmaown_groups_members() - indexes of group @g's devices, in address
 * order, into a malloc'd array.  Return: count, or negative errno.
 */
int dmaown_groups_members(const struct dmaown_groups *gs, size_t g,
			  size_t **ret);

#ifdef __cplusplus
}
#endif
#endif
