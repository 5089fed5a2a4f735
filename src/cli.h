/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cli.h - shared plumbing of the dmaown command: global options, loading
 * a topology from the chosen source, pci.ids names, output and exit codes.
 *
 * Every command is `int cmd_NAME(struct cli *cli, int argc, char **argv)`
 * where argv[0] is the command name and the global options are already
 * parsed out.  It returns an exit status: CLI_OK (0), CLI_NO (1: a check
 * said no, or a mismatch), CLI_ERR (2: bad input or an error).
 */
#ifndef DMAOWN_CLI_H
#define DMAOWN_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "dmaown/error.h"
#include "dmaown/source.h"
#include "dmaown/topology.h"

enum { CLI_OK = 0, CLI_NO = 1, CLI_ERR = 2 };

struct cli {
	/* global options */
	const char *root;		/* --root DIR; NULL = live host "/" */
	const char *lspci_dump;		/* --lspci-dump FILE */
	const char *lspci_text;		/* --lspci-text FILE */
	const char *profile;		/* --profile NAME (kernel semantics) */
	bool json;			/* --json */
	bool quiet;
	bool verbose;
	FILE *out;			/* stdout */
	FILE *errf;			/* stderr */
	/* loaded lazily by cli_topology() */
	struct dmaown_topology *topo;
	void *names;			/* libpci handle for pci.ids names */
};

/**
 * cli_topology() - load (once) the topology from the selected source.
 * Prints a one-line error naming the file/device and returns NULL on
 * failure.  Names from pci.ids are filled in through libpci.
 */
struct dmaown_topology *cli_topology(struct cli *cli);

/** cli_cleanup() - free what the cli loaded (main calls it) */
void cli_cleanup(struct cli *cli);

/** cli_root() - the sysfs root in use: --root or "/" */
const char *cli_root(const struct cli *cli);

/** cli_error() - print "dmaown: <msg>" to stderr; returns CLI_ERR */
int cli_error(struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** cli_warn() - print "dmaown: warning: <msg>" to stderr */
void cli_warn(struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * cli_find_dev() - resolve a user-typed BDF against the topology.
 * Prints a clear error (malformed, or no such device) and returns -1.
 */
int cli_find_dev(struct cli *cli, const char *bdf);

/** cli_wants_help() - true if argv has -h/--help; prints @usage then */
bool cli_wants_help(struct cli *cli, int argc, char **argv,
		    const char *usage);

/** short class description ("Ethernet controller") from libpci */
const char *cli_class_name(struct cli *cli, unsigned int class_code,
			   char *buf, size_t len);

/* commands (one file each: src/cmd-NAME.c) */
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_snapshot(struct cli *cli, int argc, char **argv);
int cmd_sim(struct cli *cli, int argc, char **argv);
int cmd_predict(struct cli *cli, int argc, char **argv);
int cmd_groups(struct cli *cli, int argc, char **argv);
int cmd_p2p(struct cli *cli, int argc, char **argv);
int cmd_assign(struct cli *cli, int argc, char **argv);
int cmd_release(struct cli *cli, int argc, char **argv);
int cmd_recover(struct cli *cli, int argc, char **argv);
int cmd_explain(struct cli *cli, int argc, char **argv);

#endif
