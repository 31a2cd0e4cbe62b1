/*
 * cluster_json.h - the little JSON the cluster keeps in ZooKeeper: reading
 * Kafka-style znode values (objects of integers, strings, integer arrays and
 * objects of those) and appending such values to a buffer.
 *
 * Readers work on NUL-terminated text and never allocate; a malformed or
 * missing value is reported (-1), never trusted. Pure functions, any thread.
 */
#ifndef STRAND_BROKER_CLUSTER_JSON_H
#define STRAND_BROKER_CLUSTER_JSON_H

#include <stddef.h>
#include <stdint.h>

/* The value of member `key` of the top-level object in `json`, or NULL. */
const char *cj_get(const char *json, const char *key);
/* Parse an integer value at p. 0 or -1. */
int cj_int(const char *p, int64_t *out);
/* Parse a string value at p (escapes \" \\ \/ only). 0 or -1. */
int cj_str(const char *p, char *out, size_t outlen);
/* Parse an array of integers at p into out (at most max). Count or -1. */
int cj_int_array(const char *p, int32_t *out, int max);

/* Iterate the members of the object at p: fn(arg, key, value) for each;
 * fn returns 0 to go on. Returns 0, -1 when malformed, or fn's non-zero. */
int cj_members(const char *p, int (*fn)(void *arg, const char *key, const char *value), void *arg);

/* Shorthands: member of the top-level object. */
int cj_get_int(const char *json, const char *key, int64_t *out);
int cj_get_str(const char *json, const char *key, char *out, size_t outlen);

/* Appending writer: a fixed buffer; overflow sets err (the text is then
 * unusable). */
typedef struct cj_buf {
    char *p;
    size_t len, cap;
    int err;
} cj_buf;
void cj_printf(cj_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal with the needed escapes. */
void cj_quote(cj_buf *b, const char *s);
/* "[1,2,3]" */
void cj_int_list(cj_buf *b, const int32_t *v, int n);

#endif
