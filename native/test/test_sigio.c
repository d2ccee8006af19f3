/* Signal-driven IO (sigio.c) against the real kernel: conformance.md group E
 * (E1 bands, E2 thread-directed signals and what a process-directed one does,
 * E3 edge-like reports and the scan at register, E4 queue overflow forced with
 * RLIMIT_SIGPENDING, E5 stale signals), the owner-thread rule, ctl errors,
 * capacity, wakeup, EINTR and fd bookkeeping. */
#include "mtest_mux.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

static const struct mt_backend B_SIGIO = {
    "sigio", mux_sigio_open, mux_sigio_close, mux_sigio_ctl, mux_sigio_wait, mux_sigio_wakeup, POLLIN, POLLOUT
};

static int64_t sig_open(void)
{
    int64_t h = mux_sigio_open();
    CHECK_GT(h, 0);
    return h;
}

static void sig_close(int64_t h)
{
    if (h > 0)
        CHECK_EQ(mux_sigio_close(h), 0);
}

static int wait_n(int64_t h, int capacity, int64_t timeout_ms, struct mt_ready *r)
{
    return mt_wait(&B_SIGIO, h, capacity, timeout_ms, r);
}

static int is_blocked(int signo)
{
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    return sigismember(&cur, signo) == 1;
}

/* The signal: SIGRTMIN + 6 at run time, never glibc's 32/33 nor the JDK's SIGRTMAX - 2. */
static void sigio_signal_choice(void)
{
    int s = mux_sigio_signal();
    CHECK_EQ(s, SIGRTMIN + 6);
    CHECK_GT(s, 33);
    CHECK_LT(s, SIGRTMAX - 2);
    CHECK_EQ(mux_const_named("SIGIO"), SIGIO);
}

/* open blocks the signal and SIGIO in the calling thread; one instance per thread. */
static void sigio_open_blocks_and_one_per_thread(void)
{
    int64_t h = sig_open();
    CHECK(is_blocked(mux_sigio_signal()));
    CHECK(is_blocked(SIGIO));
    CHECK_EQ(mux_sigio_open(), -EEXIST);
    CHECK_EQ(mux_sigio_count(h), 0);
    sig_close(h);
    CHECK(is_blocked(mux_sigio_signal())); /* for good: a pending signal must never be delivered */
    h = sig_open();                         /* again, once the first is closed */
    sig_close(h);
    CHECK_EQ(mux_sigio_close(0), -EINVAL);
}

static void on_our_signal(int signo)
{
    (void)signo;
}

/* A handler installed for the signal means someone else uses it: open refuses. */
static void sigio_signal_in_use_is_ebusy(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_our_signal;
    CHECK_EQ(sigaction(mux_sigio_signal(), &sa, &old), 0);
    CHECK_EQ(mux_sigio_open(), -EBUSY);
    CHECK_EQ(sigaction(mux_sigio_signal(), &old, NULL), 0);
    int64_t h = sig_open();
    sig_close(h);
}

static int disposition_is(int signo, void (*what)(int))
{
    struct sigaction cur;
    CHECK_EQ(sigaction(signo, NULL, &cur), 0);
    return !(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == what;
}

/* open sets the signal and SIGIO from the default action to SIG_IGN (a handler of
 * SIGIO would be left alone); blocked, they still queue and are read (every
 * other case shows it). */
static void sigio_dispositions_ignored(void)
{
    struct sigaction dfl, old_sig, old_io;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    CHECK_EQ(sigaction(mux_sigio_signal(), &dfl, &old_sig), 0);
    CHECK_EQ(sigaction(SIGIO, &dfl, &old_io), 0);
    int64_t h = sig_open();
    CHECK(disposition_is(mux_sigio_signal(), SIG_IGN));
    CHECK(disposition_is(SIGIO, SIG_IGN));
    sig_close(h);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_our_signal;
    CHECK_EQ(sigaction(SIGIO, &sa, NULL), 0);
    h = sig_open();
    CHECK(disposition_is(SIGIO, on_our_signal)); /* someone else's handler: kept */
    sig_close(h);
    CHECK_EQ(sigaction(SIGIO, &old_io, NULL), 0);
    CHECK_EQ(sigaction(mux_sigio_signal(), &old_sig, NULL), 0);
}

/* What HotSpot does when a thread ends: it restores the thread's original
 * signal mask. A signal then pending, or sent to it afterwards, is delivered:
 * with SIG_IGN it is discarded and the process lives. */
struct ending {
    int64_t h;
    int fd;
    int peer;
};

static void *owner_that_unblocks(void *arg)
{
    struct ending *e = arg;
    e->h = mux_sigio_open();
    if (e->h <= 0)
        return NULL;
    mux_sigio_ctl(e->h, MUX_CTL_ADD, e->fd, POLLIN);
    char c = 'x';
    if (write(e->peer, &c, 1) != 1) /* a signal pending in this thread, never read */
        return NULL;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, mux_sigio_signal());
    sigaddset(&set, SIGIO);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL); /* as the thread ends */
    if (write(e->peer, &c, 1) != 1)           /* and one sent to it unblocked */
        return NULL;
    return NULL;
}

static void sigio_owner_ending_with_signals_pending_is_harmless(void)
{
    int sv[2];
    mt_pair(sv);
    struct ending e = { 0, sv[0], sv[1] };
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, owner_that_unblocks, &e), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_GT(e.h, 0);
    mt_put(sv[1], 1); /* to the ended thread: nowhere */
    if (e.h > 0)
        CHECK_EQ(mux_sigio_close(e.h), 0); /* from another thread */
    CHECK_EQ(fcntl(sv[0], F_GETFL) & O_ASYNC, 0);
    mt_close_pair(sv);
}

/* E1, raw: what the kernel queues, read with a signalfd of our own (no multiplexer). */
static void arm_raw(int fd, int signo)
{
    CHECK_EQ(fcntl(fd, F_SETSIG, signo), 0);
    struct f_owner_ex own = { F_OWNER_TID, gettid() };
    CHECK_EQ(fcntl(fd, F_SETOWN_EX, &own), 0);
    CHECK_EQ(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC | O_NONBLOCK), 0);
}

static int read_raw(int sfd, struct signalfd_siginfo *si, int max)
{
    ssize_t n = read(sfd, si, (size_t)max * sizeof *si);
    return n < 0 ? 0 : (int)(n / (ssize_t)sizeof *si);
}

static void sigio_e1_raw_bands(void)
{
    int signo = mux_sigio_signal();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signo);
    sigaddset(&set, SIGIO);
    CHECK_EQ(pthread_sigmask(SIG_BLOCK, &set, NULL), 0);
    int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    CHECK_GE(sfd, 0);
    struct signalfd_siginfo si[8];
    int sv[2];
    mt_pair(sv);
    arm_raw(sv[0], signo);
    arm_raw(sv[1], signo);
    CHECK_EQ(read_raw(sfd, si, 8), 0); /* connected and idle: nothing */
    mt_put(sv[1], 2);
    CHECK_EQ(read_raw(sfd, si, 8), 1);
    CHECK_EQ(si[0].ssi_signo, signo);
    CHECK_EQ(si[0].ssi_fd, sv[0]);
    CHECK_EQ(si[0].ssi_code, POLL_IN);
    CHECK_EQ(si[0].ssi_band, POLLIN | POLLRDNORM);
    /* E3: unread data sends nothing more; each new arrival sends one */
    CHECK_EQ(read_raw(sfd, si, 8), 0);
    mt_put(sv[1], 1);
    mt_put(sv[1], 1);
    CHECK_EQ(read_raw(sfd, si, 8), 2);
    /* room to write again: POLL_OUT once the full sender's peer reads */
    CHECK_GT(mux_fill(sv[0], 1 << 24), 0);
    while (read_raw(sfd, si, 8) > 0) {
    } /* the fill's arrivals at sv[1] */
    CHECK_GT(mux_drain(sv[1]), 0);
    int n = read_raw(sfd, si, 8);
    CHECK_GE(n, 1);
    CHECK_EQ(si[0].ssi_fd, sv[0]);
    CHECK_EQ(si[0].ssi_code, POLL_OUT);
    CHECK_EQ(si[0].ssi_band & (POLLOUT | POLLWRNORM), POLLOUT | POLLWRNORM);
    /* hang-up: the kernel's band for POLL_HUP is POLLHUP|POLLERR */
    mux_drain(sv[0]);
    CHECK_EQ(mux_close(sv[1]), 0);
    sv[1] = -1;
    n = read_raw(sfd, si, 8);
    CHECK_GE(n, 1);
    CHECK_EQ(si[n - 1].ssi_fd, sv[0]);
    CHECK_EQ(si[n - 1].ssi_code, POLL_HUP);
    CHECK_EQ(si[n - 1].ssi_band, POLLHUP | POLLERR);
    mt_close_pair(sv);
    CHECK_EQ(read_raw(sfd, si, 8), 0);
    CHECK_EQ(close(sfd), 0);
}

/* E1/E3 through the multiplexer: one report per change, merged per fd, none while unread. */
static void sigio_e1_e3_edge_like(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = sig_open();
    struct mt_ready r;
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    CHECK_EQ(mux_sigio_count(h), 1);
    CHECK_EQ(wait_n(h, 4, 0, &r), 0);
    mt_put(sv[1], 2);
    CHECK_EQ(wait_n(h, 4, 1000, &r), 1);
    CHECK_EQ(r.fd[0], sv[0]);
    CHECK_EQ(r.ev[0], POLLIN);
    CHECK_EQ(mux_sigio_signals(h), 1);
    CHECK_EQ(wait_n(h, 4, 0, &r), 0); /* still unread: no new signal, no report */
    mt_take(sv[0], 1);
    CHECK_EQ(wait_n(h, 4, 0, &r), 0);
    mt_put(sv[1], 1); /* a new arrival: reported again */
    mt_put(sv[1], 1); /* two signals, one entry */
    CHECK_EQ(wait_n(h, 4, 1000, &r), 1);
    CHECK_EQ(r.ev[0], POLLIN);
    CHECK_EQ(mux_sigio_signals(h), 3);
    CHECK_EQ(wait_n(h, 4, 0, &r), 0);
    CHECK_EQ(mux_sigio_overflows(h), 0);
    CHECK_EQ(mux_sigio_stale(h), 0);
    /* register left the fd non-blocking with O_ASYNC */
    CHECK(fcntl(sv[0], F_GETFL) & O_ASYNC);
    CHECK_EQ(mux_get_nonblock(sv[0]), 1);
    CHECK_EQ(fcntl(sv[0], F_GETSIG), mux_sigio_signal());
    struct f_owner_ex own;
    CHECK_EQ(fcntl(sv[0], F_GETOWN_EX, &own), 0);
    CHECK_EQ(own.type, F_OWNER_TID);
    CHECK_EQ(own.pid, gettid());
    sig_close(h);
    CHECK_EQ(fcntl(sv[0], F_GETFL) & O_ASYNC, 0); /* close releases its fds */
    mt_close_pair(sv);
}

/* E3: what is ready at register sends no signal; the scan at register reports it once. */
static void sigio_e3_scan_at_register(void)
{
    int sv[2], idle[2];
    mt_pair(sv);
    mt_pair(idle);
    mt_put(sv[1], 3);
    int64_t h = sig_open();
    struct mt_ready r;
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[0], POLLIN | POLLOUT), 0);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, idle[0], POLLIN), 0);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, idle[1], POLLOUT), 0);
    CHECK_EQ(wait_n(h, 8, 0, &r), 2);
    CHECK_EQ(mt_events(&r, sv[0]), POLLIN | POLLOUT); /* the scan sees the whole state */
    CHECK_EQ(mt_events(&r, idle[1]), POLLOUT);
    CHECK_EQ(mt_count(&r, idle[0]), 0);
    CHECK_EQ(mux_sigio_signals(h), 0);
    CHECK_EQ(wait_n(h, 8, 0, &r), 0); /* once */
    sig_close(h);
    mt_close_pair(sv);
    mt_close_pair(idle);
}

/* MOD scans too: the new mask sees the current state; bands outside the mask are dropped. */
static void sigio_modify(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = sig_open();
    struct mt_ready r;
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    CHECK_EQ(wait_n(h, 4, 0, &r), 0);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_MOD, sv[0], POLLOUT), 0);
    CHECK_EQ(wait_n(h, 4, 0, &r), 1);
    CHECK_EQ(r.ev[0], POLLOUT);
    mt_put(sv[1], 1); /* a POLLIN signal, but the mask is POLLOUT */
    CHECK_EQ(wait_n(h, 4, 100, &r), 0);
    CHECK_EQ(mux_sigio_signals(h), 1);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_MOD, sv[0], POLLIN), 0); /* the data is there: reported */
    CHECK_EQ(wait_n(h, 4, 0, &r), 1);
    CHECK_EQ(r.ev[0], POLLIN);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_MOD, sv[0], 0), 0);
    mt_put(sv[1], 1);
    CHECK_EQ(wait_n(h, 4, 100, &r), 0);
    sig_close(h);
    mt_close_pair(sv);
}

/* Signals that come as hang-up and error, on sockets and pipes. */
static void sigio_hup_and_pipes(void)
{
    int sv[2], p[2], q[2];
    mt_pair(sv);
    CHECK_EQ(mux_pipe(1, p), 0);
    CHECK_EQ(mux_pipe(1, q), 0);
    int64_t h = sig_open();
    struct mt_ready r;
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[0], 0), 0); /* interest 0: HUP and ERR only */
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, p[0], POLLIN), 0);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, q[1], POLLOUT), 0);
    CHECK_EQ(wait_n(h, 8, 0, &r), 1); /* q[1]: an empty pipe is writable (scan) */
    CHECK_EQ(mt_events(&r, q[1]), POLLOUT);
    CHECK_EQ(mux_close(sv[1]), 0);
    sv[1] = -1;
    CHECK_EQ(mux_close(p[1]), 0); /* a pipe's writer closing sends POLL_IN to the reader */
    p[1] = -1;
    CHECK_EQ(mux_close(q[0]), 0); /* its reader closing sends POLL_OUT to the writer */
    q[0] = -1;
    CHECK_EQ(wait_n(h, 8, 1000, &r), 3);
    CHECK_EQ(mt_events(&r, sv[0]), POLLHUP | POLLERR);
    CHECK_EQ(mt_events(&r, p[0]), POLLIN);
    CHECK_EQ(mt_events(&r, q[1]), POLLOUT);
    char c;
    CHECK_EQ(mux_read(p[0], (int64_t)(intptr_t)&c, 1), 0); /* EOF */
    CHECK_EQ(mux_write(q[1], (int64_t)(intptr_t)&c, 1), -EPIPE);
    CHECK_EQ(wait_n(h, 8, 0, &r), 0);
    sig_close(h);
    mt_close_pair(sv);
    mt_close_pair(p);
    mt_close_pair(q);
}

/* Sets RLIMIT_SIGPENDING's soft limit; returns the old one. */
static int64_t set_sigpending(int64_t soft)
{
    int64_t old = mux_sigpending_limit(0);
    CHECK_GE(old, 0);
    CHECK_EQ(mux_set_sigpending_limit(soft), 0);
    CHECK_EQ(mux_sigpending_limit(0), soft);
    return old;
}

/* E4 at a limit of 0: no real-time signal can be queued; every change becomes
 * plain SIGIO, and the scan still finds every ready fd. */
static void sigio_e4_overflow_at_zero(void)
{
    enum { N = 16 };
    int sv[N][2];
    int64_t h = sig_open();
    for (int i = 0; i < N; i++) {
        mt_pair(sv[i]);
        CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[i][0], POLLIN), 0);
    }
    struct mt_ready r;
    int64_t old = set_sigpending(0);
    for (int i = 0; i < N; i++)
        mt_put(sv[i][1], 1);
    CHECK_EQ(wait_n(h, 64, 1000, &r), N);
    CHECK_EQ(mux_set_sigpending_limit(old), 0);
    CHECK_EQ(mux_sigpending_limit(0), old);
    CHECK_GE(mux_sigio_overflows(h), 1);
    CHECK_EQ(mux_sigio_signals(h), 0);
    for (int i = 0; i < N; i++)
        CHECK_EQ(mt_events(&r, sv[i][0]), POLLIN);
    /* the limit restored: real-time signals again */
    mt_put(sv[3][1], 1);
    CHECK_EQ(wait_n(h, 64, 1000, &r), 1);
    CHECK_EQ(r.fd[0], sv[3][0]);
    CHECK_EQ(mux_sigio_signals(h), 1);
    sig_close(h);
    for (int i = 0; i < N; i++)
        mt_close_pair(sv[i]);
}

/* E4 at a small limit: a few real-time signals fit, the rest overflow; every
 * ready fd is reported exactly once all the same. */
static void sigio_e4_overflow_at_small_limit(void)
{
    enum { N = 48 };
    int sv[N][2];
    int64_t h = sig_open();
    for (int i = 0; i < N; i++) {
        mt_pair(sv[i]);
        CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[i][0], POLLIN), 0);
    }
    struct mt_ready r;
    int64_t used = mux_sigpending_used(); /* this user's signals queued anywhere */
    CHECK_GE(used, 0);
    int64_t old = set_sigpending(used + 4);
    for (int i = 0; i < N; i++)
        mt_put(sv[i][1], 1);
    CHECK_EQ(wait_n(h, 64, 1000, &r), N);
    CHECK_EQ(mux_set_sigpending_limit(old), 0);
    CHECK_GE(mux_sigio_overflows(h), 1);
    CHECK_LT(mux_sigio_signals(h), N);
    for (int i = 0; i < N; i++)
        CHECK_EQ(mt_count(&r, sv[i][0]), 1);
    CHECK_EQ(wait_n(h, 64, 0, &r), 0);
    sig_close(h);
    for (int i = 0; i < N; i++)
        mt_close_pair(sv[i]);
}

/* E5: unregister clears O_ASYNC; signals queued before are dropped as stale. */
static void sigio_e5_stale_after_unregister(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = sig_open();
    struct mt_ready r;
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    mt_put(sv[1], 1); /* queued */
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_DEL, sv[0], 0), 0);
    CHECK_EQ(fcntl(sv[0], F_GETFL) & O_ASYNC, 0);
    CHECK_EQ(fcntl(sv[0], F_GETSIG), 0);
    CHECK_EQ(mux_get_nonblock(sv[0]), 1); /* left as it was made */
    CHECK_EQ(wait_n(h, 4, 50, &r), 0);
    CHECK_EQ(mux_sigio_signals(h), 1);
    CHECK_EQ(mux_sigio_stale(h), 1);
    mt_put(sv[1], 1); /* no O_ASYNC: no signal at all */
    CHECK_EQ(wait_n(h, 4, 50, &r), 0);
    CHECK_EQ(mux_sigio_signals(h), 1);
    /* registered again: the unread data is found by the scan */
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    CHECK_EQ(wait_n(h, 4, 0, &r), 1);
    sig_close(h);
    mt_close_pair(sv);
}

/* E5: a registered fd closed with a signal queued: the signal still arrives and
 * is dropped once the caller has unregistered the number (which is allowed). */
static void sigio_e5_stale_after_close(void)
{
    int sv[2], other[2];
    mt_pair(sv);
    mt_pair(other);
    int64_t h = sig_open();
    struct mt_ready r;
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, other[0], POLLIN), 0);
    mt_put(sv[1], 1);
    int gone = sv[0];
    CHECK_EQ(mux_close(gone), 0);
    sv[0] = -1;
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_MOD, gone, POLLIN), -EBADF);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_DEL, gone, 0), 0);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_DEL, gone, 0), -ENOENT);
    mt_put(other[1], 1);
    CHECK_EQ(wait_n(h, 4, 1000, &r), 1);
    CHECK_EQ(r.fd[0], other[0]);
    CHECK_EQ(mux_sigio_stale(h), 1);
    CHECK_EQ(mux_sigio_count(h), 1);
    sig_close(h);
    mt_close_pair(sv);
    mt_close_pair(other);
}

/* A scan after an overflow reports a registered fd that was closed as POLLNVAL. */
static void sigio_overflow_scan_reports_nval(void)
{
    int sv[2], other[2];
    mt_pair(sv);
    mt_pair(other);
    int64_t h = sig_open();
    struct mt_ready r;
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, other[0], POLLIN), 0);
    int gone = sv[0];
    CHECK_EQ(mux_close(gone), 0);
    sv[0] = -1;
    int64_t old = set_sigpending(0);
    mt_put(other[1], 1);
    CHECK_EQ(mux_set_sigpending_limit(old), 0);
    CHECK_EQ(wait_n(h, 4, 1000, &r), 2);
    CHECK_EQ(mt_events(&r, gone), POLLNVAL);
    CHECK_EQ(mt_events(&r, other[0]), POLLIN);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_DEL, gone, 0), 0);
    sig_close(h);
    mt_close_pair(sv);
    mt_close_pair(other);
}

/* E2: the signal goes to the owner thread only. A helper thread (which also
 * blocks it, to be safe) sees nothing pending; the owner does. And every call
 * but wakeup and close is refused off the owner thread. */
struct e2_probe {
    int64_t h;
    int fd;
    int signo;
    int pending_here;
    int wait_rc, ctl_rc, del_rc;
    int wakeup_rc;
};

static void *e2_helper(void *arg)
{
    struct e2_probe *p = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, p->signo);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    sigset_t pend;
    sigpending(&pend);
    p->pending_here = sigismember(&pend, p->signo);
    struct mt_ready r;
    p->wait_rc = mt_wait_raw(mux_sigio_wait, p->h, 4, 0, &r);
    p->ctl_rc = mux_sigio_ctl(p->h, MUX_CTL_ADD, p->fd, POLLIN);
    p->del_rc = mux_sigio_ctl(p->h, MUX_CTL_DEL, p->fd, 0);
    p->wakeup_rc = mux_sigio_wakeup(p->h);
    return NULL;
}

static void sigio_e2_thread_directed(void)
{
    int sv[2], other[2];
    mt_pair(sv);
    mt_pair(other);
    int64_t h = sig_open();
    struct mt_ready r;
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    mt_put(sv[1], 1);
    sigset_t pend;
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigismember(&pend, mux_sigio_signal()), 1); /* pending for the owner */
    struct e2_probe p = { h, other[0], mux_sigio_signal(), -1, 0, 0, 0, -1 };
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, e2_helper, &p), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(p.pending_here, 0);
    CHECK_EQ(p.wait_rc, -EPERM);
    CHECK_EQ(p.ctl_rc, -EPERM);
    CHECK_EQ(p.del_rc, -EPERM);
    CHECK_EQ(p.wakeup_rc, 0);
    CHECK_EQ(mux_sigio_count(h), 1);
    CHECK_EQ(wait_n(h, 4, 1000, &r), 1); /* the data (the wakeup ended nothing: events came first) */
    CHECK_EQ(r.fd[0], sv[0]);
    CHECK_EQ(wait_n(h, 4, 50, &r), 0); /* the wakeup was consumed with the events */
    sig_close(h);
    mt_close_pair(sv);
    mt_close_pair(other);
}

/* E2, the danger this design avoids: a process-directed real-time signal with
 * its default action kills the process. Shown in a child, which dies of it
 * (after putting back the default action, which open replaced by SIG_IGN). */
static void sigio_e2_process_directed_signal_kills(void)
{
    int signo = mux_sigio_signal();
    pid_t pid = fork();
    CHECK_GE(pid, 0);
    if (pid == 0) {
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(signo, &dfl, NULL); /* the default action, which muxlab's open replaces */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, signo);
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
            _exit(3);
        fcntl(sv[0], F_SETSIG, signo);
        fcntl(sv[0], F_SETOWN, getpid()); /* the process, not a thread */
        fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_ASYNC);
        if (write(sv[1], "x", 1) != 1)
            _exit(4);
        mt_sleep_ms(2000);
        _exit(0); /* still alive: the test fails */
    }
    int status = 0;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFSIGNALED(status));
    CHECK_EQ(WIFSIGNALED(status) ? WTERMSIG(status) : -1, signo);
}

/* ctl errors, in the order the shim checks them. */
static void sigio_ctl_errors(void)
{
    int sv[2], p[2];
    mt_pair(sv);
    CHECK_EQ(mux_pipe(1, p), 0);
    int64_t h = sig_open();
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, -1, POLLIN), -EBADF);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_MOD, -1, POLLIN), -EBADF);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_DEL, -1, 0), -EBADF);
    CHECK_EQ(mux_sigio_ctl(h, 0, sv[0], POLLIN), -EINVAL);
    CHECK_EQ(mux_sigio_ctl(h, 99, sv[0], POLLIN), -EINVAL);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[0], (int)EPOLLET), -EINVAL);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[0], POLLIN | POLLRDHUP), -EINVAL);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[0], POLLNVAL), -EINVAL);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_MOD, sv[0], POLLIN), -ENOENT);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_DEL, sv[0], 0), -ENOENT);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[0], POLLIN | POLLERR | POLLHUP | POLLPRI), 0);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[0], POLLOUT), -EEXIST);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_MOD, sv[0], POLLIN | POLLRDHUP), -EINVAL);
    /* the same open file description under another number: its owner is taken */
    int d = mux_dup(sv[0]);
    CHECK_GE(d, 0);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, d, POLLIN), -EBUSY);
    CHECK_EQ(mux_close(d), 0);
    /* a closed number */
    int e = mux_eventfd(0, 1);
    CHECK_EQ(mux_close(e), 0);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, e, POLLIN), -EBADF);
    /* files that never send SIGIO */
    int ev = mux_eventfd(1, 1);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, ev, POLLIN), -EPERM);
    CHECK_EQ(fcntl(ev, F_GETFL) & O_ASYNC, 0); /* untouched */
    CHECK_EQ(mux_close(ev), 0);
    int tfd = mux_timerfd(1);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, tfd, POLLIN), -EPERM);
    CHECK_EQ(mux_close(tfd), 0);
    char path[256];
    mt_temp_path(path, sizeof path, "sigio");
    int f = mux_open_file(path, 1);
    CHECK_GE(f, 0);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, f, POLLIN), -EPERM);
    CHECK_EQ(mux_close(f), 0);
    unlink(path);
    int dn = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, dn, POLLIN), -EPERM);
    CHECK_EQ(mux_close(dn), 0);
    /* pipes are fine, both ends */
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, p[0], POLLIN), 0);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, p[1], POLLOUT), 0);
    CHECK_EQ(mux_sigio_count(h), 3);
    /* the wait's own arguments */
    CHECK_EQ(mux_sigio_wait(h, 0, 4, 0), -EINVAL);
    char buf[8];
    CHECK_EQ(mux_sigio_wait(h, (int64_t)(intptr_t)buf, 0, 0), -EINVAL);
    CHECK_EQ(mux_sigio_wait(h, (int64_t)(intptr_t)buf, -1, 0), -EINVAL);
    sig_close(h);
    mt_close_pair(sv);
    mt_close_pair(p);
}

/* The signalfd and the wakeup eventfd belong to the instance. */
static void sigio_own_fds_reserved(void)
{
    int probe[2];
    probe[0] = mux_eventfd(0, 1);
    probe[1] = mux_eventfd(0, 1);
    CHECK_GE(probe[0], 0);
    CHECK_EQ(mux_close(probe[0]), 0);
    CHECK_EQ(mux_close(probe[1]), 0);
    int64_t h = sig_open(); /* its signalfd and eventfd take the two lowest free numbers */
    int lo = probe[0] < probe[1] ? probe[0] : probe[1];
    int hi = probe[0] < probe[1] ? probe[1] : probe[0];
    CHECK_EQ(mux_is_cloexec(lo), 1);
    CHECK_EQ(mux_is_cloexec(hi), 1);
    for (int i = 0; i < 2; i++) {
        int fd = i ? hi : lo;
        CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, fd, POLLIN), -EEXIST);
        CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_MOD, fd, POLLIN), -EPERM);
        CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_DEL, fd, 0), -EPERM);
    }
    sig_close(h);
    CHECK_EQ(mux_is_cloexec(lo), -EBADF);
    CHECK_EQ(mux_is_cloexec(hi), -EBADF);
}

/* More ready fds than capacity: FIFO, each once, nothing lost. */
static void sigio_capacity(void)
{
    enum { N = 5 };
    int sv[N][2];
    int64_t h = sig_open();
    for (int i = 0; i < N; i++) {
        mt_pair(sv[i]);
        CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[i][0], POLLIN), 0);
    }
    for (int i = 0; i < N; i++)
        mt_put(sv[i][1], 1);
    struct mt_ready r;
    int seen[N] = { 0 };
    int total = 0;
    for (int round = 0; round < 3; round++) {
        int n = wait_n(h, 2, 1000, &r);
        CHECK_EQ(n, round < 2 ? 2 : 1);
        for (int k = 0; k < n; k++)
            for (int i = 0; i < N; i++)
                if (r.fd[k] == sv[i][0])
                    seen[i]++;
        total += n;
    }
    CHECK_EQ(total, N);
    for (int i = 0; i < N; i++)
        CHECK_EQ(seen[i], 1);
    CHECK_EQ(wait_n(h, 2, 0, &r), 0);
    /* one fd unregistered while its report waits in the ring: never reported */
    mt_put(sv[0][1], 1);
    mt_put(sv[1][1], 1);
    CHECK_EQ(wait_n(h, 1, 1000, &r), 1);
    int left = r.fd[0] == sv[0][0] ? sv[1][0] : sv[0][0];
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_DEL, left, 0), 0);
    CHECK_EQ(wait_n(h, 4, 0, &r), 0);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, left, POLLIN), 0); /* back: the scan finds its data */
    CHECK_EQ(wait_n(h, 4, 0, &r), 1);
    CHECK_EQ(r.fd[0], left);
    sig_close(h);
    for (int i = 0; i < N; i++)
        mt_close_pair(sv[i]);
}

/* fd numbers far beyond the first table size, and more fds than one scan chunk. */
static void sigio_growth_and_big_scan(void)
{
    int64_t old_nofile = mt_raise_nofile(2200);
    enum { N = 300 };
    int sv[N][2];
    int64_t h = sig_open();
    for (int i = 0; i < N; i++) {
        mt_pair(sv[i]);
        CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[i][0], POLLIN), 0);
    }
    int hs[2];
    mt_pair(hs);
    int high = mt_dup_at(hs[0], 2000);
    CHECK_EQ(mux_close(hs[0]), 0);
    hs[0] = high;
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, high, POLLIN), 0);
    CHECK_EQ(mux_sigio_count(h), N + 1);
    struct mt_ready r;
    mt_put(hs[1], 1);
    CHECK_EQ(wait_n(h, 4, 1000, &r), 1);
    CHECK_EQ(r.fd[0], high);
    int64_t old = set_sigpending(0);
    for (int i = 0; i < N; i += 2)
        mt_put(sv[i][1], 1);
    mt_put(hs[1], 1);
    CHECK_EQ(mux_set_sigpending_limit(old), 0);
    CHECK_EQ(wait_n(h, MT_MAXREADY, 1000, &r), N / 2 + 1);
    CHECK_EQ(mt_events(&r, high), POLLIN);
    for (int i = 0; i < N; i++)
        CHECK_EQ(mt_count(&r, sv[i][0]), i % 2 == 0 ? 1 : 0);
    sig_close(h);
    for (int i = 0; i < N; i++)
        mt_close_pair(sv[i]);
    mt_close_pair(hs);
    mt_restore_nofile(old_nofile);
}

/* Timeouts and wakeups. */
struct waker {
    int64_t h;
    int delay_ms;
};

static void *wake_later(void *arg)
{
    struct waker *w = arg;
    mt_sleep_ms(w->delay_ms);
    mux_sigio_wakeup(w->h);
    return NULL;
}

static void sigio_timeouts_and_wakeups(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = sig_open();
    struct mt_ready r;
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    int64_t t0 = mt_now_ms();
    CHECK_EQ(wait_n(h, 4, 0, &r), 0);
    CHECK_LT(mt_now_ms() - t0, 100);
    t0 = mt_now_ms();
    CHECK_EQ(wait_n(h, 4, 200, &r), 0);
    CHECK_GE(mt_now_ms() - t0, 200);
    for (int i = 0; i < 50; i++)
        CHECK_EQ(mux_sigio_wakeup(h), 0);
    t0 = mt_now_ms();
    CHECK_EQ(wait_n(h, 4, -1, &r), 0); /* one early return for many wakeups */
    CHECK_LT(mt_now_ms() - t0, 1000);
    t0 = mt_now_ms();
    CHECK_EQ(wait_n(h, 4, 50, &r), 0);
    CHECK_GE(mt_now_ms() - t0, 50);
    struct waker w = { h, 100 };
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, wake_later, &w), 0);
    t0 = mt_now_ms();
    CHECK_EQ(wait_n(h, 4, -1, &r), 0);
    int64_t took = mt_now_ms() - t0;
    CHECK_GE(took, 90);
    CHECK_LT(took, 3000);
    CHECK_EQ(pthread_join(t, NULL), 0);
    sig_close(h);
    mt_close_pair(sv);
}

/* A handler signal (no SA_RESTART) interrupting the wait is retried with the time left. */
struct kicker {
    pthread_t target;
    int times;
};

static void *kick(void *arg)
{
    struct kicker *k = arg;
    for (int i = 0; i < k->times; i++) {
        mt_sleep_ms(40);
        pthread_kill(k->target, SIGURG);
    }
    return NULL;
}

static void sigio_eintr_is_retried(void)
{
    CHECK_EQ(mux_signal_install(SIGURG), 0);
    int sv[2];
    mt_pair(sv);
    int64_t h = sig_open();
    struct mt_ready r;
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    int64_t retries = mux_eintr_retries();
    struct kicker k = { pthread_self(), 3 };
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, kick, &k), 0);
    int64_t t0 = mt_now_ms();
    CHECK_EQ(wait_n(h, 4, 300, &r), 0);
    CHECK_GE(mt_now_ms() - t0, 300);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_GT(mux_eintr_retries(), retries);
    mt_put(sv[1], 1);
    CHECK_EQ(wait_n(h, 4, 1000, &r), 1);
    signal(SIGURG, SIG_DFL);
    sig_close(h);
    mt_close_pair(sv);
}

/* TCP: connect completion (POLL_OUT), a queued connection (POLL_IN on the
 * listener), data, urgent data (POLL_PRI) and a reset (POLL_ERR). */
static void sigio_tcp(void)
{
    int l = mux_tcp_socket(1);
    CHECK_GE(l, 0);
    CHECK_EQ(mux_bind4(l, 0x7f000001, 0), 0);
    CHECK_EQ(mux_listen(l, 8), 0);
    int port = mux_local_port(l);
    int64_t h = sig_open();
    struct mt_ready r;
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, l, POLLIN), 0);
    int c = mux_tcp_socket(1);
    CHECK_EQ(mux_connect4(c, 0x7f000001, port), -EINPROGRESS);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, c, POLLIN | POLLOUT | POLLPRI), 0);
    int64_t deadline = mt_now_ms() + 3000;
    uint32_t lev = 0, cev = 0;
    while ((!lev || !cev) && mt_now_ms() < deadline) {
        int n = wait_n(h, 4, 1000, &r);
        for (int i = 0; i < n; i++) {
            if (r.fd[i] == l)
                lev |= r.ev[i];
            if (r.fd[i] == c)
                cev |= r.ev[i];
        }
    }
    CHECK_EQ(lev, POLLIN);
    CHECK_EQ(cev, POLLOUT);
    CHECK_EQ(mux_so_error(c), 0);
    int s = mux_accept(l, 1);
    CHECK_GE(s, 0);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, s, POLLIN | POLLPRI), 0);
    CHECK_EQ(wait_n(h, 4, 0, &r), 0);
    mt_put(c, 3);
    CHECK_EQ(wait_n(h, 4, 1000, &r), 1);
    CHECK_EQ(mt_events(&r, s), POLLIN);
    mt_take(s, 3);
    CHECK_EQ(send(s, "!", 1, MSG_OOB), 1);
    uint32_t urg = 0;
    deadline = mt_now_ms() + 3000;
    while (!(urg & POLLPRI) && mt_now_ms() < deadline) {
        int n = wait_n(h, 4, 1000, &r);
        for (int i = 0; i < n; i++)
            if (r.fd[i] == c)
                urg |= r.ev[i];
    }
    CHECK(urg & POLLPRI);
    CHECK_EQ(mux_set_linger(s, 1, 0), 0);
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_DEL, s, 0), 0);
    CHECK_EQ(mux_close(s), 0); /* RST */
    uint32_t rst = 0;
    deadline = mt_now_ms() + 3000;
    while (!(rst & POLLERR) && mt_now_ms() < deadline) {
        int n = wait_n(h, 4, 1000, &r);
        for (int i = 0; i < n; i++)
            if (r.fd[i] == c)
                rst |= r.ev[i];
    }
    CHECK(rst & POLLERR);
    sig_close(h);
    CHECK_EQ(mux_close(c), 0);
    CHECK_EQ(mux_close(l), 0);
}

/* Many open/close cycles in one thread leak nothing and leave no signal behind. */
static void sigio_open_close_cycles(void)
{
    int sv[2];
    mt_pair(sv);
    for (int i = 0; i < 200; i++) {
        int64_t h = sig_open();
        CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
        mt_put(sv[1], 1); /* a signal queued, never read by this instance */
        CHECK_EQ(mux_sigio_wakeup(h), 0);
        sig_close(h);
    }
    mux_drain(sv[0]);
    int64_t h = sig_open(); /* the leftovers were discarded at open */
    struct mt_ready r;
    CHECK_EQ(mux_sigio_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    CHECK_EQ(wait_n(h, 4, 0, &r), 0);
    CHECK_EQ(mux_sigio_signals(h), 0);
    sig_close(h);
    mt_close_pair(sv);
}

int main(void)
{
    int fds_at_start = mt_fd_count();
    signal(SIGPIPE, SIG_IGN);
    RUN(sigio_signal_choice());
    RUN(sigio_open_blocks_and_one_per_thread());
    RUN(sigio_signal_in_use_is_ebusy());
    RUN(sigio_dispositions_ignored());
    RUN(sigio_owner_ending_with_signals_pending_is_harmless());
    RUN(sigio_e1_raw_bands());
    RUN(sigio_e1_e3_edge_like());
    RUN(sigio_e3_scan_at_register());
    RUN(sigio_modify());
    RUN(sigio_hup_and_pipes());
    RUN(sigio_e4_overflow_at_zero());
    RUN(sigio_e4_overflow_at_small_limit());
    RUN(sigio_e5_stale_after_unregister());
    RUN(sigio_e5_stale_after_close());
    RUN(sigio_overflow_scan_reports_nval());
    RUN(sigio_e2_thread_directed());
    RUN(sigio_e2_process_directed_signal_kills());
    RUN(sigio_ctl_errors());
    RUN(sigio_own_fds_reserved());
    RUN(sigio_capacity());
    RUN(sigio_growth_and_big_scan());
    RUN(sigio_timeouts_and_wakeups());
    RUN(sigio_eintr_is_retried());
    RUN(sigio_tcp());
    RUN(sigio_open_close_cycles());
    RUN(mt_no_fd_leak(fds_at_start));
    return mtest_summary("test_sigio");
}
