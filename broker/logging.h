/*
 * logging.h - the broker's own log lines: levels, timestamps, stderr.
 *
 * Every line is "<UTC ISO-8601 ms> <LEVEL> <message>"; callers put context
 * (topic=, partition=, offset=, peer=) into the message. Single-threaded use
 * (the event loop thread); a line is written with one fprintf so lines from a
 * second thread would not interleave mid-line.
 */
#ifndef STRAND_BROKER_LOGGING_H
#define STRAND_BROKER_LOGGING_H

enum blog_level { BLOG_ERROR = 0, BLOG_WARN = 1, BLOG_INFO = 2, BLOG_DEBUG = 3 };

/* Lines above this level are dropped. Default BLOG_INFO. */
void blog_level_set(int level);
int blog_level_get(void);
/* "error", "warn", "info", "debug" -> level, or -1. */
int blog_level_parse(const char *name);

void blog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define BLOG_E(...) blog(BLOG_ERROR, __VA_ARGS__)
#define BLOG_W(...) blog(BLOG_WARN, __VA_ARGS__)
#define BLOG_I(...) blog(BLOG_INFO, __VA_ARGS__)
#define BLOG_D(...)                                                                                \
    do {                                                                                           \
        if (blog_level_get() >= BLOG_DEBUG)                                                        \
            blog(BLOG_DEBUG, __VA_ARGS__);                                                         \
    } while (0)

#endif
