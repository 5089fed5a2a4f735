// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmaown - who owns DMA on this host: IOMMU groups, drivers, ownership.
 *
 * This file only parses the global options and dispatches to a command;
 * each command lives in src/cmd-NAME.c and works through libdmaown.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cli.h"

struct command {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "list", cmd_list, "IOMMU groups, devices, drivers and ownership (default)" },
	/* @@commands: one line per command, alphabetical after list */
	{ "assign", cmd_assign, "move a whole IOMMU group to vfio-pci/pci-stub, transactionally" },
	{ "explain", cmd_explain, "why a group can or cannot be taken by userspace now" },
	{ "groups", cmd_groups, "the kernel's IOMMU groups; --diff against the prediction" },
	{ "p2p", cmd_p2p, "peer-to-peer isolation domains and group weaknesses" },
	{ "predict", cmd_predict, "predict IOMMU groups (kernel or true-isolation model)" },
	{ "recover", cmd_recover, "undo or finish a move interrupted by a crash" },
	{ "release", cmd_release, "return an assigned group to its recorded drivers" },
	{ "sim", cmd_sim, "run a step script against the ownership model" },
	{ "snapshot", cmd_snapshot, "copy what dmaown reads into a directory for --root" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: dmaown [GLOBAL OPTIONS] [COMMAND [ARGS]]\n"
		"\n"
		"Show and manage which side owns DMA for each IOMMU group: the\n"
		"kernel (DMA-API drivers) or userspace (VFIO).\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\n"
		"Global options (accepted before or after the command):\n"
		"  --root DIR          read a snapshot laid out like / instead of this host\n"
		"  --lspci-dump FILE   read an `lspci -xxxx` hex dump\n"
		"  --lspci-text FILE   read `lspci -vvnn` text (IOMMU group lines are\n"
		"                      shown, never used for predictions)\n"
		"  --profile NAME      kernel semantics: 5.18, 5.19, 6.1, 6.2, 6.12,\n"
		"                      latest, auto (5.18 = VFIO before the ownership API)\n"
		"  --json              machine-readable output\n"
		"  -q, --quiet         less output\n"
		"  -h, --help          this help; `dmaown COMMAND --help` for a command\n"
		"  --version           print the version\n"
		"\n"
		"Exit status: 0 ok, 1 a check said no (or a mismatch), 2 bad input or error.\n"
		"See dmaown(1).\n");
}

/* take a global option's value from "--opt=V" or the next argument */
static int take_value(int argc, char **argv, int *i, const char *opt,
		      const char **ret)
{
	size_t n = strlen(opt);
	const char *a = argv[*i];

	if (strncmp(a, opt, n))
		return 0;
	if (a[n] == '=') {
		*ret = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "dmaown: %s needs a value\n", opt);
		return -1;
	}
	*ret = argv[++*i];
	return 1;
}

int main(int argc, char **argv)
{
	struct cli cli = { .out = stdout, .errf = stderr };
	char **rest;
	int nrest = 0, i, r, help = 0;
	const char *cmdname = NULL;
	size_t k;

	rest = calloc((size_t)argc + 2, sizeof(char *));
	if (!rest)
		return CLI_ERR;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int t;

		if (!strcmp(a, "--")) {
			for (i++; i < argc; i++)
				rest[nrest++] = argv[i];
			break;
		}
		if ((t = take_value(argc, argv, &i, "--root", &cli.root)) ||
		    (t = take_value(argc, argv, &i, "--lspci-dump",
				    &cli.lspci_dump)) ||
		    (t = take_value(argc, argv, &i, "--lspci-text",
				    &cli.lspci_text)) ||
		    (t = take_value(argc, argv, &i, "--profile",
				    &cli.profile))) {
			if (t < 0) {
				free(rest);
				return CLI_ERR;
			}
			continue;
		}
		if (!strcmp(a, "--json")) {
			cli.json = true;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			cli.quiet = true;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			cli.verbose = true;
		} else if (!strcmp(a, "--version")) {
			printf("dmaown %s\n", DMAOWN_VERSION);
			free(rest);
			return CLI_OK;
		} else if (!cmdname && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			help = 1;
		} else {
			if (!cmdname && a[0] != '-')
				cmdname = a;
			rest[nrest++] = argv[i];
		}
	}
	if (help && !cmdname) {
		usage(stdout);
		free(rest);
		return CLI_OK;
	}
	if ((cli.root != NULL) + (cli.lspci_dump != NULL) +
	    (cli.lspci_text != NULL) > 1) {
		fprintf(stderr, "dmaown: choose one source: --root, --lspci-dump or --lspci-text\n");
		free(rest);
		return CLI_ERR;
	}
	if (!cmdname) {
		if (nrest) {
			fprintf(stderr, "dmaown: unknown option '%s' (see dmaown --help)\n",
				rest[0]);
			free(rest);
			return CLI_ERR;
		}
		rest[nrest++] = (char *)"list";
		cmdname = "list";
	}
	/* the command name first, then its own arguments in order */
	for (i = 0; i < nrest; i++)
		if (rest[i] == cmdname || !strcmp(rest[i], cmdname))
			break;
	if (i > 0 && i < nrest) {
		char *c = rest[i];

		memmove(&rest[1], &rest[0], (size_t)i * sizeof(char *));
		rest[0] = c;
	}
	if (help)
		rest[nrest++] = (char *)"--help";
	r = CLI_ERR;
	for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (!strcmp(commands[k].name, cmdname)) {
			r = commands[k].fn(&cli, nrest, rest);
			break;
		}
	if (k == sizeof(commands) / sizeof(commands[0]))
		fprintf(stderr, "dmaown: unknown command '%s' (see dmaown --help)\n",
			cmdname);
	cli_cleanup(&cli);
	free(rest);
	fflush(stdout);
	if (ferror(stdout) && r == CLI_OK)
		r = CLI_ERR;
	return r;
}
