/*
 * cli_client.h - what the client commands of `strand` (produce, consume,
 * perf produce, perf consume) share: building a libstrand configuration
 * from the command line, asking the cluster for a topic's partitions and
 * offsets (over the blocking tools/kclient.h connection, since the library
 * has no metadata API), a monotonic clock and a stop flag set by SIGINT /
 * SIGTERM.
 *
 * Every function prints its own error (cli_error) and returns -1 / NULL on
 * failure. Single-threaded: the commands call these from main().
 */
#ifndef STRAND_TOOLS_CLI_CLIENT_H
#define STRAND_TOOLS_CLI_CLIENT_H

#include <signal.h>
#include <stdint.h>

#include "strand/strand.h"
#include "tools/cli.h"

/* -X key=value options collected while parsing, applied by cli_conf_build. */
typedef struct cli_xopts {
    int n;
    char **kv; /* borrowed argv strings "key=value" */
} cli_xopts;

/* Remember one -X argument (no copy). The array is sized for argc entries
 * by cli_xopts_init. Returns -1 if `kv` has no '=' or an empty key. */
int cli_xopts_init(cli_xopts *x, int argc);
int cli_xopts_add(cli_xopts *x, const char *kv);
void cli_xopts_free(cli_xopts *x);

/* getopt_long code of --timeout in the produce and consume option tables. */
enum { CLI_OPT_TIMEOUT = 900 };

/* The options produce and consume take besides their own, for the default
 * arm of their getopt loops: -X KEY=VALUE (into x), -b/--bootstrap and
 * --timeout (into ctx->timeout_ms); any other opt is a usage error. Reads
 * optarg and optind. CLI_OK, or the exit code of the usage error printed. */
int cli_client_option(cli_ctx *ctx, const cli_command *cmd, int opt, char **argv, cli_xopts *x);

/* A new conf with bootstrap.servers = ctx->brokers and client.id = strand-cli,
 * then `pairs` (n of {key, value}, NULL values skipped) and finally the -X
 * options (so -X wins). On a refused key or value the library's message
 * (which names the key) is printed and NULL returned. The caller owns the
 * conf. */
strand_conf *cli_conf_build(cli_ctx *ctx, const char *const pairs[][2], int n, const cli_xopts *x);

/* The number of partitions of `topic` (Metadata, no auto-creation). Prints
 * why and returns -1 if the broker cannot be reached or the topic does not
 * exist. */
int cli_topic_partition_count(cli_ctx *ctx, const char *topic, int32_t *count);

/* ListOffsets for partitions parts[0..n-1] of `topic` at `timestamp` (-1
 * latest, -2 earliest) into offsets[]. -1 on any failure (printed). */
int cli_topic_offsets(cli_ctx *ctx, const char *topic, const int32_t *parts, int n,
                      int64_t timestamp, int64_t *offsets);

/* Monotonic time in nanoseconds. */
int64_t cli_now_ns(void);

/* Install SIGINT/SIGTERM handlers that set cli_stop (and SIGPIPE ignored, so a
 * closed stdout is an error from write, not a silent death). */
extern volatile sig_atomic_t cli_stop;
void cli_signals_install(void);

#endif
