/*
 * C reference for the "scaling" experiment (java/lab, dev.muxlab.lab.experiments.ScalingExperiment):
 * the method of libevent's test/bench.c, reimplemented on muxlab's shims.
 *
 *   muxlab-scaling_ref [options] BACKEND N A W
 *     BACKEND  select | select-wide | poll | epoll-lt | epoll-et
 *     N        socketpairs; every pair's read end is registered for reading
 *     A        active pairs: one byte is written into A pairs spread evenly across the set
 *     W        writes chained through the set per run
 *   options
 *     -r K     timed runs (default 5); the medians are reported
 *     -w K     untimed warm-up runs (default 1)
 *     -c CAP   ready-buffer capacity, as the Java side's ReadySet (default 256)
 *     -T K     start K idle threads first (default 1, see below)
 *
 * One run: write one byte into A pairs (i * N/A for i < A), then, timed, loop: one
 * non-blocking wait (timeout 0) and a handler for each reported fd. The handler reads what
 * the pair holds and, while fewer than W chained writes have been made, writes as many bytes
 * into the next pair ((i + 1) mod N), so A tokens travel around the set. The run ends when
 * all A + W bytes are read. Edge-triggered epoll registers EPOLLIN|EPOLLET and the handler
 * reads until a short read (a stream socket is empty then; any later write is a new edge).
 * Each run starts where the previous one stopped, so the chain walks the whole set over the
 * runs instead of touching the same cache-hot pairs again.
 *
 * The waits are the shim calls the Java side reaches through jnr-ffi (mux_select_wait,
 * mux_poll_wait, mux_epoll_wait into a buffer of CAP slots), read and write are the system
 * calls, so Java/C is what the JVM adds: the native transitions, ByteBuffer bookkeeping and
 * the loop itself.
 *
 * Why -T 1: in a process with one thread the kernel looks fds up without touching their
 * reference counts; with a second thread (a JVM always has many) every lookup is an atomic
 * increment and decrement. poll and select look every watched fd up on every call, so a
 * single-threaded C loop would not do the kernel work the JVM does. -T 0 shows that figure.
 *
 * Clock: the loop never blocks (timeout 0, non-blocking fds), so the CPU time of the
 * dispatching thread (CLOCK_THREAD_CPUTIME_ID, user plus kernel) equals its wall-clock time on an
 * idle machine, and unlike wall-clock time it leaves out the time the thread spent preempted by
 * other processes. Both are reported; the Java side measures the same way.
 *
 * Output, one line of key=value pairs (ns_per_iter is the median CPU time of one wait plus the
 * handlers it dispatched, us_per_run the median CPU time of one run, ns_per_event the median per
 * dispatched fd, wall_ns_per_iter the median wall-clock time per wait; iters and events are per
 * run, per_run lists ns_per_iter of every run):
 *   backend=poll n=1000 a=1 w=5000 runs=5 threads=1 clock=thread-cpu ns_per_iter=... us_per_run=...
 *   ns_per_event=... wall_ns_per_iter=... iters=... events=... per_run=x,y,z
 * Exit codes: 0 success, 1 a failed system call or a run that went wrong, 2 bad usage,
 * 3 the fd limit is too low for N (or select's FD_SETSIZE).
 */
#define BENCH_TAG "muxlab-scaling_ref"
#define BENCH_USAGE "usage: muxlab-scaling_ref [-r RUNS] [-w WARMUP_RUNS] [-c CAPACITY] [-T THREADS]" \
                    " select|select-wide|poll|epoll-lt|epoll-et N A W"
#include "bench.h"

#define READ_BUF 256

#define BACKENDS (BENCH_BIT(B_SELECT) | BENCH_BIT(B_SELECT_WIDE) | BENCH_BIT(B_POLL) | BENCH_BIT(B_EPOLL_LT) \
                  | BENCH_BIT(B_EPOLL_ET))

struct bench {
    const struct bench_backend *backend;
    int n, active, writes, capacity;
    int64_t h;        /* shim handle */
    int *rd, *wr;     /* per pair: the registered read end, the end written to */
    int *index;       /* index[fd] = pair of a read end, -1 otherwise */
    int index_cap;
    char *buf;        /* capacity * READY_SLOT_SIZE bytes, as ReadySet */
    int offset;       /* where the next run starts */
};

struct run {
    int64_t ns, wall_ns, iters, events; /* ns: CPU time of the dispatching thread */
};

static void setup(struct bench *b)
{
    int64_t hard = bench_raise_nofile();
    if (hard < 2 * (int64_t)b->n + 16) {
        fprintf(stderr, BENCH_TAG ": RLIMIT_NOFILE hard limit %lld is too low for %d socketpairs\n",
                (long long)hard, b->n);
        exit(3);
    }
    b->buf = bench_ready_buf(b->capacity);
    b->rd = malloc((size_t)b->n * sizeof *b->rd);
    b->wr = malloc((size_t)b->n * sizeof *b->wr);
    b->index_cap = 2 * b->n + 64;
    b->index = malloc((size_t)b->index_cap * sizeof *b->index);
    if (!b->rd || !b->wr || !b->index)
        bench_die("malloc", ENOMEM);
    for (int i = 0; i < b->index_cap; i++)
        b->index[i] = -1;

    /* the multiplexer first, as on the Java side: its wakeup eventfd gets a low number */
    b->h = bench_mux_open(b->backend);
    if (b->h < 0)
        bench_die("open multiplexer", (int)-b->h);

    for (int i = 0; i < b->n; i++) {
        int sv[2];
        int rc = mux_socketpair(1, sv);
        if (rc < 0)
            bench_die("socketpair", -rc);
        b->rd[i] = sv[0];
        b->wr[i] = sv[1];
        if (sv[0] >= b->index_cap) {
            int cap = b->index_cap;
            while (cap <= sv[0])
                cap *= 2;
            int *idx = realloc(b->index, (size_t)cap * sizeof *idx);
            if (!idx)
                bench_die("malloc", ENOMEM);
            for (int k = b->index_cap; k < cap; k++)
                idx[k] = -1;
            b->index = idx;
            b->index_cap = cap;
        }
        b->index[sv[0]] = i;
        rc = bench_mux_ctl(b->backend, b->h, MUX_CTL_ADD, sv[0], bench_read_events(b->backend));
        if (rc == -MUX_EFDSETSIZE) {
            fprintf(stderr, BENCH_TAG ": select (glibc fd_set) cannot hold fd %d (N = %d is too large)\n",
                    sv[0], b->n);
            exit(3);
        }
        if (rc < 0)
            bench_die("register", -rc);
    }
}

static void teardown(struct bench *b)
{
    bench_mux_close(b->backend, b->h);
    for (int i = 0; i < b->n; i++) {
        close(b->rd[i]);
        close(b->wr[i]);
    }
    free(b->rd);
    free(b->wr);
    free(b->index);
    free(b->buf);
}

static void one_run(struct bench *b, struct run *r)
{
    static const char payload[READ_BUF] = { 0 };
    char in[READ_BUF];
    const int n = b->n;
    const int space = n / b->active;
    const int edge = b->backend->edge;
    for (int i = 0; i < b->active; i++) {
        int p = (b->offset + i * space) % n;
        if (write(b->wr[p], "e", 1) != 1)
            bench_die("write (start)", errno);
    }
    const int64_t total = (int64_t)b->active + b->writes;
    const int64_t guard = 4 * total + 1000;
    int64_t left = b->writes, count = 0, iters = 0, events = 0;
    int64_t w0 = bench_now_ns();
    int64_t c0 = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
    while (count < total) {
        int k = bench_mux_wait(b->backend, b->h, (int64_t)(intptr_t)b->buf, b->capacity, 0);
        if (k < 0)
            bench_die("wait", -k);
        iters++;
        events += k;
        for (int e = 0; e < k; e++) {
            int32_t fd = bench_ready_fd(b->buf, e);
            int i = fd >= 0 && fd < b->index_cap ? b->index[fd] : -1;
            if (i < 0) {
                fprintf(stderr, BENCH_TAG ": wait reported fd %d, not one of ours\n", fd);
                exit(1);
            }
            int64_t got = 0;
            for (;;) {
                ssize_t m = read(fd, in, sizeof in);
                if (m < 0) {
                    if (errno == EAGAIN)
                        break;
                    bench_die("read", errno);
                }
                if (m == 0) {
                    fprintf(stderr, BENCH_TAG ": EOF on fd %d\n", fd);
                    exit(1);
                }
                got += m;
                if (!edge || m < (ssize_t)sizeof in)
                    break;
            }
            count += got;
            int64_t w = got < left ? got : left;
            if (w > 0) {
                int next = i + 1 == n ? 0 : i + 1;
                while (w > 0) {
                    size_t chunk = w < READ_BUF ? (size_t)w : READ_BUF;
                    ssize_t m = write(b->wr[next], payload, chunk);
                    if (m != (ssize_t)chunk)
                        bench_die("write", m < 0 ? errno : EAGAIN);
                    w -= m;
                    left -= m;
                }
            }
        }
        if (iters > guard) {
            fprintf(stderr, BENCH_TAG ": run did not finish: %lld of %lld bytes after %lld waits\n",
                    (long long)count, (long long)total, (long long)iters);
            exit(1);
        }
    }
    r->ns = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
    r->wall_ns = bench_now_ns() - w0;
    r->iters = iters;
    r->events = events;
    b->offset = (int)((b->offset + b->writes / b->active) % n);
}

int main(int argc, char **argv)
{
    struct bench b;
    memset(&b, 0, sizeof b);
    b.capacity = 256;
    int runs = 5, warmups = 1, threads = 1;
    int opt;
    while ((opt = getopt(argc, argv, "r:w:c:T:")) != -1) {
        switch (opt) {
        case 'r': runs = bench_parse_int(optarg, 1); break;
        case 'w': warmups = bench_parse_int(optarg, 0); break;
        case 'c': b.capacity = bench_parse_int(optarg, 1); break;
        case 'T': threads = bench_parse_int(optarg, 0); break;
        default: bench_usage();
        }
    }
    if (argc - optind != 4)
        bench_usage();
    b.backend = bench_backend_lookup(argv[optind], BACKENDS);
    b.n = bench_parse_int(argv[optind + 1], 1);
    b.active = bench_parse_int(argv[optind + 2], 1);
    b.writes = bench_parse_int(argv[optind + 3], 0);
    if (b.active > b.n) {
        fprintf(stderr, BENCH_TAG ": A (%d) must not exceed N (%d)\n", b.active, b.n);
        exit(2);
    }

    bench_start_idle_threads(threads);

    setup(&b);
    struct run r;
    for (int i = 0; i < warmups; i++)
        one_run(&b, &r);
    double *iter_ns = malloc((size_t)runs * sizeof *iter_ns);
    double *run_us = malloc((size_t)runs * sizeof *run_us);
    double *event_ns = malloc((size_t)runs * sizeof *event_ns);
    double *per_run = malloc((size_t)runs * sizeof *per_run);
    double *wall = malloc((size_t)runs * sizeof *wall);
    if (!iter_ns || !run_us || !event_ns || !per_run || !wall)
        bench_die("malloc", ENOMEM);
    int64_t iters = 0, events = 0;
    for (int i = 0; i < runs; i++) {
        one_run(&b, &r);
        iter_ns[i] = per_run[i] = (double)r.ns / (double)r.iters;
        run_us[i] = (double)r.ns / 1000.0;
        event_ns[i] = r.events ? (double)r.ns / (double)r.events : 0;
        wall[i] = (double)r.wall_ns / (double)r.iters;
        iters += r.iters;
        events += r.events;
    }
    teardown(&b);

    printf("backend=%s n=%d a=%d w=%d runs=%d threads=%d clock=thread-cpu ns_per_iter=%.1f us_per_run=%.1f"
           " ns_per_event=%.1f wall_ns_per_iter=%.1f iters=%.1f events=%.1f per_run=",
           b.backend->name, b.n, b.active, b.writes, runs, threads, bench_median(iter_ns, runs),
           bench_median(run_us, runs), bench_median(event_ns, runs), bench_median(wall, runs),
           (double)iters / runs, (double)events / runs);
    for (int i = 0; i < runs; i++)
        printf("%s%.1f", i ? "," : "", per_run[i]);
    printf("\n");
    free(iter_ns);
    free(run_us);
    free(event_ns);
    free(per_run);
    free(wall);
    return 0;
}
