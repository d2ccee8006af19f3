/* poll backend: the shared contract, POLLNVAL, the pollfd array bookkeeping
 * (swap-remove, growth) and the rotating scan when capacity is short. */
#include "mtest_contract.h"

#include <sys/socket.h>

static const struct mt_backend B_POLL = MT_BACKEND_POLL;

static void poll_count(void)
{
    int sv[2], p[2];
    mt_pair(sv);
    CHECK_EQ(mux_pipe(1, p), 0);
    int64_t h = mt_open(&B_POLL);
    CHECK_EQ(mux_poll_count(h), 1); /* the wakeup eventfd */
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, sv[1], POLLIN), 0);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, p[0], POLLIN), 0);
    CHECK_EQ(mux_poll_count(h), 4);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, sv[1], POLLIN), -EEXIST);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, -1, POLLIN), -EBADF);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_MOD, p[0], POLLOUT), 0);
    CHECK_EQ(mux_poll_count(h), 4);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_DEL, sv[1], 0), 0);
    CHECK_EQ(mux_poll_count(h), 3);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_DEL, sv[1], 0), -ENOENT);
    CHECK_EQ(mux_poll_count(h), 3);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_DEL, sv[0], 0), 0);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_DEL, p[0], 0), 0);
    CHECK_EQ(mux_poll_count(h), 1);
    mt_close(&B_POLL, h);
    mt_close_pair(sv);
    mt_close_pair(p);
}

/* A registered fd closed behind poll's back is reported as POLLNVAL; DEL of
 * the closed number is how the caller cleans it up. */
static void poll_nval(void)
{
    int sv[2], other[2];
    mt_pair(sv);
    mt_pair(other);
    int64_t h = mt_open(&B_POLL);
    struct mt_ready r;
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, other[0], POLLIN), 0);
    int gone = sv[0];
    CHECK_EQ(mux_close(gone), 0);
    sv[0] = -1;
    CHECK_EQ(mt_wait(&B_POLL, h, 4, 1000, &r), 1);
    CHECK_EQ(r.fd[0], gone);
    CHECK_EQ(r.ev[0], POLLNVAL);
    CHECK_EQ(mt_wait(&B_POLL, h, 4, 0, &r), 1); /* until removed */
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_DEL, gone, 0), 0);
    CHECK_EQ(mux_poll_count(h), 2);
    CHECK_EQ(mt_wait(&B_POLL, h, 4, 0, &r), 0);
    mt_put(other[1], 1);
    CHECK_EQ(mt_wait(&B_POLL, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, other[0]), POLLIN);
    mt_close(&B_POLL, h);
    mt_close_pair(sv);
    mt_close_pair(other);
}

/* DEL swaps the last entry into the hole: the moved entry must still be
 * found by MOD and DEL afterwards. */
static void poll_swap_remove(void)
{
    int a[2], b[2], c[2], d[2];
    mt_pair(a);
    mt_pair(b);
    mt_pair(c);
    mt_pair(d);
    int64_t h = mt_open(&B_POLL);
    struct mt_ready r;
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, a[0], POLLIN), 0);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, b[0], POLLIN), 0);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, c[0], POLLIN), 0);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_DEL, a[0], 0), 0); /* c moves into a's place */
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_MOD, c[0], POLLOUT), 0);
    mt_put(b[1], 1);
    mt_put(a[1], 1);
    CHECK_EQ(mt_wait(&B_POLL, h, 8, 0, &r), 2);
    CHECK_EQ(mt_events(&r, c[0]), POLLOUT);
    CHECK_EQ(mt_events(&r, b[0]), POLLIN);
    CHECK_EQ(mt_count(&r, a[0]), 0);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_DEL, c[0], 0), 0); /* the moved one */
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_MOD, c[0], POLLIN), -ENOENT);
    CHECK_EQ(mt_wait(&B_POLL, h, 8, 0, &r), 1);
    CHECK_EQ(mt_events(&r, b[0]), POLLIN);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, d[0], POLLOUT), 0);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_DEL, d[0], 0), 0); /* the last entry itself */
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, a[0], POLLIN), 0);
    CHECK_EQ(mt_wait(&B_POLL, h, 8, 0, &r), 2);
    CHECK_EQ(mt_events(&r, a[0]), POLLIN);
    CHECK_EQ(mt_events(&r, b[0]), POLLIN);
    CHECK_EQ(mux_poll_count(h), 3);
    mt_close(&B_POLL, h);
    mt_close_pair(a);
    mt_close_pair(b);
    mt_close_pair(c);
    mt_close_pair(d);
}

/* 5 ready fds, room for 2: successive waits go round and report all of them. */
static void poll_rotation(void)
{
    enum { N = 5 };
    int sv[N][2];
    int64_t h = mt_open(&B_POLL);
    struct mt_ready r;
    for (int i = 0; i < N; i++) {
        mt_pair(sv[i]);
        mt_put(sv[i][1], 1);
        CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, sv[i][0], POLLIN), 0);
    }
    int seen[N] = { 0 };
    for (int round = 0; round < 3; round++) {
        CHECK_EQ(mt_wait(&B_POLL, h, 2, 0, &r), 2);
        CHECK_NE(r.fd[0], r.fd[1]);
        for (int k = 0; k < 2; k++) {
            CHECK_EQ(r.ev[k], POLLIN);
            for (int i = 0; i < N; i++)
                if (r.fd[k] == sv[i][0])
                    seen[i]++;
        }
    }
    for (int i = 0; i < N; i++)
        CHECK_GE(seen[i], 1);
    /* with a DEL in between, the cursor stays in range */
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_DEL, sv[4][0], 0), 0);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_DEL, sv[3][0], 0), 0);
    CHECK_EQ(mt_wait(&B_POLL, h, 8, 0, &r), 3);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(mt_count(&r, sv[i][0]), 1);
    for (int i = 0; i < N; i++)
        mt_close_pair(sv[i]);
    mt_close(&B_POLL, h);
}

static void poll_rdhup_hup(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(&B_POLL);
    struct mt_ready r;
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, sv[0], POLLIN | POLLRDHUP), 0);
    CHECK_EQ(mt_wait(&B_POLL, h, 4, 0, &r), 0);
    CHECK_EQ(mux_shutdown(sv[1], 1), 0);
    CHECK_EQ(mt_wait(&B_POLL, h, 4, 0, &r), 1);
    CHECK_EQ(r.ev[0], POLLIN | POLLRDHUP);
    CHECK_EQ(mux_close(sv[1]), 0);
    sv[1] = -1;
    CHECK_EQ(mt_wait(&B_POLL, h, 4, 0, &r), 1);
    CHECK(r.ev[0] & POLLHUP);
    mt_close(&B_POLL, h);
    mt_close_pair(sv);
}

static void poll_invalid_events(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(&B_POLL);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, sv[0], (int)EPOLLET), -EINVAL);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, sv[0], 0x10000), -EINVAL);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, sv[0], POLLNVAL), -EINVAL);
    CHECK_EQ(mux_poll_count(h), 1);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, sv[0], POLLIN | POLLPRI | POLLOUT), 0);
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_MOD, sv[0], -1), -EINVAL);
    mt_close(&B_POLL, h);
    mt_close_pair(sv);
}

/* More entries than the initial array and fd numbers past the initial index:
 * both grow, and every entry stays addressable. */
static void poll_growth(void)
{
    enum { N = 150 };
    int fds[N];
    int64_t h = mt_open(&B_POLL);
    struct mt_ready r;
    for (int i = 0; i < N; i++) {
        fds[i] = mux_eventfd(0, 1);
        CHECK_GE(fds[i], 0);
        CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, fds[i], POLLIN), 0);
    }
    CHECK_EQ(mux_poll_count(h), N + 1);
    uint64_t one = 1;
    int expect = 0;
    for (int i = 0; i < N; i += 7) {
        CHECK_EQ(mux_write(fds[i], (int64_t)(intptr_t)&one, 8), 8);
        expect++;
    }
    CHECK_EQ(mt_wait(&B_POLL, h, N, 0, &r), expect);
    for (int i = 0; i < N; i++)
        CHECK_EQ(mt_count(&r, fds[i]), i % 7 == 0 ? 1 : 0);
    /* remove every other one, then check the rest by MOD */
    for (int i = 0; i < N; i += 2)
        CHECK_EQ(mux_poll_ctl(h, MUX_CTL_DEL, fds[i], 0), 0);
    CHECK_EQ(mux_poll_count(h), N / 2 + 1);
    for (int i = 1; i < N; i += 2)
        CHECK_EQ(mux_poll_ctl(h, MUX_CTL_MOD, fds[i], POLLOUT), 0);
    CHECK_EQ(mt_wait(&B_POLL, h, N, 0, &r), N / 2);
    for (int i = 1; i < N; i += 2)
        CHECK_EQ(mt_events(&r, fds[i]), POLLOUT);
    for (int i = 0; i < N; i++)
        CHECK_EQ(mux_close(fds[i]), 0);
    mt_close(&B_POLL, h);
}

/* Urgent (out-of-band) TCP data is POLLPRI. */
static void poll_pri(void)
{
    int ls = mux_tcp_socket(0);
    CHECK_GE(ls, 0);
    CHECK_EQ(mux_bind4(ls, 0x7f000001, 0), 0);
    CHECK_EQ(mux_listen(ls, 4), 0);
    int c = mux_tcp_socket(0);
    CHECK_EQ(mux_connect4(c, 0x7f000001, mux_local_port(ls)), 0);
    int s = mux_accept(ls, 1);
    CHECK_GE(s, 0);
    int64_t h = mt_open(&B_POLL);
    struct mt_ready r;
    CHECK_EQ(mux_poll_ctl(h, MUX_CTL_ADD, s, POLLPRI), 0);
    CHECK_EQ(mt_wait(&B_POLL, h, 4, 0, &r), 0);
    CHECK_EQ(send(c, "!", 1, MSG_OOB), 1);
    CHECK_EQ(mt_wait(&B_POLL, h, 4, 2000, &r), 1);
    CHECK_EQ(mt_events(&r, s), POLLPRI);
    mt_close(&B_POLL, h);
    CHECK_EQ(mux_close(s), 0);
    CHECK_EQ(mux_close(c), 0);
    CHECK_EQ(mux_close(ls), 0);
}

/* poll_open creates one fd, the wakeup eventfd: it takes the lowest free number. */
static void poll_wakefd(void)
{
    int probe = mux_eventfd(0, 1);
    CHECK_GE(probe, 0);
    CHECK_EQ(mux_close(probe), 0);
    int64_t h = mt_open(&B_POLL);
    contract_wakefd_reserved(&B_POLL, h, probe);
    CHECK_EQ(mux_poll_count(h), 1);
    mt_close(&B_POLL, h);
    CHECK_EQ(mux_is_cloexec(probe), -EBADF); /* closed with the instance */
}

int main(void)
{
    int fds_at_start = mt_fd_count();
    signal(SIGPIPE, SIG_IGN);
    RUN_CONTRACT(&B_POLL);
    RUN(poll_wakefd());
    RUN(poll_count());
    RUN(poll_nval());
    RUN(poll_swap_remove());
    RUN(poll_rotation());
    RUN(poll_rdhup_hup());
    RUN(poll_invalid_events());
    RUN(poll_growth());
    RUN(poll_pri());
    RUN(mt_no_fd_leak(fds_at_start));
    return mtest_summary("test_poll");
}
