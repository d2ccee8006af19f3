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
#include <sys/select.h>

#define BENCH_TAG "muxlab-await_ref"
#define BENCH_USAGE "usage: muxlab-await_ref [-t MS] [-w WARMUP_RUNS] [-r RUNS] [-c CAPACITY] [-R]" \
                    " [-T THREADS] select|select-wide|poll|epoll N"
#include "bench.h"

#define BACKENDS (BENCH_BIT(B_SELECT) | BENCH_BIT(B_SELECT_WIDE) | BENCH_BIT(B_POLL) | BENCH_BIT(B_EPOLL))

struct bench {
    const struct bench_backend *backend;
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

static void setup(struct bench *b)
{
    int64_t hard = bench_raise_nofile();
    if (hard < (int64_t)b->n + 16) {
        fprintf(stderr, BENCH_TAG ": RLIMIT_NOFILE hard limit %lld is too low for %d eventfds\n",
                (long long)hard, b->n);
        exit(1);
    }

    b->buf = bench_ready_buf(b->capacity);
    b->fds = malloc((size_t)b->n * sizeof *b->fds);
    if (!b->fds)
        bench_die("malloc", ENOMEM);

    b->h = bench_mux_open(b->backend);
    if (b->h < 0)
        bench_die("open multiplexer", (int)-b->h);
    b->extra_fd = -1;
    if (b->raw && b->backend->mux != BM_EPOLL) {
        b->extra_fd = mux_eventfd(0, 1);
        if (b->extra_fd < 0)
            bench_die("eventfd", -b->extra_fd);
    }

    for (int i = 0; i < b->n; i++) {
        int fd = mux_eventfd(0, 1);
        if (fd < 0)
            bench_die("eventfd", -fd);
        b->fds[i] = fd;
        int rc = bench_mux_ctl(b->backend, b->h, MUX_CTL_ADD, fd, bench_read_events(b->backend));
        if (rc == -MUX_EFDSETSIZE) {
            fprintf(stderr, BENCH_TAG ": select (glibc fd_set) cannot hold fd %d\n", fd);
            exit(1);
        }
        if (rc < 0)
            bench_die("register", -rc);
    }
    b->hot = b->fds[b->n / 2];
    uint64_t one = 1;
    if (mux_write(b->hot, (int64_t)(intptr_t)&one, sizeof one) != (int64_t)sizeof one)
        bench_die("eventfd write", errno);

    if (!b->raw)
        return;
    switch (b->backend->mux) {
    case BM_EPOLL:
        b->epfd = mux_epoll_fd(b->h);
        b->events = calloc((size_t)b->capacity, sizeof *b->events);
        if (!b->events)
            bench_die("malloc", ENOMEM);
        break;
    case BM_POLL:
        b->npfd = b->n + 1;
        b->pfd = calloc((size_t)b->npfd, sizeof *b->pfd);
        if (!b->pfd)
            bench_die("malloc", ENOMEM);
        b->pfd[0].fd = b->extra_fd;
        b->pfd[0].events = POLLIN;
        for (int i = 0; i < b->n; i++) {
            b->pfd[i + 1].fd = b->fds[i];
            b->pfd[i + 1].events = POLLIN;
        }
        break;
    case BM_SELECT: {
        int maxfd = b->extra_fd;
        for (int i = 0; i < b->n; i++)
            if (b->fds[i] > maxfd)
                maxfd = b->fds[i];
        if (!b->backend->wide && maxfd >= FD_SETSIZE) {
            fprintf(stderr, BENCH_TAG ": select (glibc fd_set) cannot hold fd %d\n", maxfd);
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
            bench_die("malloc", ENOMEM);
        b->rd_in[b->extra_fd / wbits] |= 1UL << (b->extra_fd % wbits);
        for (int i = 0; i < b->n; i++)
            b->rd_in[b->fds[i] / wbits] |= 1UL << (b->fds[i] % wbits);
        break;
    }
    }
}

static void teardown(struct bench *b)
{
    bench_mux_close(b->backend, b->h);
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
    if (!b->raw)
        return bench_mux_wait(b->backend, b->h, (int64_t)(intptr_t)b->buf, b->capacity, 0);
    switch (b->backend->mux) {
    case BM_EPOLL:
        return epoll_wait(b->epfd, b->events, b->capacity, 0);
    case BM_POLL:
        return poll(b->pfd, (nfds_t)b->npfd, 0);
    case BM_SELECT: {
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
    int64_t start = bench_now_ns(), end = start + (int64_t)ms * 1000000LL, t;
    do {
        for (int i = 0; i < batch; i++) {
            int r = once(b);
            sum += r;
            if (r != 1)
                (*bad)++;
        }
        calls += batch;
        t = bench_now_ns();
    } while (t < end);
    sink += sum;
    return (double)(t - start) / (double)calls;
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
        case 't': run_ms = bench_parse_int(optarg, 1); break;
        case 'w': warmups = bench_parse_int(optarg, 0); break;
        case 'r': runs = bench_parse_int(optarg, 1); break;
        case 'c': b.capacity = bench_parse_int(optarg, 1); break;
        case 'R': b.raw = 1; break;
        case 'T': threads = bench_parse_int(optarg, 0); break;
        default: bench_usage();
        }
    }
    if (argc - optind != 2)
        bench_usage();
    b.backend = bench_backend_lookup(argv[optind], BACKENDS);
    b.n = bench_parse_int(argv[optind + 1], 1);

    bench_start_idle_threads(threads);

    setup(&b);

    /* check the set-up before timing anything: exactly the hot fd, readable */
    int r = once(&b);
    if (r != 1) {
        fprintf(stderr, BENCH_TAG ": expected 1 ready fd, got %d\n", r);
        return 1;
    }
    if (!b.raw) {
        int32_t fd = bench_ready_fd(b.buf, 0);
        if (fd != b.hot) {
            fprintf(stderr, BENCH_TAG ": expected fd %d ready, got %d\n", b.hot, fd);
            return 1;
        }
    }

    /* batch: about 100 us of calls between clock reads */
    int64_t t0 = bench_now_ns();
    for (int i = 0; i < 16; i++)
        sink += once(&b);
    int64_t est = (bench_now_ns() - t0) / 16;
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
        bench_die("malloc", ENOMEM);
    double mean = 0;
    for (int i = 0; i < runs; i++) {
        ns[i] = timed_run(&b, run_ms, batch, &bad);
        mean += ns[i] / runs;
    }
    if (bad) {
        fprintf(stderr, BENCH_TAG ": %lld calls did not report exactly one ready fd\n", (long long)bad);
        return 1;
    }
    memcpy(sorted, ns, (size_t)runs * sizeof *ns);
    double median = bench_median(sorted, runs); /* sorts: sorted[0] is the minimum */

    printf("backend=%s n=%d variant=%s threads=%d runs=%d run_ms=%d ns_median=%.1f ns_min=%.1f ns_mean=%.1f per_run=",
           b.backend->name, b.n, b.raw ? "raw" : "shim", 1 + threads, runs, run_ms, median, sorted[0], mean);
    for (int i = 0; i < runs; i++)
        printf("%s%.1f", i ? "," : "", ns[i]);
    printf("\n");

    free(ns);
    free(sorted);
    teardown(&b);
    return 0;
}
