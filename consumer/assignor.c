/*
 * assignor.c - the "range" and "roundrobin" partition assignors, written to
 * give exactly the assignment of the Java client's RangeAssignor and
 * RoundRobinAssignor (librdkafka computes the same), because any member of
 * a mixed group may be the leader and all of them must agree on who reads
 * what. See assignor.h for the algorithms.
 *
 * Sizes are small (members x partitions of the subscribed topics), so the
 * code favours plain loops over clever indexes: members are sorted once
 * into an index array, and "does member m subscribe to topic t" is a scan
 * of its (short) topic list.
 */
#include "consumer/assignor.h"

#include <stdlib.h>
#include <string.h>

int assignor_known(const char *name) {
    return name && (strcmp(name, "range") == 0 || strcmp(name, "roundrobin") == 0);
}

void assignor_result_free(assignor_result *out, size_t n) {
    for (size_t i = 0; out && i < n; i++) {
        free(out[i].tps);
        out[i].tps = NULL;
        out[i].count = out[i].cap = 0;
    }
}

static int result_add(assignor_result *r, const char *topic, int32_t partition) {
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        assignor_tp *t = realloc(r->tps, cap * sizeof *t);
        if (!t)
            return -1;
        r->tps = t;
        r->cap = cap;
    }
    r->tps[r->count].topic = topic;
    r->tps[r->count].partition = partition;
    r->count++;
    return 0;
}

/* Java's MemberInfo order: static members (by instance id) first, then the
 * dynamic ones by member id. */
static int member_cmp(const assignor_member *a, const assignor_member *b) {
    if (a->group_instance_id && b->group_instance_id)
        return strcmp(a->group_instance_id, b->group_instance_id);
    if (a->group_instance_id)
        return -1;
    if (b->group_instance_id)
        return 1;
    return strcmp(a->member_id ? a->member_id : "", b->member_id ? b->member_id : "");
}

/* Indexes of the members in MemberInfo order (insertion sort, stable:
 * groups are small). */
static size_t *sort_members(const assignor_member *m, size_t n) {
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j > 0 && member_cmp(&m[idx[j - 1]], &m[i]) > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = i;
    }
    return idx;
}

static int subscribes(const assignor_member *m, const char *topic) {
    for (size_t i = 0; i < m->ntopics; i++)
        if (m->topics[i] && strcmp(m->topics[i], topic) == 0)
            return 1;
    return 0;
}

static int range_assign(const assignor_member *m, size_t nm, const size_t *order,
                        const assignor_topic *topics, size_t nt, assignor_result *out) {
    size_t *subs = malloc((nm ? nm : 1) * sizeof *subs);
    if (!subs)
        return -1;
    for (size_t t = 0; t < nt; t++) {
        if (topics[t].partitions <= 0)
            continue;
        int dup = 0; /* the same topic listed twice: assign it once */
        for (size_t u = 0; u < t && !dup; u++)
            dup = strcmp(topics[u].name, topics[t].name) == 0;
        if (dup)
            continue;
        size_t ns = 0;
        for (size_t k = 0; k < nm; k++)
            if (subscribes(&m[order[k]], topics[t].name))
                subs[ns++] = order[k];
        if (ns == 0)
            continue;
        int32_t n = topics[t].partitions;
        int32_t per = n / (int32_t)ns, extra = n % (int32_t)ns;
        for (size_t i = 0; i < ns; i++) {
            int32_t ii = (int32_t)i;
            int32_t start = per * ii + (ii < extra ? ii : extra);
            int32_t len = per + (ii + 1 > extra ? 0 : 1);
            for (int32_t p = start; p < start + len; p++)
                if (result_add(&out[subs[i]], topics[t].name, p) != 0) {
                    free(subs);
                    return -1;
                }
        }
    }
    free(subs);
    return 0;
}

static int topic_name_cmp(const void *a, const void *b) {
    const assignor_topic *x = *(const assignor_topic *const *)a;
    const assignor_topic *y = *(const assignor_topic *const *)b;
    return strcmp(x->name, y->name);
}

static int roundrobin_assign(const assignor_member *m, size_t nm, const size_t *order,
                             const assignor_topic *topics, size_t nt, assignor_result *out) {
    if (nm == 0)
        return 0;
    /* Java walks the sorted set of all subscribed topics. */
    const assignor_topic **sorted = malloc((nt ? nt : 1) * sizeof *sorted);
    if (!sorted)
        return -1;
    size_t ns = 0;
    for (size_t t = 0; t < nt; t++) {
        if (topics[t].partitions <= 0)
            continue;
        int wanted = 0, dup = 0;
        for (size_t k = 0; k < nm && !wanted; k++)
            wanted = subscribes(&m[k], topics[t].name);
        for (size_t u = 0; u < ns && !dup; u++)
            dup = strcmp(sorted[u]->name, topics[t].name) == 0;
        if (wanted && !dup)
            sorted[ns++] = &topics[t];
    }
    qsort(sorted, ns, sizeof *sorted, topic_name_cmp);
    size_t cur = 0; /* position of the circular iterator in `order` */
    for (size_t t = 0; t < ns; t++) {
        for (int32_t p = 0; p < sorted[t]->partitions; p++) {
            /* Someone subscribes to this topic (checked above), so this ends. */
            while (!subscribes(&m[order[cur]], sorted[t]->name))
                cur = (cur + 1) % nm;
            if (result_add(&out[order[cur]], sorted[t]->name, p) != 0) {
                free(sorted);
                return -1;
            }
            cur = (cur + 1) % nm;
        }
    }
    free(sorted);
    return 0;
}

static int tp_cmp(const void *a, const void *b) {
    const assignor_tp *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    if (c)
        return c;
    return x->partition < y->partition ? -1 : x->partition > y->partition;
}

int assignor_run(const char *name, const assignor_member *members, size_t nmembers,
                 const assignor_topic *topics, size_t ntopics, assignor_result *out) {
    if (!assignor_known(name))
        return -1;
    size_t *order = sort_members(members, nmembers);
    if (!order)
        return -2;
    int rc = strcmp(name, "range") == 0
                 ? range_assign(members, nmembers, order, topics, ntopics, out)
                 : roundrobin_assign(members, nmembers, order, topics, ntopics, out);
    free(order);
    if (rc != 0) {
        assignor_result_free(out, nmembers);
        return -2;
    }
    for (size_t i = 0; i < nmembers; i++)
        if (out[i].count > 1)
            qsort(out[i].tps, out[i].count, sizeof *out[i].tps, tp_cmp);
    return 0;
}
