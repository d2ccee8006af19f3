/* select backend, classic (glibc fd_set) and wide (growable bitmaps): the
 * shared contract, EBADF for a closed registered fd, FD_SETSIZE handling,
 * the highest-fd bookkeeping and bit positions across word boundaries. */
#include "mtest_contract.h"

#include <sys/select.h>
#include <sys/socket.h>

static const struct mt_backend B_SELECT = MT_BACKEND_SELECT;
static const struct mt_backend B_SELECT_WIDE = MT_BACKEND_SELECT_WIDE;

/* A closed registered fd makes the whole select fail with EBADF until the
 * caller removes it; DEL of the closed number is allowed. */
static void select_closed_fd(const struct mt_backend *b)
{
    int a[2], c[2];
    mt_pair(a);
    mt_pair(c);
    int64_t h = mt_open(b);
    struct mt_ready r;
    mt_put(a[1], 1);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, a[0], POLLIN), 0);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, c[0], POLLIN), 0);
    int gone = c[0];
    CHECK_EQ(mux_close(gone), 0);
    c[0] = -1;
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), -EBADF);
    CHECK_EQ(mt_wait(b, h, 4, 100, &r), -EBADF);
    CHECK_EQ(b->ctl(h, MUX_CTL_DEL, gone, 0), 0);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, a[0]), POLLIN);
    mt_close(b, h);
    mt_close_pair(a);
    mt_close_pair(c);
}

/* mux_select_max_fd follows the highest registered fd, through DELs. */
static void select_max_fd(const struct mt_backend *b)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(b);
    int base = mux_select_max_fd(h); /* the wakeup eventfd */
    CHECK_GE(base, 0);
    CHECK(base < 200);
    int f200 = mt_dup_at(sv[0], 200);
    int f300 = mt_dup_at(sv[0], 300);
    int f250 = mt_dup_at(sv[0], 250);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, f200, POLLIN), 0);
    CHECK_EQ(mux_select_max_fd(h), f200);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, f300, POLLIN), 0);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, f250, POLLIN), 0);
    CHECK_EQ(mux_select_max_fd(h), f300);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, f300, POLLIN), -EEXIST);
    CHECK_EQ(b->ctl(h, MUX_CTL_MOD, f300, POLLOUT), 0);
    CHECK_EQ(mux_select_max_fd(h), f300);
    CHECK_EQ(b->ctl(h, MUX_CTL_DEL, f300, 0), 0);
    CHECK_EQ(mux_select_max_fd(h), f250);
    CHECK_EQ(b->ctl(h, MUX_CTL_DEL, f200, 0), 0);
    CHECK_EQ(mux_select_max_fd(h), f250);
    CHECK_EQ(b->ctl(h, MUX_CTL_DEL, f250, 0), 0);
    CHECK_EQ(mux_select_max_fd(h), base);
    /* and the wait only scans up to it: the dups are readable but gone */
    struct mt_ready r;
    mt_put(sv[1], 1);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 0);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, f250, POLLIN), 0);
    CHECK_EQ(mux_select_max_fd(h), f250);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, f250), POLLIN);
    CHECK_EQ(mux_close(f200), 0);
    CHECK_EQ(mux_close(f300), 0);
    CHECK_EQ(mux_close(f250), 0);
    mt_close(b, h);
    mt_close_pair(sv);
}

/* fds around 64-bit word boundaries land on the right bits. */
static void select_word_boundaries(const struct mt_backend *b)
{
    static const int at[] = { 63, 64, 65, 127, 128, 191, 1023 };
    enum { N = sizeof at / sizeof at[0] };
    int fd[N], peer[N];
    int64_t h = mt_open(b);
    struct mt_ready r;
    for (int i = 0; i < N; i++) {
        int sv[2];
        mt_pair(sv);
        fd[i] = fcntl(sv[0], F_DUPFD_CLOEXEC, at[i]);
        CHECK_EQ(fd[i], at[i]); /* these numbers are free in this test */
        CHECK_EQ(mux_close(sv[0]), 0);
        peer[i] = sv[1];
        CHECK_EQ(b->ctl(h, MUX_CTL_ADD, fd[i], i == 2 ? POLLOUT : POLLIN), 0);
    }
    CHECK_EQ(mux_select_max_fd(h), 1023);
    CHECK_EQ(mt_wait(b, h, 16, 0, &r), 1);
    CHECK_EQ(mt_events(&r, fd[2]), POLLOUT);
    mt_put(peer[0], 1); /* 63 */
    mt_put(peer[4], 1); /* 128 */
    mt_put(peer[6], 1); /* 1023 */
    CHECK_EQ(mt_wait(b, h, 16, 0, &r), 4);
    CHECK_EQ(mt_events(&r, 63), POLLIN);
    CHECK_EQ(mt_events(&r, 65), POLLOUT);
    CHECK_EQ(mt_events(&r, 128), POLLIN);
    CHECK_EQ(mt_events(&r, 1023), POLLIN);
    CHECK_EQ(mt_count(&r, 64), 0);
    CHECK_EQ(mt_count(&r, 127), 0);
    CHECK_EQ(mt_count(&r, 191), 0);
    for (int i = 0; i < N; i++) {
        CHECK_EQ(mux_close(fd[i]), 0);
        CHECK_EQ(mux_close(peer[i]), 0);
    }
    mt_close(b, h);
}

/* Classic: an fd >= FD_SETSIZE is refused with -MUX_EFDSETSIZE (never
 * FD_SET out of range), and the registrations already there keep working. */
static void select_classic_fd_setsize(void)
{
    const struct mt_backend *b = &B_SELECT;
    int64_t old = mt_raise_nofile(1200);
    int sv[2], hi[2];
    mt_pair(sv);
    mt_pair(hi);
    int64_t h = mt_open(b);
    struct mt_ready r;
    CHECK_EQ(mux_const(MUX_C_FD_SETSIZE), FD_SETSIZE);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    int before = mux_select_max_fd(h);
    int high = mt_dup_at(hi[0], 1100);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, high, POLLIN), -MUX_EFDSETSIZE);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, high, POLLOUT), -MUX_EFDSETSIZE);
    CHECK_EQ(mux_select_max_fd(h), before);
    int edge = fcntl(hi[0], F_DUPFD_CLOEXEC, FD_SETSIZE);
    CHECK_EQ(edge, FD_SETSIZE);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, edge, POLLIN), -MUX_EFDSETSIZE);
    CHECK_STR(mux_errno_name(MUX_EFDSETSIZE), "EFDSETSIZE");
    mt_put(sv[1], 1);
    mt_put(hi[1], 1);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, sv[0]), POLLIN);
    CHECK_EQ(mt_wait(b, h, 4, 100, &r), 1);
    CHECK_EQ(mt_count(&r, high), 0);
    CHECK_EQ(mux_close(edge), 0);
    CHECK_EQ(mux_close(high), 0);
    mt_close(b, h);
    mt_close_pair(sv);
    mt_close_pair(hi);
    mt_restore_nofile(old);
}

/* Wide: no FD_SETSIZE limit; the bitmaps grow and the high fds are reported. */
static void select_wide_high_fd(void)
{
    const struct mt_backend *b = &B_SELECT_WIDE;
    int64_t old = mt_raise_nofile(5100);
    int sv[2], hi[2], top[2];
    mt_pair(sv);
    mt_pair(hi);
    mt_pair(top);
    int64_t h = mt_open(b);
    struct mt_ready r;
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    int low_max = mux_select_max_fd(h);
    int high = mt_dup_at(hi[0], 1100);
    int higher = mt_dup_at(top[0], 5000);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, high, POLLIN), 0);
    CHECK_EQ(mux_select_max_fd(h), high);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, higher, POLLIN | POLLOUT), 0);
    CHECK_EQ(mux_select_max_fd(h), higher);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, higher), POLLOUT);
    mt_put(hi[1], 1);
    mt_put(sv[1], 1);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 3);
    CHECK_EQ(mt_events(&r, high), POLLIN);
    CHECK_EQ(mt_events(&r, sv[0]), POLLIN);
    CHECK_EQ(mt_events(&r, higher), POLLOUT);
    CHECK_EQ(b->ctl(h, MUX_CTL_DEL, higher, 0), 0);
    CHECK_EQ(mux_select_max_fd(h), high);
    CHECK_EQ(b->ctl(h, MUX_CTL_DEL, high, 0), 0);
    CHECK_EQ(mux_select_max_fd(h), low_max);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, sv[0]), POLLIN);
    CHECK_EQ(mux_close(high), 0);
    CHECK_EQ(mux_close(higher), 0);
    mt_close(b, h);
    mt_close_pair(sv);
    mt_close_pair(hi);
    mt_close_pair(top);
    mt_restore_nofile(old);
}

static void select_invalid_events(const struct mt_backend *b)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(b);
    int base = mux_select_max_fd(h);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[0], POLLRDHUP), -EINVAL);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[0], (int)EPOLLET), -EINVAL);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[0], 0x10000), -EINVAL);
    CHECK_EQ(mux_select_max_fd(h), base);
    CHECK_EQ(b->ctl(h, MUX_CTL_MOD, sv[0], POLLIN), -ENOENT);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[0], POLLIN | POLLOUT | POLLPRI), 0);
    CHECK_EQ(b->ctl(h, MUX_CTL_MOD, sv[0], POLLRDHUP), -EINVAL);
    mt_close(b, h);
    mt_close_pair(sv);
}

/* Urgent TCP data shows up in the except set, reported as POLLPRI. */
static void select_pri(const struct mt_backend *b)
{
    int ls = mux_tcp_socket(0);
    CHECK_GE(ls, 0);
    CHECK_EQ(mux_bind4(ls, 0x7f000001, 0), 0);
    CHECK_EQ(mux_listen(ls, 4), 0);
    int c = mux_tcp_socket(0);
    CHECK_EQ(mux_connect4(c, 0x7f000001, mux_local_port(ls)), 0);
    int s = mux_accept(ls, 1);
    CHECK_GE(s, 0);
    int64_t h = mt_open(b);
    struct mt_ready r;
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, s, POLLPRI), 0);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 0);
    CHECK_EQ(send(c, "!", 1, MSG_OOB), 1);
    CHECK_EQ(mt_wait(b, h, 4, 2000, &r), 1);
    CHECK_EQ(mt_events(&r, s), POLLPRI);
    mt_close(b, h);
    CHECK_EQ(mux_close(s), 0);
    CHECK_EQ(mux_close(c), 0);
    CHECK_EQ(mux_close(ls), 0);
}

/* With every fd below FD_SETSIZE taken, the classic flavour's own wakeup
 * eventfd lands above it: open fails with -MUX_EFDSETSIZE and leaks nothing
 * (fd or memory); the wide flavour opens fine there. */
static void select_open_with_low_fds_taken(void)
{
    int64_t old = mt_raise_nofile(1200);
    int e = mux_eventfd(0, 1);
    CHECK_GE(e, 0);
    static int filler[FD_SETSIZE];
    int nfill = 0, first_free = -1;
    for (;;) {
        int d = fcntl(e, F_DUPFD_CLOEXEC, 0);
        if (d < 0) {
            CHECK_GE(d, 0);
            break;
        }
        if (d >= FD_SETSIZE) {
            first_free = d;
            CHECK_EQ(mux_close(d), 0);
            break;
        }
        filler[nfill++] = d;
    }
    CHECK_GE(first_free, FD_SETSIZE);
    CHECK_EQ(mux_select_open(0), -MUX_EFDSETSIZE);
    CHECK_EQ(fcntl(first_free, F_GETFD), -1); /* the eventfd it made was closed */
    int64_t h = mux_select_open(1);
    CHECK_GT(h, 0);
    if (h > 0) {
        CHECK_EQ(mux_select_max_fd(h), first_free);
        CHECK_EQ(mux_select_wakeup(h), 0);
        struct mt_ready r;
        CHECK_EQ(mt_wait(&B_SELECT_WIDE, h, 4, 2000, &r), 0);
        CHECK_EQ(mux_select_close(h), 0);
    }
    for (int i = 0; i < nfill; i++)
        CHECK_EQ(mux_close(filler[i]), 0);
    CHECK_EQ(mux_close(e), 0);
    h = mux_select_open(0); /* and with room again, classic works */
    CHECK_GT(h, 0);
    if (h > 0)
        CHECK_EQ(mux_select_close(h), 0);
    mt_restore_nofile(old);
}

/* Right after open the only registered fd is the wakeup eventfd. */
static void select_wakefd(const struct mt_backend *b)
{
    int64_t h = mt_open(b);
    int wakefd = mux_select_max_fd(h);
    CHECK_GE(wakefd, 0);
    contract_wakefd_reserved(b, h, wakefd);
    CHECK_EQ(mux_select_max_fd(h), wakefd);
    mt_close(b, h);
    CHECK_EQ(mux_is_cloexec(wakefd), -EBADF); /* closed with the instance */
}

int main(void)
{
    int fds_at_start = mt_fd_count();
    signal(SIGPIPE, SIG_IGN);
    RUN_CONTRACT(&B_SELECT);
    RUN_CONTRACT(&B_SELECT_WIDE);
    RUN(select_open_with_low_fds_taken());
    RUN(select_wakefd(&B_SELECT));
    RUN(select_wakefd(&B_SELECT_WIDE));
    RUN(select_closed_fd(&B_SELECT));
    RUN(select_closed_fd(&B_SELECT_WIDE));
    RUN(select_max_fd(&B_SELECT));
    RUN(select_max_fd(&B_SELECT_WIDE));
    RUN(select_word_boundaries(&B_SELECT));
    RUN(select_word_boundaries(&B_SELECT_WIDE));
    RUN(select_classic_fd_setsize());
    RUN(select_wide_high_fd());
    RUN(select_invalid_events(&B_SELECT));
    RUN(select_invalid_events(&B_SELECT_WIDE));
    RUN(select_pri(&B_SELECT));
    RUN(select_pri(&B_SELECT_WIDE));
    RUN(mt_no_fd_leak(fds_at_start));
    return mtest_summary("test_select");
}
