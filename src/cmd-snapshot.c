// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-snapshot.c - `dmaown snapshot [--no-groups] DIR`: copy what dmaown
 * reads from the host (or from --root) into DIR, for `--root DIR` later.
 */
#include <string.h>

#include "cli.h"

static const char snapshot_usage[] =
	"Usage: dmaown [--root DIR] snapshot [--no-groups] OUTDIR\n"
	"\n"
	"Copy the PCI devices' sysfs files (config space as readable,\n"
	"attributes, driver/physfn/iommu_group links), the IOMMU groups, the\n"
	"loaded PCI drivers, /proc/cmdline and the kernel release into\n"
	"OUTDIR, laid out like \"/\", so that `dmaown --root OUTDIR ...`\n"
	"reproduces this host.  Run as root to capture extended config space\n"
	"(ACS); otherwise only 64 bytes per device are readable.\n"
	"OUTDIR must not exist or be empty.\n"
	"\n"
	"  --no-groups  leave out the kernel's IOMMU groups (a snapshot that\n"
	"               predictions provably cannot read the answer from)\n"
	"Exit status: 0, or 2 on error.\n";

int cmd_snapshot(struct cli *cli, int argc, char **argv)
{
	struct dmaown_err err = { 0 };
	unsigned int flags = 0;
	const char *dir = NULL;
	int i, r;

	if (cli_wants_help(cli, argc, argv, snapshot_usage))
		return CLI_OK;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-groups"))
			flags |= DMAOWN_SNAPSHOT_NO_GROUPS;
		else if (argv[i][0] == '-' && argv[i][1])
			return cli_error(cli, "snapshot: unknown option %s",
					 argv[i]);
		else if (dir)
			return cli_error(cli, "snapshot: more than one OUTDIR");
		else
			dir = argv[i];
	}
	if (!dir)
		return cli_error(cli, "snapshot: OUTDIR missing (see --help)");
	if (cli->lspci_dump || cli->lspci_text)
		return cli_error(cli,
				 "snapshot: copies a sysfs root, not lspci output");
	r = dmaown_snapshot_write_flags(cli_root(cli), dir, flags, &err);
	if (r < 0)
		return cli_error(cli, "%s", err.msg);
	if (!cli->quiet)
		fprintf(cli->out, "snapshot of %s written to %s\n",
			cli_root(cli), dir);
	return CLI_OK;
}
