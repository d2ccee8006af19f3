/*
 * Helpers shared by the C bench programs in native/bench (await_ref.c, scaling_ref.c,
 * memcycle.c). Header only: CMakeLists.txt makes one executable of every .c file in
 * native/bench, so the shared code lives here as static inline functions, compiled into each
 * program.
 *
 * Before including it, a program defines
 *   BENCH_TAG    the prefix of its error messages, e.g. "muxlab-await_ref"
 *   BENCH_USAGE  its one-line usage text, printed by bench_usage()
 *
 * The backend table: every backend name a bench accepts, as the scripts and the Java side pass
 * it, with what the benches need to know to drive it through the shims (which multiplexer,
 * select's wide flavour, edge-triggered registration). A program accepts a subset of the table,
 * given as a mask of BENCH_BIT(id).
 */
#ifndef MUXLAB_BENCH_H
#define MUXLAB_BENCH_H

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "muxlab.h"

#if !defined(BENCH_TAG) || !defined(BENCH_USAGE)
#error "define BENCH_TAG and BENCH_USAGE before including bench.h"
#endif

/* ---- backends ---------------------------------------------------------------------------- */

enum bench_id { B_SELECT, B_SELECT_WIDE, B_POLL, B_EPOLL, B_EPOLL_LT, B_EPOLL_ET, B_COUNT };

/* which shim family a backend goes through */
enum bench_mux { BM_SELECT, BM_POLL, BM_EPOLL };

#define BENCH_BIT(id) (1u << (id))

struct bench_backend {
    const char *name;   /* as on the command line */
    enum bench_id id;
    enum bench_mux mux;
    int wide;           /* select: no FD_SETSIZE cap (mux_select_open(1)) */
    int edge;           /* epoll: register with EPOLLET */
};

static const struct bench_backend bench_backends[B_COUNT] = {
    { "select",      B_SELECT,      BM_SELECT, 0, 0 },
    { "select-wide", B_SELECT_WIDE, BM_SELECT, 1, 0 },
    { "poll",        B_POLL,        BM_POLL,   0, 0 },
    { "epoll",       B_EPOLL,       BM_EPOLL,  0, 0 },
    { "epoll-lt",    B_EPOLL_LT,    BM_EPOLL,  0, 0 },
    { "epoll-et",    B_EPOLL_ET,    BM_EPOLL,  0, 1 },
};

/* The entry called name among the allowed ones, or NULL. */
static inline const struct bench_backend *bench_backend_find(const char *name, unsigned allowed)
{
    for (int i = 0; i < B_COUNT; i++)
        if ((allowed & BENCH_BIT(i)) && strcmp(name, bench_backends[i].name) == 0)
            return &bench_backends[i];
    return NULL;
}

/* The entry called name among the allowed ones; exits 2 with the list of allowed names if none. */
static inline const struct bench_backend *bench_backend_lookup(const char *name, unsigned allowed)
{
    const struct bench_backend *b = bench_backend_find(name, allowed);
    if (b)
        return b;
    fprintf(stderr, "%s: unknown backend '%s' (", BENCH_TAG, name);
    const char *sep = "";
    for (int i = 0; i < B_COUNT; i++) {
        if (allowed & BENCH_BIT(i)) {
            fprintf(stderr, "%s%s", sep, bench_backends[i].name);
            sep = ", ";
        }
    }
    fprintf(stderr, ")\n");
    exit(2);
}

/* ---- the shims, by backend ----------------------------------------------------------------- */

static inline int64_t bench_mux_open(const struct bench_backend *b)
{
    switch (b->mux) {
    case BM_SELECT: return mux_select_open(b->wide);
    case BM_POLL: return mux_poll_open();
    case BM_EPOLL: return mux_epoll_open();
    }
    return -EINVAL;
}

static inline int bench_mux_close(const struct bench_backend *b, int64_t h)
{
    switch (b->mux) {
    case BM_SELECT: return mux_select_close(h);
    case BM_POLL: return mux_poll_close(h);
    case BM_EPOLL: return mux_epoll_close(h);
    }
    return -EINVAL;
}

/* The event mask that registers an fd for reading (EPOLLET added for an edge-triggered backend). */
static inline int bench_read_events(const struct bench_backend *b)
{
    if (b->mux != BM_EPOLL)
        return POLLIN;
    return b->edge ? (int)(EPOLLIN | EPOLLET) : EPOLLIN;
}

static inline int bench_mux_ctl(const struct bench_backend *b, int64_t h, int op, int fd, int events)
{
    switch (b->mux) {
    case BM_SELECT: return mux_select_ctl(h, op, fd, events);
    case BM_POLL: return mux_poll_ctl(h, op, fd, events);
    case BM_EPOLL: return mux_epoll_ctl(h, op, fd, events);
    }
    return -EINVAL;
}

static inline int bench_mux_wait(const struct bench_backend *b, int64_t h, int64_t out, int capacity,
                                 int64_t timeout_ms)
{
    switch (b->mux) {
    case BM_SELECT: return mux_select_wait(h, out, capacity, timeout_ms);
    case BM_POLL: return mux_poll_wait(h, out, capacity, timeout_ms);
    case BM_EPOLL: return mux_epoll_wait(h, out, capacity, timeout_ms);
    }
    return -EINVAL;
}

/* The fd of slot i of a ready buffer: flattened slots { int32 fd; uint32 events; }, 8 bytes apart. */
static inline int32_t bench_ready_fd(const void *buf, int i)
{
    int32_t fd;
    memcpy(&fd, (const char *)buf + (size_t)i * 8, sizeof fd);
    return fd;
}

/* ---- errors and usage ---------------------------------------------------------------------- */

/* "TAG: what: strerror(err)" (or "failed" for err 0), exit 1. */
static inline void bench_die(const char *what, int err)
{
    fprintf(stderr, "%s: %s: %s\n", BENCH_TAG, what, err ? strerror(err) : "failed");
    exit(1);
}

static inline void bench_usage(void)
{
    fprintf(stderr, "%s\n", BENCH_USAGE);
    exit(2);
}

/* A decimal int in [min, 100000000]; anything else is bad usage. */
static inline int bench_parse_int(const char *s, int min)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > 100000000L)
        bench_usage();
    return (int)v;
}

/* ---- set-up ---------------------------------------------------------------------------------- */

/* Raises the RLIMIT_NOFILE soft limit to the hard one; returns the hard limit. */
static inline int64_t bench_raise_nofile(void)
{
    int64_t hard = mux_nofile_limit(1);
    if (hard < 0)
        bench_die("getrlimit", (int)-hard);
    if (mux_nofile_limit(0) < hard) {
        int rc = mux_set_nofile_limit(hard);
        if (rc < 0)
            bench_die("setrlimit", -rc);
    }
    return hard;
}

/* A zeroed ready buffer of capacity slots of MUX_C_READY_SLOT_SIZE bytes, as the Java ReadySet. */
static inline char *bench_ready_buf(int capacity)
{
    int64_t slot = mux_const(MUX_C_READY_SLOT_SIZE);
    if (slot <= 0)
        bench_die("mux_const(READY_SLOT_SIZE)", 0);
    char *buf = calloc((size_t)capacity, (size_t)slot);
    if (!buf)
        bench_die("malloc", ENOMEM);
    return buf;
}

static inline void *bench_idle_thread(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

/*
 * Starts k idle threads that sleep until the process exits. With a second thread the kernel's
 * fd lookup takes and drops a reference on every struct file, as in the (multi-threaded) JVM.
 */
static inline void bench_start_idle_threads(int k)
{
    for (int i = 0; i < k; i++) {
        pthread_t t;
        int rc = pthread_create(&t, NULL, bench_idle_thread, NULL);
        if (rc)
            bench_die("pthread_create", rc);
        pthread_detach(t);
    }
}

/* ---- time and statistics --------------------------------------------------------------------- */

static inline int64_t bench_clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline int64_t bench_now_ns(void)
{
    return bench_clock_ns(CLOCK_MONOTONIC);
}

static inline int bench_cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Sorts v (k >= 1 values) in place and returns their median. */
static inline double bench_median(double *v, int k)
{
    qsort(v, (size_t)k, sizeof *v, bench_cmp_double);
    return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

#endif /* MUXLAB_BENCH_H */
