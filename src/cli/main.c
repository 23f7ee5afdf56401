/*
 * main.c - the onnx-prune executable: parses the command line, runs the
 * command, and turns its status into one error line and an exit code.
 * This is the only place in onnx-prune that exits.
 */
#include <stdio.h>

#include "cli/cli.h"

int main(int argc, char **argv)
{
	struct cli_args a;
	struct opr_err err = { 0 };
	int rc, i;

	rc = cli_parse(argc, argv, &a, &err);
	if (rc == OPR_OK) {
		switch (a.cmd) {
		case CLI_HELP:
			cli_print_help(stdout);
			break;
		case CLI_VERSION:
			printf("onnx-prune %s\n", OPR_VERSION);
			break;
		case CLI_INFO:
			rc = cli_cmd_info(&a, &err);
			break;
		case CLI_PRUNE:
			rc = cli_cmd_prune(&a, &err);
			break;
		case CLI_BENCH:
			rc = cli_cmd_bench(&a, &err);
			break;
		case CLI_EVAL:
			rc = cli_cmd_eval(&a, &err);
			break;
		case CLI_FINETUNE:
			rc = cli_cmd_finetune(&a, &err);
			break;
		}
	}
	if (rc != OPR_OK) {
		/* The message is one line, whatever a callee put in it. */
		for (i = 0; err.msg[i]; i++)
			if (err.msg[i] == '\n' || err.msg[i] == '\r')
				err.msg[i] = ' ';
		fflush(stdout);
		fprintf(stderr, "onnx-prune: %s\n",
			err.msg[0] ? err.msg : opr_status_name(rc));
	}
	return opr_exit_code(rc);
}
