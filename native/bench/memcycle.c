/*
 * Native memory over many register/unregister and open/close cycles
 * (hardening issue: "native memory stays flat over 1,000,000
 * register/unregister/open/close cycles").
 *
 *   muxlab-memcycle [options] [BACKEND...]
 *     BACKEND  select | select-wide | poll | epoll   (default: all four)
 *   options
 *     -n N     fd cycles per backend (default 1000000)
 *     -m M     whole-multiplexer open/close cycles per backend (default 10000)
 *     -w K     a wait(0) every K fd cycles (default 64)
 *     -b B     fds kept registered for the whole run, besides the cycling one (default 32)
 *     -H B     heap tolerance in bytes, end vs the 10% point (default 65536)
 *     -R B     RSS tolerance in bytes, end vs the 10% point (default 1048576)
 *     -x       report only, never fail on growth (for runs under valgrind, whose
 *              own bookkeeping shows up in RSS)
 *
 * Phase "fd" (one multiplexer, open for the whole phase), one cycle:
 *   open an fd (even cycles an eventfd, odd cycles a socketpair, both ends used),
 *   ctl ADD for reading, every K-th cycle make it readable and wait(0) (the wait
 *   must report it), ctl DEL, close.
 * Phase "mux", one cycle: open a multiplexer, ADD one eventfd, wait(0), DEL,
 *   close the eventfd and the multiplexer.
 *
 * Each phase prints RSS (/proc/self/statm resident pages) and the allocator's
 * in-use bytes (mallinfo2: uordblks + hblkhd) at the start, at the 10% point
 * and at the end, then compares end to 10%: growth beyond the tolerance fails
 * the phase. The 10% point, not the start, is the reference so that one-time
 * growth (the select-wide/poll arrays sizing up, stdio buffers, page faults on
 * first use) does not count.
 *
 * Output: one line per phase, key=value pairs, then a summary line
 *   backend=poll phase=fd cycles=1000000 rss_start=... rss_10pct=... rss_end=...
 *     heap_start=... heap_10pct=... heap_end=... d_rss=... d_heap=... result=PASS
 * Exit codes: 0 all phases flat, 1 growth beyond tolerance, 2 bad usage,
 * 3 a failed call (the message names it).
 */
#include <malloc.h>

#define BENCH_TAG "memcycle"
#define BENCH_USAGE "usage: muxlab-memcycle [-n N] [-m M] [-w K] [-b B] [-H BYTES] [-R BYTES] [-x]" \
                    " [select|select-wide|poll|epoll...]"
#include "bench.h"

#define BACKENDS (BENCH_BIT(B_SELECT) | BENCH_BIT(B_SELECT_WIDE) | BENCH_BIT(B_POLL) | BENCH_BIT(B_EPOLL))

struct mem {
    long rss;   /* bytes */
    long heap;  /* bytes in use according to the allocator */
};

static struct mem sample(void)
{
    struct mem m = { -1, -1 };
    FILE *f = fopen("/proc/self/statm", "re");
    if (f) {
        long size, resident;
        if (fscanf(f, "%ld %ld", &size, &resident) == 2)
            m.rss = resident * sysconf(_SC_PAGESIZE);
        fclose(f);
    }
    struct mallinfo2 mi = mallinfo2();
    m.heap = (long)(mi.uordblks + mi.hblkhd);
    return m;
}

static void die(const char *what, long rc)
{
    const char *name = rc < 0 ? mux_errno_name((int)-rc) : NULL;
    fprintf(stderr, BENCH_TAG ": %s failed: %ld (%s)\n", what, rc, name ? name : "?");
    exit(3);
}

static long opt_long(const char *s, const char *flag)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 0) {
        fprintf(stderr, BENCH_TAG ": %s wants a non-negative integer, got '%s'\n", flag, s);
        exit(2);
    }
    return v;
}

static long heap_tol = 65536, rss_tol = 1048576;
static int report_only;

static int verdict(const struct bench_backend *b, const char *phase, long cycles,
                   struct mem s0, struct mem s10, struct mem s1)
{
    long d_rss = s1.rss - s10.rss, d_heap = s1.heap - s10.heap;
    int ok = d_rss <= rss_tol && d_heap <= heap_tol;
    printf("backend=%s phase=%s cycles=%ld rss_start=%ld rss_10pct=%ld rss_end=%ld "
           "heap_start=%ld heap_10pct=%ld heap_end=%ld d_rss=%ld d_heap=%ld result=%s\n",
           b->name, phase, cycles, s0.rss, s10.rss, s1.rss, s0.heap, s10.heap, s1.heap,
           d_rss, d_heap, report_only ? "REPORT" : ok ? "PASS" : "FAIL");
    fflush(stdout);
    return report_only || ok;
}

/* Reads what an fd holds (eventfd counter or socket bytes), non-blocking. */
static void drain(int fd)
{
    if (mux_drain(fd) < 0)
        die("drain", -1);
}

static int phase_fd(const struct bench_backend *b, long cycles, long wait_every, int base)
{
    int64_t h = bench_mux_open(b);
    if (h < 0)
        die("open", (long)h);
    enum { CAP = 256 };
    static uint8_t buf[CAP * 8];
    int64_t out = (int64_t)(intptr_t)buf;

    int *held = calloc((size_t)base * 2 + 1, sizeof *held);
    if (!held)
        die("calloc", -ENOMEM);
    for (int i = 0; i < base; i++) {
        int rc = mux_socketpair(1, &held[2 * i]);
        if (rc < 0)
            die("socketpair (base)", rc);
        if ((rc = bench_mux_ctl(b, h, MUX_CTL_ADD, held[2 * i], bench_read_events(b))) < 0)
            die("ctl ADD (base)", rc);
    }

    uint64_t one = 1;
    long mark = cycles / 10;
    struct mem s0 = sample(), s10 = s0;
    for (long c = 0; c < cycles; c++) {
        if (c == mark)
            s10 = sample();
        int fds[2] = { -1, -1 };
        int rc;
        if (c % 2 == 0) {
            fds[0] = mux_eventfd(0, 1);
            if (fds[0] < 0)
                die("eventfd", fds[0]);
        } else if ((rc = mux_socketpair(1, fds)) < 0) {
            die("socketpair", rc);
        }
        for (int k = 0; k < 2 && fds[k] >= 0; k++)
            if ((rc = bench_mux_ctl(b, h, MUX_CTL_ADD, fds[k], bench_read_events(b))) < 0)
                die("ctl ADD", rc);
        if (wait_every > 0 && c % wait_every == 0) {
            /* make the cycling fd readable: the wait must report it */
            int64_t w = c % 2 == 0 ? mux_write(fds[0], (int64_t)(intptr_t)&one, 8)
                                   : mux_write(fds[1], (int64_t)(intptr_t)&one, 1);
            if (w < 0)
                die("write", (long)w);
            int n = bench_mux_wait(b, h, out, CAP, 0);
            if (n < 0)
                die("wait", n);
            int seen = 0;
            for (int i = 0; i < n; i++) {
                if (bench_ready_fd(buf, i) == fds[0])
                    seen = 1;
            }
            if (!seen) {
                fprintf(stderr, BENCH_TAG ": %s: wait(0) did not report fd %d (n=%d, cycle %ld)\n",
                        b->name, fds[0], n, c);
                exit(3);
            }
            drain(fds[0]);
        }
        for (int k = 0; k < 2 && fds[k] >= 0; k++) {
            if ((rc = bench_mux_ctl(b, h, MUX_CTL_DEL, fds[k], 0)) < 0)
                die("ctl DEL", rc);
            if ((rc = mux_close(fds[k])) < 0)
                die("close", rc);
        }
    }
    struct mem s1 = sample();
    for (int i = 0; i < base; i++) {
        bench_mux_ctl(b, h, MUX_CTL_DEL, held[2 * i], 0);
        mux_close(held[2 * i]);
        mux_close(held[2 * i + 1]);
    }
    free(held);
    int rc = bench_mux_close(b, h);
    if (rc < 0)
        die("close mux", rc);
    return verdict(b, "fd", cycles, s0, s10, s1);
}

static int phase_mux(const struct bench_backend *b, long cycles)
{
    static uint8_t buf[16 * 8];
    int64_t out = (int64_t)(intptr_t)buf;
    long mark = cycles / 10;
    struct mem s0 = sample(), s10 = s0;
    for (long c = 0; c < cycles; c++) {
        if (c == mark)
            s10 = sample();
        int64_t h = bench_mux_open(b);
        if (h < 0)
            die("open", (long)h);
        int fd = mux_eventfd(1, 1);
        if (fd < 0)
            die("eventfd", fd);
        int rc = bench_mux_ctl(b, h, MUX_CTL_ADD, fd, bench_read_events(b));
        if (rc < 0)
            die("ctl ADD", rc);
        int n = bench_mux_wait(b, h, out, 16, 0);
        if (n != 1)
            die("wait (expected 1 ready fd)", n < 0 ? n : -EINVAL);
        if ((rc = bench_mux_ctl(b, h, MUX_CTL_DEL, fd, 0)) < 0)
            die("ctl DEL", rc);
        if ((rc = mux_close(fd)) < 0)
            die("close", rc);
        if ((rc = bench_mux_close(b, h)) < 0)
            die("close mux", rc);
    }
    struct mem s1 = sample();
    return verdict(b, "mux", cycles, s0, s10, s1);
}

int main(int argc, char **argv)
{
    long cycles = 1000000, mux_cycles = 10000, wait_every = 64, base = 32;
    int opt;
    while ((opt = getopt(argc, argv, "n:m:w:b:H:R:x")) != -1) {
        switch (opt) {
        case 'n': cycles = opt_long(optarg, "-n"); break;
        case 'm': mux_cycles = opt_long(optarg, "-m"); break;
        case 'w': wait_every = opt_long(optarg, "-w"); break;
        case 'b': base = opt_long(optarg, "-b"); break;
        case 'H': heap_tol = opt_long(optarg, "-H"); break;
        case 'R': rss_tol = opt_long(optarg, "-R"); break;
        case 'x': report_only = 1; break;
        default: bench_usage();
        }
    }
    if (base > 400) {
        fprintf(stderr, BENCH_TAG ": -b at most 400 (classic select holds fds < 1024)\n");
        return 2;
    }
    unsigned selected = optind == argc ? BACKENDS : 0;
    for (int a = optind; a < argc; a++)
        selected |= BENCH_BIT(bench_backend_lookup(argv[a], BACKENDS)->id);
    printf("memcycle: cycles=%ld mux_cycles=%ld wait_every=%ld base=%ld heap_tol=%ld rss_tol=%ld\n",
           cycles, mux_cycles, wait_every, base, heap_tol, rss_tol);
    fflush(stdout);
    int ok = 1;
    for (int i = 0; i < B_COUNT; i++) {
        if (!(selected & BENCH_BIT(i)))
            continue;
        ok &= phase_fd(&bench_backends[i], cycles, wait_every, (int)base);
        ok &= phase_mux(&bench_backends[i], mux_cycles);
    }
    printf("memcycle: %s\n", ok ? "all phases flat" : "growth beyond tolerance");
    return ok ? 0 : 1;
}
