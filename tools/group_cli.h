/*
 * group_cli.h - what the `strand group` command files (cmd_group.c,
 * cmd_group_reset.c) share: reaching a group's coordinator, the Kafka
 * error advice for group-level errors, and a small text table that sizes
 * its columns to their contents.
 *
 * Every function prints its own error (cli_error). Single-threaded.
 */
#ifndef STRAND_TOOLS_GROUP_CLI_H
#define STRAND_TOOLS_GROUP_CLI_H

#include <stdio.h>

#include "tools/cli.h"
#include "tools/kgroup.h"

/* Connect to the bootstrap broker (*boot) and to the coordinator of
 * `group` (*coord, found with FindCoordinator). On success both are open
 * and the caller closes them; on failure (printed) neither is. */
int group_connect(cli_ctx *ctx, const char *group, kclient *boot, kclient *coord,
                  kgroup_coordinator *where);

/* Print the error for a group-level Kafka error code `ec` while doing `op`
 * ("describe", "delete", ...) on `group`. */
void group_error(const char *op, const char *group, int16_t ec);

/* "Stable with 2 members" into buf (state "?" when the broker sent none). */
const char *group_state_text(const kgroup_description *d, char *buf, size_t cap);

/* A text table: rows of cells, printed with each column as wide as its
 * widest cell (two spaces between columns, the last one unpadded). */
typedef struct cli_table {
    int ncols;
    int ncells;
    int cap;
    char **cells; /* row-major, malloc'ed strings */
    int nomem;    /* an allocation failed: printing says so */
} cli_table;

void cli_table_init(cli_table *t, int ncols);
/* Append one cell (printf format); rows fill left to right. */
void cli_table_cell(cli_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print the table to f; 0, or -1 (printed) if memory ran out. */
int cli_table_print(cli_table *t, FILE *f);
void cli_table_free(cli_table *t);

/* wire_str as a printf argument pair: "%.*s", WS(s). */
#define WS(s) ((s).len > 0 ? (int)(s).len : 0), ((s).len > 0 ? (s).ptr : "")

#endif
