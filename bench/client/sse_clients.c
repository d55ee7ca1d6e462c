/*
 * sse_clients: many Server-Sent Events readers in one thread (epoll, non-blocking sockets).
 *
 * Opens N connections to one loopback event stream, parses the SSE frames of each incrementally
 * (plain, close-delimited bodies and chunked transfer encoding; comments and heartbeats are
 * skipped) and, for every event whose data holds the marker
 *
 *     #seq=<n>;t=<publish time, ns since the epoch, CLOCK_REALTIME>#
 *
 * records the delivery: its latency (receive time, CLOCK_REALTIME taken right after the read()
 * that completed the event, minus t) and which sequence numbers each connection has seen, so
 * lost and duplicated events can be counted. seq 0 marks a warm-up event: seen, not counted.
 *
 * Usage: sse_clients --port P --path /x --conns N --events M [--host 127.0.0.1]
 *                    [--last-event-id ID] [--out FILE] [--max-connecting K] [--echo]
 *                    [--timeout SECONDS]
 *
 * stdout (one line each, flushed):
 *   ready ok=<n> failed=<n> ms=<connect time>      every connection has its response head
 *   d <conn> <seq> <latency ns>                    per first delivery, only with --echo
 *   complete all=<0|1> ms=<since start>            every connection has seen events 1..M
 *                                                  (all=1) or has closed or failed (all=0)
 *   result key=value ...                           at the end
 * The connections stay open after "complete"; the run ends when stdin reaches EOF (the driver
 * closes it) or "stop" is read, or after --timeout. --out gets one record per first delivery
 * of an event 1..M: two native int64, latency ns and seq (16 bytes).
 *
 * Build: gcc -O2 -Wall -Wextra -o sse_clients sse_clients.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { ST_IDLE, ST_CONNECTING, ST_HEAD, ST_BODY, ST_CLOSED, ST_FAILED };
enum { CH_SIZE, CH_EXT, CH_DATA, CH_DATA_END, CH_TRAILER };

#define STDIN_TAG UINT32_MAX
#define READ_BUF (256 * 1024)
#define MAX_LINE (1024 * 1024)

typedef struct {
    int fd;
    uint8_t state;
    uint8_t chunked;
    uint8_t chunk_state;
    uint8_t ev_has;
    uint32_t chunk_left;
    uint32_t sent;
    int status;
    char *line;
    uint32_t line_len, line_cap;
    uint32_t ev_bytes;
    int64_t ev_seq, ev_t;
    uint32_t distinct, dups;
    uint8_t finished; /* complete, closed or failed: counted once */
} conn_t;

static conn_t *conns;
static uint8_t *seen; /* conns x (events + 1) delivery counts, saturating at 255 */
static int64_t *records;
static uint64_t n_records;
static long n_conns, n_events;
static int echo;
static int epfd;
static char request[2048];
static size_t request_len;
static struct sockaddr_in addr;

static long ok_conns, failed_conns, closed_conns, complete_conns, finished_conns, in_flight,
    next_conn;
static uint64_t deliveries, dup_total, unexpected, warmups, event_bytes, body_bytes, wire_bytes;
static int ready_printed, complete_printed;
static int64_t started_ns;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what) {
    fprintf(stderr, "sse_clients: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void finish_connecting(conn_t *c, int ok) {
    (void)c;
    in_flight--;
    if (ok)
        ok_conns++;
    else
        failed_conns++;
}

static void drop(conn_t *c) {
    if (c->fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }
    if (c->state == ST_BODY) {
        closed_conns++;
        c->state = ST_CLOSED;
    } else if (c->state == ST_CONNECTING || c->state == ST_HEAD) {
        finish_connecting(c, 0);
        c->state = ST_FAILED;
    }
    if (!c->finished) {
        c->finished = 1;
        finished_conns++;
    }
    free(c->line);
    c->line = NULL;
    c->line_len = c->line_cap = 0;
}

static void start_connect(long i) {
    conn_t *c = &conns[i];
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    c->fd = fd;
    c->state = ST_CONNECTING;
    in_flight++;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) {
        fprintf(stderr, "sse_clients: connect %ld: %s\n", i, strerror(errno));
        drop(c);
        return;
    }
    struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)i};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl add");
}

static void record(long i, conn_t *c, int64_t seq, int64_t t, int64_t now) {
    if (seq == 0) {
        warmups++;
        return;
    }
    if (seq < 1 || seq > n_events) {
        unexpected++;
        return;
    }
    uint8_t *count = &seen[(size_t)i * (size_t)(n_events + 1) + (size_t)seq];
    if (*count) {
        c->dups++;
        dup_total++;
    } else {
        c->distinct++;
        deliveries++;
        event_bytes += c->ev_bytes;
        records[2 * n_records] = now - t;
        records[2 * n_records + 1] = seq;
        n_records++;
        if (echo) {
            printf("d %ld %lld %lld\n", i, (long long)seq, (long long)(now - t));
            fflush(stdout);
        }
        if (c->distinct == (uint32_t)n_events) {
            complete_conns++;
            if (!c->finished) {
                c->finished = 1;
                finished_conns++;
            }
        }
    }
    if (*count < 255) (*count)++;
}

/* "#seq=<digits>;t=<digits>#" anywhere in s[0..len) */
static int find_marker(const char *s, size_t len, int64_t *seq, int64_t *t) {
    static const char key[] = "#seq=";
    const char *end = s + len;
    const char *p = s;
    while ((p = memmem(p, (size_t)(end - p), key, sizeof key - 1)) != NULL) {
        const char *q = p + sizeof key - 1;
        int64_t a = 0, b = 0;
        const char *d = q;
        while (q < end && *q >= '0' && *q <= '9') a = a * 10 + (*q++ - '0');
        if (q == d || end - q < 3 || q[0] != ';' || q[1] != 't' || q[2] != '=') {
            p++;
            continue;
        }
        q += 3;
        d = q;
        while (q < end && *q >= '0' && *q <= '9') b = b * 10 + (*q++ - '0');
        if (q == d || q >= end || *q != '#') {
            p++;
            continue;
        }
        *seq = a;
        *t = b;
        return 1;
    }
    return 0;
}

static void head_line(conn_t *c, const char *s, size_t len) {
    if (c->status == 0) {
        /* status line: HTTP/1.1 200 OK */
        const char *sp = memchr(s, ' ', len);
        c->status = sp ? atoi(sp + 1) : -1;
        if (c->status == 0) c->status = -1;
        return;
    }
    static const char te[] = "transfer-encoding:";
    if (len >= sizeof te - 1 && strncasecmp(s, te, sizeof te - 1) == 0) {
        const char *v = s + sizeof te - 1;
        size_t vl = len - (sizeof te - 1);
        for (size_t k = 0; k + 7 <= vl; k++)
            if (strncasecmp(v + k, "chunked", 7) == 0) c->chunked = 1;
    }
}

/* One complete SSE line (without its \n). */
static void sse_line(long i, conn_t *c, const char *s, size_t len, int64_t now) {
    if (len > 0 && s[len - 1] == '\r') len--;
    if (len == 0) {
        if (c->ev_has) record(i, c, c->ev_seq, c->ev_t, now);
        c->ev_has = 0;
        c->ev_bytes = 0;
        return;
    }
    if (s[0] == ':') return; /* comment, heartbeat */
    if (!c->ev_has && len >= 5 && memcmp(s, "data:", 5) == 0)
        c->ev_has = (uint8_t)find_marker(s + 5, len - 5, &c->ev_seq, &c->ev_t);
}

/* Appends to the connection's partial line; 0 when the line grows too long (dropped). */
static int keep_partial(long i, conn_t *c, const char *p, size_t n) {
    if (c->line_len + n > MAX_LINE) {
        fprintf(stderr, "sse_clients: connection %ld: line over %d bytes\n", i, MAX_LINE);
        drop(c);
        return 0;
    }
    if (c->line_len + n > c->line_cap) {
        uint32_t cap = c->line_cap ? c->line_cap : 1024;
        while (cap < c->line_len + n) cap *= 2;
        c->line = realloc(c->line, cap);
        if (!c->line) die("realloc");
        c->line_cap = cap;
    }
    memcpy(c->line + c->line_len, p, n);
    c->line_len += (uint32_t)n;
    return 1;
}

/* Decoded SSE body bytes. 0 when the connection was dropped. */
static int feed_lines(long i, conn_t *c, const char *p, size_t n, int64_t now) {
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t seg = nl ? (size_t)(nl - p) : n;
        c->ev_bytes += (uint32_t)(seg + (nl ? 1 : 0));
        if (!nl) return keep_partial(i, c, p, seg);
        if (c->line_len == 0) {
            sse_line(i, c, p, seg, now);
        } else {
            if (!keep_partial(i, c, p, seg)) return 0;
            uint32_t l = c->line_len;
            c->line_len = 0;
            sse_line(i, c, c->line, l, now);
        }
        p = nl + 1;
        n -= seg + 1;
    }
    return 1;
}

/* The response head; returns the bytes it took (up to and with the blank line) or -1 when the
 * connection was dropped. The state becomes ST_BODY after the blank line. */
static long feed_head(long i, conn_t *c, const char *p, size_t n) {
    size_t used = 0;
    while (used < n) {
        const char *nl = memchr(p + used, '\n', n - used);
        size_t seg = nl ? (size_t)(nl - (p + used)) : n - used;
        if (!nl) return keep_partial(i, c, p + used, seg) ? (long)n : -1;
        const char *s = p + used;
        size_t len = seg;
        if (c->line_len) {
            if (!keep_partial(i, c, s, seg)) return -1;
            s = c->line;
            len = c->line_len;
            c->line_len = 0;
        }
        used += seg + 1;
        if (len > 0 && s[len - 1] == '\r') len--;
        if (len > 0) {
            head_line(c, s, len);
            continue;
        }
        if (c->status != 200) {
            fprintf(stderr, "sse_clients: connection %ld: status %d\n", i, c->status);
            drop(c);
            return -1;
        }
        c->state = ST_BODY;
        finish_connecting(c, 1);
        c->ev_bytes = 0;
        return (long)used;
    }
    return (long)used;
}

static int feed_body(long i, conn_t *c, const char *p, size_t n, int64_t now) {
    body_bytes += n;
    if (!c->chunked) return feed_lines(i, c, p, n, now);
    while (n > 0) {
        switch (c->chunk_state) {
        case CH_SIZE:
        case CH_EXT: {
            char ch = *p++;
            n--;
            if (ch == '\n') {
                c->chunk_state = c->chunk_left ? CH_DATA : CH_TRAILER;
            } else if (c->chunk_state == CH_SIZE && ch != '\r') {
                int v = (ch >= '0' && ch <= '9')   ? ch - '0'
                        : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10
                        : (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10
                                                   : -1;
                if (v < 0)
                    c->chunk_state = CH_EXT; /* ";ext" or whitespace */
                else
                    c->chunk_left = c->chunk_left * 16 + (uint32_t)v;
            }
            break;
        }
        case CH_DATA: {
            size_t take = n < c->chunk_left ? n : c->chunk_left;
            if (feed_lines(i, c, p, take, now) == 0) return 0;
            p += take;
            n -= take;
            c->chunk_left -= (uint32_t)take;
            if (c->chunk_left == 0) c->chunk_state = CH_DATA_END;
            break;
        }
        case CH_DATA_END: {
            char ch = *p++;
            n--;
            if (ch == '\n') c->chunk_state = CH_SIZE;
            break;
        }
        default: /* CH_TRAILER: the body has ended */
            return 1;
        }
    }
    return 1;
}

static void on_readable(long i, conn_t *c, char *buf) {
    ssize_t got = read(c->fd, buf, READ_BUF);
    if (got < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        drop(c);
        return;
    }
    if (got == 0) {
        drop(c);
        return;
    }
    int64_t now = now_ns();
    wire_bytes += (uint64_t)got;
    const char *p = buf;
    size_t n = (size_t)got;
    if (c->state == ST_HEAD) {
        long used = feed_head(i, c, p, n);
        if (used < 0 || c->state != ST_BODY) return;
        p += used;
        n -= (size_t)used;
    }
    if (n > 0) feed_body(i, c, p, n, now);
}

static void on_writable(long i, conn_t *c) {
    if (c->sent == 0) {
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err) {
            fprintf(stderr, "sse_clients: connect %ld: %s\n", i, strerror(err));
            drop(c);
            return;
        }
    }
    ssize_t w = write(c->fd, request + c->sent, request_len - c->sent);
    if (w < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        drop(c);
        return;
    }
    c->sent += (uint32_t)w;
    if (c->sent < request_len) return;
    c->state = ST_HEAD;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = (uint32_t)i};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl mod");
}

static void usage(void) {
    fprintf(stderr, "usage: sse_clients --port P --path PATH --conns N --events M [--host H] "
                    "[--last-event-id ID] [--out FILE] [--max-connecting K] [--echo] "
                    "[--timeout S]\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1", *path = NULL, *out = NULL, *last_id = NULL;
    long port = 0, max_connecting = 256;
    double timeout_s = 600;
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k];
        const char *v = k + 1 < argc ? argv[k + 1] : NULL;
        if (!strcmp(a, "--echo")) {
            echo = 1;
            continue;
        }
        if (!v) usage();
        k++;
        if (!strcmp(a, "--host")) host = v;
        else if (!strcmp(a, "--port")) port = atol(v);
        else if (!strcmp(a, "--path")) path = v;
        else if (!strcmp(a, "--conns")) n_conns = atol(v);
        else if (!strcmp(a, "--events")) n_events = atol(v);
        else if (!strcmp(a, "--last-event-id")) last_id = v;
        else if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "--max-connecting")) max_connecting = atol(v);
        else if (!strcmp(a, "--timeout")) timeout_s = atof(v);
        else usage();
    }
    if (!path || port <= 0 || n_conns <= 0 || n_events < 0 || max_connecting <= 0) usage();
    signal(SIGPIPE, SIG_IGN);

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    if ((rlim_t)n_conns + 16 > rl.rlim_cur) {
        fprintf(stderr, "sse_clients: %ld connections need more than the %llu descriptors "
                        "allowed\n", n_conns, (unsigned long long)rl.rlim_cur);
        return 2;
    }

    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) usage();
    int len = snprintf(request, sizeof request,
                       "GET %s HTTP/1.1\r\nHost: %s:%ld\r\nAccept: text/event-stream\r\n"
                       "Cache-Control: no-cache\r\n%s%s%s\r\n",
                       path, host, port, last_id ? "Last-Event-ID: " : "",
                       last_id ? last_id : "", last_id ? "\r\n" : "");
    if (len <= 0 || (size_t)len >= sizeof request) usage();
    request_len = (size_t)len;

    conns = calloc((size_t)n_conns, sizeof *conns);
    seen = calloc((size_t)n_conns * (size_t)(n_events + 1), 1);
    records = malloc(sizeof(int64_t) * 2 * ((size_t)n_conns * (size_t)n_events + 1));
    char *buf = malloc(READ_BUF);
    if (!conns || !seen || !records || !buf) die("malloc");
    for (long i = 0; i < n_conns; i++) conns[i].fd = -1;

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");
    struct epoll_event sev = {.events = EPOLLIN, .data.u32 = STDIN_TAG};
    int stdin_open = epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &sev) == 0;

    started_ns = mono_ns();
    int64_t deadline = started_ns + (int64_t)(timeout_s * 1e9);
    const char *why = "timeout";
    struct epoll_event events[1024];
    for (;;) {
        while (next_conn < n_conns && in_flight < max_connecting) start_connect(next_conn++);
        if (!ready_printed && ok_conns + failed_conns == n_conns) {
            ready_printed = 1;
            printf("ready ok=%ld failed=%ld ms=%.1f\n", ok_conns, failed_conns,
                   (double)(mono_ns() - started_ns) / 1e6);
            fflush(stdout);
        }
        if (ready_printed && !complete_printed && finished_conns >= n_conns) {
            /* Connections stay open until the driver says stop: closing them now would put
             * the server's clean-up into the driver's measurement. */
            complete_printed = 1;
            printf("complete all=%d ms=%.1f\n", complete_conns == n_conns,
                   (double)(mono_ns() - started_ns) / 1e6);
            fflush(stdout);
        }
        if (mono_ns() > deadline) break;
        int ready = epoll_wait(epfd, events, 1024, 100);
        if (ready < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        int stop = 0;
        for (int k = 0; k < ready; k++) {
            uint32_t tag = events[k].data.u32;
            if (tag == STDIN_TAG) {
                char cmd[256];
                ssize_t r = read(0, cmd, sizeof cmd);
                if (r <= 0 || memmem(cmd, (size_t)r, "stop", 4)) {
                    stop = 1;
                    if (stdin_open) epoll_ctl(epfd, EPOLL_CTL_DEL, 0, NULL);
                    stdin_open = 0;
                }
                continue;
            }
            conn_t *c = &conns[tag];
            if (c->fd < 0) continue;
            if (c->state == ST_CONNECTING)
                on_writable(tag, c);
            else if (events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
                on_readable(tag, c, buf);
        }
        if (stop) {
            why = "stopped";
            break;
        }
    }

    uint64_t lost = 0;
    uint32_t lost_max = 0, dup_max = 0;
    for (long i = 0; i < n_conns; i++) {
        uint32_t l = (uint32_t)n_events - conns[i].distinct;
        lost += l;
        if (l > lost_max) lost_max = l;
        if (conns[i].dups > dup_max) dup_max = conns[i].dups;
    }
    if (out) {
        FILE *f = fopen(out, "wb");
        if (!f) die("fopen --out");
        if (n_records && fwrite(records, 16, n_records, f) != n_records) die("fwrite");
        if (fclose(f) != 0) die("fclose");
    }
    printf("result why=%s conns=%ld ok=%ld failed=%ld closed=%ld complete=%ld deliveries=%llu "
           "dup=%llu lost=%llu lost_max=%u dup_max=%u unexpected=%llu warmup=%llu "
           "event_bytes=%llu body_bytes=%llu wire_bytes=%llu\n",
           why, n_conns, ok_conns, failed_conns, closed_conns, complete_conns,
           (unsigned long long)deliveries, (unsigned long long)dup_total,
           (unsigned long long)lost, lost_max, dup_max, (unsigned long long)unexpected,
           (unsigned long long)warmups, (unsigned long long)event_bytes,
           (unsigned long long)body_bytes, (unsigned long long)wire_bytes);
    fflush(stdout);
    return 0;
}
