/*
 * logging.c - timestamped, levelled log lines on stderr for the broker.
 *
 * The broker is the only component allowed to print; library code returns
 * statuses and the broker turns them into these lines with context.
 */
#include "broker/logging.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int blog_current = BLOG_INFO;

void blog_level_set(int level) {
    blog_current = level;
}
int blog_level_get(void) {
    return blog_current;
}

int blog_level_parse(const char *name) {
    static const char *names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    if (strcmp(name, "warning") == 0)
        return BLOG_WARN;
    return -1;
}

void blog(int level, const char *fmt, ...) {
    static const char *tags[] = {"ERROR", "WARN ", "INFO ", "DEBUG"};
    if (level > blog_current || level < 0)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s\n", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
            tags[level], msg);
}
