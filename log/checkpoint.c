/*
 * checkpoint.c - reading and atomically rewriting Kafka's offset
 * checkpoint files ("0", count, then "topic partition offset" lines).
 *
 * The write path is the classic one: write `<path>.tmp`, fsync it, rename
 * it over `path`, fsync the directory. A reader therefore sees the old file
 * or the new one, never a mix, even after a power loss.
 */
#include "log/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log/log.h"

static int topic_printable(const char *t) {
    if (!t || !*t)
        return 0;
    for (; *t; t++)
        if (*t == ' ' || *t == '\n' || *t == '\r' || *t == '\t')
            return 0;
    return 1;
}

static int fsync_parent(const char *path) {
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        strcpy(dir, ".");
    } else {
        size_t n = (size_t)(slash - path);
        if (n == 0)
            n = 1;
        if (n >= sizeof(dir))
            return LOG_ERR_ARG;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return LOG_ERR_IO;
    int rc = fsync(fd) < 0 ? LOG_ERR_IO : LOG_OK;
    close(fd);
    return rc;
}

int checkpoint_write(const char *path, const checkpoint_entry *entries, size_t n) {
    char tmp[4096];
    if (!path || (n && !entries) ||
        (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
        return LOG_ERR_ARG;
    for (size_t i = 0; i < n; i++)
        if (!topic_printable(entries[i].topic) || entries[i].partition < 0)
            return LOG_ERR_ARG;
    FILE *f = fopen(tmp, "w");
    if (!f)
        return LOG_ERR_IO;
    int ok = fprintf(f, "0\n%zu\n", n) > 0;
    for (size_t i = 0; ok && i < n; i++)
        ok = fprintf(f, "%s %" PRId32 " %" PRId64 "\n", entries[i].topic, entries[i].partition,
                     entries[i].offset) > 0;
    ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) < 0) {
        unlink(tmp);
        return LOG_ERR_IO;
    }
    return fsync_parent(path);
}

int checkpoint_write_text(const char *path, const char *text, size_t len) {
    char tmp[4096];
    if (!path || (len && !text) ||
        (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
        return LOG_ERR_ARG;
    FILE *f = fopen(tmp, "w");
    if (!f)
        return LOG_ERR_IO;
    int ok = fwrite(text, 1, len, f) == len;
    ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) < 0) {
        unlink(tmp);
        return LOG_ERR_IO;
    }
    return fsync_parent(path);
}

void checkpoint_entries_free(checkpoint_entry *entries, size_t n) {
    if (!entries)
        return;
    for (size_t i = 0; i < n; i++)
        free(entries[i].topic);
    free(entries);
}

static int parse_i64(const char *s, int64_t *out) {
    char *end;
    if (!*s)
        return 0;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return 0;
    *out = v;
    return 1;
}

/* One line without its newline; 0 at EOF. */
static int next_line(FILE *f, char **line, size_t *cap) {
    ssize_t n = getline(line, cap, f);
    if (n < 0)
        return 0;
    if (n > 0 && (*line)[n - 1] == '\n')
        (*line)[n - 1] = '\0';
    return 1;
}

int checkpoint_read(const char *path, checkpoint_entry **entries, size_t *n) {
    *entries = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? LOG_OK : LOG_ERR_IO;
    char *line = NULL;
    size_t cap = 0;
    int64_t version, count;
    checkpoint_entry *v = NULL;
    size_t got = 0;
    int rc = LOG_ERR_CORRUPT;
    if (!next_line(f, &line, &cap) || !parse_i64(line, &version) || version != 0)
        goto out;
    if (!next_line(f, &line, &cap) || !parse_i64(line, &count) || count < 0 || count > 10000000)
        goto out;
    if (count > 0) {
        v = calloc((size_t)count, sizeof(*v));
        if (!v) {
            rc = LOG_ERR_NOMEM;
            goto out;
        }
    }
    while (got < (size_t)count && next_line(f, &line, &cap)) {
        char *sp2 = strrchr(line, ' ');
        if (!sp2)
            goto out;
        *sp2 = '\0';
        char *sp1 = strrchr(line, ' ');
        int64_t part, off;
        if (!sp1 || sp1 == line)
            goto out;
        *sp1 = '\0';
        if (!parse_i64(sp1 + 1, &part) || part < 0 || part > INT32_MAX || !parse_i64(sp2 + 1, &off))
            goto out;
        if (strchr(line, ' '))
            goto out;
        v[got].topic = strdup(line);
        if (!v[got].topic) {
            rc = LOG_ERR_NOMEM;
            goto out;
        }
        v[got].partition = (int32_t)part;
        v[got].offset = off;
        got++;
    }
    if (got != (size_t)count)
        goto out;
    while (next_line(f, &line, &cap))
        if (line[0])
            goto out; /* more entries than the count says */
    rc = LOG_OK;
out:
    free(line);
    fclose(f);
    if (rc != LOG_OK) {
        checkpoint_entries_free(v, got);
        return rc;
    }
    *entries = v;
    *n = got;
    return LOG_OK;
}

int64_t checkpoint_lookup(const checkpoint_entry *entries, size_t n, const char *topic,
                          int32_t partition) {
    for (size_t i = 0; i < n; i++)
        if (entries[i].partition == partition && !strcmp(entries[i].topic, topic))
            return entries[i].offset;
    return -1;
}
