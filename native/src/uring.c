/* io_uring: raw io_uring_setup(2), io_uring_enter(2) and io_uring_register(2) over the rings
 * the kernel maps into this process (<linux/io_uring.h>, no liburing). Three parts:
 *
 *  1. The ring plumbing both users share: setup and mmap, SQE allocation (a full SQ is
 *     submitted and the SQE retried), one io_uring_enter that submits and waits with a timeout
 *     (IORING_ENTER_EXT_ARG), and CQ overflow (IORING_SQ_CQ_OVERFLOW: with IORING_FEAT_NODROP
 *     the kernel keeps the completions that did not fit; an io_uring_enter with GETEVENTS
 *     moves them into the ring once it has room, so reaping and entering again loses nothing).
 *     Memory ordering as io_uring(7) documents it: SQEs are written before the SQ tail is
 *     published with a release store; the CQ tail is read with an acquire load before the
 *     CQEs, and the CQ head is released after them.
 *
 *  2. The readiness multiplexer behind Backend.URING (mux_uring_*): IORING_OP_POLL_ADD per
 *     registered fd. The interest set lives here (an fd-indexed table), so ctl answers EEXIST,
 *     ENOENT and EBADF (fcntl(F_GETFD)) itself and only queues work; wait arms what is queued
 *     and waits in one io_uring_enter.
 *       - level-triggered (default): a one-shot poll, re-armed at the next wait after it was
 *         reported. A one-shot poll on a ready file completes during the submission itself,
 *         with the file's full current mask (vfs_poll), so a still-ready fd is reported again
 *         at every wait. IORING_POLL_ADD_LEVEL would be the multishot alternative, but
 *         IORING_OP_POLL_ADD refuses it with EINVAL (the uapi header has the bit, the kernel
 *         does not accept it; measured on 6.1-6.18, pinned by test_uring.c).
 *       - EPOLLET: a multishot poll (IORING_POLL_ADD_MULTI): one completion per wake-up of the
 *         file's wait queue, each with IORING_CQE_F_MORE while it stays armed. A wait that finds
 *         such completions in the CQ and has nothing to submit makes no system call.
 *       - EPOLLONESHOT: a one-shot poll that is not re-armed until MOD.
 *     Two kernel details shape the rest. A poll that completes from a wake-up carries the
 *     waker's key (the events the waker named) masked by the interest, not a fresh vfs_poll,
 *     and a socket's data wake-up names POLLPRI as well; and a completion that sat in the CQ
 *     since before this wait may be stale (the data may have been read since). So a one-shot
 *     completion found at the start of a wait is not reported but re-armed (the re-arm polls
 *     the file afresh during the same submission), and one that arrives during the wait with
 *     POLLPRI in it is re-polled the same way before being reported (a second io_uring_enter,
 *     counted in MUX_URING_STAT_CONFIRMS). Level-triggered and one-shot reports are therefore
 *     exactly the file's state, as epoll's are; edge-triggered reports are the wake-up's bits.
 *     The kernel also always adds POLLERR|POLLHUP|POLLRDHUP to a poll's events: reports are
 *     masked with the interest (ERR and HUP always pass, RDHUP only when asked for), and a
 *     one-shot poll that fired for RDHUP alone is replaced by a quiet multishot watcher (a
 *     one-shot would fire again at once, forever) until a bit that was asked for shows up.
 *     A registered fd that is closed keeps its file alive while a poll is armed on it (the
 *     kernel holds a reference, so the peer sees no hang-up); a re-arm on the closed number
 *     fails with EBADF and the fd is reported NVAL, as poll(2) does, until unregistered.
 *     Unregister submits its POLL_REMOVE at once, so that the file goes with the next close.
 *     Polls belong to the thread that submitted them: when it exits, the kernel cancels them
 *     (at their next wake-up) and the next wait re-arms them.
 *
 *  3. The completion ring behind dev.muxlab.Ring (mux_ring_*): queue calls write SQEs,
 *     mux_ring_wait submits them all in one io_uring_enter and copies completions out.
 *
 * Both kinds own an eventfd watched by a multishot poll on the ring, for wakeups from other
 * threads. Neither is thread-safe otherwise: one thread at a time (the Java side enforces it).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

_Static_assert(sizeof(_Atomic uint32_t) == sizeof(uint32_t), "ring indices are plain u32 in shared memory");
_Static_assert(sizeof(_Atomic uint16_t) == sizeof(uint16_t), "the buffer ring tail is a plain u16");
_Static_assert(sizeof(struct io_uring_cqe) == 16, "completions are copied out as 16-byte records");

/* ------------------------------------------------------------------ 1. the ring */

struct uring {
    int fd;
    uint32_t features;
    uint32_t setup_flags; /* the IORING_SETUP_* flags the kernel accepted */
    uint32_t sq_entries, cq_entries;
    unsigned char *sq_map, *cq_map;
    size_t sq_map_len, cq_map_len;
    struct io_uring_sqe *sqes;
    size_t sqes_len;
    _Atomic uint32_t *sq_head, *sq_tail, *sq_flags;
    uint32_t sq_mask;
    _Atomic uint32_t *cq_head, *cq_tail;
    uint32_t cq_mask;
    struct io_uring_cqe *cqes;
    uint32_t sqe_tail; /* SQEs written; published to *sq_tail when submitting */
    int64_t stat[MUX_URING_STAT_COUNT];
};

static int sys_setup(unsigned entries, struct io_uring_params *p)
{
    long fd = syscall(__NR_io_uring_setup, entries, p);
    return fd < 0 ? -errno : (int)fd;
}

static int sys_register(int fd, unsigned op, void *arg, unsigned nr)
{
    long rc = syscall(__NR_io_uring_register, fd, op, arg, nr);
    return rc < 0 ? -errno : (int)rc;
}

static void uring_teardown(struct uring *u)
{
    if (u->sqes)
        munmap(u->sqes, u->sqes_len);
    if (u->cq_map && u->cq_map != u->sq_map)
        munmap(u->cq_map, u->cq_map_len);
    if (u->sq_map)
        munmap(u->sq_map, u->sq_map_len);
    if (u->fd >= 0)
        close(u->fd);
    u->sqes = NULL;
    u->sq_map = u->cq_map = NULL;
    u->fd = -1;
}

static void *map_ring(int fd, size_t len, off_t offset)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
    return p == MAP_FAILED ? NULL : p;
}

/* cq_entries 0: the kernel's default (twice the SQ). Setup flags, the first set the kernel
 * accepts (an older kernel refuses an unknown flag with EINVAL):
 *   IORING_SETUP_COOP_TASKRUN (5.19): a completion that the kernel finishes in the submitting
 *     task's context (a socket's recv, send or poll woken from another CPU's softirq) is queued
 *     as task work without an inter-processor interrupt; it runs when that task next enters the
 *     kernel, and a task asleep in io_uring_enter is still woken at once. Without it every such
 *     completion interrupts the ring's thread wherever it runs: measured on this project's HTTP
 *     floor (docs/benchmarks.md), 1.33-1.38x the CPU per request of the epoll floor with the
 *     interrupts, 0.97-0.99x without. Both users here enter the kernel to collect completions
 *     anyway, so nothing waits longer.
 *   IORING_SETUP_SUBMIT_ALL (5.18): a failing SQE does not stop the rest of a batch; without
 *     it the submit loops below push the rest.
 * The ring fd is O_CLOEXEC (io_uring_setup always). */
static const unsigned SETUP_FLAGS[] = {
    IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN,
    IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL,
    IORING_SETUP_CLAMP,
};

static int uring_setup(struct uring *u, unsigned entries, unsigned cq_entries)
{
    memset(u, 0, sizeof *u);
    u->fd = -1;
    struct io_uring_params p;
    int fd = -EINVAL;
    for (size_t attempt = 0; attempt < sizeof SETUP_FLAGS / sizeof SETUP_FLAGS[0]; attempt++) {
        memset(&p, 0, sizeof p);
        p.flags = SETUP_FLAGS[attempt];
        if (cq_entries) {
            p.flags |= IORING_SETUP_CQSIZE;
            p.cq_entries = cq_entries;
        }
        fd = sys_setup(entries, &p);
        if (fd != -EINVAL)
            break;
    }
    if (fd < 0)
        return fd;
    u->fd = fd;
    u->features = p.features;
    u->setup_flags = p.flags;
    u->sq_entries = p.sq_entries;
    u->cq_entries = p.cq_entries;
    u->sq_map_len = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
    u->cq_map_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    if (p.features & IORING_FEAT_SINGLE_MMAP) {
        if (u->cq_map_len > u->sq_map_len)
            u->sq_map_len = u->cq_map_len;
        u->cq_map_len = u->sq_map_len;
    }
    int err = -ENOMEM;
    u->sq_map = map_ring(fd, u->sq_map_len, IORING_OFF_SQ_RING);
    if (!u->sq_map) {
        err = -errno;
        goto fail;
    }
    if (p.features & IORING_FEAT_SINGLE_MMAP) {
        u->cq_map = u->sq_map;
    } else {
        u->cq_map = map_ring(fd, u->cq_map_len, IORING_OFF_CQ_RING);
        if (!u->cq_map) {
            err = -errno;
            goto fail;
        }
    }
    u->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
    u->sqes = map_ring(fd, u->sqes_len, IORING_OFF_SQES);
    if (!u->sqes) {
        err = -errno;
        goto fail;
    }
    u->sq_head = (_Atomic uint32_t *)(void *)(u->sq_map + p.sq_off.head);
    u->sq_tail = (_Atomic uint32_t *)(void *)(u->sq_map + p.sq_off.tail);
    u->sq_flags = (_Atomic uint32_t *)(void *)(u->sq_map + p.sq_off.flags);
    u->sq_mask = *(uint32_t *)(void *)(u->sq_map + p.sq_off.ring_mask);
    u->cq_head = (_Atomic uint32_t *)(void *)(u->cq_map + p.cq_off.head);
    u->cq_tail = (_Atomic uint32_t *)(void *)(u->cq_map + p.cq_off.tail);
    u->cq_mask = *(uint32_t *)(void *)(u->cq_map + p.cq_off.ring_mask);
    u->cqes = (struct io_uring_cqe *)(void *)(u->cq_map + p.cq_off.cqes);
    /* the SQ ring's index array maps ring slots to SQEs: one to one, once */
    uint32_t *array = (uint32_t *)(void *)(u->sq_map + p.sq_off.array);
    for (uint32_t i = 0; i < p.sq_entries; i++)
        array[i] = i;
    u->sqe_tail = atomic_load_explicit(u->sq_tail, memory_order_relaxed);
    return 0;
fail:
    uring_teardown(u);
    return err;
}

/* SQEs written but not yet consumed by the kernel. */
static uint32_t uring_unsubmitted(struct uring *u)
{
    return u->sqe_tail - atomic_load_explicit(u->sq_head, memory_order_acquire);
}

/* The next free SQE, zeroed, or NULL when the SQ is full. */
static struct io_uring_sqe *uring_try_sqe(struct uring *u)
{
    if (uring_unsubmitted(u) >= u->sq_entries)
        return NULL;
    struct io_uring_sqe *s = &u->sqes[u->sqe_tail & u->sq_mask];
    memset(s, 0, sizeof *s);
    u->sqe_tail++;
    return s;
}

/* Publishes the written SQEs (release: their contents before the tail) and returns how
 * many the kernel has yet to consume. */
static uint32_t uring_publish(struct uring *u)
{
    atomic_store_explicit(u->sq_tail, u->sqe_tail, memory_order_release);
    return uring_unsubmitted(u);
}

/* One io_uring_enter. wait_ms < 0 waits without a timeout (when min_complete > 0); a timeout
 * goes through IORING_ENTER_EXT_ARG (5.11). Returns the SQEs consumed or -errno. A call that
 * submitted something returns that count even when its wait then timed out or was
 * interrupted: callers judge by the CQ, not by the return value. */
static int uring_enter(struct uring *u, uint32_t to_submit, uint32_t min_complete, uint32_t flags, int wait_ms)
{
    struct io_uring_getevents_arg arg;
    struct __kernel_timespec ts;
    void *argp = NULL;
    size_t argsz = 0;
    if ((flags & IORING_ENTER_GETEVENTS) && min_complete > 0 && wait_ms >= 0) {
        ts.tv_sec = wait_ms / 1000;
        ts.tv_nsec = (long long)(wait_ms % 1000) * 1000000LL;
        memset(&arg, 0, sizeof arg);
        arg.ts = (uint64_t)(uintptr_t)&ts;
        flags |= IORING_ENTER_EXT_ARG;
        argp = &arg;
        argsz = sizeof arg;
    }
    u->stat[MUX_URING_STAT_ENTERS]++;
    long rc = syscall(__NR_io_uring_enter, u->fd, to_submit, min_complete, flags, argp, argsz);
    if (rc < 0)
        return -errno;
    u->stat[MUX_URING_STAT_SUBMITTED] += rc;
    return (int)rc;
}

/* Submits every written SQE without waiting. EINTR and EAGAIN are retried; -EBUSY (a CQ
 * overflow backlog, on kernels that refuse submissions then) is for the caller to reap. */
static int uring_submit_all(struct uring *u)
{
    int idle = 0;
    for (;;) {
        uint32_t pending = uring_publish(u);
        if (pending == 0)
            return 0;
        int rc = uring_enter(u, pending, 0, 0, -1);
        if (rc == -EINTR || rc == -EAGAIN || rc == 0) {
            if (++idle > 1000)
                return rc == 0 ? -EAGAIN : rc;
            continue;
        }
        if (rc < 0)
            return rc;
        idle = 0;
    }
}

static int uring_cq_overflowed(struct uring *u)
{
    return (atomic_load_explicit(u->sq_flags, memory_order_acquire) & IORING_SQ_CQ_OVERFLOW) != 0;
}

/* Moves completions the kernel kept aside (CQ overflow) into the ring. */
static int uring_flush_overflow(struct uring *u)
{
    u->stat[MUX_URING_STAT_OVERFLOWS]++;
    int rc = uring_enter(u, 0, 0, IORING_ENTER_GETEVENTS, -1);
    return rc == -EINTR || rc == -EAGAIN || rc == -EBUSY ? 0 : rc;
}

static int64_t uring_stat(const struct uring *u, int which)
{
    if (which < 0 || which >= MUX_URING_STAT_COUNT)
        return -EINVAL;
    return u->stat[which];
}

/* A multishot poll on an eventfd: how another thread ends a wait (the eventfd is written, the
 * poll completes, the waiting io_uring_enter returns). multishot 0 falls back to one-shot on
 * kernels without multishot poll (5.13). */
static int uring_arm_wake(struct uring *u, struct io_uring_sqe *s, int wakefd, int multishot, uint64_t ud)
{
    (void)u;
    s->opcode = IORING_OP_POLL_ADD;
    s->fd = wakefd;
    s->poll32_events = POLLIN;
    s->len = multishot ? IORING_POLL_ADD_MULTI : 0;
    s->user_data = ud;
    return 0;
}

/* ------------------------------------------------------------------ 2. readiness */

#define UD_NONE UINT64_MAX          /* completions nobody reads (removals) */
#define UD_WAKE (UINT64_MAX - 1)    /* the wakeup eventfd's poll */

#define URING_READINESS (POLLIN | POLLPRI | POLLOUT | POLLERR | POLLHUP | POLLRDHUP)
#define URING_ALLOWED ((uint32_t)URING_READINESS | (uint32_t)EPOLLET | (uint32_t)EPOLLONESHOT)

enum { MODE_LEVEL, MODE_EDGE, MODE_ONESHOT };
enum { REQ_ONESHOT, REQ_QUIET, REQ_MULTI };
enum { PHASE_OLD, PHASE_FRESH, PHASE_FINAL };

/* One registered fd. The kernel's request for it, when armed, has user_data gen << 32 | fd. */
struct ureg {
    uint32_t interest; /* as registered: readiness bits, EPOLLET, EPOLLONESHOT */
    uint32_t gen;      /* generation of the armed request */
    uint32_t report;   /* events gathered for the next report */
    uint8_t used;      /* registered */
    uint8_t armed;     /* a request is in the kernel (or written to the SQ) */
    uint8_t req;       /* REQ_*: what kind that request is */
    uint8_t quiet;     /* the next arm is a quiet multishot watcher */
    uint8_t fired;     /* one-shot mode: reported since register/modify */
    uint8_t queued;    /* in armq */
    uint8_t listed;    /* in reports */
};

struct ivec {
    int32_t *v;
    int n, cap;
};

struct uvec {
    uint64_t *v;
    int n, cap;
};

struct mux_uring {
    struct uring u;
    int wakefd;
    int wake_armed;
    int wake_multishot;
    int woke;
    int fatal;          /* an error to return from the next wait (ENOMEM, a broken wake poll) */
    int confirms;       /* re-polls queued by the reap in progress */
    uint32_t gen;
    struct ureg *regs;  /* indexed by fd */
    int regs_cap;
    struct ivec armq;   /* fds to arm at the next submission */
    struct uvec removeq; /* user_data of requests to remove at the next submission */
    struct ivec reports; /* fds with events to report */
};

static struct mux_uring *as_uring(int64_t h)
{
    return (struct mux_uring *)(intptr_t)h;
}

static int ivec_push(struct ivec *q, int32_t x)
{
    if (q->n == q->cap) {
        int cap = q->cap ? q->cap * 2 : 64;
        int32_t *v = realloc(q->v, (size_t)cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        q->v = v;
        q->cap = cap;
    }
    q->v[q->n++] = x;
    return 0;
}

static int uvec_push(struct uvec *q, uint64_t x)
{
    if (q->n == q->cap) {
        int cap = q->cap ? q->cap * 2 : 16;
        uint64_t *v = realloc(q->v, (size_t)cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        q->v = v;
        q->cap = cap;
    }
    q->v[q->n++] = x;
    return 0;
}

static int reg_mode(const struct ureg *r)
{
    if (r->interest & (uint32_t)EPOLLONESHOT)
        return MODE_ONESHOT;
    if (r->interest & (uint32_t)EPOLLET)
        return MODE_EDGE;
    return MODE_LEVEL;
}

static uint64_t reg_ud(uint32_t gen, int fd)
{
    return ((uint64_t)gen << 32) | (uint32_t)fd;
}

static void note_fatal(struct mux_uring *m, int rc)
{
    if (rc < 0 && m->fatal == 0)
        m->fatal = rc;
}

static void queue_arm(struct mux_uring *m, int fd, struct ureg *r)
{
    if (r->queued)
        return;
    if (ivec_push(&m->armq, fd) < 0) {
        note_fatal(m, -ENOMEM);
        return;
    }
    r->queued = 1;
}

static void add_report(struct mux_uring *m, int fd, struct ureg *r, uint32_t ev)
{
    r->report |= ev;
    if (!r->listed) {
        if (ivec_push(&m->reports, fd) < 0) {
            note_fatal(m, -ENOMEM);
            return;
        }
        r->listed = 1;
    }
}

/* Drops a pending report (modify and unregister start afresh). */
static void unlist(struct mux_uring *m, int fd, struct ureg *r)
{
    r->report = 0;
    if (!r->listed)
        return;
    for (int i = 0; i < m->reports.n; i++) {
        if (m->reports.v[i] == fd) {
            memmove(&m->reports.v[i], &m->reports.v[i + 1], (size_t)(m->reports.n - i - 1) * sizeof(int32_t));
            m->reports.n--;
            break;
        }
    }
    r->listed = 0;
}

/* Queues the removal of fd's request, if one is armed. */
static void disarm(struct mux_uring *m, int fd, struct ureg *r)
{
    if (!r->armed)
        return;
    if (uvec_push(&m->removeq, reg_ud(r->gen, fd)) < 0)
        note_fatal(m, -ENOMEM);
    r->armed = 0;
}

/* One completion of the readiness ring; phase says when it was reaped (see the top). */
static void on_ready_cqe(struct mux_uring *m, uint64_t ud, int32_t res, uint32_t flags, int phase)
{
    int more = (flags & IORING_CQE_F_MORE) != 0;
    if (ud == UD_NONE)
        return;
    if (ud == UD_WAKE) {
        if (res > 0)
            m->woke = 1;
        if (!more) {
            m->wake_armed = 0;
            if (res < 0 && res != -ECANCELED) {
                if (m->wake_multishot)
                    m->wake_multishot = 0; /* no multishot poll here: one-shot from now on */
                else
                    note_fatal(m, res);
            }
        }
        return;
    }
    int fd = (int)(ud & 0x7fffffffu);
    uint32_t gen = (uint32_t)(ud >> 32);
    if (fd >= m->regs_cap)
        return;
    struct ureg *r = &m->regs[fd];
    if (!r->used || !r->armed || r->gen != gen)
        return; /* a request since removed or replaced */
    if (!more)
        r->armed = 0;
    int mode = reg_mode(r);
    if (res < 0) {
        if (res == -ECANCELED) {
            queue_arm(m, fd, r); /* e.g. the thread that armed it exited: arm it again */
            return;
        }
        /* a closed fd number (the re-arm looked it up) is poll's NVAL; anything else ERR.
         * Level-triggered fds are re-armed after the report, edge ones stay silent. */
        add_report(m, fd, r, res == -EBADF ? POLLNVAL : POLLERR);
        return;
    }
    uint32_t ev = (uint32_t)res & ((r->interest & (uint32_t)URING_READINESS) | POLLERR | POLLHUP);
    if (mode == MODE_EDGE) {
        if (!more)
            queue_arm(m, fd, r); /* the kernel ended the multishot (e.g. CQ overflow): go on */
        if (ev)
            add_report(m, fd, r, ev);
        return;
    }
    if (r->req == REQ_QUIET) {
        if (!ev) {
            if (!more)
                queue_arm(m, fd, r);
            return;
        }
        if (more)
            disarm(m, fd, r);
        r->quiet = 0;
    } else if (!ev) {
        /* fired for bits not asked for (RDHUP): a one-shot would fire again at once */
        r->quiet = 1;
        queue_arm(m, fd, r);
        return;
    }
    if (phase == PHASE_OLD || (phase == PHASE_FRESH && (ev & POLLPRI))) {
        /* possibly stale, or possibly the waker's POLLPRI: re-poll before reporting */
        m->u.stat[MUX_URING_STAT_CONFIRMS]++;
        if (phase == PHASE_FRESH)
            m->confirms++;
        queue_arm(m, fd, r);
        return;
    }
    add_report(m, fd, r, ev);
}

/* Reaps every completion, overflowed ones included. */
static int reap_ready(struct mux_uring *m, int phase)
{
    struct uring *u = &m->u;
    for (int idle = 0;;) {
        uint32_t head = atomic_load_explicit(u->cq_head, memory_order_relaxed);
        uint32_t tail = atomic_load_explicit(u->cq_tail, memory_order_acquire);
        int seen = head != tail;
        while (head != tail) {
            const struct io_uring_cqe *c = &u->cqes[head & u->cq_mask];
            uint64_t ud = c->user_data;
            int32_t res = c->res;
            uint32_t fl = c->flags;
            head++;
            u->stat[MUX_URING_STAT_COMPLETIONS]++;
            on_ready_cqe(m, ud, res, fl, phase);
        }
        atomic_store_explicit(u->cq_head, head, memory_order_release);
        if (!uring_cq_overflowed(u))
            return 0;
        idle = seen ? 0 : idle + 1;
        if (idle > 2)
            return 0; /* the flag lags behind the list: the next wait flushes again */
        int rc = uring_flush_overflow(u);
        if (rc < 0)
            return rc;
    }
}

/* An SQE, submitting a full SQ first (and reaping if the kernel wants room in the CQ). */
static int ready_sqe(struct mux_uring *m, struct io_uring_sqe **out)
{
    for (int tries = 0;; tries++) {
        struct io_uring_sqe *s = uring_try_sqe(&m->u);
        if (s) {
            *out = s;
            return 0;
        }
        if (tries > 100)
            return -EAGAIN;
        m->u.stat[MUX_URING_STAT_SQ_FULL]++;
        int rc = uring_submit_all(&m->u);
        if (rc == -EBUSY)
            rc = reap_ready(m, PHASE_OLD);
        if (rc < 0)
            return rc;
    }
}

static uint32_t next_gen(struct mux_uring *m)
{
    if (++m->gen == 0)
        m->gen = 1;
    return m->gen;
}

static int arm(struct mux_uring *m, int fd, struct ureg *r)
{
    struct io_uring_sqe *s;
    int rc = ready_sqe(m, &s);
    if (rc < 0)
        return rc;
    int mode = reg_mode(r);
    int multi = mode == MODE_EDGE || r->quiet;
    uint32_t gen = next_gen(m);
    s->opcode = IORING_OP_POLL_ADD;
    s->fd = fd;
    /* POLLPRI goes in with POLLIN: io_uring's poll ignores wake-ups that match it only by
     * POLLPRI (the kernel keeps that bit out of the match), and urgent data wakes with both */
    uint32_t events = r->interest & (uint32_t)URING_READINESS;
    if (events & POLLPRI)
        events |= POLLIN;
    s->poll32_events = events;
    s->len = multi ? IORING_POLL_ADD_MULTI : 0;
    s->user_data = reg_ud(gen, fd);
    r->gen = gen;
    r->armed = 1;
    r->req = mode == MODE_EDGE ? REQ_MULTI : r->quiet ? REQ_QUIET : REQ_ONESHOT;
    return 0;
}

/* Writes the queued removals, the wake poll if it needs arming, and the queued arms. */
static int flush_queued(struct mux_uring *m)
{
    struct io_uring_sqe *s;
    int rc;
    for (int i = 0; i < m->removeq.n; i++) {
        rc = ready_sqe(m, &s);
        if (rc < 0)
            return rc;
        s->opcode = IORING_OP_POLL_REMOVE;
        s->fd = -1;
        s->addr = m->removeq.v[i];
        s->user_data = UD_NONE;
    }
    m->removeq.n = 0;
    if (!m->wake_armed) {
        rc = ready_sqe(m, &s);
        if (rc < 0)
            return rc;
        uring_arm_wake(&m->u, s, m->wakefd, m->wake_multishot, UD_WAKE);
        m->wake_armed = 1;
    }
    /* entries appended meanwhile (a reap forced by a full CQ) are handled in the same pass */
    for (int i = 0; i < m->armq.n; i++) {
        int fd = m->armq.v[i];
        struct ureg *r = &m->regs[fd];
        r->queued = 0;
        if (!r->used || r->armed || (reg_mode(r) == MODE_ONESHOT && r->fired))
            continue;
        rc = arm(m, fd, r);
        if (rc < 0) {
            /* keep the rest queued for the next attempt */
            int left = m->armq.n - i;
            memmove(m->armq.v, &m->armq.v[i], (size_t)left * sizeof(int32_t));
            m->armq.n = left;
            r->queued = 1;
            return rc;
        }
    }
    m->armq.n = 0;
    return 0;
}

/* Submits everything queued now (unregister: the kernel drops its reference to the file). */
static int submit_now(struct mux_uring *m)
{
    for (int tries = 0;; tries++) {
        int rc = flush_queued(m);
        if (rc == 0)
            rc = uring_submit_all(&m->u);
        if (rc != -EBUSY || tries > 100)
            return rc;
        rc = reap_ready(m, PHASE_OLD);
        if (rc < 0)
            return rc;
    }
}

static int grow_regs(struct mux_uring *m, int fd)
{
    if (fd < m->regs_cap)
        return 0;
    int cap = m->regs_cap ? m->regs_cap : 64;
    while (cap <= fd) {
        if (cap > INT32_MAX / 2)
            return -ENOMEM;
        cap *= 2;
    }
    struct ureg *regs = realloc(m->regs, (size_t)cap * sizeof *regs);
    if (!regs)
        return -ENOMEM;
    memset(regs + m->regs_cap, 0, (size_t)(cap - m->regs_cap) * sizeof *regs);
    m->regs = regs;
    m->regs_cap = cap;
    return 0;
}

int64_t mux_uring_open_sized(int sq_entries, int cq_entries)
{
    if (sq_entries <= 0 || cq_entries < 0)
        return -EINVAL;
    struct mux_uring *m = calloc(1, sizeof *m);
    if (!m)
        return -ENOMEM;
    /* the eventfd first: it takes the lowest free number, as in the other backends */
    m->wakefd = mux_wakefd_open();
    if (m->wakefd < 0) {
        int err = m->wakefd;
        free(m);
        return err;
    }
    int rc = uring_setup(&m->u, (unsigned)sq_entries, (unsigned)cq_entries);
    if (rc == 0) {
        uint32_t need = IORING_FEAT_NODROP | IORING_FEAT_EXT_ARG | IORING_FEAT_POLL_32BITS;
        if ((m->u.features & need) != need) {
            uring_teardown(&m->u); /* io_uring older than 5.11 */
            rc = -EOPNOTSUPP;
        }
    }
    if (rc < 0) {
        close(m->wakefd);
        free(m);
        return rc;
    }
    m->wake_multishot = 1;
    /* arm the wake poll now, so a wakeup before the first wait is not lost either way */
    rc = submit_now(m);
    if (rc < 0) {
        uring_teardown(&m->u);
        close(m->wakefd);
        free(m);
        return rc;
    }
    return (int64_t)(intptr_t)m;
}

int64_t mux_uring_open(void)
{
    return mux_uring_open_sized(256, 2048);
}

int mux_uring_close(int64_t h)
{
    struct mux_uring *m = as_uring(h);
    if (!m)
        return -EINVAL;
    /* closing the ring cancels every poll; the kernel finishes that in the background */
    uring_teardown(&m->u);
    int rc = close(m->wakefd) < 0 ? -errno : 0;
    free(m->regs);
    free(m->armq.v);
    free(m->removeq.v);
    free(m->reports.v);
    free(m);
    return rc;
}

int mux_uring_ctl(int64_t h, int op, int fd, int events)
{
    struct mux_uring *m = as_uring(h);
    if (!m)
        return -EINVAL;
    if (op != MUX_CTL_ADD && op != MUX_CTL_MOD && op != MUX_CTL_DEL)
        return -EINVAL;
    if (fd < 0)
        return -EBADF;
    if (fd == m->u.fd)
        return -EINVAL; /* the ring itself, as epoll refuses its own fd */
    if (fd == m->wakefd)
        return op == MUX_CTL_ADD ? -EEXIST : -EPERM; /* the wakeup fd is ours */
    if (op != MUX_CTL_DEL && ((uint32_t)events & ~URING_ALLOWED))
        return -EINVAL;
    struct ureg *r = fd < m->regs_cap ? &m->regs[fd] : NULL;
    int used = r && r->used;
    int rc;
    switch (op) {
    case MUX_CTL_ADD:
        if (used)
            return -EEXIST;
        rc = mux_check_fd_open(fd);
        if (rc < 0)
            return rc;
        rc = grow_regs(m, fd);
        if (rc < 0)
            return rc;
        r = &m->regs[fd];
        /* queued/listed may still name this fd from an earlier registration: keep them */
        r->used = 1;
        r->interest = (uint32_t)events;
        r->armed = 0;
        r->fired = 0;
        r->quiet = 0;
        r->report = 0;
        queue_arm(m, fd, r);
        break;
    case MUX_CTL_MOD:
        if (!used)
            return -ENOENT;
        rc = mux_check_fd_open(fd);
        if (rc < 0)
            return rc;
        disarm(m, fd, r);
        unlist(m, fd, r);
        r->interest = (uint32_t)events;
        r->fired = 0;
        r->quiet = 0;
        queue_arm(m, fd, r);
        break;
    default: { /* DEL: also for a closed fd, which is how a stale entry is cleaned up */
        if (!used)
            return -ENOENT;
        disarm(m, fd, r);
        unlist(m, fd, r);
        r->used = 0;
        r->interest = 0;
        /* a removal queued by an earlier modify (whose re-arm was never submitted) may still name
         * this fd's poll: submit every queued removal now, or the file outlives the close */
        if (m->removeq.n > 0) {
            rc = submit_now(m);
            if (rc < 0)
                return rc;
        }
        break;
    }
    }
    rc = m->fatal;
    m->fatal = 0;
    return rc;
}

/* Copies the gathered reports to the caller's slots; see the top for what is kept back. */
static int emit(struct mux_uring *m, char *buf, int capacity)
{
    int k = 0, keep = 0;
    for (int i = 0; i < m->reports.n; i++) {
        int fd = m->reports.v[i];
        struct ureg *r = &m->regs[fd];
        r->listed = 0;
        if (!r->used || r->report == 0)
            continue;
        int mode = reg_mode(r);
        if (k < capacity) {
            struct mux_slot slot = { fd, r->report };
            memcpy(buf + (size_t)k * sizeof slot, &slot, sizeof slot);
            k++;
            r->report = 0;
            if (mode == MODE_ONESHOT)
                r->fired = 1;
        } else if (mode == MODE_EDGE) {
            m->reports.v[keep++] = fd; /* an edge is not lost: reported by the next wait */
            r->listed = 1;
        } else {
            r->report = 0; /* level and one-shot: polled afresh by the next wait */
            queue_arm(m, fd, r);
        }
    }
    m->reports.n = keep;
    /* re-arm the level-triggered fds just reported after the ones left out, so that a
     * caller with fewer slots than ready fds sees all of them in turn */
    for (int i = 0; i < k; i++) {
        struct mux_slot slot;
        memcpy(&slot, buf + (size_t)i * sizeof slot, sizeof slot);
        struct ureg *r = &m->regs[slot.fd];
        if (reg_mode(r) == MODE_LEVEL && !r->armed)
            queue_arm(m, slot.fd, r);
    }
    return k;
}

int mux_uring_wait(int64_t h, int64_t out, int capacity, int64_t timeout_ms)
{
    struct mux_uring *m = as_uring(h);
    if (!m || capacity <= 0 || out == 0)
        return -EINVAL;
    struct mux_deadline d;
    mux_deadline_start(&d, timeout_ms);
    m->woke = 0;
    int rc = reap_ready(m, PHASE_OLD);
    int phase = PHASE_FRESH;
    int rearm_passes = 0;
    /* Edge reports (multishot completions) already in the CQ and nothing to submit: no system
     * call at all. A level-triggered or one-shot fd always has something queued (its re-arm). */
    if (rc == 0 && m->fatal == 0 && m->reports.n > 0 && m->armq.n == 0 && m->removeq.n == 0 && m->wake_armed &&
        uring_unsubmitted(&m->u) == 0)
        goto done;
    while (rc == 0 && m->fatal == 0) {
        rc = flush_queued(m);
        if (rc < 0)
            break;
        int block = m->reports.n == 0 && !m->woke && phase == PHASE_FRESH;
        int wait_ms = block ? mux_deadline_next_ms(&d) : 0;
        uint32_t pending = uring_publish(&m->u);
        rc = uring_enter(&m->u, pending, wait_ms != 0 ? 1 : 0, IORING_ENTER_GETEVENTS, wait_ms);
        if (rc == -EINTR)
            mux_note_eintr();
        else if (rc < 0 && rc != -ETIME && rc != -EBUSY && rc != -EAGAIN)
            break;
        m->confirms = 0;
        rc = reap_ready(m, phase);
        if (rc < 0)
            break;
        if (m->reports.n > 0 || m->woke)
            break;
        if (m->confirms > 0) {
            phase = PHASE_FINAL;
            continue;
        }
        phase = PHASE_FRESH;
        /* re-arms (a cancelled poll, a quiet watcher) go in before waiting on; the bound only
         * guards against a kernel that keeps refusing (it returns 0 early rather than spin) */
        if (m->armq.n > 0 || m->removeq.n > 0 || !m->wake_armed || uring_unsubmitted(&m->u) > 0) {
            if (++rearm_passes > 64)
                break;
            continue;
        }
        if (!mux_deadline_should_retry(&d))
            break;
    }
done:
    if (m->woke)
        mux_wakefd_drain(m->wakefd);
    if (rc == 0 && m->fatal) {
        rc = m->fatal;
        m->fatal = 0;
    }
    if (rc < 0)
        return rc;
    return emit(m, (char *)(intptr_t)out, capacity);
}

int mux_uring_wakeup(int64_t h)
{
    return mux_wakefd_signal(as_uring(h)->wakefd);
}

int mux_uring_fd(int64_t h)
{
    return as_uring(h)->u.fd;
}

int64_t mux_uring_stat(int64_t h, int which)
{
    struct mux_uring *m = as_uring(h);
    return m ? uring_stat(&m->u, which) : -EINVAL;
}

/* ------------------------------------------------------------------ 3. completions */

#define RING_UD_WAKE UINT64_MAX /* reserved: the wakeup eventfd's poll */

struct mux_bufring;

struct mux_ring {
    struct uring u;
    int wakefd;
    int wake_armed;
    int wake_multishot;
    int woke;
    struct mux_bufring *bufrings;
};

struct mux_bufring {
    struct mux_ring *ring;
    struct io_uring_buf *bufs; /* the ring of buffer descriptors, shared with the kernel */
    size_t bufs_len;
    _Atomic uint16_t *tail;    /* overlays bufs[0].resv, as the kernel defines it */
    char *mem;
    uint32_t size, count, mask;
    uint16_t group;
    uint16_t local_tail;
    struct mux_bufring *next;
};

static struct mux_ring *as_ring(int64_t h)
{
    return (struct mux_ring *)(intptr_t)h;
}

/* An SQE for a queueing call; a full SQ is submitted first. */
static int ring_sqe(struct mux_ring *r, struct io_uring_sqe **out)
{
    for (int tries = 0;; tries++) {
        struct io_uring_sqe *s = uring_try_sqe(&r->u);
        if (s) {
            *out = s;
            return 0;
        }
        if (tries > 100)
            return -EAGAIN;
        r->u.stat[MUX_URING_STAT_SQ_FULL]++;
        int rc = uring_submit_all(&r->u);
        if (rc < 0)
            return rc; /* -EBUSY: reap completions (mux_ring_wait) and queue again */
    }
}

static int ring_arm_wake(struct mux_ring *r)
{
    struct io_uring_sqe *s;
    int rc = ring_sqe(r, &s);
    if (rc < 0)
        return rc;
    uring_arm_wake(&r->u, s, r->wakefd, r->wake_multishot, RING_UD_WAKE);
    r->wake_armed = 1;
    return 0;
}

int64_t mux_ring_open(int sq_entries, int cq_entries)
{
    if (sq_entries <= 0 || cq_entries < 0)
        return -EINVAL;
    struct mux_ring *r = calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    r->wakefd = mux_wakefd_open();
    if (r->wakefd < 0) {
        int err = r->wakefd;
        free(r);
        return err;
    }
    int rc = uring_setup(&r->u, (unsigned)sq_entries, (unsigned)cq_entries);
    if (rc < 0) {
        close(r->wakefd);
        free(r);
        return rc;
    }
    r->wake_multishot = 1;
    rc = ring_arm_wake(r);
    if (rc == 0)
        rc = uring_submit_all(&r->u);
    if (rc < 0) {
        uring_teardown(&r->u);
        close(r->wakefd);
        free(r);
        return rc;
    }
    return (int64_t)(intptr_t)r;
}

static void bufring_release(struct mux_bufring *b)
{
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof reg);
    reg.bgid = b->group;
    if (b->ring->u.fd >= 0)
        sys_register(b->ring->u.fd, IORING_UNREGISTER_PBUF_RING, &reg, 1);
    munmap(b->bufs, b->bufs_len);
    free(b);
}

int mux_ring_close(int64_t h)
{
    struct mux_ring *r = as_ring(h);
    if (!r)
        return -EINVAL;
    /* Cancel everything in flight and wait for it (IORING_REGISTER_SYNC_CANCEL, 6.0), so that
     * no request still writes into buffers once the caller frees them; older kernels refuse
     * it (EINVAL) and closing the ring cancels in the background. */
    struct io_uring_sync_cancel_reg cancel;
    memset(&cancel, 0, sizeof cancel);
    cancel.fd = -1;
    cancel.flags = IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL;
    cancel.timeout.tv_sec = 1;
    cancel.timeout.tv_nsec = 0;
    sys_register(r->u.fd, IORING_REGISTER_SYNC_CANCEL, &cancel, 1);
    while (r->bufrings) {
        struct mux_bufring *b = r->bufrings;
        r->bufrings = b->next;
        bufring_release(b);
    }
    uring_teardown(&r->u);
    int rc = close(r->wakefd) < 0 ? -errno : 0;
    free(r);
    return rc;
}

int mux_ring_fd(int64_t h)
{
    return as_ring(h)->u.fd;
}

int64_t mux_ring_info(int64_t h, int which)
{
    struct mux_ring *r = as_ring(h);
    if (!r)
        return -EINVAL;
    switch (which) {
    case 0: return r->u.sq_entries;
    case 1: return r->u.cq_entries;
    case 2: return r->u.features;
    case 3: return r->u.setup_flags;
    default: return -EINVAL;
    }
}

int64_t mux_ring_stat(int64_t h, int which)
{
    struct mux_ring *r = as_ring(h);
    return r ? uring_stat(&r->u, which) : -EINVAL;
}

int mux_ring_queued(int64_t h)
{
    struct mux_ring *r = as_ring(h);
    return r ? (int)(r->u.sqe_tail - atomic_load_explicit(r->u.sq_head, memory_order_acquire)) : -EINVAL;
}

/* The common start of every queueing call. */
static int ring_prep(int64_t h, int64_t user_data, struct io_uring_sqe **s)
{
    struct mux_ring *r = as_ring(h);
    if (!r)
        return -EINVAL;
    if ((uint64_t)user_data == RING_UD_WAKE)
        return -EINVAL;
    int rc = ring_sqe(r, s);
    if (rc < 0)
        return rc;
    (*s)->user_data = (uint64_t)user_data;
    return 0;
}

int mux_ring_nop(int64_t h, int64_t user_data)
{
    struct io_uring_sqe *s;
    int rc = ring_prep(h, user_data, &s);
    if (rc < 0)
        return rc;
    s->opcode = IORING_OP_NOP;
    return 0;
}

int mux_ring_poll(int64_t h, int fd, int events, int poll_flags, int64_t user_data)
{
    struct io_uring_sqe *s;
    int rc = ring_prep(h, user_data, &s);
    if (rc < 0)
        return rc;
    s->opcode = IORING_OP_POLL_ADD;
    s->fd = fd;
    s->poll32_events = (uint32_t)events;
    s->len = (uint32_t)poll_flags; /* the kernel judges them (IORING_POLL_ADD_LEVEL: EINVAL) */
    return 0;
}

int mux_ring_poll_remove(int64_t h, int64_t target, int64_t user_data)
{
    struct io_uring_sqe *s;
    int rc = ring_prep(h, user_data, &s);
    if (rc < 0)
        return rc;
    s->opcode = IORING_OP_POLL_REMOVE;
    s->fd = -1;
    s->addr = (uint64_t)target;
    return 0;
}

int mux_ring_accept(int64_t h, int fd, int multishot, int64_t user_data)
{
    struct io_uring_sqe *s;
    int rc = ring_prep(h, user_data, &s);
    if (rc < 0)
        return rc;
    s->opcode = IORING_OP_ACCEPT;
    s->fd = fd;
    s->accept_flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
    s->ioprio = multishot ? IORING_ACCEPT_MULTISHOT : 0;
    return 0;
}

int mux_ring_recv(int64_t h, int fd, int group, int multishot, int64_t user_data)
{
    if (group < 0 || group > 0xffff)
        return -EINVAL;
    struct io_uring_sqe *s;
    int rc = ring_prep(h, user_data, &s);
    if (rc < 0)
        return rc;
    s->opcode = IORING_OP_RECV;
    s->fd = fd;
    s->flags = IOSQE_BUFFER_SELECT;
    s->buf_group = (uint16_t)group;
    s->len = 0; /* the whole selected buffer (and multishot requires 0) */
    s->ioprio = multishot ? IORING_RECV_MULTISHOT : 0;
    return 0;
}

int mux_ring_send(int64_t h, int fd, int64_t addr, int len, int64_t user_data)
{
    if (len < 0 || (addr == 0 && len > 0))
        return -EFAULT;
    struct io_uring_sqe *s;
    int rc = ring_prep(h, user_data, &s);
    if (rc < 0)
        return rc;
    s->opcode = IORING_OP_SEND;
    s->fd = fd;
    s->addr = (uint64_t)addr;
    s->len = (uint32_t)len;
    s->msg_flags = MSG_NOSIGNAL;
    return 0;
}

int mux_ring_close_fd(int64_t h, int fd, int64_t user_data)
{
    struct io_uring_sqe *s;
    int rc = ring_prep(h, user_data, &s);
    if (rc < 0)
        return rc;
    s->opcode = IORING_OP_CLOSE;
    s->fd = fd;
    return 0;
}

int mux_ring_cancel(int64_t h, int64_t target, int all, int64_t user_data)
{
    struct io_uring_sqe *s;
    int rc = ring_prep(h, user_data, &s);
    if (rc < 0)
        return rc;
    s->opcode = IORING_OP_ASYNC_CANCEL;
    s->fd = -1;
    s->addr = (uint64_t)target;
    s->cancel_flags = all ? IORING_ASYNC_CANCEL_ALL : 0;
    return 0;
}

int mux_ring_cancel_fd(int64_t h, int fd, int64_t user_data)
{
    struct io_uring_sqe *s;
    int rc = ring_prep(h, user_data, &s);
    if (rc < 0)
        return rc;
    s->opcode = IORING_OP_ASYNC_CANCEL;
    s->fd = fd;
    s->cancel_flags = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ALL;
    return 0;
}

/* Copies up to room completions out; the rest stay in the CQ (or in the kernel's overflow
 * list) for the next call. The wake poll's completions are consumed here. */
static int ring_reap(struct mux_ring *r, char *out, int room)
{
    struct uring *u = &r->u;
    int n = 0;
    for (int idle = 0;;) {
        uint32_t head = atomic_load_explicit(u->cq_head, memory_order_relaxed);
        uint32_t tail = atomic_load_explicit(u->cq_tail, memory_order_acquire);
        int seen = head != tail;
        while (head != tail && n < room) {
            const struct io_uring_cqe *c = &u->cqes[head & u->cq_mask];
            head++;
            u->stat[MUX_URING_STAT_COMPLETIONS]++;
            if (c->user_data == RING_UD_WAKE) {
                if (c->res > 0)
                    r->woke = 1;
                if (!(c->flags & IORING_CQE_F_MORE)) {
                    r->wake_armed = 0;
                    if (c->res < 0 && c->res != -ECANCELED)
                        r->wake_multishot = 0;
                }
                continue;
            }
            memcpy(out + (size_t)n * sizeof *c, c, sizeof *c);
            n++;
        }
        atomic_store_explicit(u->cq_head, head, memory_order_release);
        if (n >= room || !uring_cq_overflowed(u))
            return n;
        idle = seen ? 0 : idle + 1;
        if (idle > 2)
            return n;
        int rc = uring_flush_overflow(u);
        if (rc < 0)
            return n > 0 ? n : rc;
    }
}

int mux_ring_wait(int64_t h, int64_t out, int capacity, int min, int64_t timeout_ms)
{
    struct mux_ring *r = as_ring(h);
    if (!r || capacity <= 0 || out == 0 || min < 0 || min > capacity)
        return -EINVAL;
    char *buf = (char *)(intptr_t)out;
    struct mux_deadline d;
    mux_deadline_start(&d, timeout_ms);
    r->woke = 0;
    int got = 0;
    for (int idle = 0;;) {
        if (!r->wake_armed) {
            int rc = ring_arm_wake(r);
            if (rc < 0)
                return got > 0 ? got : rc;
        }
        uint32_t pending = uring_publish(&r->u);
        int need = min - got;
        int wait_ms = need > 0 && !r->woke ? mux_deadline_next_ms(&d) : 0;
        uint32_t want = wait_ms != 0 ? ((uint32_t)need < r->u.cq_entries ? (uint32_t)need : r->u.cq_entries) : 0;
        int rc = uring_enter(&r->u, pending, want, IORING_ENTER_GETEVENTS, wait_ms);
        if (rc == -EINTR) {
            mux_note_eintr();
        } else if (rc < 0 && rc != -ETIME && rc != -EBUSY && rc != -EAGAIN) {
            return got > 0 ? got : rc;
        }
        int n = ring_reap(r, buf + (size_t)got * sizeof(struct io_uring_cqe), capacity - got);
        if (n < 0)
            return got > 0 ? got : n;
        got += n;
        if (r->woke)
            mux_wakefd_drain(r->wakefd);
        uint32_t left = uring_unsubmitted(&r->u);
        if (left > 0) {
            /* the kernel stopped early (no IORING_SETUP_SUBMIT_ALL, or short of memory) */
            if (rc <= 0 && ++idle > 1000)
                return got > 0 ? got : -EAGAIN;
            if (got < capacity)
                continue;
        }
        if (r->woke || got >= capacity || got >= min)
            break;
        if (!mux_deadline_should_retry(&d))
            break;
    }
    return got;
}

int mux_ring_wakeup(int64_t h)
{
    return mux_wakefd_signal(as_ring(h)->wakefd);
}

int64_t mux_ring_buffers(int64_t h, int group, int count, int size, int64_t mem)
{
    struct mux_ring *r = as_ring(h);
    if (!r)
        return -EINVAL;
    if (group < 0 || group > 0xffff || count <= 0 || count > 32768 || (count & (count - 1)) != 0 || size <= 0)
        return -EINVAL;
    if (mem == 0)
        return -EFAULT;
    struct mux_bufring *b = calloc(1, sizeof *b);
    if (!b)
        return -ENOMEM;
    long page = sysconf(_SC_PAGESIZE);
    size_t len = (size_t)count * sizeof(struct io_uring_buf);
    len = (len + (size_t)page - 1) / (size_t)page * (size_t)page;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        int err = -errno;
        free(b);
        return err;
    }
    b->ring = r;
    b->bufs = p;
    b->bufs_len = len;
    b->tail = (_Atomic uint16_t *)(void *)((char *)p + offsetof(struct io_uring_buf, resv));
    b->mem = (char *)(intptr_t)mem;
    b->size = (uint32_t)size;
    b->count = (uint32_t)count;
    b->mask = (uint32_t)count - 1;
    b->group = (uint16_t)group;
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof reg);
    reg.ring_addr = (uint64_t)(uintptr_t)p;
    reg.ring_entries = (uint32_t)count;
    reg.bgid = (uint16_t)group;
    int rc = sys_register(r->u.fd, IORING_REGISTER_PBUF_RING, &reg, 1);
    if (rc < 0) {
        munmap(p, len);
        free(b);
        return rc;
    }
    for (int bid = 0; bid < count; bid++)
        mux_ring_buffers_recycle((int64_t)(intptr_t)b, bid);
    b->next = r->bufrings;
    r->bufrings = b;
    return (int64_t)(intptr_t)b;
}

int mux_ring_buffers_recycle(int64_t bh, int bid)
{
    struct mux_bufring *b = (struct mux_bufring *)(intptr_t)bh;
    if (!b || bid < 0 || (uint32_t)bid >= b->count)
        return -EINVAL;
    /* fill the descriptor, leaving resv alone: in slot 0 it is the ring's tail */
    struct io_uring_buf *e = &b->bufs[b->local_tail & b->mask];
    e->addr = (uint64_t)(uintptr_t)(b->mem + (size_t)bid * b->size);
    e->len = b->size;
    e->bid = (uint16_t)bid;
    b->local_tail++;
    atomic_store_explicit(b->tail, b->local_tail, memory_order_release);
    return 0;
}

int mux_ring_buffers_free(int64_t bh)
{
    struct mux_bufring *b = (struct mux_bufring *)(intptr_t)bh;
    if (!b)
        return -EINVAL;
    struct mux_bufring **p = &b->ring->bufrings;
    while (*p && *p != b)
        p = &(*p)->next;
    if (*p)
        *p = b->next;
    bufring_release(b);
    return 0;
}

/* ------------------------------------------------------------------ probe and denial */

static const char *const OP_NAMES[IORING_OP_LAST] = {
    [IORING_OP_NOP] = "NOP",
    [IORING_OP_READV] = "READV",
    [IORING_OP_WRITEV] = "WRITEV",
    [IORING_OP_FSYNC] = "FSYNC",
    [IORING_OP_READ_FIXED] = "READ_FIXED",
    [IORING_OP_WRITE_FIXED] = "WRITE_FIXED",
    [IORING_OP_POLL_ADD] = "POLL_ADD",
    [IORING_OP_POLL_REMOVE] = "POLL_REMOVE",
    [IORING_OP_SYNC_FILE_RANGE] = "SYNC_FILE_RANGE",
    [IORING_OP_SENDMSG] = "SENDMSG",
    [IORING_OP_RECVMSG] = "RECVMSG",
    [IORING_OP_TIMEOUT] = "TIMEOUT",
    [IORING_OP_TIMEOUT_REMOVE] = "TIMEOUT_REMOVE",
    [IORING_OP_ACCEPT] = "ACCEPT",
    [IORING_OP_ASYNC_CANCEL] = "ASYNC_CANCEL",
    [IORING_OP_LINK_TIMEOUT] = "LINK_TIMEOUT",
    [IORING_OP_CONNECT] = "CONNECT",
    [IORING_OP_FALLOCATE] = "FALLOCATE",
    [IORING_OP_OPENAT] = "OPENAT",
    [IORING_OP_CLOSE] = "CLOSE",
    [IORING_OP_FILES_UPDATE] = "FILES_UPDATE",
    [IORING_OP_STATX] = "STATX",
    [IORING_OP_READ] = "READ",
    [IORING_OP_WRITE] = "WRITE",
    [IORING_OP_FADVISE] = "FADVISE",
    [IORING_OP_MADVISE] = "MADVISE",
    [IORING_OP_SEND] = "SEND",
    [IORING_OP_RECV] = "RECV",
    [IORING_OP_OPENAT2] = "OPENAT2",
    [IORING_OP_EPOLL_CTL] = "EPOLL_CTL",
    [IORING_OP_SPLICE] = "SPLICE",
    [IORING_OP_PROVIDE_BUFFERS] = "PROVIDE_BUFFERS",
    [IORING_OP_REMOVE_BUFFERS] = "REMOVE_BUFFERS",
    [IORING_OP_TEE] = "TEE",
    [IORING_OP_SHUTDOWN] = "SHUTDOWN",
    [IORING_OP_RENAMEAT] = "RENAMEAT",
    [IORING_OP_UNLINKAT] = "UNLINKAT",
    [IORING_OP_MKDIRAT] = "MKDIRAT",
    [IORING_OP_SYMLINKAT] = "SYMLINKAT",
    [IORING_OP_LINKAT] = "LINKAT",
    [IORING_OP_MSG_RING] = "MSG_RING",
    [IORING_OP_FSETXATTR] = "FSETXATTR",
    [IORING_OP_SETXATTR] = "SETXATTR",
    [IORING_OP_FGETXATTR] = "FGETXATTR",
    [IORING_OP_GETXATTR] = "GETXATTR",
    [IORING_OP_SOCKET] = "SOCKET",
    [IORING_OP_URING_CMD] = "URING_CMD",
    [IORING_OP_SEND_ZC] = "SEND_ZC",
    [IORING_OP_SENDMSG_ZC] = "SENDMSG_ZC",
};

const char *mux_uring_op_name(int op)
{
    if (op < 0 || op >= IORING_OP_LAST)
        return NULL;
    return OP_NAMES[op];
}

int mux_uring_probe(uint8_t *ops, int cap, uint32_t *info)
{
    if (cap < 0 || (cap > 0 && !ops) || !info)
        return -EFAULT;
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    int fd = sys_setup(2, &p);
    if (fd < 0)
        return fd;
    enum { PROBE_OPS = 256 };
    size_t len = sizeof(struct io_uring_probe) + PROBE_OPS * sizeof(struct io_uring_probe_op);
    struct io_uring_probe *pr = calloc(1, len);
    if (!pr) {
        close(fd);
        return -ENOMEM;
    }
    int rc = sys_register(fd, IORING_REGISTER_PROBE, pr, PROBE_OPS);
    close(fd);
    info[0] = p.features;
    info[1] = rc < 0 ? 0 : pr->last_op;
    info[2] = (uint32_t)(rc < 0 ? rc : 0);
    int n = rc < 0 ? 0 : pr->ops_len;
    for (int i = 0; i < cap; i++)
        ops[i] = (uint8_t)(i < n && (pr->ops[i].flags & IO_URING_OP_SUPPORTED) ? 1 : 0);
    free(pr);
    return n;
}

int mux_uring_deny_for_thread(int err)
{
    if (err <= 0 || err > 4095)
        return -EINVAL;
#if defined(__x86_64__)
    const uint32_t arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
    const uint32_t arch = AUDIT_ARCH_AARCH64;
#else
    return -ENOSYS;
#endif
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_enter, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_register, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((uint32_t)err & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { (unsigned short)(sizeof filter / sizeof filter[0]), filter };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -errno;
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
        return -errno;
    return 0;
}
