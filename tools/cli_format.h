/*
 * cli_format.h - output of consumed messages for `strand consume`, and the
 * JSON string writer the other --json outputs (`strand group`) share.
 *
 * Pure functions writing to a stdio stream; no state, thread-safe as far as
 * the stream is. The message is only read.
 */
#ifndef STRAND_TOOLS_CLI_FORMAT_H
#define STRAND_TOOLS_CLI_FORMAT_H

#include <stddef.h>
#include <stdio.h>

#include "strand/types.h"

/* 1 if s[0..n) is valid UTF-8 (no overlong forms, no surrogates, <= U+10FFFF). */
int cli_utf8_valid(const unsigned char *s, size_t n);

/* s[0..n) as a quoted JSON string: quotes, backslashes and control
 * characters escaped; bytes of invalid UTF-8 are written as \u00XX (their
 * Latin-1 reading) so the output stays valid JSON. */
void cli_json_str(FILE *f, const char *s, size_t n);

/* Standard base64 (with '=' padding) of s[0..n). */
void cli_base64_put(FILE *f, const unsigned char *s, size_t n);

/* One JSON object and a newline: topic, partition, offset, timestamp, key,
 * value, headers (array of {key, value}). Bytes that are valid UTF-8 become
 * JSON strings (control characters escaped); others are base64 under
 * "key_b64"/"value_b64"; NULL is null. */
void cli_format_json(FILE *f, const strand_message *m);

/* The message as `fmt`: %t %p %o %k %v (%s) %T %h %K %S %%, and the
 * escapes \n \t \r \0 \\ (any other escaped character stands for itself). */
void cli_format_message(FILE *f, const char *fmt, const strand_message *m);

/* 0 if fmt uses only known directives, else the offending letter. */
char cli_format_check(const char *fmt);

#endif
