/*
 * C reference for the Java await benchmark (java/bench, dev.muxlab.bench.AwaitBench).
 *
 *   muxlab-await_ref [options] BACKEND N
 *     BACKEND  select | select-wide | poll | epoll
 *     N        eventfds to register for reading; the middle one (index N/2) is made readable
 *   options
 *     -t MS    length of one timed run in milliseconds (default 1000)
 *     -w K     untimed warm-up runs (default 3)
 *     -r K     timed runs (default 5)
 *     -c CAP   ready-buffer capacity, as AwaitBench's ReadySet (default 64)
 *     -R       raw syscalls instead of the shims (see below)
 *     -T K     start K idle threads first (default 0; scripts/bench-await passes 1)
 *
 * Why -T: the kernel looks fds up more cheaply in a process with a single thread. When the
 * fd table is not shared, fdget() skips the reference count on the struct file; with a second
 * thread every lookup is an atomic increment and decrement. poll and select look up every
 * registered fd on every call, so in a multi-threaded process (a JVM always is one) their
 * per-fd cost is markedly higher (1.7 times on the machine of docs/benchmarks.md); epoll_wait
 * is slower too (by about 70 ns there). A reference for the JVM must take the same
 * kernel path, hence one idle thread; -T 0 shows the single-threaded figure.
 *
 * Set-up mirrors AwaitBench: raise RLIMIT_NOFILE to the hard limit, open the multiplexer first
 * (its wakeup eventfd gets a low fd), then N non-blocking eventfds registered for POLLIN, then
 * the middle one signalled once and never drained, so every call reports exactly one fd.
 *
 * The timed loop calls the same shim the Java path reaches through jnr-ffi
 * (mux_select_wait / mux_poll_wait / mux_epoll_wait with timeout 0 into a buffer of the same
 * size), so the difference between the two is what Java adds: the JNI/jnr transition and
 * AbstractMultiplexer's bookkeeping. With -R it calls the system call itself instead, the way a
 * plain C program would (select with the read set only, poll on its own pollfd array of N + 1
 * entries, epoll_wait on the shim's epoll fd), as a lower bound for the shims.
 *
 * Output: one line of key=value pairs; ns_median (the median over the timed runs) is what
 * scripts/bench-await reads; per_run lists every run.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "muxlab.h"

enum backend { B_SELECT, B_SELECT_WIDE, B_POLL, B_EPOLL };

struct bench {
    enum backend backend;
    int raw;
    int n;
    int capacity;
    int64_t h;          /* shim handle */
    int *fds;           /* the N eventfds */
    int hot;            /* the readable one */
    char *buf;          /* capacity * READY_SLOT_SIZE bytes, as ReadySet */
    /* raw variants */
    int epfd;
    struct epoll_event *events;
    struct pollfd *pfd;
    int npfd;
    int extra_fd;       /* raw poll/select: stands in for the shim's wakeup eventfd */
    unsigned long *rd_in, *rd_out;
    size_t words;
    int nfds;
};

static volatile int64_t sink;

/* An idle thread (see -T): sleeps until the process exits. */
static void *idle_thread(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static void die(const char *what, int err)
{
    fprintf(stderr, "muxlab-await_ref: %s: %s\n", what, err ? strerror(err) : "failed");
    exit(1);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static const char *backend_name(enum backend b)
{
    switch (b) {
    case B_SELECT: return "select";
    case B_SELECT_WIDE: return "select-wide";
    case B_POLL: return "poll";
    case B_EPOLL: return "epoll";
    }
    return "?";
}

static void setup(struct bench *b)
{
    int64_t hard = mux_nofile_limit(1);
    if (hard < 0)
        die("getrlimit", (int)-hard);
    if (mux_nofile_limit(0) < hard) {
        int rc = mux_set_nofile_limit(hard);
        if (rc < 0)
            die("setrlimit", -rc);
    }
    if (hard < (int64_t)b->n + 16) {
        fprintf(stderr, "muxlab-await_ref: RLIMIT_NOFILE hard limit %lld is too low for %d eventfds\n",
                (long long)hard, b->n);
        exit(1);
    }

    int64_t slot = mux_const(MUX_C_READY_SLOT_SIZE);
    if (slot <= 0)
        die("mux_const(READY_SLOT_SIZE)", 0);
    b->buf = calloc((size_t)b->capacity, (size_t)slot);
    b->fds = malloc((size_t)b->n * sizeof *b->fds);
    if (!b->buf || !b->fds)
        die("malloc", ENOMEM);

    switch (b->backend) {
    case B_SELECT: b->h = mux_select_open(0); break;
    case B_SELECT_WIDE: b->h = mux_select_open(1); break;
    case B_POLL: b->h = mux_poll_open(); break;
    case B_EPOLL: b->h = mux_epoll_open(); break;
    }
    if (b->h < 0)
        die("open multiplexer", (int)-b->h);
    b->extra_fd = -1;
    if (b->raw && b->backend != B_EPOLL) {
        b->extra_fd = mux_eventfd(0, 1);
        if (b->extra_fd < 0)
            die("eventfd", -b->extra_fd);
    }

    for (int i = 0; i < b->n; i++) {
        int fd = mux_eventfd(0, 1);
        if (fd < 0)
            die("eventfd", -fd);
        b->fds[i] = fd;
        int rc;
        switch (b->backend) {
        case B_SELECT:
        case B_SELECT_WIDE: rc = mux_select_ctl(b->h, MUX_CTL_ADD, fd, POLLIN); break;
        case B_POLL: rc = mux_poll_ctl(b->h, MUX_CTL_ADD, fd, POLLIN); break;
        default: rc = mux_epoll_ctl(b->h, MUX_CTL_ADD, fd, EPOLLIN); break;
        }
        if (rc == -MUX_EFDSETSIZE) {
            fprintf(stderr, "muxlab-await_ref: select (glibc fd_set) cannot hold fd %d\n", fd);
            exit(1);
        }
        if (rc < 0)
            die("register", -rc);
    }
    b->hot = b->fds[b->n / 2];
    uint64_t one = 1;
    if (mux_write(b->hot, (int64_t)(intptr_t)&one, sizeof one) != (int64_t)sizeof one)
        die("eventfd write", errno);

    if (!b->raw)
        return;
    switch (b->backend) {
    case B_EPOLL:
        b->epfd = mux_epoll_fd(b->h);
        b->events = calloc((size_t)b->capacity, sizeof *b->events);
        if (!b->events)
            die("malloc", ENOMEM);
        break;
    case B_POLL:
        b->npfd = b->n + 1;
        b->pfd = calloc((size_t)b->npfd, sizeof *b->pfd);
        if (!b->pfd)
            die("malloc", ENOMEM);
        b->pfd[0].fd = b->extra_fd;
        b->pfd[0].events = POLLIN;
        for (int i = 0; i < b->n; i++) {
            b->pfd[i + 1].fd = b->fds[i];
            b->pfd[i + 1].events = POLLIN;
        }
        break;
    case B_SELECT:
    case B_SELECT_WIDE: {
        int maxfd = b->extra_fd;
        for (int i = 0; i < b->n; i++)
            if (b->fds[i] > maxfd)
                maxfd = b->fds[i];
        if (b->backend == B_SELECT && maxfd >= FD_SETSIZE) {
            fprintf(stderr, "muxlab-await_ref: select (glibc fd_set) cannot hold fd %d\n", maxfd);
            exit(1);
        }
        const size_t wbits = 8 * sizeof(unsigned long);
        b->nfds = maxfd + 1;
        b->words = ((size_t)b->nfds + wbits - 1) / wbits;
        /* whole fd_sets at least, so the classic flavour may use the FD_* macros' layout */
        size_t alloc = b->words < FD_SETSIZE / wbits ? FD_SETSIZE / wbits : b->words;
        b->rd_in = calloc(alloc, sizeof(unsigned long));
        b->rd_out = calloc(alloc, sizeof(unsigned long));
        if (!b->rd_in || !b->rd_out)
            die("malloc", ENOMEM);
        b->rd_in[b->extra_fd / wbits] |= 1UL << (b->extra_fd % wbits);
        for (int i = 0; i < b->n; i++)
            b->rd_in[b->fds[i] / wbits] |= 1UL << (b->fds[i] % wbits);
        break;
    }
    }
}

static void teardown(struct bench *b)
{
    switch (b->backend) {
    case B_SELECT:
    case B_SELECT_WIDE: mux_select_close(b->h); break;
    case B_POLL: mux_poll_close(b->h); break;
    case B_EPOLL: mux_epoll_close(b->h); break;
    }
    for (int i = 0; i < b->n; i++)
        mux_close(b->fds[i]);
    if (b->extra_fd >= 0)
        mux_close(b->extra_fd);
    free(b->fds);
    free(b->buf);
    free(b->events);
    free(b->pfd);
    free(b->rd_in);
    free(b->rd_out);
}

/* One await with timeout 0: returns the number of ready fds reported. */
static inline int once(struct bench *b)
{
    if (!b->raw) {
        int64_t out = (int64_t)(intptr_t)b->buf;
        switch (b->backend) {
        case B_SELECT:
        case B_SELECT_WIDE: return mux_select_wait(b->h, out, b->capacity, 0);
        case B_POLL: return mux_poll_wait(b->h, out, b->capacity, 0);
        case B_EPOLL: return mux_epoll_wait(b->h, out, b->capacity, 0);
        }
        return -EINVAL;
    }
    switch (b->backend) {
    case B_EPOLL:
        return epoll_wait(b->epfd, b->events, b->capacity, 0);
    case B_POLL:
        return poll(b->pfd, (nfds_t)b->npfd, 0);
    case B_SELECT:
    case B_SELECT_WIDE: {
        memcpy(b->rd_out, b->rd_in, b->words * sizeof(unsigned long));
        struct timeval tv = { 0, 0 };
        return select(b->nfds, (fd_set *)(void *)b->rd_out, NULL, NULL, &tv);
    }
    }
    return -EINVAL;
}

/* Calls once() in batches until ms milliseconds have passed; returns ns per call. */
static double timed_run(struct bench *b, int ms, int batch, int64_t *bad)
{
    int64_t calls = 0, sum = 0;
    int64_t start = now_ns(), end = start + (int64_t)ms * 1000000LL, t;
    do {
        for (int i = 0; i < batch; i++) {
            int r = once(b);
            sum += r;
            if (r != 1)
                (*bad)++;
        }
        calls += batch;
        t = now_ns();
    } while (t < end);
    sink += sum;
    return (double)(t - start) / (double)calls;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void usage(void)
{
    fprintf(stderr, "usage: muxlab-await_ref [-t MS] [-w WARMUP_RUNS] [-r RUNS] [-c CAPACITY] [-R] [-T THREADS]"
                    " select|select-wide|poll|epoll N\n");
    exit(2);
}

static int parse_int(const char *s, int min)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > 100000000L)
        usage();
    return (int)v;
}

int main(int argc, char **argv)
{
    struct bench b;
    memset(&b, 0, sizeof b);
    b.capacity = 64;
    b.epfd = -1;
    int run_ms = 1000, warmups = 3, runs = 5, threads = 0;
    int opt;
    while ((opt = getopt(argc, argv, "t:w:r:c:RT:")) != -1) {
        switch (opt) {
        case 't': run_ms = parse_int(optarg, 1); break;
        case 'w': warmups = parse_int(optarg, 0); break;
        case 'r': runs = parse_int(optarg, 1); break;
        case 'c': b.capacity = parse_int(optarg, 1); break;
        case 'R': b.raw = 1; break;
        case 'T': threads = parse_int(optarg, 0); break;
        default: usage();
        }
    }
    if (argc - optind != 2)
        usage();
    const char *name = argv[optind];
    if (!strcmp(name, "select"))
        b.backend = B_SELECT;
    else if (!strcmp(name, "select-wide"))
        b.backend = B_SELECT_WIDE;
    else if (!strcmp(name, "poll"))
        b.backend = B_POLL;
    else if (!strcmp(name, "epoll"))
        b.backend = B_EPOLL;
    else
        usage();
    b.n = parse_int(argv[optind + 1], 1);

    pthread_t *idle = calloc((size_t)threads + 1, sizeof *idle);
    if (!idle)
        die("malloc", ENOMEM);
    for (int i = 0; i < threads; i++) {
        int rc = pthread_create(&idle[i], NULL, idle_thread, NULL);
        if (rc)
            die("pthread_create", rc);
    }

    setup(&b);

    /* check the set-up before timing anything: exactly the hot fd, readable */
    int r = once(&b);
    if (r != 1) {
        fprintf(stderr, "muxlab-await_ref: expected 1 ready fd, got %d\n", r);
        return 1;
    }
    if (!b.raw) {
        int32_t fd;
        memcpy(&fd, b.buf, sizeof fd);
        if (fd != b.hot) {
            fprintf(stderr, "muxlab-await_ref: expected fd %d ready, got %d\n", b.hot, fd);
            return 1;
        }
    }

    /* batch: about 100 us of calls between clock reads */
    int64_t t0 = now_ns();
    for (int i = 0; i < 16; i++)
        sink += once(&b);
    int64_t est = (now_ns() - t0) / 16;
    int batch = est > 0 ? (int)(100000 / est) : 1000;
    if (batch < 1)
        batch = 1;
    if (batch > 1000)
        batch = 1000;

    int64_t bad = 0;
    for (int i = 0; i < warmups; i++)
        timed_run(&b, run_ms, batch, &bad);
    double *ns = malloc((size_t)runs * sizeof *ns);
    double *sorted = malloc((size_t)runs * sizeof *sorted);
    if (!ns || !sorted)
        die("malloc", ENOMEM);
    double mean = 0;
    for (int i = 0; i < runs; i++) {
        ns[i] = timed_run(&b, run_ms, batch, &bad);
        mean += ns[i] / runs;
    }
    if (bad) {
        fprintf(stderr, "muxlab-await_ref: %lld calls did not report exactly one ready fd\n", (long long)bad);
        return 1;
    }
    memcpy(sorted, ns, (size_t)runs * sizeof *ns);
    qsort(sorted, (size_t)runs, sizeof *sorted, cmp_double);
    double median = runs % 2 ? sorted[runs / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;

    printf("backend=%s n=%d variant=%s threads=%d runs=%d run_ms=%d ns_median=%.1f ns_min=%.1f ns_mean=%.1f per_run=",
           backend_name(b.backend), b.n, b.raw ? "raw" : "shim", 1 + threads, runs, run_ms, median, sorted[0], mean);
    for (int i = 0; i < runs; i++)
        printf("%s%.1f", i ? "," : "", ns[i]);
    printf("\n");

    free(ns);
    free(sorted);
    free(idle);
    teardown(&b);
    return 0;
}
