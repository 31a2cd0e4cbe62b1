/*
 * group_reset.h - the pure pieces of `strand group reset-offsets`: parsing
 * a --to-datetime value, parsing a --topic T[:P,...] spec, and computing
 * the new committed offset of one partition from the target and the
 * partition's log start, log end and committed offsets.
 *
 * No I/O and no broker: the command (tools/cmd_group.c) gathers the
 * offsets and prints the plan; these functions only decide, so the unit
 * tests (tests/unit/test_cli_group.c) can check every rule. Thread-safe
 * except group_datetime_parse without a zone, which reads the process's
 * local time zone (mktime).
 */
#ifndef STRAND_TOOLS_GROUP_RESET_H
#define STRAND_TOOLS_GROUP_RESET_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse a point in time into milliseconds since the Unix epoch:
 *   - epoch milliseconds: decimal digits only ("1795430400000");
 *   - ISO 8601: YYYY-MM-DD[(T| )hh:mm[:ss[.fraction]]][zone], where zone is
 *     Z, +hh, +hhmm or +hh:mm (or '-'); the fraction keeps milliseconds
 *     (more digits are truncated). Without a zone the time is local time,
 *     as in kafka-consumer-groups.sh.
 * Fields are range-checked (month 1-12, day within its month, hour 0-23,
 * minute and second 0-59, zone offset up to 23:59). Returns 0, or -1 for
 * anything else (nothing is written to *ms then).
 */
int group_datetime_parse(const char *s, int64_t *ms);

/* One --topic argument: "T" (every partition) or "T:0,2,5-7". */
typedef struct group_topic_spec {
    char *topic;         /* malloc'ed, NUL-terminated */
    int n_partitions;    /* 0: every partition of the topic */
    int32_t *partitions; /* malloc'ed, ascending, without duplicates */
} group_topic_spec;

/* Parse `s` into *out (which the caller frees with group_topic_spec_free).
 * A partition list holds numbers and ranges A-B (A <= B) separated by
 * commas, at most 100000 partitions in all. Returns 0, or -1 with a
 * sentence in err (nothing to free then). */
int group_topic_spec_parse(const char *s, group_topic_spec *out, char *err, size_t err_cap);
void group_topic_spec_free(group_topic_spec *spec);

typedef enum group_reset_kind {
    GROUP_RESET_EARLIEST, /* the log start offset */
    GROUP_RESET_LATEST,   /* the log end offset */
    GROUP_RESET_OFFSET,   /* value: an offset */
    GROUP_RESET_DATETIME, /* value: epoch ms (the offset comes from ListOffsets) */
    GROUP_RESET_SHIFT,    /* value: added to the committed offset */
} group_reset_kind;

typedef struct group_reset_target {
    group_reset_kind kind;
    int64_t value;
} group_reset_target;

/* What one partition looks like before the reset. */
typedef struct group_reset_input {
    int64_t committed; /* -1: nothing committed */
    int64_t log_start;
    int64_t log_end;
    int64_t by_time; /* DATETIME: ListOffsets answer for the time, -1 none */
} group_reset_input;

typedef enum group_reset_note {
    GROUP_RESET_NOTE_NONE,
    GROUP_RESET_CLAMPED_START, /* the wanted offset was below the log start */
    GROUP_RESET_CLAMPED_END,   /* the wanted offset was beyond the log end */
    GROUP_RESET_AFTER_LAST,    /* no message at or after the time: log end */
    GROUP_RESET_NO_COMMITTED,  /* SHIFT without a committed offset: no plan */
} group_reset_note;

typedef struct group_reset_result {
    int64_t new_offset; /* -1 with GROUP_RESET_NO_COMMITTED */
    int64_t wanted;     /* before clamping (for the note) */
    group_reset_note note;
} group_reset_result;

/* The new offset of one partition: the target's offset, clamped into
 * [log_start, log_end] (as Kafka's tool does, with a note saying so).
 * Returns 0, or -1 when there is no answer (SHIFT of a partition without a
 * committed offset; out->note says so). */
int group_reset_compute(const group_reset_target *t, const group_reset_input *in,
                        group_reset_result *out);

/* The note as a short phrase for the plan ("clamped to the log end (wanted
 * 120)"); "" for GROUP_RESET_NOTE_NONE. Writes into buf and returns it. */
const char *group_reset_note_text(const group_reset_result *r, char *buf, size_t cap);

#endif
