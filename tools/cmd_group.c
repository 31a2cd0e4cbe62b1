/*
 * cmd_group.c - `strand group list|describe|delete`: consumer group
 * administration over the Kafka protocol, like kafka-consumer-groups.sh
 * and `rpk group`; and the helpers the group commands share
 * (tools/group_cli.h). `group reset-offsets` lives in cmd_group_reset.c.
 *
 * A group is served by its coordinator: each command finds it with
 * FindCoordinator and sends DescribeGroups, OffsetFetch and DeleteGroups
 * there. `list` asks every broker of the cluster (ListGroups answers only
 * for the groups a broker coordinates); log end offsets come from each
 * partition's leader (tools/kgroup.h, kcluster). Output goes to stdout
 * (text tables, or JSON with --json), errors to stderr with the Kafka
 * error name and what to do next.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cli.h"
#include "tools/cli_client.h"
#include "tools/cli_format.h"
#include "tools/group_cli.h"
#include "tools/kgroup.h"
#include "wire/kafka.h"

enum { OPT_JSON = 1100 };

/* ------------------------------------------------------------------------ */
/* shared helpers */

int group_connect(cli_ctx *ctx, const char *group, kclient *boot, kclient *coord,
                  kgroup_coordinator *where) {
    memset(coord, 0, sizeof *coord);
    coord->fd = -1;
    if (cli_connect(ctx, boot) < 0)
        return -1;
    int16_t ec;
    if (kgroup_find_coordinator(boot, group, where, &ec) < 0) {
        if (ec == KAFKA_COORDINATOR_NOT_AVAILABLE || ec == KAFKA_COORDINATOR_LOAD_IN_PROGRESS ||
            ec == KAFKA_NOT_COORDINATOR)
            cli_error("no coordinator for group '%s' within %d ms (%s); the broker's group "
                      "coordinator is not ready - retry, or raise --timeout",
                      group, ctx->timeout_ms, kafka_error_name(ec));
        else if (ec == KAFKA_INVALID_GROUP_ID)
            cli_error("invalid group id '%s' (%s)", group, kafka_error_name(ec));
        else
            cli_error("%s", boot->err);
        kclient_close(boot);
        return -1;
    }
    if (kclient_connect(coord, where->addr, ctx->timeout_ms) < 0) {
        cli_error("cannot reach the coordinator of group '%s' (broker %d at %s): %s", group,
                  (int)where->node_id, where->addr, coord->err);
        kclient_close(boot);
        return -1;
    }
    return 0;
}

void group_error(const char *op, const char *group, int16_t ec) {
    const char *name = kafka_error_name(ec);
    switch (ec) {
    case KAFKA_GROUP_ID_NOT_FOUND:
        cli_error("group '%s' does not exist (%s); `strand group list` shows the groups", group,
                  name);
        break;
    case KAFKA_NON_EMPTY_GROUP:
        cli_error("cannot %s group '%s': it still has active members (%s); stop its consumers, "
                  "or wait until their session timeout removes them, and retry",
                  op, group, name);
        break;
    case KAFKA_COORDINATOR_NOT_AVAILABLE:
    case KAFKA_COORDINATOR_LOAD_IN_PROGRESS:
    case KAFKA_NOT_COORDINATOR:
        cli_error("cannot %s group '%s': the coordinator is not ready or moved (%s); retry", op,
                  group, name);
        break;
    case KAFKA_INVALID_GROUP_ID:
        cli_error("invalid group id '%s' (%s)", group, name);
        break;
    case KAFKA_GROUP_AUTHORIZATION_FAILED:
        cli_error("cannot %s group '%s': not authorized (%s)", op, group, name);
        break;
    default:
        cli_error("cannot %s group '%s': %s (error %d)", op, group, name, ec);
        break;
    }
}

const char *group_state_text(const kgroup_description *d, char *buf, size_t cap) {
    snprintf(buf, cap, "%.*s with %d member%s", d->state.len > 0 ? (int)d->state.len : 1,
             d->state.len > 0 ? d->state.ptr : "?", (int)d->n_members,
             d->n_members == 1 ? "" : "s");
    return buf;
}

void cli_table_init(cli_table *t, int ncols) {
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
}

void cli_table_cell(cli_table *t, const char *fmt, ...) {
    if (t->nomem)
        return;
    if (t->ncells == t->cap) {
        int ncap = t->cap ? t->cap * 2 : 32;
        char **nc = realloc(t->cells, (size_t)ncap * sizeof *nc);
        if (!nc) {
            t->nomem = 1;
            return;
        }
        t->cells = nc;
        t->cap = ncap;
    }
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    if (!s) {
        t->nomem = 1;
        return;
    }
    t->cells[t->ncells++] = s;
}

int cli_table_print(cli_table *t, FILE *f) {
    if (t->nomem) {
        cli_error("out of memory");
        return -1;
    }
    size_t width[16] = {0};
    int ncols = t->ncols < 16 ? t->ncols : 16;
    for (int i = 0; i < t->ncells; i++) {
        size_t len = strlen(t->cells[i]);
        if (len > width[i % t->ncols % 16])
            width[i % t->ncols % 16] = len;
    }
    for (int i = 0; i < t->ncells; i++) {
        int col = i % t->ncols;
        int last = col == t->ncols - 1 || i == t->ncells - 1;
        if (last || col >= ncols)
            fprintf(f, "%s%s", t->cells[i], last ? "\n" : "  ");
        else
            fprintf(f, "%-*s  ", (int)width[col], t->cells[i]);
    }
    return 0;
}

void cli_table_free(cli_table *t) {
    for (int i = 0; i < t->ncells; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

static void json_ws(FILE *f, wire_str s) {
    if (s.len < 0)
        fputs("null", f);
    else
        cli_json_str(f, s.ptr, (size_t)s.len);
}

static void json_cs(FILE *f, const char *s) {
    cli_json_str(f, s, strlen(s));
}

/* Options of list / describe / delete: --json (where allowed), -b, --timeout. */
static int parse_group_opts(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv,
                            int allow_json, int *json) {
    static const struct option opts[] = {{"json", no_argument, NULL, OPT_JSON},
                                         {"bootstrap", required_argument, NULL, 'b'},
                                         {"timeout", required_argument, NULL, CLI_OPT_TIMEOUT},
                                         {NULL, 0, NULL, 0}};
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "b:", opts, NULL)) != -1) {
        if (opt == OPT_JSON && allow_json) {
            *json = 1;
            continue;
        }
        if (opt == OPT_JSON || opt == '?' || opt == ':')
            return cli_usage_error(cmd, "bad or incomplete option '%s'", argv[optind - 1]);
        int rc = cli_client_option(ctx, cmd, opt, argv, NULL);
        if (rc != CLI_OK)
            return rc;
    }
    return CLI_OK;
}

/* ------------------------------------------------------------------------ */
/* group list */

typedef struct listed_group {
    char *id;
    char *type;
    char *state;
    int32_t coordinator;
} listed_group;

static int cmp_listed(const void *a, const void *b) {
    return strcmp(((const listed_group *)a)->id, ((const listed_group *)b)->id);
}

/* Append the groups of one broker to *out; -1 (printed) on failure. */
static int list_broker(kclient *c, int32_t node, listed_group **out, int *n, int *cap) {
    kgroup_list l;
    if (kgroup_list_get(c, &l) < 0) {
        cli_error("cannot list the groups of broker %d: %s", (int)node, c->err);
        return -1;
    }
    if (l.error != KAFKA_NONE) {
        cli_error("cannot list the groups of broker %d: %s", (int)node, kafka_error_name(l.error));
        kgroup_list_free(&l);
        return -1;
    }
    /* ListGroups before v4 has no state: DescribeGroups tells it */
    kgroup_descriptions ds;
    memset(&ds, 0, sizeof ds);
    const char **ids = calloc((size_t)l.n + 1, sizeof *ids);
    int rc = ids ? 0 : -1, nids = 0;
    for (int32_t i = 0; rc == 0 && i < l.n; i++) {
        if (l.groups[i].state.len > 0)
            continue;
        ids[nids] = wire_str_dup(l.groups[i].group_id);
        rc = ids[nids++] ? 0 : -1;
    }
    if (rc == 0 && nids > 0 && kgroup_describe(c, ids, nids, &ds) < 0) {
        cli_error("cannot describe the groups of broker %d: %s", (int)node, c->err);
        rc = -2;
    }
    for (int32_t i = 0; rc == 0 && i < l.n; i++) {
        if (*n == *cap) {
            int ncap = *cap ? *cap * 2 : 16;
            listed_group *ng = realloc(*out, (size_t)ncap * sizeof *ng);
            if (!ng) {
                rc = -1;
                break;
            }
            *out = ng;
            *cap = ncap;
        }
        listed_group *g = &(*out)[*n];
        wire_str state = l.groups[i].state;
        if (state.len <= 0) {
            char *id = wire_str_dup(l.groups[i].group_id);
            const kgroup_description *d = id ? kgroup_descriptions_find(&ds, id) : NULL;
            free(id);
            if (d)
                state = d->state;
        }
        g->id = wire_str_dup(l.groups[i].group_id);
        g->type = wire_str_dup(l.groups[i].protocol_type);
        g->state = state.len > 0 ? wire_str_dup(state) : strdup("?");
        g->coordinator = node;
        if (!g->id || !g->type || !g->state) {
            free(g->id);
            free(g->type);
            free(g->state);
            rc = -1;
            break;
        }
        (*n)++;
    }
    if (rc == -1)
        cli_error("out of memory");
    for (int i = 0; ids && i < nids; i++)
        free((char *)ids[i]);
    free(ids);
    kgroup_descriptions_free(&ds);
    kgroup_list_free(&l);
    return rc < 0 ? -1 : 0;
}

int cmd_group_list(cli_ctx *ctx, int argc, char **argv) {
    const cli_command *cmd = cli_command_find("group", "list");
    int json = 0;
    int rc = parse_group_opts(ctx, cmd, argc, argv, 1, &json);
    if (rc != CLI_OK)
        return rc;
    if (optind < argc)
        return cli_usage_error(cmd, "list takes no arguments (got '%s')", argv[optind]);
    kclient boot;
    if (cli_connect(ctx, &boot) < 0)
        return CLI_ERR;
    kcluster k;
    static const char *const no_topics[1] = {NULL};
    if (kcluster_open(&k, &boot, no_topics, 0) < 0) {
        cli_error("%s", boot.err);
        kclient_close(&boot);
        return CLI_ERR;
    }
    listed_group *groups = NULL;
    int n = 0, cap = 0;
    if (k.md.n_brokers == 0 && list_broker(&boot, -1, &groups, &n, &cap) < 0)
        rc = CLI_ERR;
    for (int32_t i = 0; i < k.md.n_brokers; i++) {
        kclient *c = kcluster_broker(&k, k.md.brokers[i].id);
        if (!c) {
            cli_error("cannot list the groups of broker %d: %s", (int)k.md.brokers[i].id, k.err);
            rc = CLI_ERR;
        } else if (list_broker(c, k.md.brokers[i].id, &groups, &n, &cap) < 0) {
            rc = CLI_ERR;
        }
    }
    if (n > 1)
        qsort(groups, (size_t)n, sizeof *groups, cmp_listed);
    if (rc != CLI_OK && n == 0) {
        /* nothing to show: the errors said why */
    } else if (json) {
        fputs("{\"groups\":[", stdout);
        for (int i = 0; i < n; i++) {
            fputs(i ? ",{\"group\":" : "{\"group\":", stdout);
            json_cs(stdout, groups[i].id);
            fputs(",\"state\":", stdout);
            json_cs(stdout, groups[i].state);
            fputs(",\"protocol_type\":", stdout);
            json_cs(stdout, groups[i].type);
            printf(",\"coordinator\":%d}", (int)groups[i].coordinator);
        }
        fputs("]}\n", stdout);
    } else {
        cli_table t;
        cli_table_init(&t, 4);
        cli_table_cell(&t, "GROUP");
        cli_table_cell(&t, "STATE");
        cli_table_cell(&t, "PROTOCOL-TYPE");
        cli_table_cell(&t, "COORDINATOR");
        for (int i = 0; i < n; i++) {
            cli_table_cell(&t, "%s", groups[i].id);
            cli_table_cell(&t, "%s", groups[i].state);
            cli_table_cell(&t, "%s", groups[i].type[0] ? groups[i].type : "-");
            cli_table_cell(&t, "%d", (int)groups[i].coordinator);
        }
        if (cli_table_print(&t, stdout) < 0)
            rc = CLI_ERR;
        cli_table_free(&t);
    }
    for (int i = 0; i < n; i++) {
        free(groups[i].id);
        free(groups[i].type);
        free(groups[i].state);
    }
    free(groups);
    kcluster_close(&k);
    kclient_close(&boot);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* group describe */

typedef struct describe_row {
    wire_str topic;
    char *topic_c; /* NUL-terminated copy for ListOffsets */
    int32_t partition;
    int64_t committed; /* -1: none */
    int64_t log_end;   /* -1: unknown (log_end_error says why) */
    int16_t log_end_error;
    const kgroup_member *owner;
} describe_row;

static int wire_str_cmp(wire_str a, wire_str b) {
    int32_t la = a.len > 0 ? a.len : 0, lb = b.len > 0 ? b.len : 0;
    int d = memcmp(a.ptr ? a.ptr : "", b.ptr ? b.ptr : "", (size_t)(la < lb ? la : lb));
    return d ? d : (la > lb) - (la < lb);
}

static int cmp_row(const void *a, const void *b) {
    const describe_row *x = a, *y = b;
    int d = wire_str_cmp(x->topic, y->topic);
    return d ? d : (x->partition > y->partition) - (x->partition < y->partition);
}

static int member_owns(const kgroup_member *m, wire_str topic, int32_t partition) {
    if (!m->has_assignment)
        return 0;
    for (int32_t i = 0; i < m->assignment.tp_count; i++) {
        const proto_consumer_tp *tp = &m->assignment.tps[i];
        if (wire_str_cmp(tp->topic, topic) != 0)
            continue;
        for (int32_t j = 0; j < tp->partition_count; j++)
            if (tp->partitions[j] == partition)
                return 1;
    }
    return 0;
}

/* The rows of describe: every committed partition and every assigned one. */
static describe_row *describe_rows(const kgroup_description *d, const kgroup_offsets *o, int *n) {
    int64_t cap = o->n;
    for (int32_t i = 0; i < d->n_members; i++)
        for (int32_t j = 0; d->members[i].has_assignment && j < d->members[i].assignment.tp_count;
             j++)
            cap += d->members[i].assignment.tps[j].partition_count;
    describe_row *rows = calloc((size_t)cap + 1, sizeof *rows);
    if (!rows)
        return NULL;
    int m = 0;
    for (int32_t i = 0; i < o->n; i++)
        rows[m++] = (describe_row){.topic = o->entries[i].topic,
                                   .partition = o->entries[i].partition,
                                   .committed = o->entries[i].offset,
                                   .log_end = -1};
    for (int32_t i = 0; i < d->n_members; i++) {
        const kgroup_member *mb = &d->members[i];
        for (int32_t j = 0; mb->has_assignment && j < mb->assignment.tp_count; j++) {
            const proto_consumer_tp *tp = &mb->assignment.tps[j];
            for (int32_t p = 0; p < tp->partition_count; p++) {
                int seen = 0;
                for (int r = 0; r < m && !seen; r++)
                    seen = rows[r].partition == tp->partitions[p] &&
                           wire_str_cmp(rows[r].topic, tp->topic) == 0;
                if (!seen)
                    rows[m++] = (describe_row){.topic = tp->topic,
                                               .partition = tp->partitions[p],
                                               .committed = -1,
                                               .log_end = -1};
            }
        }
    }
    qsort(rows, (size_t)m, sizeof *rows, cmp_row);
    for (int r = 0; r < m; r++)
        for (int32_t i = 0; i < d->n_members && !rows[r].owner; i++)
            if (member_owns(&d->members[i], rows[r].topic, rows[r].partition))
                rows[r].owner = &d->members[i];
    *n = m;
    return rows;
}

/* Log end offsets of the rows (sorted by topic), from each leader. */
static int describe_log_ends(kclient *boot, describe_row *rows, int n) {
    const char **topics = calloc((size_t)n + 1, sizeof *topics);
    int32_t *parts = calloc((size_t)n + 1, sizeof *parts);
    int64_t *offs = calloc((size_t)n + 1, sizeof *offs);
    int16_t *errs = calloc((size_t)n + 1, sizeof *errs);
    int nt = 0, rc = 0;
    if (!topics || !parts || !offs || !errs)
        rc = -1;
    for (int i = 0; rc == 0 && i < n; i++) {
        rows[i].topic_c = wire_str_dup(rows[i].topic);
        if (!rows[i].topic_c)
            rc = -1;
        else if (nt == 0 || strcmp(topics[nt - 1], rows[i].topic_c) != 0)
            topics[nt++] = rows[i].topic_c;
    }
    if (rc < 0) {
        cli_error("out of memory");
        goto out;
    }
    kcluster k;
    if (kcluster_open(&k, boot, topics, nt) < 0) {
        cli_error("%s", boot->err);
        rc = -1;
        goto out;
    }
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && strcmp(rows[j].topic_c, rows[i].topic_c) == 0) {
            parts[j - i] = rows[j].partition;
            j++;
        }
        if (kcluster_offsets(&k, rows[i].topic_c, parts, j - i, -1, offs, errs) < 0) {
            cli_error("%s", k.err);
            rc = -1;
            break;
        }
        for (int r = i; r < j; r++) {
            rows[r].log_end = errs[r - i] == KAFKA_NONE ? offs[r - i] : -1;
            rows[r].log_end_error = errs[r - i];
        }
        i = j;
    }
    kcluster_close(&k);
out:
    free(topics);
    free(parts);
    free(offs);
    free(errs);
    return rc;
}

static void assignment_text(const kgroup_member *m, char *buf, size_t cap) {
    size_t len = 0;
    buf[0] = '\0';
    if (!m->has_assignment) {
        snprintf(buf, cap,
                 m->assignment_raw.len > 0 ? "(%d bytes, not a consumer assignment)" : "-",
                 (int)m->assignment_raw.len);
        return;
    }
    for (int32_t i = 0; i < m->assignment.tp_count && len + 1 < cap; i++) {
        const proto_consumer_tp *tp = &m->assignment.tps[i];
        int w = snprintf(buf + len, cap - len, "%s%.*s:", i ? " " : "", WS(tp->topic));
        len = w > 0 && (size_t)w < cap - len ? len + (size_t)w : cap - 1;
        for (int32_t j = 0; j < tp->partition_count && len + 1 < cap; j++) {
            w = snprintf(buf + len, cap - len, j ? ",%d" : "%d", (int)tp->partitions[j]);
            len = w > 0 && (size_t)w < cap - len ? len + (size_t)w : cap - 1;
        }
    }
    if (len == 0)
        snprintf(buf, cap, "-");
}

static void describe_print_text(const kgroup_description *d, const kgroup_coordinator *co,
                                const describe_row *rows, int n) {
    printf("GROUP        %.*s\n", WS(d->group_id));
    printf("STATE        %.*s\n", WS(d->state));
    if (d->protocol_type.len > 0)
        printf("PROTOCOL     %.*s", WS(d->protocol_type));
    else
        printf("PROTOCOL     -");
    if (d->protocol.len > 0)
        printf(" (%.*s)", WS(d->protocol));
    putchar('\n');
    printf("COORDINATOR  %d (%s)\n", (int)co->node_id, co->addr);
    printf("MEMBERS      %d\n\n", (int)d->n_members);
    cli_table t;
    if (d->n_members > 0) {
        cli_table_init(&t, 5);
        cli_table_cell(&t, "MEMBER-ID");
        cli_table_cell(&t, "INSTANCE-ID");
        cli_table_cell(&t, "CLIENT-ID");
        cli_table_cell(&t, "HOST");
        cli_table_cell(&t, "ASSIGNMENT");
        for (int32_t i = 0; i < d->n_members; i++) {
            const kgroup_member *m = &d->members[i];
            char as[2048];
            assignment_text(m, as, sizeof as);
            cli_table_cell(&t, "%.*s", WS(m->member_id));
            if (m->instance_id.len > 0)
                cli_table_cell(&t, "%.*s", WS(m->instance_id));
            else
                cli_table_cell(&t, "-");
            cli_table_cell(&t, "%.*s", WS(m->client_id));
            cli_table_cell(&t, "%.*s", WS(m->client_host));
            cli_table_cell(&t, "%s", as);
        }
        cli_table_print(&t, stdout);
        cli_table_free(&t);
    } else {
        printf("(no active members)\n");
    }
    putchar('\n');
    if (n == 0) {
        printf("(no committed offsets)\n");
        return;
    }
    cli_table_init(&t, 6);
    cli_table_cell(&t, "TOPIC");
    cli_table_cell(&t, "PARTITION");
    cli_table_cell(&t, "COMMITTED");
    cli_table_cell(&t, "LOG-END");
    cli_table_cell(&t, "LAG");
    cli_table_cell(&t, "MEMBER-ID");
    for (int i = 0; i < n; i++) {
        const describe_row *r = &rows[i];
        cli_table_cell(&t, "%.*s", WS(r->topic));
        cli_table_cell(&t, "%d", (int)r->partition);
        if (r->committed >= 0)
            cli_table_cell(&t, "%lld", (long long)r->committed);
        else
            cli_table_cell(&t, "-");
        if (r->log_end >= 0)
            cli_table_cell(&t, "%lld", (long long)r->log_end);
        else
            cli_table_cell(&t, "?(%s)", kafka_error_name(r->log_end_error));
        if (r->committed >= 0 && r->log_end >= 0)
            cli_table_cell(&t, "%lld", (long long)(r->log_end - r->committed));
        else
            cli_table_cell(&t, "-");
        if (r->owner)
            cli_table_cell(&t, "%.*s", WS(r->owner->member_id));
        else
            cli_table_cell(&t, "-");
    }
    cli_table_print(&t, stdout);
    cli_table_free(&t);
}

static void describe_print_json(const kgroup_description *d, const kgroup_coordinator *co,
                                const describe_row *rows, int n) {
    FILE *f = stdout;
    fputs("{\"group\":", f);
    json_ws(f, d->group_id);
    fputs(",\"state\":", f);
    json_ws(f, d->state);
    fputs(",\"protocol_type\":", f);
    json_ws(f, d->protocol_type);
    fputs(",\"protocol\":", f);
    json_ws(f, d->protocol);
    fprintf(f, ",\"coordinator\":{\"id\":%d,\"address\":", (int)co->node_id);
    json_cs(f, co->addr);
    fputs("},\"members\":[", f);
    for (int32_t i = 0; i < d->n_members; i++) {
        const kgroup_member *m = &d->members[i];
        fputs(i ? ",{\"member_id\":" : "{\"member_id\":", f);
        json_ws(f, m->member_id);
        fputs(",\"group_instance_id\":", f);
        json_ws(f, m->instance_id);
        fputs(",\"client_id\":", f);
        json_ws(f, m->client_id);
        fputs(",\"host\":", f);
        json_ws(f, m->client_host);
        fputs(",\"assignment\":", f);
        if (!m->has_assignment) {
            fprintf(f, "null,\"assignment_bytes\":%d}",
                    m->assignment_raw.len > 0 ? (int)m->assignment_raw.len : 0);
            continue;
        }
        fputc('[', f);
        for (int32_t j = 0; j < m->assignment.tp_count; j++) {
            const proto_consumer_tp *tp = &m->assignment.tps[j];
            fputs(j ? ",{\"topic\":" : "{\"topic\":", f);
            json_ws(f, tp->topic);
            fputs(",\"partitions\":[", f);
            for (int32_t p = 0; p < tp->partition_count; p++)
                fprintf(f, p ? ",%d" : "%d", (int)tp->partitions[p]);
            fputs("]}", f);
        }
        fputs("]}", f);
    }
    fputs("],\"offsets\":[", f);
    for (int i = 0; i < n; i++) {
        const describe_row *r = &rows[i];
        fputs(i ? ",{\"topic\":" : "{\"topic\":", f);
        json_ws(f, r->topic);
        fprintf(f, ",\"partition\":%d", (int)r->partition);
        if (r->committed >= 0)
            fprintf(f, ",\"committed\":%lld", (long long)r->committed);
        else
            fputs(",\"committed\":null", f);
        if (r->log_end >= 0)
            fprintf(f, ",\"log_end\":%lld", (long long)r->log_end);
        else
            fputs(",\"log_end\":null", f);
        if (r->committed >= 0 && r->log_end >= 0)
            fprintf(f, ",\"lag\":%lld", (long long)(r->log_end - r->committed));
        else
            fputs(",\"lag\":null", f);
        fputs(",\"member_id\":", f);
        if (r->owner)
            json_ws(f, r->owner->member_id);
        else
            fputs("null", f);
        fputc('}', f);
    }
    fputs("]}\n", f);
}

static int describe_one(cli_ctx *ctx, const char *group, int json) {
    kclient boot, cc;
    kgroup_coordinator co;
    if (group_connect(ctx, group, &boot, &cc, &co) < 0)
        return CLI_ERR;
    int rc = CLI_ERR;
    kgroup_descriptions ds;
    kgroup_offsets offs;
    describe_row *rows = NULL;
    int n = 0;
    memset(&offs, 0, sizeof offs);
    if (kgroup_describe(&cc, &group, 1, &ds) < 0) {
        cli_error("%s", cc.err);
        goto out;
    }
    const kgroup_description *d = kgroup_descriptions_find(&ds, group);
    if (!d) {
        cli_error("%s: the DescribeGroups answer does not mention group '%s'", cc.addr, group);
        goto out;
    }
    if (d->error != KAFKA_NONE) {
        group_error("describe", group, d->error);
        goto out;
    }
    if (kgroup_offsets_fetch(&cc, group, &offs) < 0) {
        cli_error("%s", cc.err);
        goto out;
    }
    if (offs.error != KAFKA_NONE && offs.error != KAFKA_GROUP_ID_NOT_FOUND) {
        group_error("read the committed offsets of", group, offs.error);
        goto out;
    }
    int committed = 0;
    for (int32_t i = 0; i < offs.n; i++)
        committed += offs.entries[i].offset >= 0;
    if ((d->state.len <= 0 || wire_str_eq(d->state, "Dead")) && d->n_members == 0 &&
        committed == 0) {
        cli_error("group '%s' does not exist (state %.*s, no members, no committed offsets); "
                  "`strand group list` shows the groups",
                  group, d->state.len > 0 ? (int)d->state.len : 4,
                  d->state.len > 0 ? d->state.ptr : "none");
        goto out;
    }
    rows = describe_rows(d, &offs, &n);
    if (!rows) {
        cli_error("out of memory");
        goto out;
    }
    if (n > 0 && describe_log_ends(&boot, rows, n) < 0)
        goto out;
    if (json)
        describe_print_json(d, &co, rows, n);
    else
        describe_print_text(d, &co, rows, n);
    rc = CLI_OK;
    for (int i = 0; i < n; i++)
        if (rows[i].log_end < 0)
            rc = CLI_ERR; /* shown as ?(ERROR); the status says it too */
out:
    for (int i = 0; rows && i < n; i++)
        free(rows[i].topic_c);
    free(rows);
    kgroup_offsets_free(&offs);
    kgroup_descriptions_free(&ds);
    kclient_close(&cc);
    kclient_close(&boot);
    return rc;
}

int cmd_group_describe(cli_ctx *ctx, int argc, char **argv) {
    const cli_command *cmd = cli_command_find("group", "describe");
    int json = 0;
    int rc = parse_group_opts(ctx, cmd, argc, argv, 1, &json);
    if (rc != CLI_OK)
        return rc;
    if (optind >= argc)
        return cli_usage_error(cmd, "missing GROUP");
    for (int i = optind; i < argc; i++) {
        if (!json && i > optind)
            putchar('\n');
        if (describe_one(ctx, argv[i], json) != CLI_OK)
            rc = CLI_ERR;
    }
    return rc;
}

/* ------------------------------------------------------------------------ */
/* group delete */

static int delete_one(cli_ctx *ctx, const char *group) {
    kclient boot, cc;
    kgroup_coordinator co;
    if (group_connect(ctx, group, &boot, &cc, &co) < 0)
        return CLI_ERR;
    int rc = CLI_ERR;
    int16_t ec;
    if (kgroup_delete(&cc, group, &ec) < 0) {
        cli_error("%s", cc.err);
    } else if (ec == KAFKA_NONE) {
        printf("deleted group '%s'\n", group);
        rc = CLI_OK;
    } else if (ec == KAFKA_NON_EMPTY_GROUP) {
        /* say how busy it is */
        kgroup_descriptions ds;
        const kgroup_description *d = NULL;
        char st[128];
        if (kgroup_describe(&cc, &group, 1, &ds) == 0)
            d = kgroup_descriptions_find(&ds, group);
        if (d && d->error == KAFKA_NONE)
            cli_error("cannot delete group '%s': it is %s (%s: the broker deletes only groups "
                      "without members); stop its consumers, or wait until their session "
                      "timeout removes them, and retry",
                      group, group_state_text(d, st, sizeof st), kafka_error_name(ec));
        else
            group_error("delete", group, ec);
        kgroup_descriptions_free(&ds);
    } else {
        group_error("delete", group, ec);
    }
    kclient_close(&cc);
    kclient_close(&boot);
    return rc;
}

int cmd_group_delete(cli_ctx *ctx, int argc, char **argv) {
    const cli_command *cmd = cli_command_find("group", "delete");
    int json = 0;
    int rc = parse_group_opts(ctx, cmd, argc, argv, 0, &json);
    if (rc != CLI_OK)
        return rc;
    if (optind >= argc)
        return cli_usage_error(cmd, "missing GROUP");
    for (int i = optind; i < argc; i++)
        if (delete_one(ctx, argv[i]) != CLI_OK)
            rc = CLI_ERR;
    return rc;
}
