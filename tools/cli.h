/*
 * cli.h - what the pieces of the `strand` command-line tool share: the
 * global options, the command table entry and a few output helpers.
 *
 * Every command is a row in the table in main.c: a group ("topic"), a name
 * ("create"), a one-line summary, the full --help text and a run function.
 * Adding a command means writing the function and adding the row; parsing
 * of global options, --help and usage errors is done once in main.c.
 *
 * Exit codes of every command: CLI_OK (0), CLI_ERR (1, the operation failed),
 * CLI_USAGE (2, the command line is wrong). Single-threaded.
 */
#ifndef STRAND_TOOLS_CLI_H
#define STRAND_TOOLS_CLI_H

#include <stdint.h>

#include "tools/kclient.h"

enum cli_exit {
    CLI_OK = 0,
    CLI_ERR = 1,
    CLI_USAGE = 2,
};

#define CLI_DEFAULT_BROKERS "127.0.0.1:9092"
#define CLI_DEFAULT_TIMEOUT_MS 10000

typedef struct cli_ctx {
    const char *brokers; /* -b, STRAND_BROKERS, or the default */
    int timeout_ms;      /* --timeout */
} cli_ctx;

typedef struct cli_command {
    const char *group;   /* "topic", "log", "produce" */
    const char *name;    /* "create", "dump"; NULL: the group alone is the command */
    const char *summary; /* one line for `strand --help` */
    const char *help;    /* full text for `strand GROUP NAME --help` */
    /* argv[0] is the command name; options follow in any order. */
    int (*run)(cli_ctx *ctx, int argc, char **argv);
} cli_command;

/* "strand: error: ..." on stderr (a newline is added). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the usage error and a pointer to --help for `cmd`; returns CLI_USAGE. */
int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Connect to the first reachable broker of ctx->brokers (comma-separated).
 * Prints the error and returns -1 on failure. */
int cli_connect(cli_ctx *ctx, kclient *c);

/* Parse a non-negative decimal integer in [min, max]; 0 on success. */
int cli_parse_int(const char *s, long long min, long long max, long long *out);

/* Commands (one function per table row). */
int cmd_log_dump(cli_ctx *ctx, int argc, char **argv);
int cmd_topic_create(cli_ctx *ctx, int argc, char **argv);
int cmd_topic_list(cli_ctx *ctx, int argc, char **argv);
int cmd_topic_describe(cli_ctx *ctx, int argc, char **argv);
int cmd_topic_delete(cli_ctx *ctx, int argc, char **argv);
int cmd_topic_alter(cli_ctx *ctx, int argc, char **argv);
int cmd_cluster(cli_ctx *ctx, int argc, char **argv);
int cmd_produce(cli_ctx *ctx, int argc, char **argv);
int cmd_consume(cli_ctx *ctx, int argc, char **argv);
int cmd_perf_produce(cli_ctx *ctx, int argc, char **argv);
int cmd_perf_consume(cli_ctx *ctx, int argc, char **argv);
int cmd_group_list(cli_ctx *ctx, int argc, char **argv);
int cmd_group_describe(cli_ctx *ctx, int argc, char **argv);
int cmd_group_reset_offsets(cli_ctx *ctx, int argc, char **argv);
int cmd_group_delete(cli_ctx *ctx, int argc, char **argv);

/* The table row of a command, for usage errors from inside a command
 * (name NULL for a command without subcommand, e.g. "produce"). */
const cli_command *cli_command_find(const char *group, const char *name);

#endif
