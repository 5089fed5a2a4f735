/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dmaown/broker.h - the dmaownd protocol, its policy and its lease records
 *
 * Pure: parsing, validation, policy evaluation and formatting only; the
 * daemon (src/dmaownd.c) does every read, write and socket call.
 *
 * Protocol: newline-delimited JSON over a Unix stream socket.  Each
 * request is one JSON object on one line of at most
 * DMAOWN_BROKER_LINE_MAX bytes (newline included); the answer is one JSON
 * object on one line.  Every request may carry "id" (a string of at most
 * 64 bytes or an integer), echoed in the answer.  Unknown members are
 * refused.
 *
 *   {"op":"hello","version":1}
 *	-> {"ok":true,"version":1,"server":"dmaownd","uid":U,"pid":P}
 *   {"op":"list"}
 *	-> {"ok":true,"groups":[{"group":4,"state":"free",
 *	    "drivers":["vfio-pci"],"devices":[{"bdf":"0000:06:01.0",
 *	    "vendor":"8086","device":"100e","driver":"e1000"}, ...]}, ...]}
 *	   the groups the client may acquire; state is free, leased (then
 *	   "holder" gives the pid), mine, or assigned (held by dmaown outside
 *	   the broker)
 *   {"op":"acquire","device":"06:01.0","driver":"vfio-pci"}
 *	-> {"ok":true,"group":4,"driver":"vfio-pci","path":"/dev/vfio/4",
 *	    "devices":[...]} with the open group file passed as SCM_RIGHTS
 *	   ancillary data on the first byte of the answer ("driver" is
 *	   optional, vfio-pci by default; pci-stub passes no fd)
 *   {"op":"release","group":4}
 *	-> {"ok":true,"group":4}
 *   {"op":"status"}
 *	-> {"ok":true,"leases":[{"group":4,"pid":P,"uid":U,"driver":D,
 *	    "device":BDF,"mine":true}]}  (root sees every lease)
 *
 * Errors: {"ok":false,"error":"EPERM","message":"0000:06:02.0: ..."}.
 */
#ifndef DMAOWN_BROKER_H
#define DMAOWN_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmaown/error.h"
#include "dmaown/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DMAOWN_BROKER_VERSION 1
#define DMAOWN_BROKER_LINE_MAX 4096	/* bytes per request, newline included */
#define DMAOWN_BROKER_ID_MAX 64
#define DMAOWN_BROKER_NAME_MAX 16	/* "vfio-pci", "pci-stub" */

enum dmaown_broker_op {
	DMAOWN_BROKER_HELLO,
	DMAOWN_BROKER_LIST,
	DMAOWN_BROKER_ACQUIRE,
	DMAOWN_BROKER_RELEASE,
	DMAOWN_BROKER_STATUS,
	DMAOWN_BROKER_OP_MAX,
};

/**
 * struct dmaown_broker_req - one parsed request
 * @op: the operation
 * @id: the client's "id" as JSON text (a quoted string or an integer),
 *	"" when absent; echoed verbatim
 * @version: hello: the client's protocol version
 * @device: acquire: the device named
 * @driver: acquire: "vfio-pci" or "pci-stub" (module spellings accepted
 *	and normalised)
 * @group: release: the group
 */
struct dmaown_broker_req {
	enum dmaown_broker_op op;
	char id[DMAOWN_BROKER_ID_MAX + 3];
	int version;
	struct dmaown_bdf device;
	char driver[DMAOWN_BROKER_NAME_MAX];
	int group;
};

/**
 * dmaown_broker_parse() - parse one request line
 * @line: the bytes (need not be NUL-terminated; may contain NULs)
 * @len: their number, without the newline
 * @ret: the request
 * @err: one line saying what is wrong, on failure
 *
 * Never reads past @len.  Return: 0; -E2BIG (line too long), -EINVAL
 * (NUL byte, invalid UTF-8 or JSON, not an object, wrong member type or
 * value, unknown member), -EOPNOTSUPP (unknown op), -EPROTONOSUPPORT
 * (hello with a version this broker does not speak).  @ret->id is
 * filled as far as it could be read even on failure.
 */
int dmaown_broker_parse(const char *line, size_t len,
			struct dmaown_broker_req *ret, struct dmaown_err *err);

/** dmaown_broker_op_name() - "hello", "list", ...; "?" when unknown */
const char *dmaown_broker_op_name(enum dmaown_broker_op op);

/**
 * dmaown_broker_error() - an error answer line (newline-terminated)
 * @id: the request's id ("" or NULL: none)
 * @code: negative errno; its name goes in "error"
 * @message: one line for humans; control characters are escaped
 * @ret: malloc'd line
 * Return: 0 or -ENOMEM.
 */
int dmaown_broker_error(const char *id, int code, const char *message,
			char **ret);

/* ---- answers ---------------------------------------------------------- */

/* one device of a group, as answers list it */
struct dmaown_broker_dev {
	struct dmaown_bdf bdf;
	uint16_t vendor, device;
	char driver[64];	/* "" none */
};

enum dmaown_broker_gstate {
	DMAOWN_BROKER_FREE,	/* nobody holds it */
	DMAOWN_BROKER_LEASED,	/* another client's lease */
	DMAOWN_BROKER_MINE,	/* this client's lease */
	DMAOWN_BROKER_ASSIGNED,	/* held by dmaown outside the broker */
	DMAOWN_BROKER_GSTATE_MAX,
};

/**
 * struct dmaown_broker_group - a group in a list answer
 * @drivers: bit 0 vfio-pci, bit 1 pci-stub: what the policy allows
 * @holder: LEASED/MINE: the holding client's pid
 */
struct dmaown_broker_group {
	int group;
	enum dmaown_broker_gstate state;
	long holder;
	unsigned int drivers;
	size_t ndevs;
	struct dmaown_broker_dev *devs;
};

#define DMAOWN_BROKER_DRV_VFIO 0x1
#define DMAOWN_BROKER_DRV_STUB 0x2

/** dmaown_broker_gstate_name() - "free", "leased", "mine", "assigned" */
const char *dmaown_broker_gstate_name(enum dmaown_broker_gstate s);

/**
 * struct dmaown_lease - a group handed to a client (also the lease record)
 * @group: IOMMU group
 * @pid: client process
 * @start: the client's start time (field 22 of /proc/PID/stat), to tell
 *	a recycled pid from the client; 0 unknown
 * @uid: client user
 * @gid: client group
 * @device: the device the client named
 * @driver: "vfio-pci" or "pci-stub"
 */
struct dmaown_lease {
	int group;
	long pid;
	unsigned long long start;
	uint32_t uid, gid;
	struct dmaown_bdf device;
	char driver[DMAOWN_BROKER_NAME_MAX];
};

/**
 * dmaown_broker_format_hello() - the hello answer for client @uid/@pid
 * dmaown_broker_format_list() - the list answer
 * dmaown_broker_format_acquired() - the acquire answer (@path: the group
 *	file handed over, NULL for none)
 * dmaown_broker_format_released() - the release answer
 * dmaown_broker_format_status() - the status answer; @mine_pid marks the
 *	asking client's leases
 *
 * Each returns 0 or -ENOMEM with a malloc'd newline-terminated line in
 * @ret.
 */
int dmaown_broker_format_hello(const char *id, uint32_t uid, long pid,
			       char **ret);
int dmaown_broker_format_list(const char *id,
			      const struct dmaown_broker_group *g, size_t n,
			      char **ret);
int dmaown_broker_format_acquired(const char *id, int group,
				  const char *driver, const char *path,
				  const struct dmaown_broker_dev *devs,
				  size_t ndevs, char **ret);
int dmaown_broker_format_released(const char *id, int group, char **ret);
int dmaown_broker_format_status(const char *id,
				const struct dmaown_lease *l, size_t n,
				long mine_pid, char **ret);

/**
 * dmaown_lease_format() - @l as record text (malloc'd into @ret):
 *
 *   dmaownd-lease 1
 *   group N
 *   pid PID
 *   start TICKS
 *   uid UID
 *   gid GID
 *   device BDF
 *   driver NAME
 *
 * dmaown_lease_parse() - the inverse; @name is used in messages
 * Return: 0 or negative errno (-EINVAL: "NAME:LINE: problem" in @err).
 */
int dmaown_lease_format(const struct dmaown_lease *l, char **ret);
int dmaown_lease_parse(const char *name, const char *text, size_t len,
		       struct dmaown_lease *ret, struct dmaown_err *err);

/* ---- policy ----------------------------------------------------------- */

/*
 * Policy file: one rule a line, '#' starts a comment, blank lines are
 * skipped, everything not allowed is denied:
 *
 *   allow SUBJECT DEVICES [driver=vfio-pci|pci-stub]
 *
 *   SUBJECT  user=NAME | uid=N | group=NAME | gid=N
 *            (group/gid match the primary or any supplementary group)
 *   DEVICES  device=BDF | vendor=VVVV[:DDDD] | group-of=BDF
 *            (group-of: every device in BDF's IOMMU group as the kernel
 *            has it now)
 *   driver   the drivers the rule allows; both when absent
 *
 * The words after "allow" may come in any order, each at most once.
 * Acquiring a group needs, for every member that is not a bridge (the
 * client gets all of them), a rule allowing that client that device on
 * that driver.
 */
struct dmaown_policy;

/**
 * dmaown_policy_parse() - parse policy text
 * @name: file name for messages ("FILE:LINE: ...")
 * @text: the text (need not be NUL-terminated)
 * @len: its length
 * Return: 0; -EINVAL with @err naming FILE:LINE; -ENOMEM.
 */
int dmaown_policy_parse(const char *name, const char *text, size_t len,
			struct dmaown_policy **ret, struct dmaown_err *err);

/** dmaown_policy_free() - NULL is fine */
void dmaown_policy_free(struct dmaown_policy *p);

/** dmaown_policy_count() - number of rules */
size_t dmaown_policy_count(const struct dmaown_policy *p);

/**
 * struct dmaown_broker_client - who asks (from SO_PEERCRED and NSS)
 * @user: user name of @uid, or NULL if it has none
 * @groups: names of @gids (NULL entries for gids without a name)
 * @gids: primary and supplementary groups
 */
struct dmaown_broker_client {
	uint32_t uid, gid;
	long pid;
	const char *user;
	size_t ngids;
	const uint32_t *gids;
	const char *const *groups;
};

/**
 * dmaown_policy_allows() - may @c put device @idx of @t on @driver?
 * @ret_line: the allowing rule's line (may be NULL)
 * Return: true if some rule allows it.
 */
bool dmaown_policy_allows(const struct dmaown_policy *p,
			  const struct dmaown_broker_client *c,
			  const struct dmaown_topology *t, size_t idx,
			  const char *driver, unsigned int *ret_line);

/**
 * dmaown_policy_check_group() - may @c acquire group @group on @driver?
 * Every member that is not a bridge must be allowed.
 * Return: 0; -EPERM with @err naming the first device refused and why;
 * -ENOENT when no device of @t is in @group.
 */
int dmaown_policy_check_group(const struct dmaown_policy *p,
			      const struct dmaown_broker_client *c,
			      const struct dmaown_topology *t, int group,
			      const char *driver, struct dmaown_err *err);

/** dmaown_broker_is_bridge() - a member the broker never hands over */
bool dmaown_broker_is_bridge(const struct dmaown_dev *d);

#ifdef __cplusplus
}
#endif
#endif
