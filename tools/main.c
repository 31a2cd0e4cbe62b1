/*
 * main.c - entry point of `strand`, the command-line tool: global options,
 * the command table, --help/--version, and the helpers commands share.
 *
 * Dispatch is table-driven: a command is found by (group, name) in
 * `commands` below and receives the rest of the command line. Global
 * options (-b, --timeout) come before the group; commands that talk to a
 * broker accept -b after their name too, so both
 * `strand -b h:p topic list` and `strand topic list -b h:p` work.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cli.h"

#ifndef STRAND_CLI_VERSION
#define STRAND_CLI_VERSION "0.0.0"
#endif

#define BROKER_OPTS                                                                                \
    "  -b, --bootstrap HOST:PORT  broker to talk to; a comma-separated list is tried in\n"         \
    "                             order (also: env STRAND_BROKERS; default " CLI_DEFAULT_BROKERS   \
    ")\n"                                                                                          \
    "      --timeout MS           give up on a request after MS milliseconds (default 10000)\n"

static const cli_command commands[] = {
    {"log", "dump", "inspect segment files offline (batches, records, index checks)",
     "usage: strand log dump PATH... [--records] [--verify]\n"
     "\n"
     "Print the record batches of a segment file (NNNNNNNNNNNNNNNNNNNN.log) or of a\n"
     "whole partition directory (all segments in offset order), one line per batch:\n"
     "base and last offset, record count, size, codec, base and max timestamp,\n"
     "partition leader epoch, CRC ok/BAD and position in the file. For a directory\n"
     "(or a .log with its .index/.timeindex beside it; naming an index dumps its\n"
     "segment) the index files are checked against the log and summarised. Offsets\n"
     "that hold no record, as compaction leaves them, are shown as `gap:` lines\n"
     "between batches and as `compacted: N of M offsets hold records` on a batch.\n"
     "Reads files directly; no broker is needed.\n"
     "\n"
     "options:\n"
     "  -r, --records   also decode and print every record (offset, timestamp, key,\n"
     "                  value, headers); compressed batches are decompressed.\n"
     "                  Text (ASCII/UTF-8) is shown as is, mostly-binary data as\n"
     "                  0x<hex>, anything else with \\xNN escapes; null as null\n"
     "  -v, --verify    exit 1 at any corruption: bad CRC, torn tail, offsets that\n"
     "                  do not grow, index entries that do not match the log\n"
     "  -h, --help      this text\n"
     "\n"
     "Every problem is reported on stderr as `strand: corrupt: FILE: position P:\n"
     "WHAT`, with or without --verify; --verify only changes the exit status.\n",
     cmd_log_dump},
    {"topic", "create", "create a topic",
     "usage: strand [-b HOST:PORT] topic create NAME [--partitions N]\n"
     "              [--replication-factor N] [--config KEY=VALUE]...\n"
     "\n"
     "Create topic NAME (CreateTopics).\n"
     "\n"
     "options:\n"
     "  -p, --partitions N         number of partitions (default: the broker's)\n"
     "  -r, --replication-factor N copies of each partition (default: the broker's)\n"
     "  -c, --config KEY=VALUE     topic config, e.g. retention.ms=60000; repeatable\n" BROKER_OPTS
     "  -h, --help                 this text\n",
     cmd_topic_create},
    {"topic", "list", "list topics",
     "usage: strand [-b HOST:PORT] topic list\n"
     "\n"
     "Print the name of every topic, one a line, sorted (Metadata).\n"
     "\n"
     "options:\n" BROKER_OPTS "  -h, --help                 this text\n",
     cmd_topic_list},
    {"topic", "describe", "show partitions, offsets and configs of topics",
     "usage: strand [-b HOST:PORT] topic describe [NAME...] [--json]\n"
     "\n"
     "For each topic (all topics when no NAME is given): its partitions with\n"
     "leader, leader epoch, replicas, in-sync replicas, log start offset, high\n"
     "watermark (what consumers may read up to) and log end offset, asked from\n"
     "each partition's leader (ListOffsets -2 and -1 as a consumer, -1 as\n"
     "replica -2), then the topic's configs (DescribeConfigs).\n"
     "\n"
     "options:\n"
     "      --json                 one JSON object per topic and line: {\"topic\",\n"
     "                             \"internal\", \"replication_factor\", \"partitions\":\n"
     "                             [{\"partition\", \"leader\", \"leader_epoch\",\n"
     "                             \"replicas\", \"isr\", \"log_start_offset\",\n"
     "                             \"high_watermark\", \"log_end_offset\", \"error\",\n"
     "                             \"offsets_error\"}], \"configs\": [{\"name\", \"value\",\n"
     "                             \"source\", \"read_only\", \"sensitive\"}]}\n" BROKER_OPTS
     "  -h, --help                 this text\n",
     cmd_topic_describe},
    {"topic", "delete", "delete topics",
     "usage: strand [-b HOST:PORT] topic delete NAME...\n"
     "\n"
     "Delete the named topics and all their data (DeleteTopics). In a cluster\n"
     "the deletion finishes once every broker holding replicas of a topic has\n"
     "dropped them; a broker that is down holds it until it returns (the command\n"
     "then reports REQUEST_TIMED_OUT after --timeout and the deletion goes on).\n"
     "\n"
     "options:\n" BROKER_OPTS "  -h, --help                 this text\n",
     cmd_topic_delete},
    {"topic", "alter", "add partitions to a topic",
     "usage: strand [-b HOST:PORT] topic alter NAME --partitions N\n"
     "\n"
     "Grow topic NAME to N partitions in all (CreatePartitions); partitions can\n"
     "only be added. The broker assigns the new partitions' replicas, continuing\n"
     "the topic's pattern. Records with a key may map to another partition\n"
     "afterwards.\n"
     "\n"
     "options:\n"
     "  -p, --partitions N         the new number of partitions (more than now)\n" BROKER_OPTS
     "  -h, --help                 this text\n",
     cmd_topic_alter},
    {"group", "list", "list consumer groups with their state",
     "usage: strand [-b HOST:PORT] group list [--json]\n"
     "\n"
     "Print every consumer group of the cluster, sorted: GROUP, STATE (Empty,\n"
     "Stable, PreparingRebalance, CompletingRebalance, Dead), PROTOCOL-TYPE and\n"
     "the node id of its COORDINATOR. Every broker of the cluster is asked\n"
     "(ListGroups; DescribeGroups for the state when ListGroups is older than v4).\n"
     "\n"
     "options:\n"
     "      --json                 one JSON object: {\"groups\":[{\"group\",\"state\",\n"
     "                             \"protocol_type\",\"coordinator\"}...]}\n" BROKER_OPTS
     "  -h, --help                 this text\n",
     cmd_group_list},
    {"group", "describe", "show a group's members, committed offsets and lag",
     "usage: strand [-b HOST:PORT] group describe GROUP... [--json]\n"
     "\n"
     "For each GROUP (at its coordinator, found with FindCoordinator): state,\n"
     "protocol type and assignor, coordinator, then every member (member id,\n"
     "group instance id, client id, host and its assignment decoded from the\n"
     "consumer protocol as topic:partition,...), then every partition the group\n"
     "has a committed offset for or a member is assigned: committed offset, log\n"
     "end offset (ListOffsets at the partition's leader), lag (log end minus\n"
     "committed) and the member that owns it; '-' where there is none. A group\n"
     "without members still shows its offsets and lag. A group that does not\n"
     "exist (state Dead, no offsets) is an error (exit status 1).\n"
     "\n"
     "options:\n"
     "      --json                 one JSON object per group: group, state,\n"
     "                             protocol_type, protocol, coordinator, members\n"
     "                             (with assignment [{topic, partitions}]) and\n"
     "                             offsets [{topic, partition, committed, log_end,\n"
     "                             lag, member_id}] (null where unknown)\n" BROKER_OPTS
     "  -h, --help                 this text\n",
     cmd_group_describe},
    {"group", "reset-offsets", "move the committed offsets of an empty group",
     "usage: strand [-b HOST:PORT] group reset-offsets GROUP\n"
     "              (--topic T[:P,...]... | --all-topics)\n"
     "              (--to-earliest | --to-latest | --to-offset N |\n"
     "               --to-datetime TIME | --shift-by N) [--execute]\n"
     "\n"
     "Compute new committed offsets for partitions of GROUP and print the plan:\n"
     "topic, partition, current committed offset, new offset, log start, log end\n"
     "and a note when the wanted offset was clamped into [log start, log end].\n"
     "Without --execute this is a dry run and nothing changes; with --execute the\n"
     "plan is committed (OffsetCommit as a standalone committer). Refused unless\n"
     "the group is Empty or Dead (it has no members): stop its consumers first.\n"
     "\n"
     "partitions (one of):\n"
     "  -t, --topic T[:P,...]      topic T, all partitions or the listed ones\n"
     "                             (numbers and ranges: orders:0,2,4-7); repeatable\n"
     "      --all-topics           every partition the group has a committed offset for\n"
     "target (exactly one):\n"
     "      --to-earliest          the log start offset\n"
     "      --to-latest            the log end offset\n"
     "      --to-offset N          offset N (clamped into the log)\n"
     "      --to-datetime TIME     the first message with a timestamp at or after\n"
     "                             TIME (the log end if none): ISO 8601 such as\n"
     "                             2026-11-23T10:00:00Z, 2026-11-23T10:00:00.250+01:00,\n"
     "                             2026-11-23 (no zone: local time), or epoch ms\n"
     "      --shift-by N           the committed offset plus N (N may be negative;\n"
     "                             clamped; every partition needs a committed offset)\n"
     "options:\n"
     "      --execute              commit the plan (default: dry run)\n"
     "      --dry-run              only print the plan (the default)\n" BROKER_OPTS
     "  -h, --help                 this text\n",
     cmd_group_reset_offsets},
    {"group", "delete", "delete empty groups and their committed offsets",
     "usage: strand [-b HOST:PORT] group delete GROUP...\n"
     "\n"
     "Delete each GROUP and its committed offsets (DeleteGroups at its\n"
     "coordinator). A group with members is refused by the broker\n"
     "(NON_EMPTY_GROUP): stop its consumers first. Exit status 1 if any GROUP\n"
     "was not deleted.\n"
     "\n"
     "options:\n" BROKER_OPTS "  -h, --help                 this text\n",
     cmd_group_delete},
    {"cluster", NULL, "show the brokers, controller and ZooKeeper of a cluster",
     "usage: strand [-b HOST:PORT] cluster [--json]\n"
     "       strand [-b HOST:PORT] cluster elect-leaders ... (see its --help)\n"
     "\n"
     "Print the cluster id, the controller, the ZooKeeper ensemble (zookeeper.connect,\n"
     "or `none` for a standalone broker) and every live broker with its address,\n"
     "the number of partitions it leads and how many of the partitions it is the\n"
     "preferred (first) replica of it leads, then the preferred-leader imbalance:\n"
     "partitions not led by their first replica (Metadata, and DescribeConfigs of\n"
     "a broker for zookeeper.connect).\n"
     "\n"
     "options:\n"
     "      --json                 {cluster_id, controller, zookeeper, brokers:\n"
     "                             [{id, host, port, controller, leaders, preferred,\n"
     "                             preferred_led}], partitions, not_preferred_leader}\n" BROKER_OPTS
     "  -h, --help                 this text\n",
     cmd_cluster},
    {"cluster", "elect-leaders", "move leadership back to the preferred replicas",
     "usage: strand [-b HOST:PORT] cluster elect-leaders\n"
     "              (--topic T [--partition P] | --all-topics) [--json]\n"
     "\n"
     "Preferred-leader election (ElectLeaders, sent to the controller named by\n"
     "Metadata): each partition is to be led by its preferred replica, the first\n"
     "of its assignment. Prints one line per partition: TOPIC PARTITION RESULT,\n"
     "where RESULT is NONE (leadership moved), ELECTION_NOT_NEEDED (already led\n"
     "by it), PREFERRED_LEADER_NOT_AVAILABLE (it is not alive and in sync),\n"
     "UNKNOWN_TOPIC_OR_PARTITION or REQUEST_TIMED_OUT. The answer comes once\n"
     "the moves are done, within --timeout. Exit status 1 if any partition got\n"
     "another result than NONE or ELECTION_NOT_NEEDED.\n"
     "\n"
     "options:\n"
     "  -t, --topic T              the partitions of topic T\n"
     "  -p, --partition P          only partition P of T\n"
     "      --all-topics           every partition of the cluster\n"
     "      --json                 {\"results\":[{topic, partition, result,\n"
     "                             message}]}\n" BROKER_OPTS
     "  -h, --help                 this text\n",
     cmd_cluster},
    {"produce", NULL, "send stdin lines to a topic, one message each",
     "usage: strand [-b HOST:PORT] produce TOPIC [options] < lines\n"
     "\n"
     "Read stdin and send every line (without its newline) as one message to\n"
     "TOPIC through libstrand's producer (batched, compressed as asked). Delivery\n"
     "errors are printed on stderr; a summary line (messages, bytes, errors)\n"
     "follows at the end. Exit status 1 if any message was not delivered.\n"
     "\n"
     "options:\n"
     "  -k, --key-delimiter C      split each line at the first C into key and\n"
     "                             value (a line without C: null key, whole value)\n"
     "  -p, --partition N          send to partition N (default: the partitioner\n"
     "                             chooses: murmur2 of the key like the Java client,\n"
     "                             sticky partition for null keys)\n"
     "  -z, --compression CODEC    none, gzip, snappy, lz4 or zstd (default none)\n"
     "      --acks ACKS            0, 1, all or -1 (default all: the producer is\n"
     "                             idempotent; 0 or 1 turn that off)\n"
     "      --headers K=V[,K=V...] headers added to every message\n"
     "      --linger-ms MS         how long a batch waits for more messages (default 5)\n"
     "      --batch-size BYTES     send a batch once it holds this much\n"
     "  -X KEY=VALUE               any libstrand configuration key (see\n"
     "                             docs/CLIENT.md), e.g. -X retries=3 or\n"
     "                             -X enable.idempotence=false (no producer id:\n"
     "                             unknown outcomes are looked up in the log);\n"
     "                             repeatable; -X wins over the options above\n" BROKER_OPTS
     "  -h, --help                 this text\n",
     cmd_produce},
    {"consume", NULL, "print the messages of a topic",
     "usage: strand [-b HOST:PORT] consume TOPIC [options]\n"
     "\n"
     "Read messages of TOPIC (all partitions, or one with -p) through libstrand's\n"
     "consumer and print each with the -f format (default: the value and a\n"
     "newline) or as JSON. Runs until -c messages, -e, or SIGINT/SIGTERM.\n"
     "\n"
     "options:\n"
     "  -o, --offset START         where to start in every partition: beginning,\n"
     "                             end (default), N (offset N), -N (N messages\n"
     "                             before the end) or @TIMESTAMP_MS (the first\n"
     "                             message with a timestamp at or after it)\n"
     "  -c, --count N              exit after N messages\n"
     "  -p, --partition N          only partition N (default: all partitions)\n"
     "  -e, --exit                 exit once every partition's end was reached\n"
     "  -f, --format FMT           print each message as FMT: %t topic, %p partition,\n"
     "                             %o offset, %k key, %v (or %s) value, %T timestamp\n"
     "                             (ms), %h headers (k=v,...), %K / %S key / value\n"
     "                             size (-1 for null), %% a percent sign; \\n \\t\n"
     "                             \\r \\\\ escapes (default '%v\\n')\n"
     "      --json                 one JSON object per line: topic, partition,\n"
     "                             offset, timestamp, key, value, headers; bytes\n"
     "                             that are not UTF-8 come as key_b64/value_b64\n"
     "                             (base64); null stays null\n"
     "  -G, --group GROUP          consume as a member of consumer group GROUP:\n"
     "                             TOPIC (or a regex starting with ^) is\n"
     "                             subscribed, the group assigns the partitions,\n"
     "                             they start at the committed offsets (-o\n"
     "                             beginning|end applies without one), positions\n"
     "                             are committed as it goes and at exit; -e waits\n"
     "                             for the end of the assigned partitions\n"
     "  -X KEY=VALUE               any libstrand configuration key, e.g.\n"
     "                             -X fetch.max.wait.ms=100; repeatable\n" BROKER_OPTS
     "  -h, --help                 this text\n",
     cmd_consume},
    {"perf", "produce", "producer load test: throughput and latency",
     "usage: strand [-b HOST:PORT] perf produce --topic T --num-records N [options]\n"
     "\n"
     "Send N records of --record-size bytes through libstrand and report\n"
     "throughput and latency (from each send call to its delivery report). A\n"
     "progress line goes to stderr every second; the summary to stdout:\n"
     "  N records sent, D delivered, F failed, R records/s (M MB/s), A ms avg\n"
     "  latency, X ms max latency\n"
     "  latency ms: p50 .., p95 .., p99 .., p99.9 .., max ..; S s total\n"
     "Exit status 0 only if all N records were delivered.\n"
     "\n"
     "options:\n"
     "  -t, --topic T              topic to write (it should exist)\n"
     "      --num-records N        records to send (required)\n"
     "      --record-size BYTES    value size (default 100)\n"
     "      --throughput R         at most R records/s; -1 unlimited (default)\n"
     "      --acks ACKS            0, 1, all or -1 (default 1, which leaves the\n"
     "                             producer non-idempotent; with all it is\n"
     "                             idempotent unless -X enable.idempotence=false)\n"
     "      --compression CODEC    none, gzip, snappy, lz4 or zstd (default none)\n"
     "      --batch-size BYTES     batch.size\n"
     "      --linger-ms MS         linger.ms\n"
     "      --partitions P         spread records round-robin over partitions\n"
     "                             0..P-1 (default: the partitioner, sticky)\n"
     "  -X KEY=VALUE               any libstrand configuration key, e.g.\n"
     "                             -X enable.idempotence=false; repeatable\n"
     "      --timeout MS           give up after MS without a delivery report\n"
     "                             (default 30000)\n"
     "  -b, --bootstrap HOST:PORT  broker (also: env STRAND_BROKERS)\n"
     "  -h, --help                 this text\n",
     cmd_perf_produce},
    {"perf", "consume", "consumer load test: throughput",
     "usage: strand [-b HOST:PORT] perf consume --topic T [--num-records N] [options]\n"
     "\n"
     "Read every partition of T from the beginning through libstrand, until N\n"
     "records or (without --num-records) until every partition's end. Progress\n"
     "every second on stderr; the summary on stdout:\n"
     "  N records consumed, B bytes, R records/s (M MB/s), S s total\n"
     "\n"
     "options:\n"
     "  -t, --topic T                     topic to read\n"
     "      --num-records N               stop after N records\n"
     "      --fetch-max-bytes B           fetch.max.bytes\n"
     "      --max-partition-fetch-bytes B max.partition.fetch.bytes\n"
     "      --fetch-max-wait-ms MS        fetch.max.wait.ms\n"
     "      --fetch-min-bytes B           fetch.min.bytes\n"
     "  -X KEY=VALUE                      any libstrand configuration key\n"
     "      --timeout MS                  give up after MS without a message\n"
     "                                    (default 30000)\n"
     "  -b, --bootstrap HOST:PORT         broker (also: env STRAND_BROKERS)\n"
     "  -h, --help                        this text\n",
     cmd_perf_consume},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

const cli_command *cli_command_find(const char *group, const char *name) {
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].group, group) == 0 &&
            (commands[i].name && name ? strcmp(commands[i].name, name) == 0
                                      : commands[i].name == name))
            return &commands[i];
    return NULL;
}

void cli_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("strand: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_usage_error(const cli_command *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("strand: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (cmd && cmd->name)
        fprintf(stderr, "see `strand %s %s --help`\n", cmd->group, cmd->name);
    else if (cmd)
        fprintf(stderr, "see `strand %s --help`\n", cmd->group);
    else
        fprintf(stderr, "see `strand --help`\n");
    return CLI_USAGE;
}

int cli_parse_int(const char *s, long long min, long long max, long long *out) {
    char *end;
    errno = 0;
    if (!s || !*s)
        return -1;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_connect(cli_ctx *ctx, kclient *c) {
    char *list = strdup(ctx->brokers);
    if (!list) {
        cli_error("out of memory");
        return -1;
    }
    int rc = -1;
    char *save = NULL;
    for (char *b = strtok_r(list, ",", &save); b; b = strtok_r(NULL, ",", &save)) {
        if (kclient_connect(c, b, ctx->timeout_ms) == 0) {
            rc = 0;
            break;
        }
    }
    if (rc < 0)
        cli_error("%s", c->err);
    free(list);
    return rc;
}

static void print_main_help(FILE *f) {
    fprintf(f, "usage: strand [-b HOST:PORT] [--timeout MS] COMMAND [ARGS...]\n"
               "       strand COMMAND --help | --help | --version\n"
               "\n"
               "Command-line tool of Strand, a Kafka-compatible broker.\n"
               "\n"
               "commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        char both[64];
        snprintf(both, sizeof both, "%s %s", commands[i].group,
                 commands[i].name ? commands[i].name : "");
        fprintf(f, "  %-20s %s\n", both, commands[i].summary);
    }
    fprintf(f, "\n"
               "global options:\n" BROKER_OPTS "  -h, --help                 this text\n"
               "  -V, --version              print the version and exit\n"
               "\n"
               "exit status: 0 success, 1 the operation failed, 2 bad command line.\n");
}

static void print_group_help(FILE *f, const char *group) {
    fprintf(f, "usage: strand %s SUBCOMMAND [ARGS...]\n\nsubcommands:\n", group);
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].group, group) == 0)
            fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nsee `strand %s SUBCOMMAND --help` for the options of each.\n", group);
}

static int group_exists(const char *group) {
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].group, group) == 0)
            return 1;
    return 0;
}

static int is_help(const char *a) {
    return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0 || strcmp(a, "help") == 0;
}

static int parse_timeout(const char *s, cli_ctx *ctx) {
    long long v;
    if (cli_parse_int(s, 1, 3600000, &v) < 0)
        return -1;
    ctx->timeout_ms = (int)v;
    return 0;
}

int main(int argc, char **argv) {
    cli_ctx ctx = {.brokers = CLI_DEFAULT_BROKERS, .timeout_ms = CLI_DEFAULT_TIMEOUT_MS};
    const char *env = getenv("STRAND_BROKERS");
    if (env && *env)
        ctx.brokers = env;

    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (is_help(a)) {
            print_main_help(stdout);
            return CLI_OK;
        } else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
            printf("strand %s\n", STRAND_CLI_VERSION);
            return CLI_OK;
        } else if (strcmp(a, "-b") == 0 || strcmp(a, "--bootstrap") == 0 ||
                   strcmp(a, "--brokers") == 0) {
            if (++i >= argc)
                return cli_usage_error(NULL, "%s needs HOST:PORT", a);
            ctx.brokers = argv[i];
        } else if (strncmp(a, "--bootstrap=", 12) == 0) {
            ctx.brokers = a + 12;
        } else if (strcmp(a, "--timeout") == 0) {
            if (++i >= argc || parse_timeout(argv[i], &ctx) < 0)
                return cli_usage_error(NULL, "--timeout needs a number of milliseconds");
        } else if (strncmp(a, "--timeout=", 10) == 0) {
            if (parse_timeout(a + 10, &ctx) < 0)
                return cli_usage_error(NULL, "--timeout needs a number of milliseconds");
        } else {
            return cli_usage_error(NULL, "unknown option '%s'", a);
        }
    }
    if (i >= argc) {
        print_main_help(stderr);
        return CLI_USAGE;
    }
    const char *group = argv[i++];
    if (strcmp(group, "help") == 0) {
        print_main_help(stdout);
        return CLI_OK;
    }
    if (!group_exists(group))
        return cli_usage_error(NULL, "unknown command '%s'", group);
    const cli_command *cmd = cli_command_find(group, NULL);
    if (cmd && i < argc && cli_command_find(group, argv[i])) {
        cmd = cli_command_find(group, argv[i]); /* `cluster elect-leaders` */
    } else if (cmd) { /* a command without subcommands: its arguments follow */
        i--;
    } else if (i >= argc) {
        print_group_help(stderr, group);
        return CLI_USAGE;
    } else if (is_help(argv[i])) {
        print_group_help(stdout, group);
        return CLI_OK;
    } else {
        cmd = cli_command_find(group, argv[i]);
        if (!cmd)
            return cli_usage_error(NULL, "unknown command '%s %s'", group, argv[i]);
    }
    for (int j = i + 1; j < argc; j++) {
        if (strcmp(argv[j], "--") == 0)
            break;
        if (strcmp(argv[j], "-h") == 0 || strcmp(argv[j], "--help") == 0) {
            fputs(cmd->help, stdout);
            return CLI_OK;
        }
    }
    return cmd->run(&ctx, argc - i, argv + i);
}
