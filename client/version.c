/*
 * version.c - the library's version, from the same numbers as the header
 * (strand/strand.h), so a program can compare what it was compiled against
 * with what it runs with.
 */
#include "strand/strand.h"

#define STRAND_STR2(x) #x
#define STRAND_STR(x) STRAND_STR2(x)

const char *strand_version_str(void) {
    return STRAND_STR(STRAND_VERSION_MAJOR) "." STRAND_STR(STRAND_VERSION_MINOR) "." STRAND_STR(
        STRAND_VERSION_PATCH);
}

int strand_version(void) {
    return STRAND_VERSION;
}
