// SPDX-License-Identifier: GPL-2.0-or-later
/* cli.c - shared plumbing of the dmaown command */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "cli.h"

const char *cli_root(const struct cli *cli)
{
	return cli->root ? cli->root : "/";
}

int cli_error(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	fputs("dmaown: ", cli->errf);
	va_start(ap, fmt);
	vfprintf(cli->errf, fmt, ap);
	va_end(ap);
	fputc('\n', cli->errf);
	return CLI_ERR;
}

void cli_warn(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli->quiet)
		return;
	fputs("dmaown: warning: ", cli->errf);
	va_start(ap, fmt);
	vfprintf(cli->errf, fmt, ap);
	va_end(ap);
	fputc('\n', cli->errf);
}

bool cli_wants_help(struct cli *cli, int argc, char **argv, const char *usage)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, cli->out);
			return true;
		}
	return false;
}

/*
 * libpci's name database.  A missing pci.ids is only a warning (names
 * fall back to hex); its fatal error hook is reached only on OOM, where
 * exiting from the command is acceptable.
 */
static void names_warning(char *msg, ...)
{
	(void)msg;
}

/*
 * One libpci handle per command run: pci.ids is parsed once.  Names come
 * from pci.ids only (PCI_LOOKUP_NO_HWDB): libpci's udev hwdb path leaks
 * its udev context, which LeakSanitizer rightly reports.
 */
static struct pci_access *names_db(struct cli *cli)
{
	struct pci_access *pacc = cli->names;

	if (pacc)
		return pacc;
	pacc = pci_alloc();
	if (!pacc)
		return NULL;
	pacc->warning = names_warning;
	pacc->debug = names_warning;	/* pci_init() never ran */
	cli->names = pacc;
	return pacc;
}

void cli_cleanup(struct cli *cli)
{
	dmaown_topology_free(cli->topo);
	cli->topo = NULL;
	if (cli->names)
		pci_cleanup(cli->names);
	cli->names = NULL;
}

static void fill_names(struct cli *cli, struct dmaown_topology *t)
{
	struct pci_access *pacc = names_db(cli);
	size_t i, n = dmaown_topology_count(t);
	char buf[256];

	if (!pacc)
		return;
	for (i = 0; i < n; i++) {
		struct dmaown_dev *d = dmaown_topology_dev_mut(t, i);
		const char *s;

		if (d->name)
			continue;
		s = pci_lookup_name(pacc, buf, sizeof(buf),
				    PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE |
				    PCI_LOOKUP_NO_HWDB,
				    d->vendor, d->device);
		if (s)
			dmaown_dev_set_str(&d->name, s);
	}
}

const char *cli_class_name(struct cli *cli, unsigned int class_code,
			   char *buf, size_t len)
{
	struct pci_access *pacc = names_db(cli);
	const char *s = NULL;

	if (pacc) {
		s = pci_lookup_name(pacc, buf, (int)len,
				    PCI_LOOKUP_CLASS | PCI_LOOKUP_NO_HWDB,
				    class_code >> 8);
		if (s && s != buf)
			snprintf(buf, len, "%s", s);
	}
	if (!s)
		snprintf(buf, len, "Class %04x", class_code >> 8);
	return buf;
}

struct dmaown_topology *cli_topology(struct cli *cli)
{
	struct dmaown_err err = { 0 };
	enum dmaown_source_kind kind = DMAOWN_SOURCE_SYSFS;
	const char *path = cli_root(cli);
	int r;

	if (cli->topo)
		return cli->topo;
	if (cli->lspci_dump) {
		kind = DMAOWN_SOURCE_LSPCI_DUMP;
		path = cli->lspci_dump;
	} else if (cli->lspci_text) {
		kind = DMAOWN_SOURCE_LSPCI_TEXT;
		path = cli->lspci_text;
	}
	r = dmaown_source_load(kind, path, &cli->topo, &err);
	if (r < 0) {
		if (err.msg[0])
			cli_error(cli, "%s", err.msg);
		else
			cli_error(cli, "%s: %s", path, strerror(-r));
		cli->topo = NULL;
		return NULL;
	}
	fill_names(cli, cli->topo);
	return cli->topo;
}

int cli_find_dev(struct cli *cli, const char *bdf)
{
	struct dmaown_bdf b;
	int i;

	if (dmaown_bdf_parse(bdf, &b) < 0) {
		cli_error(cli, "'%s' is not a PCI address (expected DDDD:BB:SS.F or BB:SS.F)",
			  bdf);
		return -1;
	}
	if (!cli_topology(cli))
		return -1;
	i = dmaown_topology_find(cli->topo, b);
	if (i < 0) {
		char buf[DMAOWN_BDF_STRLEN];

		cli_error(cli, "no PCI device %s on %s (see `dmaown list`)",
			  dmaown_bdf_format(b, buf),
			  cli->lspci_dump ? cli->lspci_dump :
			  cli->lspci_text ? cli->lspci_text :
			  cli->root ? cli->root : "this host");
		return -1;
	}
	return i;
}
