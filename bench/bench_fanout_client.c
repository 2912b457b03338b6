/* SPDX-License-Identifier: MIT */
/*
 * bench_fanout_client - the client side of bench/bench_fanout.sh: N
 * WebSocket clients in one process (epoll, non-blocking sockets), the
 * same driver for argo serve and for its peer, so neither server is
 * measured through a slower client than the other.
 *
 * Usage: bench_fanout_client PORT N KEY [DUMP]
 *   Opens N connections to ws://127.0.0.1:PORT/api/v1/stream with
 *   "Authorization: Bearer KEY", sends each a subscribe message for the
 *   signals channel, prints "READY N" once every client has its
 *   "subscribed" answer. Then, for every burst of events (a cycle):
 *   when no event has arrived for 1.5 s, prints
 *     CYCLE k events=E min=A max=B latency_ms=L
 *   E the events of client 0, A and B the fewest and most events any
 *   client got, L the time from the cycle's commit (the largest
 *   "logged_at" of client 0's events, UTC ms) to the last client's last
 *   event (wall clock at the read that completed it). DUMP: the first
 *   cycle's event messages of client 0, one per line (the peer replays
 *   them). Stops at EOF on stdin.
 *
 * A minimal RFC 6455 client: it checks each frame's header, reads the
 * first bytes of each text message to tell events from the rest, and
 * skips the payload otherwise; it answers nothing but the handshake.
 *
 * Written here rather than driven by libwebsockets' client or npm ws
 * because those are slower than the server under test: with an lws 4.1
 * client in one process (one service loop) the last client's last event
 * came 31-32 s after the commit with 256 KiB reads (41-49 s with 4 KiB)
 * instead of about 3 s, the cycles ran into each other, and argo's heap grew with what
 * the clients had not read yet.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { ST_CONNECTING, ST_HANDSHAKE, ST_OPEN, ST_CLOSED };

typedef struct conn {
    int fd;
    int state;
    char hs[1024];
    size_t hsn;
    unsigned char hdr[14];
    size_t hdrn, hdrneed;
    uint64_t remain; /* payload bytes of the current frame still to read */
    int opcode;
    unsigned char pre[24]; /* the first payload bytes */
    size_t pren;
    char *full; /* client 0: the whole payload */
    size_t fulln, fullcap;
    bool subscribed;
    uint64_t events;
    int64_t last_ns;
} conn;

static conn *cs;
static int nconn, port, ep;
static const char *key;
static int subscribed_n, open_n, closed_n, connecting_n, next_conn;
static FILE *dump;
static int cycle;
static int64_t cycle_max_logged; /* ms */
static int64_t last_event_ns;
static bool in_cycle;
static int close_codes[5000];

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
    perror(what);
    exit(2);
}

static void start_conn(int i)
{
    conn *c = &cs[i];
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0)
        die("socket");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS)
        die("connect");
    c->state = ST_CONNECTING;
    connecting_n++;
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)i};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
        die("epoll_ctl");
}

static void send_all(int fd, const void *p, size_t n)
{
    const char *b = p;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            return;
        }
        b += w;
        n -= (size_t)w;
    }
}

static void send_text(conn *c, const char *t)
{
    unsigned char f[256];
    size_t n = strlen(t);
    f[0] = 0x81;
    f[1] = 0x80 | (unsigned char)n; /* masked, n < 126 */
    unsigned char m[4] = {0x12, 0x34, 0x56, 0x78};
    memcpy(f + 2, m, 4);
    for (size_t i = 0; i < n; i++)
        f[6 + i] = (unsigned char)t[i] ^ m[i % 4];
    send_all(c->fd, f, 6 + n);
}

static void closed(conn *c)
{
    if (c->state == ST_CLOSED)
        return;
    if (c->state == ST_OPEN)
        open_n--;
    if (c->state == ST_CONNECTING || c->state == ST_HANDSHAKE)
        connecting_n--;
    c->state = ST_CLOSED;
    closed_n++;
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
}

static int64_t logged_at(const char *p, size_t n)
{
    const char *k = memmem(p, n, "\"logged_at\":", 12);
    if (!k)
        return 0;
    return strtoll(k + 12, NULL, 10);
}

static void frame_done(conn *c, int64_t t)
{
    if (c->opcode == 8) {
        int code = c->pren >= 2 ? (c->pre[0] << 8 | c->pre[1]) : 0;
        if (code >= 0 && code < 5000)
            close_codes[code]++;
        closed(c);
        return;
    }
    if (c->opcode != 1)
        return;
    if (c->pren >= 15 && memcmp(c->pre, "{\"type\":\"event\"", 15) == 0) {
        c->events++;
        c->last_ns = t;
        last_event_ns = t;
        in_cycle = true;
        if (c == &cs[0] && c->full) {
            int64_t la = logged_at(c->full, c->fulln);
            if (la > cycle_max_logged)
                cycle_max_logged = la;
            if (dump && cycle == 0) {
                fwrite(c->full, 1, c->fulln, dump);
                fputc('\n', dump);
            }
        }
    } else if (c->pren >= 20 && memcmp(c->pre, "{\"type\":\"subscribed\"", 20) == 0) {
        if (!c->subscribed) {
            c->subscribed = true;
            subscribed_n++;
        }
    }
}

static void on_bytes(conn *c, const unsigned char *p, size_t n, int64_t t)
{
    while (n && c->state == ST_OPEN) {
        if (c->hdrneed == 0 || c->hdrn < c->hdrneed) {
            if (c->hdrneed == 0)
                c->hdrneed = 2;
            while (n && c->hdrn < c->hdrneed) {
                c->hdr[c->hdrn++] = *p++;
                n--;
                if (c->hdrn == 2) {
                    unsigned l7 = c->hdr[1] & 0x7f;
                    c->hdrneed = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0);
                }
            }
            if (c->hdrn < c->hdrneed)
                return;
            unsigned l7 = c->hdr[1] & 0x7f;
            uint64_t len = l7;
            if (l7 == 126)
                len = (uint64_t)c->hdr[2] << 8 | c->hdr[3];
            else if (l7 == 127)
                for (int i = 0; i < 8; i++)
                    len = len << 8 | c->hdr[2 + i];
            c->opcode = c->hdr[0] & 0x0f;
            c->remain = len;
            c->pren = 0;
            c->fulln = 0;
            if (len == 0) {
                frame_done(c, t);
                c->hdrn = c->hdrneed = 0;
                continue;
            }
        }
        size_t k = c->remain < n ? (size_t)c->remain : n;
        if (c->pren < sizeof c->pre) {
            size_t m = sizeof c->pre - c->pren < k ? sizeof c->pre - c->pren : k;
            memcpy(c->pre + c->pren, p, m);
            c->pren += m;
        }
        if (c == &cs[0]) {
            if (c->fulln + k > c->fullcap) {
                c->fullcap = (c->fulln + k) * 2;
                c->full = realloc(c->full, c->fullcap);
                if (!c->full)
                    die("realloc");
            }
            memcpy(c->full + c->fulln, p, k);
            c->fulln += k;
        }
        p += k;
        n -= k;
        c->remain -= k;
        if (c->remain == 0) {
            frame_done(c, t);
            c->hdrn = c->hdrneed = 0;
        }
    }
}

static void on_handshake(conn *c, const char *p, size_t n, int64_t t)
{
    size_t room = sizeof c->hs - 1 - c->hsn;
    size_t k = n < room ? n : room;
    memcpy(c->hs + c->hsn, p, k);
    c->hsn += k;
    c->hs[c->hsn] = 0;
    char *end = strstr(c->hs, "\r\n\r\n");
    if (!end) {
        if (c->hsn == sizeof c->hs - 1)
            closed(c);
        return;
    }
    if (strncmp(c->hs, "HTTP/1.1 101", 12) != 0) {
        fprintf(stderr, "handshake refused: %.60s\n", c->hs);
        closed(c);
        return;
    }
    c->state = ST_OPEN;
    connecting_n--;
    open_n++;
    send_text(c, "{\"type\":\"subscribe\",\"channels\":[\"signals\"]}");
    size_t used = (size_t)(end + 4 - c->hs);
    size_t before = c->hsn - k; /* bytes of hs from earlier reads */
    if (used > before && used - before < k)
        on_bytes(c, (const unsigned char *)p + (used - before), k - (used - before), t);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s PORT N KEY [DUMP]\n", argv[0]);
        return 2;
    }
    port = (int)strtol(argv[1], NULL, 10);
    nconn = (int)strtol(argv[2], NULL, 10);
    if (port <= 0 || nconn <= 0) {
        fprintf(stderr, "PORT and N: positive integers\n");
        return 2;
    }
    key = argv[3];
    if (argc > 4 && !(dump = fopen(argv[4], "w")))
        die(argv[4]);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    cs = calloc((size_t)nconn, sizeof *cs);
    ep = epoll_create1(0);
    if (!cs || ep < 0)
        die("init");
    struct epoll_event in = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
    epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in);
    fcntl(0, F_SETFL, O_NONBLOCK);
    static unsigned char buf[1 << 18];
    struct epoll_event evs[512];
    bool ready = false;
    for (;;) {
        while (next_conn < nconn && connecting_n < 256)
            start_conn(next_conn++);
        if (!ready && subscribed_n + closed_n == nconn && next_conn == nconn) {
            printf("READY %d\n", subscribed_n);
            fflush(stdout);
            ready = true;
        }
        int ne = epoll_wait(ep, evs, 512, 200);
        int64_t t = now_ns();
        for (int e = 0; e < ne; e++) {
            uint32_t i = evs[e].data.u32;
            if (i == UINT32_MAX) {
                ssize_t r = read(0, buf, sizeof buf);
                if (r == 0)
                    goto out;
                continue;
            }
            conn *c = &cs[i];
            if (c->state == ST_CONNECTING && (evs[e].events & EPOLLOUT)) {
                int err = 0;
                socklen_t el = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
                if (err) {
                    closed(c);
                    continue;
                }
                char req[512];
                int n = snprintf(req, sizeof req,
                                 "GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                                 "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                 "Sec-WebSocket-Version: 13\r\n"
                                 "Authorization: Bearer %s\r\n\r\n",
                                 port, key);
                send_all(c->fd, req, (size_t)n);
                c->state = ST_HANDSHAKE;
                struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                continue;
            }
            if (c->state == ST_CLOSED)
                continue;
            for (int rounds = 0; rounds < 4; rounds++) {
                ssize_t r = read(c->fd, buf, sizeof buf);
                if (r < 0 && (errno == EAGAIN || errno == EINTR))
                    break;
                if (r <= 0) {
                    closed(c);
                    break;
                }
                if (c->state == ST_HANDSHAKE)
                    on_handshake(c, (const char *)buf, (size_t)r, t);
                else
                    on_bytes(c, buf, (size_t)r, t);
                if ((size_t)r < sizeof buf)
                    break;
            }
        }
        if (in_cycle && now_ns() - last_event_ns > 1500000000LL) {
            uint64_t mn = UINT64_MAX, mx = 0;
            int64_t last = 0;
            for (int i = 0; i < nconn; i++) {
                if (cs[i].state != ST_OPEN)
                    continue;
                if (cs[i].events < mn)
                    mn = cs[i].events;
                if (cs[i].events > mx)
                    mx = cs[i].events;
                if (cs[i].last_ns > last)
                    last = cs[i].last_ns;
            }
            double lat = (double)(last - cycle_max_logged * 1000000) / 1e6;
            printf("CYCLE %d events=%llu min=%llu max=%llu open=%d latency_ms=%.1f\n", cycle + 1,
                   (unsigned long long)cs[0].events, (unsigned long long)mn, (unsigned long long)mx,
                   open_n, lat);
            fflush(stdout);
            for (int i = 0; i < nconn; i++)
                cs[i].events = 0;
            cycle++;
            cycle_max_logged = 0;
            in_cycle = false;
            if (dump && cycle == 1) {
                fclose(dump);
                dump = NULL;
            }
        }
    }
out:
    printf("DONE open=%d closed=%d", open_n, closed_n);
    for (int i = 0; i < 5000; i++)
        if (close_codes[i])
            printf(" close%d=%d", i, close_codes[i]);
    printf("\n");
    return 0;
}
