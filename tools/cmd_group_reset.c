/*
 * cmd_group_reset.c - `strand group reset-offsets`: move the committed
 * offsets of an empty consumer group, like kafka-consumer-groups.sh
 * --reset-offsets.
 *
 * Steps: find the coordinator; refuse unless the group is Empty or Dead (a
 * group with members owns its offsets and would overwrite ours); collect
 * the partitions (--topic T[:P,...] from Metadata, or --all-topics from the
 * group's commits); read committed offsets (OffsetFetch), log start and end
 * (ListOffsets at each leader) and, for --to-datetime, the offset for the
 * time; compute each new offset (tools/group_reset.h, clamped into the
 * log); print the plan. Only with --execute is the plan committed
 * (OffsetCommit, generation -1, member id ""): the default is a dry run.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cli.h"
#include "tools/cli_client.h"
#include "tools/group_cli.h"
#include "tools/group_reset.h"
#include "tools/kgroup.h"
#include "wire/kafka.h"

enum {
    OPT_TOPIC = 1200,
    OPT_ALL_TOPICS,
    OPT_TO_EARLIEST,
    OPT_TO_LATEST,
    OPT_TO_OFFSET,
    OPT_TO_DATETIME,
    OPT_SHIFT_BY,
    OPT_EXECUTE,
    OPT_DRY_RUN,
};

typedef struct reset_opts {
    group_topic_spec *specs;
    int n_specs;
    int all_topics;
    int n_targets;
    group_reset_target target;
    int execute;
    int dry_run;
    const char *group;
} reset_opts;

/* One partition of the plan. */
typedef struct reset_row {
    const char *topic; /* borrowed from the specs or the commit list copy */
    int32_t partition;
    group_reset_input in;
    group_reset_result out;
} reset_row;

static int cmp_reset_row(const void *a, const void *b) {
    const reset_row *x = a, *y = b;
    int d = strcmp(x->topic, y->topic);
    return d ? d : (x->partition > y->partition) - (x->partition < y->partition);
}

static void reset_opts_free(reset_opts *o) {
    for (int i = 0; i < o->n_specs; i++)
        group_topic_spec_free(&o->specs[i]);
    free(o->specs);
    o->specs = NULL;
}

static int set_target(reset_opts *o, const cli_command *cmd, group_reset_kind kind,
                      const char *arg) {
    o->n_targets++;
    o->target.kind = kind;
    o->target.value = 0;
    long long v;
    switch (kind) {
    case GROUP_RESET_OFFSET:
        if (cli_parse_int(arg, 0, INT64_MAX, &v) < 0)
            return cli_usage_error(cmd, "--to-offset needs an offset >= 0, not '%s'", arg);
        o->target.value = v;
        break;
    case GROUP_RESET_SHIFT:
        if (cli_parse_int(arg, INT64_MIN, INT64_MAX, &v) < 0)
            return cli_usage_error(cmd, "--shift-by needs a number (may be negative), not '%s'",
                                   arg);
        o->target.value = v;
        break;
    case GROUP_RESET_DATETIME:
        if (group_datetime_parse(arg, &o->target.value) < 0)
            return cli_usage_error(cmd,
                                   "--to-datetime needs an ISO 8601 time such as "
                                   "2026-11-23T10:00:00Z, 2026-11-23T10:00:00.250+01:00 or "
                                   "2026-11-23 (local time without a zone), or epoch "
                                   "milliseconds; not '%s'",
                                   arg);
        break;
    default:
        break;
    }
    return CLI_OK;
}

static int parse_reset(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv, reset_opts *o) {
    static const struct option opts[] = {{"topic", required_argument, NULL, OPT_TOPIC},
                                         {"all-topics", no_argument, NULL, OPT_ALL_TOPICS},
                                         {"to-earliest", no_argument, NULL, OPT_TO_EARLIEST},
                                         {"to-latest", no_argument, NULL, OPT_TO_LATEST},
                                         {"to-offset", required_argument, NULL, OPT_TO_OFFSET},
                                         {"to-datetime", required_argument, NULL, OPT_TO_DATETIME},
                                         {"shift-by", required_argument, NULL, OPT_SHIFT_BY},
                                         {"execute", no_argument, NULL, OPT_EXECUTE},
                                         {"dry-run", no_argument, NULL, OPT_DRY_RUN},
                                         {"bootstrap", required_argument, NULL, 'b'},
                                         {"timeout", required_argument, NULL, CLI_OPT_TIMEOUT},
                                         {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->specs = calloc((size_t)argc + 1, sizeof *o->specs);
    if (!o->specs) {
        cli_error("out of memory");
        return CLI_ERR;
    }
    int opt, rc = CLI_OK;
    optind = 0;
    opterr = 0;
    while (rc == CLI_OK && (opt = getopt_long(argc, argv, "b:t:", opts, NULL)) != -1) {
        char err[300];
        switch (opt) {
        case 't':
        case OPT_TOPIC:
            if (group_topic_spec_parse(optarg, &o->specs[o->n_specs], err, sizeof err) < 0)
                rc = cli_usage_error(cmd, "%s", err);
            else
                o->n_specs++;
            break;
        case OPT_ALL_TOPICS:
            o->all_topics = 1;
            break;
        case OPT_TO_EARLIEST:
            rc = set_target(o, cmd, GROUP_RESET_EARLIEST, NULL);
            break;
        case OPT_TO_LATEST:
            rc = set_target(o, cmd, GROUP_RESET_LATEST, NULL);
            break;
        case OPT_TO_OFFSET:
            rc = set_target(o, cmd, GROUP_RESET_OFFSET, optarg);
            break;
        case OPT_TO_DATETIME:
            rc = set_target(o, cmd, GROUP_RESET_DATETIME, optarg);
            break;
        case OPT_SHIFT_BY:
            rc = set_target(o, cmd, GROUP_RESET_SHIFT, optarg);
            break;
        case OPT_EXECUTE:
            o->execute = 1;
            break;
        case OPT_DRY_RUN:
            o->dry_run = 1;
            break;
        case '?':
        case ':':
            rc = cli_usage_error(cmd, "bad or incomplete option '%s'", argv[optind - 1]);
            break;
        default:
            rc = cli_client_option(ctx, cmd, opt, argv, NULL);
        }
    }
    if (rc != CLI_OK)
        return rc;
    if (argc - optind != 1)
        return cli_usage_error(cmd, argc == optind ? "missing GROUP"
                                                   : "reset-offsets takes exactly one GROUP");
    o->group = argv[optind];
    if (o->n_targets != 1)
        return cli_usage_error(cmd, o->n_targets ? "give only one of --to-earliest, --to-latest, "
                                                   "--to-offset, --to-datetime, --shift-by"
                                                 : "missing the target: --to-earliest, "
                                                   "--to-latest, --to-offset N, --to-datetime "
                                                   "TIME or --shift-by N");
    if ((o->n_specs > 0) == (o->all_topics != 0))
        return cli_usage_error(cmd, o->all_topics ? "--all-topics and --topic exclude each other"
                                                  : "name the partitions: --topic T[:P,...] "
                                                    "(repeatable) or --all-topics");
    if (o->execute && o->dry_run)
        return cli_usage_error(cmd, "--execute and --dry-run exclude each other");
    return CLI_OK;
}

/* The plan's partitions from --topic specs (checked against Metadata). */
static int rows_from_specs(const reset_opts *o, const kcluster *k, reset_row **rows, int *n) {
    int64_t cap = 0;
    for (int i = 0; i < o->n_specs; i++) {
        const kadmin_topic *t = kcluster_topic(k, o->specs[i].topic);
        if (!t || t->error == KAFKA_UNKNOWN_TOPIC_OR_PARTITION) {
            cli_error("topic '%s' does not exist (UNKNOWN_TOPIC_OR_PARTITION); `strand topic "
                      "list` shows the topics",
                      o->specs[i].topic);
            return -1;
        }
        if (t->error != KAFKA_NONE) {
            cli_error("topic '%s': %s", o->specs[i].topic, kafka_error_name(t->error));
            return -1;
        }
        for (int j = 0; j < o->specs[i].n_partitions; j++) {
            int found = 0;
            for (int32_t p = 0; p < t->n_partitions && !found; p++)
                found = t->partitions[p].id == o->specs[i].partitions[j];
            if (!found) {
                cli_error("topic '%s' has no partition %d (it has %d, numbered from 0)",
                          o->specs[i].topic, (int)o->specs[i].partitions[j], (int)t->n_partitions);
                return -1;
            }
        }
        cap += o->specs[i].n_partitions ? o->specs[i].n_partitions : t->n_partitions;
    }
    reset_row *r = calloc((size_t)cap + 1, sizeof *r);
    if (!r) {
        cli_error("out of memory");
        return -1;
    }
    int m = 0;
    for (int i = 0; i < o->n_specs; i++) {
        const kadmin_topic *t = kcluster_topic(k, o->specs[i].topic);
        int np = o->specs[i].n_partitions ? o->specs[i].n_partitions : t->n_partitions;
        for (int j = 0; j < np; j++) {
            r[m].topic = o->specs[i].topic;
            r[m].partition =
                o->specs[i].n_partitions ? o->specs[i].partitions[j] : t->partitions[j].id;
            m++;
        }
    }
    qsort(r, (size_t)m, sizeof *r, cmp_reset_row);
    int u = 0; /* a topic named twice: keep each partition once */
    for (int i = 0; i < m; i++)
        if (u == 0 || cmp_reset_row(&r[u - 1], &r[i]) != 0)
            r[u++] = r[i];
    *rows = r;
    *n = u;
    return 0;
}

/* Log start, log end and (for DATETIME) the offset for the time, per topic. */
static int fill_offsets(kcluster *k, const group_reset_target *target, reset_row *rows, int n) {
    int32_t *parts = calloc((size_t)n + 1, sizeof *parts);
    int64_t *offs = calloc((size_t)n + 1, sizeof *offs);
    int16_t *errs = calloc((size_t)n + 1, sizeof *errs);
    int rc = 0;
    if (!parts || !offs || !errs) {
        cli_error("out of memory");
        rc = -1;
    }
    for (int i = 0; rc == 0 && i < n;) {
        int j = i;
        while (j < n && strcmp(rows[j].topic, rows[i].topic) == 0) {
            parts[j - i] = rows[j].partition;
            j++;
        }
        int64_t stamps[3] = {-2, -1, target->value};
        int nstamps = target->kind == GROUP_RESET_DATETIME ? 3 : 2;
        for (int s = 0; rc == 0 && s < nstamps; s++) {
            if (kcluster_offsets(k, rows[i].topic, parts, j - i, stamps[s], offs, errs) < 0) {
                cli_error("%s", k->err);
                rc = -1;
                break;
            }
            for (int r = i; r < j; r++) {
                if (errs[r - i] != KAFKA_NONE) {
                    cli_error("cannot read the %s offset of %s [%d]: %s%s%s",
                              s == 0   ? "log start"
                              : s == 1 ? "log end"
                                       : "by-time",
                              rows[r].topic, (int)rows[r].partition, kafka_error_name(errs[r - i]),
                              errs[r - i] == KAFKA_NETWORK_EXCEPTION ? " - " : "",
                              errs[r - i] == KAFKA_NETWORK_EXCEPTION ? k->err : "");
                    rc = -1;
                    break;
                }
                if (s == 0)
                    rows[r].in.log_start = offs[r - i];
                else if (s == 1)
                    rows[r].in.log_end = offs[r - i];
                else
                    rows[r].in.by_time = offs[r - i];
            }
        }
        i = j;
    }
    free(parts);
    free(offs);
    free(errs);
    return rc;
}

static const char *target_text(const group_reset_target *t, char *buf, size_t cap) {
    switch (t->kind) {
    case GROUP_RESET_EARLIEST:
        return "the log start";
    case GROUP_RESET_LATEST:
        return "the log end";
    case GROUP_RESET_OFFSET:
        snprintf(buf, cap, "offset %lld", (long long)t->value);
        return buf;
    case GROUP_RESET_DATETIME:
        snprintf(buf, cap, "the first message at or after %lld ms", (long long)t->value);
        return buf;
    default:
        snprintf(buf, cap, "the committed offset %+lld", (long long)t->value);
        return buf;
    }
}

static int print_plan(const reset_opts *o, reset_row *rows, int n) {
    cli_table t;
    cli_table_init(&t, 7);
    cli_table_cell(&t, "TOPIC");
    cli_table_cell(&t, "PARTITION");
    cli_table_cell(&t, "CURRENT");
    cli_table_cell(&t, "NEW");
    cli_table_cell(&t, "LOG-START");
    cli_table_cell(&t, "LOG-END");
    cli_table_cell(&t, "NOTE");
    int bad = 0;
    for (int i = 0; i < n; i++) {
        reset_row *r = &rows[i];
        char note[160];
        if (group_reset_compute(&o->target, &r->in, &r->out) < 0)
            bad++;
        cli_table_cell(&t, "%s", r->topic);
        cli_table_cell(&t, "%d", (int)r->partition);
        if (r->in.committed >= 0)
            cli_table_cell(&t, "%lld", (long long)r->in.committed);
        else
            cli_table_cell(&t, "-");
        if (r->out.new_offset >= 0)
            cli_table_cell(&t, "%lld", (long long)r->out.new_offset);
        else
            cli_table_cell(&t, "-");
        cli_table_cell(&t, "%lld", (long long)r->in.log_start);
        cli_table_cell(&t, "%lld", (long long)r->in.log_end);
        group_reset_note_text(&r->out, note, sizeof note);
        cli_table_cell(&t, "%s", note[0] ? note : "-");
    }
    int rc = cli_table_print(&t, stdout);
    cli_table_free(&t);
    if (rc < 0)
        return -1;
    if (bad) {
        cli_error("cannot shift %d partition%s of group '%s' that %s no committed offset (see "
                  "the plan); name only partitions with commits, or use another target; nothing "
                  "was changed",
                  bad, bad == 1 ? "" : "s", o->group, bad == 1 ? "has" : "have");
        return -1;
    }
    return 0;
}

static int execute_plan(const reset_opts *o, kclient *cc, reset_row *rows, int n) {
    kgroup_commit *cm = calloc((size_t)n + 1, sizeof *cm);
    if (!cm) {
        cli_error("out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++)
        cm[i] = (kgroup_commit){rows[i].topic, rows[i].partition, rows[i].out.new_offset, 0};
    int rc = 0;
    if (kgroup_offsets_commit(cc, o->group, cm, n) < 0) {
        cli_error("%s", cc->err);
        rc = -1;
    }
    for (int i = 0; rc == 0 && i < n; i++) {
        int16_t ec = cm[i].error;
        if (ec == KAFKA_NONE)
            continue;
        if (ec == KAFKA_UNKNOWN_MEMBER_ID || ec == KAFKA_ILLEGAL_GENERATION ||
            ec == KAFKA_REBALANCE_IN_PROGRESS)
            cli_error("the coordinator refused the new offset of %s [%d] (%s): the group is no "
                      "longer empty - a consumer joined meanwhile; stop it and retry",
                      cm[i].topic, (int)cm[i].partition, kafka_error_name(ec));
        else
            cli_error("the coordinator refused the new offset of %s [%d]: %s", cm[i].topic,
                      (int)cm[i].partition, kafka_error_name(ec));
        rc = -1;
    }
    free(cm);
    if (rc == 0)
        printf("committed new offsets for %d partition%s of group '%s'\n", n, n == 1 ? "" : "s",
               o->group);
    return rc;
}

/* The plan's partitions from the group's commits (--all-topics). */
static int rows_from_commits(const kgroup_offsets *offs, char ***names, int *n_names,
                             reset_row **rows, int *n) {
    reset_row *r = calloc((size_t)offs->n + 1, sizeof *r);
    char **nm = calloc((size_t)offs->n + 1, sizeof *nm);
    if (!r || !nm) {
        free(r);
        free(nm);
        cli_error("out of memory");
        return -1;
    }
    int m = 0, k = 0;
    for (int32_t i = 0; i < offs->n; i++) {
        if (offs->entries[i].offset < 0)
            continue;
        char *t = NULL;
        for (int j = 0; j < k && !t; j++)
            if (wire_str_eq(offs->entries[i].topic, nm[j]))
                t = nm[j];
        if (!t) {
            t = nm[k] = wire_str_dup(offs->entries[i].topic);
            if (!t) {
                cli_error("out of memory");
                *names = nm;
                *n_names = k;
                free(r);
                return -1;
            }
            k++;
        }
        r[m].topic = t;
        r[m].partition = offs->entries[i].partition;
        m++;
    }
    qsort(r, (size_t)m, sizeof *r, cmp_reset_row);
    *names = nm;
    *n_names = k;
    *rows = r;
    *n = m;
    return 0;
}

static int reset_run(cli_ctx *ctx, reset_opts *o) {
    kclient boot, cc;
    kgroup_coordinator co;
    if (group_connect(ctx, o->group, &boot, &cc, &co) < 0)
        return CLI_ERR;
    int rc = CLI_ERR, n = 0, n_names = 0, have_k = 0;
    char **names = NULL;
    reset_row *rows = NULL;
    kgroup_descriptions ds;
    kgroup_offsets offs;
    kcluster k;
    memset(&offs, 0, sizeof offs);
    if (kgroup_describe(&cc, &o->group, 1, &ds) < 0) {
        cli_error("%s", cc.err);
        goto out;
    }
    const kgroup_description *d = kgroup_descriptions_find(&ds, o->group);
    if (!d) {
        cli_error("%s: the DescribeGroups answer does not mention group '%s'", cc.addr, o->group);
        goto out;
    }
    if (d->error != KAFKA_NONE && d->error != KAFKA_GROUP_ID_NOT_FOUND) {
        group_error("reset the offsets of", o->group, d->error);
        goto out;
    }
    int inactive = d->error == KAFKA_GROUP_ID_NOT_FOUND || wire_str_eq(d->state, "Empty") ||
                   wire_str_eq(d->state, "Dead");
    if (!inactive || d->n_members > 0) {
        char st[128];
        cli_error("cannot reset the offsets of group '%s': it is %s; offsets can only be reset "
                  "while the group has no members (its consumers would overwrite them) - stop "
                  "them, or wait until their session timeout removes them, and retry",
                  o->group, group_state_text(d, st, sizeof st));
        goto out;
    }
    if (kgroup_offsets_fetch(&cc, o->group, &offs) < 0) {
        cli_error("%s", cc.err);
        goto out;
    }
    if (offs.error != KAFKA_NONE && offs.error != KAFKA_GROUP_ID_NOT_FOUND) {
        group_error("read the committed offsets of", o->group, offs.error);
        goto out;
    }
    if (o->all_topics) {
        if (rows_from_commits(&offs, &names, &n_names, &rows, &n) < 0)
            goto out;
        if (n == 0) {
            cli_error("group '%s' has no committed offsets, so --all-topics names nothing; name "
                      "the partitions with --topic T[:P,...]",
                      o->group);
            goto out;
        }
        if (kcluster_open(&k, &boot, (const char *const *)names, n_names) < 0) {
            cli_error("%s", boot.err);
            goto out;
        }
        have_k = 1;
    } else {
        const char **tn = calloc((size_t)o->n_specs, sizeof *tn);
        if (!tn) {
            cli_error("out of memory");
            goto out;
        }
        for (int i = 0; i < o->n_specs; i++)
            tn[i] = o->specs[i].topic;
        int krc = kcluster_open(&k, &boot, tn, o->n_specs);
        free(tn);
        if (krc < 0) {
            cli_error("%s", boot.err);
            goto out;
        }
        have_k = 1;
        if (rows_from_specs(o, &k, &rows, &n) < 0)
            goto out;
    }
    for (int i = 0; i < n; i++) {
        rows[i].in.committed = -1;
        rows[i].in.by_time = -1;
        for (int32_t j = 0; j < offs.n; j++)
            if (offs.entries[j].partition == rows[i].partition &&
                wire_str_eq(offs.entries[j].topic, rows[i].topic))
                rows[i].in.committed = offs.entries[j].offset;
    }
    if (fill_offsets(&k, &o->target, rows, n) < 0)
        goto out;
    char tt[128];
    printf("group '%s' (%.*s): reset to %s\n", o->group, d->state.len > 0 ? (int)d->state.len : 4,
           d->state.len > 0 ? d->state.ptr : "Dead", target_text(&o->target, tt, sizeof tt));
    if (print_plan(o, rows, n) < 0)
        goto out;
    if (!o->execute) {
        printf("dry run: nothing was changed; add --execute to commit these offsets\n");
        rc = CLI_OK;
    } else if (execute_plan(o, &cc, rows, n) == 0) {
        rc = CLI_OK;
    }
out:
    if (have_k)
        kcluster_close(&k);
    for (int i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    free(rows);
    kgroup_offsets_free(&offs);
    kgroup_descriptions_free(&ds);
    kclient_close(&cc);
    kclient_close(&boot);
    return rc;
}

int cmd_group_reset_offsets(cli_ctx *ctx, int argc, char **argv) {
    const cli_command *cmd = cli_command_find("group", "reset-offsets");
    reset_opts o;
    int rc = parse_reset(ctx, cmd, argc, argv, &o);
    if (rc == CLI_OK)
        rc = reset_run(ctx, &o);
    reset_opts_free(&o);
    return rc;
}
