/*
 * cli_fake_broker.c - a misbehaving "broker" for the CLI's client tests.
 *
 * Listens on 127.0.0.1 (port chosen by the kernel, written to a port file
 * once listening, then announced on stdout as "listening on 127.0.0.1:PORT"
 * so a test can wait for that line instead of polling), accepts a
 * connection and then misbehaves in one of several ways, so the tests can
 * check that `strand` reports each failure clearly instead of hanging or
 * trusting the peer:
 *
 *   silent   read requests, never answer (the client must time out)
 *   huge     answer with a frame size of 2 GiB (the client must refuse it)
 *   badcorr  answer with a correlation id nobody asked for
 *   close    close the connection as soon as a request arrives
 *
 * Usage: cli_fake_broker MODE PORT_FILE. Serves one connection after
 * another the same way and exits after 30 s without one (the tests stop it
 * with SIGTERM). Test helper only; not installed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int write_all(int fd, const unsigned char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s silent|huge|badcorr|close PORT_FILE\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1];
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 4) < 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) < 0) {
        perror("listen");
        return 1;
    }
    /* write the port file atomically: a reader never sees half of it */
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%d\n", ntohs(a.sin_port)) < 0 || fclose(f) != 0 ||
        rename(tmp, argv[2]) != 0) {
        perror("port file");
        return 1;
    }
    printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
    fflush(stdout);
    for (;;) {
        struct pollfd pl = {.fd = ls, .events = POLLIN};
        if (poll(&pl, 1, 30000) <= 0)
            return 0;
        int c = accept(ls, NULL, NULL);
        if (c < 0)
            return 1;
        unsigned char buf[65536];
        for (;;) {
            struct pollfd p = {.fd = c, .events = POLLIN};
            if (poll(&p, 1, 30000) <= 0)
                break;
            ssize_t n = read(c, buf, sizeof buf);
            if (n <= 0)
                break;
            if (strcmp(mode, "close") == 0)
                break;
            if (strcmp(mode, "huge") == 0) {
                static const unsigned char huge[8] = {0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1};
                write_all(c, huge, sizeof huge);
            } else if (strcmp(mode, "badcorr") == 0 && n >= 12) {
                /* a well-formed ApiVersions v0 answer with the wrong id */
                unsigned char resp[14] = {0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
                uint32_t corr = ((uint32_t)buf[8] << 24 | (uint32_t)buf[9] << 16 |
                                 (uint32_t)buf[10] << 8 | buf[11]) +
                                1000;
                resp[4] = (unsigned char)(corr >> 24);
                resp[5] = (unsigned char)(corr >> 16);
                resp[6] = (unsigned char)(corr >> 8);
                resp[7] = (unsigned char)corr;
                write_all(c, resp, sizeof resp);
            }
            /* silent: swallow and wait */
        }
        close(c);
    }
}
