/*
 * group_reset.c - decisions of `strand group reset-offsets` that need no
 * broker: --to-datetime parsing (ISO 8601 or epoch ms), --topic T:P,...
 * parsing and the new offset of each partition with Kafka's clamping rule.
 *
 * Kept apart from the command so the unit tests can cover every date form
 * and every clamping case without a broker. UTC dates are converted with
 * our own days-from-civil arithmetic (no timegm, which is not C11); only a
 * zone-less date goes through mktime (local time, like Kafka's tool).
 */
#include "tools/group_reset.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SPEC_PARTITIONS 100000

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m) {
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

/* Exactly n digits at *p into *v; advances *p. */
static int digits(const char **p, int n, int *v) {
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        x = x * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *v = x;
    return 0;
}

static int parse_epoch_ms(const char *s, int64_t *ms) {
    size_t n = strlen(s);
    if (n == 0 || n > 16) /* 16 digits reach the year 318857 */
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *ms = v;
    return 0;
}

int group_datetime_parse(const char *s, int64_t *ms) {
    if (!s || !*s)
        return -1;
    if (strchr(s, '-') == NULL)
        return parse_epoch_ms(s, ms);
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, sec = 0, frac_ms = 0;
    if (digits(&p, 4, &y) < 0 || *p++ != '-' || digits(&p, 2, &mo) < 0 || *p++ != '-' ||
        digits(&p, 2, &d) < 0)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return -1;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0)
            return -1;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &sec) < 0)
                return -1;
            if (*p == '.' || *p == ',') {
                p++;
                if (!isdigit((unsigned char)*p))
                    return -1;
                int scale = 100;
                for (; isdigit((unsigned char)*p); p++) {
                    frac_ms += (*p - '0') * scale;
                    scale /= 10;
                }
            }
        }
        if (h > 23 || mi > 59 || sec > 59)
            return -1;
    }
    int has_zone = 0, zone_min = 0;
    if (*p == 'Z' || *p == 'z') {
        has_zone = 1;
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, zh, zm = 0;
        if (digits(&p, 2, &zh) < 0)
            return -1;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &zm) < 0)
                return -1;
        } else if (isdigit((unsigned char)*p) && digits(&p, 2, &zm) < 0) {
            return -1;
        }
        if (zh > 23 || zm > 59)
            return -1;
        has_zone = 1;
        zone_min = sign * (zh * 60 + zm);
    }
    if (*p != '\0')
        return -1;
    int64_t secs;
    if (has_zone) {
        secs = days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + mi * 60 + sec -
               (int64_t)zone_min * 60;
    } else {
        struct tm tm = {.tm_year = y - 1900,
                        .tm_mon = mo - 1,
                        .tm_mday = d,
                        .tm_hour = h,
                        .tm_min = mi,
                        .tm_sec = sec,
                        .tm_isdst = -1};
        errno = 0;
        time_t t = mktime(&tm);
        if (t == (time_t)-1 && errno != 0)
            return -1;
        secs = (int64_t)t;
    }
    if (secs < 0)
        return -1; /* before 1970: no Kafka timestamp is there */
    *ms = secs * 1000 + frac_ms;
    return 0;
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* One number of a partition list: decimal, 0..INT32_MAX. */
static int part_number(const char **p, int32_t *out) {
    if (!isdigit((unsigned char)**p))
        return -1;
    long long v = 0;
    while (isdigit((unsigned char)**p)) {
        v = v * 10 + (**p - '0');
        if (v > INT32_MAX)
            return -1;
        (*p)++;
    }
    *out = (int32_t)v;
    return 0;
}

int group_topic_spec_parse(const char *s, group_topic_spec *out, char *err, size_t err_cap) {
    memset(out, 0, sizeof *out);
    const char *colon = strchr(s, ':');
    size_t tlen = colon ? (size_t)(colon - s) : strlen(s);
    if (tlen == 0) {
        snprintf(err, err_cap, "--topic needs a topic name, not '%s'", s);
        return -1;
    }
    out->topic = malloc(tlen + 1);
    if (!out->topic) {
        snprintf(err, err_cap, "out of memory");
        return -1;
    }
    memcpy(out->topic, s, tlen);
    out->topic[tlen] = '\0';
    if (!colon)
        return 0;
    int cap = 0;
    const char *p = colon + 1;
    for (;;) {
        int32_t a, b;
        if (part_number(&p, &a) < 0)
            goto bad;
        b = a;
        if (*p == '-') {
            p++;
            if (part_number(&p, &b) < 0 || b < a)
                goto bad;
        }
        if ((int64_t)b - a + 1 > MAX_SPEC_PARTITIONS - out->n_partitions)
            goto bad;
        int need = out->n_partitions + (int)(b - a + 1);
        if (need > cap) {
            int ncap = cap ? cap * 2 : 16;
            while (ncap < need)
                ncap *= 2;
            int32_t *np = realloc(out->partitions, (size_t)ncap * sizeof *np);
            if (!np) {
                group_topic_spec_free(out);
                snprintf(err, err_cap, "out of memory");
                return -1;
            }
            out->partitions = np;
            cap = ncap;
        }
        for (int64_t x = a; x <= b; x++)
            out->partitions[out->n_partitions++] = (int32_t)x;
        if (*p == '\0')
            break;
        if (*p++ != ',')
            goto bad;
    }
    qsort(out->partitions, (size_t)out->n_partitions, sizeof *out->partitions, cmp_i32);
    int n = 0;
    for (int i = 0; i < out->n_partitions; i++)
        if (n == 0 || out->partitions[n - 1] != out->partitions[i])
            out->partitions[n++] = out->partitions[i];
    out->n_partitions = n;
    return 0;
bad:
    group_topic_spec_free(out);
    snprintf(err, err_cap,
             "bad partition list in --topic '%s': expected TOPIC or TOPIC:P[,P...] with "
             "partition numbers or ranges A-B, e.g. orders:0,2,4-7",
             s);
    return -1;
}

void group_topic_spec_free(group_topic_spec *spec) {
    free(spec->topic);
    free(spec->partitions);
    memset(spec, 0, sizeof *spec);
}

int group_reset_compute(const group_reset_target *t, const group_reset_input *in,
                        group_reset_result *out) {
    int64_t want;
    out->note = GROUP_RESET_NOTE_NONE;
    switch (t->kind) {
    case GROUP_RESET_EARLIEST:
        want = in->log_start;
        break;
    case GROUP_RESET_LATEST:
        want = in->log_end;
        break;
    case GROUP_RESET_OFFSET:
        want = t->value;
        break;
    case GROUP_RESET_DATETIME:
        if (in->by_time < 0) {
            out->wanted = out->new_offset = in->log_end;
            out->note = GROUP_RESET_AFTER_LAST;
            return 0;
        }
        want = in->by_time;
        break;
    case GROUP_RESET_SHIFT:
        if (in->committed < 0) {
            out->wanted = out->new_offset = -1;
            out->note = GROUP_RESET_NO_COMMITTED;
            return -1;
        }
        if (t->value > 0 && in->committed > INT64_MAX - t->value)
            want = INT64_MAX;
        else if (t->value < 0 && in->committed < INT64_MIN - t->value)
            want = INT64_MIN;
        else
            want = in->committed + t->value;
        break;
    default:
        out->wanted = out->new_offset = -1;
        out->note = GROUP_RESET_NO_COMMITTED;
        return -1;
    }
    out->wanted = want;
    if (want < in->log_start) {
        out->new_offset = in->log_start;
        out->note = GROUP_RESET_CLAMPED_START;
    } else if (want > in->log_end) {
        out->new_offset = in->log_end;
        out->note = GROUP_RESET_CLAMPED_END;
    } else {
        out->new_offset = want;
    }
    return 0;
}

const char *group_reset_note_text(const group_reset_result *r, char *buf, size_t cap) {
    switch (r->note) {
    case GROUP_RESET_CLAMPED_START:
        snprintf(buf, cap, "clamped to the log start (wanted %lld)", (long long)r->wanted);
        break;
    case GROUP_RESET_CLAMPED_END:
        snprintf(buf, cap, "clamped to the log end (wanted %lld)", (long long)r->wanted);
        break;
    case GROUP_RESET_AFTER_LAST:
        snprintf(buf, cap, "no message at or after that time: log end");
        break;
    case GROUP_RESET_NO_COMMITTED:
        snprintf(buf, cap, "no committed offset to shift");
        break;
    default:
        snprintf(buf, cap, "%s", "");
        break;
    }
    return buf;
}
