/* Signal-driven IO: fcntl(2) F_SETSIG / F_SETOWN_EX, signalfd(2), signal(7).
 *
 * register sets O_ASYNC | O_NONBLOCK on the fd, F_SETSIG to a real-time signal
 * and F_SETOWN_EX (F_OWNER_TID) to the calling thread, so that the kernel
 * queues one signal per readiness change to that thread only, carrying the fd
 * (si_fd) and the POLL* bits of the change (si_band). The owner thread is the
 * one that opened the multiplexer: open blocks the signal and SIGIO in it (for
 * good: a pending signal would kill the process if it were ever unblocked) and
 * opens a signalfd for both. wait reads the signals from the signalfd; only the
 * owner thread can, because signalfd reads the signals pending for the thread
 * that reads it. So every call but wakeup and close must come from the owner
 * (-EPERM otherwise).
 *
 * Safety: a real-time signal whose action is the default terminates the
 * process when it reaches a thread that does not block it. So the signal is
 * only ever directed at the calling thread, right after blocking it there
 * (ctl ADD blocks it again, a no-op for the owner), never at the process.
 * Blocking is not enough in a JVM: HotSpot restores a thread's original
 * signal mask when the thread ends, and a signal still pending then (or sent
 * to the thread while it ends) would be delivered and kill the process. So
 * open also sets the disposition of the signal, and of SIGIO if it is the
 * default, to SIG_IGN: the kernel never ignores a blocked signal (it queues
 * it, and the signalfd reads it), and one delivered by accident is discarded.
 *
 * The signal: SIGRTMIN + 6, computed at run time (glibc's SIGRTMIN is a
 * function: it keeps 32 and 33 for itself and says 34). 6 leaves the first
 * real-time signals to the libraries and programs that habitually take
 * SIGRTMIN, SIGRTMIN + 1, ...; it stays far below SIGRTMAX - 2, the signal
 * OpenJDK's NIO uses to interrupt blocking IO. open refuses (-EBUSY) when a
 * handler is installed for it: then something else in the process uses it.
 *
 * Semantics (the kernel's): edge-like. A signal is queued for every change
 * (every arrival of data, room to write again, hang-up, error), none while
 * data stays unread. Data already waiting when O_ASYNC is set sends nothing,
 * so ADD and MOD poll the fd once (timeout 0) and queue what is ready. When
 * the real-time queue is full (RLIMIT_SIGPENDING) the kernel sends plain SIGIO
 * without an fd instead: wait then polls every registered fd (timeout 0, in
 * chunks) and counts an overflow. Signals for fds no longer registered (after
 * DEL, or queued before the fd was closed) are dropped and counted as stale.
 *
 * Reported events: the bands of the signals read (and the revents of the
 * scans), ORed per fd, masked to POLLIN|POLLPRI|POLLOUT|POLLERR|POLLHUP (and
 * POLLNVAL from a scan of a closed fd), filtered by the interest mask; POLLERR,
 * POLLHUP and POLLNVAL are always reported. Ready fds wait in a FIFO ring, so
 * a full output buffer loses nothing: the next wait returns the rest.
 *
 * Files: sockets, pipes and FIFOs, terminals and inotify send these signals;
 * anything else (regular files, eventfd, timerfd, epoll, most devices) would
 * accept O_ASYNC and never signal, so ADD refuses it with -EPERM. A file
 * description that already has O_ASYNC (a dup of a registered fd, or someone
 * else's) is -EBUSY: its owner and signal are per open file description.
 * Not thread-safe beyond the owner rule: one owner thread does everything. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define SIGIO_OFFSET 6      /* the signal is SIGRTMIN + 6 */
#define SIGIO_BATCH 64      /* signalfd_siginfo records per read(2) */
#define SIGIO_ROUNDS 16     /* reads per wait at most: the rest stays queued for the next */
#define SIGIO_SCAN_CHUNK 256 /* pollfds per poll(2) of a full scan */

#define BAND_BITS (POLLIN | POLLPRI | POLLOUT | POLLERR | POLLHUP)
#define INTEREST_BITS (POLLIN | POLLPRI | POLLOUT | POLLERR | POLLHUP)

struct sig_entry {
    int32_t interest; /* POLL* bits; -1 when the fd is not registered */
    uint32_t pending; /* bands and scan results not yet reported */
    int32_t pos;      /* index in regs[] while registered */
    uint8_t queued;   /* the fd is in the ring */
};

struct mux_sigio {
    int sfd;
    int wakefd;
    int signo;
    pid_t owner_tid;
    pthread_t owner;
    struct sig_entry *tab; /* indexed by fd */
    int tab_cap;
    int32_t *ring;         /* fds with pending events, FIFO; capacity tab_cap */
    int ring_head, ring_len;
    int32_t *regs;         /* registered fds, dense (for the overflow scan) */
    int nregs, regs_cap;
    _Atomic int64_t overflows, signals, stale;
    struct mux_sigio *next; /* in the list of open instances */
    struct signalfd_siginfo sbuf[SIGIO_BATCH];
    struct pollfd scan[SIGIO_SCAN_CHUNK];
};

/* Open instances, one per owner thread: two in one thread would read each
 * other's signals from the same per-thread queue. */
static pthread_mutex_t owners_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mux_sigio *owners;

static struct mux_sigio *as_sigio(int64_t h)
{
    return (struct mux_sigio *)(intptr_t)h;
}

static int is_owner(const struct mux_sigio *s)
{
    return pthread_equal(pthread_self(), s->owner);
}

int mux_sigio_signal(void)
{
    int sig = SIGRTMIN + SIGIO_OFFSET;
    if (sig > SIGRTMAX - 3)
        return -ENOSYS;
    return sig;
}

static int block_signals(int signo, sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, signo);
    sigaddset(set, SIGIO);
    int rc = pthread_sigmask(SIG_BLOCK, set, NULL);
    return rc ? -rc : 0;
}

/* Reads and discards whatever the signalfd has for the calling thread. */
static void discard_signals(struct mux_sigio *s)
{
    for (;;) {
        ssize_t n = read(s->sfd, s->sbuf, sizeof s->sbuf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < (ssize_t)sizeof s->sbuf)
            return;
    }
}

/* 1 when sig has a handler function: someone else uses it. */
static int has_handler(const struct sigaction *sa)
{
    return (sa->sa_flags & SA_SIGINFO) || (sa->sa_handler != SIG_DFL && sa->sa_handler != SIG_IGN);
}

static int ignore_if_default(int sig, const struct sigaction *cur)
{
    if (has_handler(cur) || cur->sa_handler == SIG_IGN)
        return 0;
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    return sigaction(sig, &ign, NULL) < 0 ? -errno : 0;
}

/* Under owners_lock: the signal must be free (no handler); it and SIGIO (unless
 * someone handles SIGIO) become SIG_IGN, so that a delivery by accident is harmless. */
static int claim_signals(int signo)
{
    struct sigaction cur;
    if (sigaction(signo, NULL, &cur) < 0)
        return -errno;
    if (has_handler(&cur))
        return -EBUSY;
    int rc = ignore_if_default(signo, &cur);
    if (rc < 0)
        return rc;
    if (sigaction(SIGIO, NULL, &cur) < 0)
        return -errno;
    return ignore_if_default(SIGIO, &cur);
}

int64_t mux_sigio_open(void)
{
    int signo = mux_sigio_signal();
    if (signo < 0)
        return signo;
    pid_t tid = gettid();
    pthread_t self = pthread_self();
    pthread_mutex_lock(&owners_lock);
    for (struct mux_sigio *o = owners; o; o = o->next) {
        if (o->owner_tid == tid && pthread_equal(o->owner, self)) {
            pthread_mutex_unlock(&owners_lock);
            return -EEXIST; /* this thread already owns one */
        }
    }
    int claimed = claim_signals(signo);
    pthread_mutex_unlock(&owners_lock);
    if (claimed < 0)
        return claimed;

    struct mux_sigio *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    s->signo = signo;
    s->owner = self;
    s->owner_tid = tid;
    s->sfd = -1;
    s->wakefd = -1;
    sigset_t set;
    int rc = block_signals(signo, &set);
    if (rc < 0)
        goto fail;
    s->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (s->sfd < 0) {
        rc = -errno;
        goto fail;
    }
    s->wakefd = mux_wakefd_open();
    if (s->wakefd < 0) {
        rc = s->wakefd;
        goto fail;
    }
    /* left over by an earlier instance of this thread, closed from another thread */
    discard_signals(s);
    pthread_mutex_lock(&owners_lock);
    s->next = owners;
    owners = s;
    pthread_mutex_unlock(&owners_lock);
    return (int64_t)(intptr_t)s;
fail:
    if (s->sfd >= 0)
        close(s->sfd);
    free(s);
    return rc;
}

/* Undoes what ADD did to fd, but only if fd still carries our signal and
 * owner: the number may belong to another file by now. */
static void release_fd(struct mux_sigio *s, int fd)
{
    if (fcntl(fd, F_GETSIG) != s->signo)
        return;
    struct f_owner_ex own;
    if (fcntl(fd, F_GETOWN_EX, &own) < 0 || own.type != F_OWNER_TID
        || (own.pid != s->owner_tid && own.pid != 0))
        return;
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_ASYNC))
        (void)fcntl(fd, F_SETFL, fl & ~O_ASYNC);
    own.type = F_OWNER_PID;
    own.pid = 0;
    (void)fcntl(fd, F_SETOWN_EX, &own);
    (void)fcntl(fd, F_SETSIG, 0);
}

int mux_sigio_close(int64_t h)
{
    struct mux_sigio *s = as_sigio(h);
    if (!s)
        return -EINVAL;
    pthread_mutex_lock(&owners_lock);
    for (struct mux_sigio **p = &owners; *p; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            break;
        }
    }
    pthread_mutex_unlock(&owners_lock);
    for (int i = 0; i < s->nregs; i++)
        release_fd(s, s->regs[i]);
    /* Signals already queued to the owner stay pending there (blocked, so
     * harmless) until it opens another instance, which discards them. */
    close(s->wakefd);
    int rc = close(s->sfd) < 0 ? -errno : 0;
    free(s->tab);
    free(s->ring);
    free(s->regs);
    free(s);
    return rc;
}

/* Grows the fd table (and the ring, which has the same capacity) to hold fd. */
static int grow_table(struct mux_sigio *s, int fd)
{
    if (fd < s->tab_cap)
        return 0;
    int cap = s->tab_cap ? s->tab_cap : 64;
    while (cap <= fd) {
        if (cap > INT32_MAX / 2)
            return -ENOMEM;
        cap *= 2;
    }
    struct sig_entry *tab = realloc(s->tab, (size_t)cap * sizeof *tab);
    if (!tab)
        return -ENOMEM;
    s->tab = tab;
    for (int i = s->tab_cap; i < cap; i++) {
        tab[i].interest = -1;
        tab[i].pending = 0;
        tab[i].pos = -1;
        tab[i].queued = 0;
    }
    int32_t *ring = malloc((size_t)cap * sizeof *ring);
    if (!ring)
        return -ENOMEM; /* the larger table is kept; the ring still fits the old one */
    for (int i = 0; i < s->ring_len; i++)
        ring[i] = s->ring[(s->ring_head + i) % s->tab_cap];
    free(s->ring);
    s->ring = ring;
    s->ring_head = 0;
    s->tab_cap = cap;
    return 0;
}

static int grow_regs(struct mux_sigio *s)
{
    if (s->nregs < s->regs_cap)
        return 0;
    int cap = s->regs_cap ? s->regs_cap * 2 : 64;
    int32_t *regs = realloc(s->regs, (size_t)cap * sizeof *regs);
    if (!regs)
        return -ENOMEM;
    s->regs = regs;
    s->regs_cap = cap;
    return 0;
}

static void enqueue(struct mux_sigio *s, int fd, uint32_t bits)
{
    struct sig_entry *e = &s->tab[fd];
    e->pending |= bits;
    if (!e->queued) {
        e->queued = 1;
        s->ring[(s->ring_head + s->ring_len) % s->tab_cap] = fd;
        s->ring_len++;
    }
}

/* poll(2) with timeout 0 over n entries of s->scan; queues what is ready. */
static int scan_chunk(struct mux_sigio *s, int n)
{
    int r;
    do {
        r = poll(s->scan, (nfds_t)n, 0);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        return -errno;
    for (int i = 0; i < n && r > 0; i++) {
        short re = s->scan[i].revents;
        if (re) {
            enqueue(s, s->scan[i].fd, (uint16_t)re & (BAND_BITS | POLLNVAL));
            r--;
        }
    }
    return 0;
}

static void scan_entry(struct mux_sigio *s, int i, int fd)
{
    s->scan[i].fd = fd;
    s->scan[i].events = (short)(s->tab[fd].interest & (POLLIN | POLLPRI | POLLOUT));
    s->scan[i].revents = 0;
}

static int scan_one(struct mux_sigio *s, int fd)
{
    scan_entry(s, 0, fd);
    return scan_chunk(s, 1);
}

/* After an overflow: every registered fd, in chunks. */
static int scan_all(struct mux_sigio *s)
{
    for (int i = 0; i < s->nregs; i += SIGIO_SCAN_CHUNK) {
        int n = s->nregs - i < SIGIO_SCAN_CHUNK ? s->nregs - i : SIGIO_SCAN_CHUNK;
        for (int j = 0; j < n; j++)
            scan_entry(s, j, s->regs[i + j]);
        int rc = scan_chunk(s, n);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The files whose drivers send SIGIO (they implement fasync). */
static int check_kind(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode))
        return 0;
    if (S_ISCHR(st.st_mode))
        return isatty(fd) ? 0 : -EPERM;
    if ((st.st_mode & S_IFMT) == 0) { /* an anonymous inode: which one? */
        char path[64], target[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n > 0) {
            target[n] = 0;
            if (strcmp(target, "anon_inode:inotify") == 0)
                return 0;
        }
    }
    return -EPERM;
}

static int add_fd(struct mux_sigio *s, int fd, int events)
{
    int rc = mux_check_fd_open(fd);
    if (rc < 0)
        return rc;
    rc = check_kind(fd);
    if (rc < 0)
        return rc;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -errno;
    if (fl & O_ASYNC)
        return -EBUSY;
    rc = grow_table(s, fd);
    if (rc < 0)
        return rc;
    rc = grow_regs(s);
    if (rc < 0)
        return rc;
    sigset_t set;
    rc = block_signals(s->signo, &set); /* the thread we name below blocks them, whatever happened */
    if (rc < 0)
        return rc;
    if (fcntl(fd, F_SETSIG, s->signo) < 0)
        return -errno;
    struct f_owner_ex own = { F_OWNER_TID, s->owner_tid }; /* the caller: ctl checked it is the owner */
    if (fcntl(fd, F_SETOWN_EX, &own) < 0) {
        rc = -errno;
        (void)fcntl(fd, F_SETSIG, 0);
        return rc;
    }
    if (fcntl(fd, F_SETFL, fl | O_ASYNC | O_NONBLOCK) < 0) {
        rc = -errno;
        own.type = F_OWNER_PID;
        own.pid = 0;
        (void)fcntl(fd, F_SETOWN_EX, &own);
        (void)fcntl(fd, F_SETSIG, 0);
        return rc;
    }
    struct sig_entry *e = &s->tab[fd];
    e->interest = events;
    e->pending = 0;
    e->pos = s->nregs;
    s->regs[s->nregs++] = fd;
    /* O_ASYNC is on: a change from now on is signalled; what is already there, the scan sees */
    return scan_one(s, fd);
}

static void remove_fd(struct mux_sigio *s, int fd)
{
    release_fd(s, fd);
    struct sig_entry *e = &s->tab[fd];
    int last = s->nregs - 1;
    if (e->pos != last) {
        int moved = s->regs[last];
        s->regs[e->pos] = moved;
        s->tab[moved].pos = e->pos;
    }
    s->nregs--;
    e->interest = -1;
    e->pending = 0; /* a queued ring entry stays; it reports nothing */
    e->pos = -1;
}

int mux_sigio_ctl(int64_t h, int op, int fd, int events)
{
    struct mux_sigio *s = as_sigio(h);
    if (!s)
        return -EINVAL;
    if (!is_owner(s))
        return -EPERM;
    if (op != MUX_CTL_ADD && op != MUX_CTL_MOD && op != MUX_CTL_DEL)
        return -EINVAL;
    if (fd < 0)
        return -EBADF;
    if (op != MUX_CTL_DEL && (events & ~INTEREST_BITS))
        return -EINVAL;
    if (fd == s->sfd || fd == s->wakefd)
        return op == MUX_CTL_ADD ? -EEXIST : -EPERM; /* ours */
    int registered = fd < s->tab_cap && s->tab[fd].interest >= 0;
    switch (op) {
    case MUX_CTL_ADD:
        return registered ? -EEXIST : add_fd(s, fd, events);
    case MUX_CTL_MOD: {
        if (!registered)
            return -ENOENT;
        int rc = mux_check_fd_open(fd);
        if (rc < 0)
            return rc;
        s->tab[fd].interest = events;
        return scan_one(s, fd); /* no change, no signal: what the new mask sees now, the scan reports */
    }
    default:
        /* allowed for an fd closed since: that is how a caller cleans up */
        if (!registered)
            return -ENOENT;
        remove_fd(s, fd);
        return 0;
    }
}

static void take_signal(struct mux_sigio *s, const struct signalfd_siginfo *si, int *overflow)
{
    if ((int)si->ssi_signo == SIGIO) {
        /* the real-time queue was full: some change was not queued */
        atomic_fetch_add_explicit(&s->overflows, 1, memory_order_relaxed);
        *overflow = 1;
        return;
    }
    atomic_fetch_add_explicit(&s->signals, 1, memory_order_relaxed);
    int fd = si->ssi_fd;
    int from_fasync = si->ssi_code >= POLL_IN && si->ssi_code <= POLL_HUP;
    if (!from_fasync || fd < 0 || fd >= s->tab_cap || s->tab[fd].interest < 0) {
        /* sent by someone else, or for an fd no longer registered */
        atomic_fetch_add_explicit(&s->stale, 1, memory_order_relaxed);
        return;
    }
    enqueue(s, fd, si->ssi_band & BAND_BITS);
}

static int drain_signals(struct mux_sigio *s)
{
    int overflow = 0;
    for (int round = 0; round < SIGIO_ROUNDS; round++) {
        ssize_t n = read(s->sfd, s->sbuf, sizeof s->sbuf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                break;
            return -errno;
        }
        size_t k = (size_t)n / sizeof s->sbuf[0];
        for (size_t i = 0; i < k; i++)
            take_signal(s, &s->sbuf[i], &overflow);
        if (k < SIGIO_BATCH)
            break;
    }
    return overflow ? scan_all(s) : 0;
}

static int emit(struct mux_sigio *s, char *buf, int capacity)
{
    int k = 0;
    while (k < capacity && s->ring_len > 0) {
        int fd = s->ring[s->ring_head];
        s->ring_head = s->ring_head + 1 == s->tab_cap ? 0 : s->ring_head + 1;
        s->ring_len--;
        struct sig_entry *e = &s->tab[fd];
        uint32_t ev = 0;
        if (e->interest >= 0)
            ev = e->pending & ((uint32_t)e->interest | POLLERR | POLLHUP | POLLNVAL);
        e->pending = 0;
        e->queued = 0;
        if (!ev)
            continue;
        struct mux_slot slot = { fd, ev };
        memcpy(buf + (size_t)k * sizeof slot, &slot, sizeof slot);
        k++;
    }
    return k;
}

int mux_sigio_wait(int64_t h, int64_t out, int capacity, int64_t timeout_ms)
{
    struct mux_sigio *s = as_sigio(h);
    if (!s || capacity <= 0 || out == 0)
        return -EINVAL;
    if (!is_owner(s))
        return -EPERM; /* the signalfd would read another thread's signals */
    char *buf = (char *)(intptr_t)out;
    struct mux_deadline d;
    mux_deadline_start(&d, timeout_ms);
    for (;;) {
        struct pollfd p[2] = { { s->sfd, POLLIN, 0 }, { s->wakefd, POLLIN, 0 } };
        /* events left over from the last wait (capacity) are returned without blocking */
        int n = poll(p, 2, s->ring_len > 0 ? 0 : mux_deadline_next_ms(&d));
        int woke = 0;
        if (n < 0) {
            if (errno != EINTR)
                return -errno;
            mux_note_eintr();
        } else if (n > 0) {
            if (p[1].revents) {
                mux_wakefd_drain(s->wakefd);
                woke = 1;
            }
            if (p[0].revents) {
                int rc = drain_signals(s);
                if (rc < 0)
                    return rc;
            }
        }
        int k = emit(s, buf, capacity);
        if (k > 0 || woke)
            return k;
        if (!mux_deadline_should_retry(&d))
            return 0;
    }
}

int mux_sigio_wakeup(int64_t h)
{
    return mux_wakefd_signal(as_sigio(h)->wakefd);
}

int mux_sigio_count(int64_t h)
{
    return as_sigio(h)->nregs;
}

int64_t mux_sigio_overflows(int64_t h)
{
    return atomic_load_explicit(&as_sigio(h)->overflows, memory_order_relaxed);
}

int64_t mux_sigio_signals(int64_t h)
{
    return atomic_load_explicit(&as_sigio(h)->signals, memory_order_relaxed);
}

int64_t mux_sigio_stale(int64_t h)
{
    return atomic_load_explicit(&as_sigio(h)->stale, memory_order_relaxed);
}

int64_t mux_sigpending_limit(int hard)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_SIGPENDING, &rl) < 0)
        return -errno;
    rlim_t v = hard ? rl.rlim_max : rl.rlim_cur;
    return v == RLIM_INFINITY || v > (rlim_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

int mux_set_sigpending_limit(int64_t soft)
{
    if (soft < 0)
        return -EINVAL;
    struct rlimit rl;
    if (getrlimit(RLIMIT_SIGPENDING, &rl) < 0)
        return -errno;
    rl.rlim_cur = soft == INT64_MAX ? RLIM_INFINITY : (rlim_t)soft;
    if (setrlimit(RLIMIT_SIGPENDING, &rl) < 0)
        return -errno;
    return 0;
}

int64_t mux_sigpending_used(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (!f)
        return -errno;
    char line[256];
    long long used = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "SigQ:", 5) == 0) {
            if (sscanf(line + 5, "%lld", &used) != 1)
                used = -1;
            break;
        }
    }
    fclose(f);
    return used >= 0 ? used : -ENOENT;
}
