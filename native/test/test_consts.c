/* mux_const ids and values, errno names and texts, and the layouts the Java
 * side relies on (epoll_event, the ready slot). */
#include <errno.h>
#include <linux/io_uring.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "mtest.h"
#include "muxlab.h"

/* Ids are append-only (C callers and the benches use them by number). */
static void const_ids_are_stable(void)
{
    CHECK_EQ(MUX_C_EPOLLIN, 0);
    CHECK_EQ(MUX_C_EPOLLET, 8);
    CHECK_EQ(MUX_C_POLLIN, 9);
    CHECK_EQ(MUX_C_POLLRDHUP, 15);
    CHECK_EQ(MUX_C_FD_SETSIZE, 16);
    CHECK_EQ(MUX_C_EPOLL_EVENT_SIZE, 17);
    CHECK_EQ(MUX_C_EPOLL_EVENT_DATA_OFFSET, 18);
    CHECK_EQ(MUX_C_READY_SLOT_SIZE, 19);
    CHECK_EQ(MUX_C_EAGAIN, 20);
    CHECK_EQ(MUX_C_ENOMEM, 34);
    CHECK_EQ(MUX_C_EFDSETSIZE, 35);
    CHECK_EQ(MUX_C_SIGURG, 36);
    CHECK_EQ(MUX_C_PTR_SIZE, 37);
    CHECK_EQ(MUX_C_ECONNABORTED, 38);
    CHECK_EQ(MUX_C_EPROTO, 39);
    CHECK_GT(MUX_C_COUNT, 40);
    CHECK_EQ(MUX_CTL_ADD, 1);
    CHECK_EQ(MUX_CTL_MOD, 2);
    CHECK_EQ(MUX_CTL_DEL, 3);
}

static void const_event_bits(void)
{
    CHECK_EQ(mux_const(MUX_C_EPOLLIN), EPOLLIN);
    CHECK_EQ(mux_const(MUX_C_EPOLLPRI), EPOLLPRI);
    CHECK_EQ(mux_const(MUX_C_EPOLLOUT), EPOLLOUT);
    CHECK_EQ(mux_const(MUX_C_EPOLLERR), EPOLLERR);
    CHECK_EQ(mux_const(MUX_C_EPOLLHUP), EPOLLHUP);
    CHECK_EQ(mux_const(MUX_C_EPOLLRDHUP), EPOLLRDHUP);
    /* the high flags come back as positive values, not sign-extended */
    CHECK_EQ(mux_const(MUX_C_EPOLLEXCLUSIVE), (int64_t)(uint32_t)EPOLLEXCLUSIVE);
    CHECK_EQ(mux_const(MUX_C_EPOLLONESHOT), (int64_t)(uint32_t)EPOLLONESHOT);
    CHECK_EQ(mux_const(MUX_C_EPOLLET), 0x80000000LL);
    CHECK_EQ(mux_const(MUX_C_EPOLLEXCLUSIVE), 1LL << 28);
    CHECK_EQ(mux_const(MUX_C_EPOLLONESHOT), 1LL << 30);
    CHECK_EQ(mux_const(MUX_C_POLLIN), POLLIN);
    CHECK_EQ(mux_const(MUX_C_POLLPRI), POLLPRI);
    CHECK_EQ(mux_const(MUX_C_POLLOUT), POLLOUT);
    CHECK_EQ(mux_const(MUX_C_POLLERR), POLLERR);
    CHECK_EQ(mux_const(MUX_C_POLLHUP), POLLHUP);
    CHECK_EQ(mux_const(MUX_C_POLLNVAL), POLLNVAL);
    CHECK_EQ(mux_const(MUX_C_POLLRDHUP), POLLRDHUP);
    CHECK_EQ(mux_const(MUX_C_POLLRDHUP), 0x2000);
    CHECK_EQ(mux_const(MUX_C_SIGURG), SIGURG);
}

static void const_layouts(void)
{
    CHECK_EQ(mux_const(MUX_C_FD_SETSIZE), FD_SETSIZE);
    CHECK_EQ(mux_const(MUX_C_FD_SETSIZE), 1024);
    CHECK_EQ(mux_const(MUX_C_EPOLL_EVENT_SIZE), sizeof(struct epoll_event));
    CHECK_EQ(mux_const(MUX_C_EPOLL_EVENT_DATA_OFFSET), offsetof(struct epoll_event, data));
    CHECK_EQ(mux_const(MUX_C_PTR_SIZE), sizeof(void *));
#if defined(__x86_64__)
    CHECK_EQ(mux_const(MUX_C_EPOLL_EVENT_SIZE), 12); /* packed on x86-64 */
    CHECK_EQ(mux_const(MUX_C_EPOLL_EVENT_DATA_OFFSET), 4);
    CHECK_EQ(mux_const(MUX_C_PTR_SIZE), 8);
#endif
    /* the wait buffer holds capacity epoll_events before they are
     * flattened to 8-byte slots, so a slot reserves the larger of the two */
    CHECK_GE(mux_const(MUX_C_READY_SLOT_SIZE), 8);
    CHECK_GE(mux_const(MUX_C_READY_SLOT_SIZE), sizeof(struct epoll_event));
#if defined(__x86_64__)
    CHECK_EQ(mux_const(MUX_C_READY_SLOT_SIZE), 12);
#endif
}

static void const_errnos(void)
{
    CHECK_EQ(mux_const(MUX_C_EAGAIN), EAGAIN);
    CHECK_EQ(mux_const(MUX_C_EINTR), EINTR);
    CHECK_EQ(mux_const(MUX_C_EBADF), EBADF);
    CHECK_EQ(mux_const(MUX_C_EEXIST), EEXIST);
    CHECK_EQ(mux_const(MUX_C_ENOENT), ENOENT);
    CHECK_EQ(mux_const(MUX_C_EINVAL), EINVAL);
    CHECK_EQ(mux_const(MUX_C_EMFILE), EMFILE);
    CHECK_EQ(mux_const(MUX_C_ECONNABORTED), ECONNABORTED);
    CHECK_EQ(mux_const(MUX_C_EPROTO), EPROTO);
    CHECK_EQ(mux_const(MUX_C_ENFILE), ENFILE);
    CHECK_EQ(mux_const(MUX_C_EPERM), EPERM);
    CHECK_EQ(mux_const(MUX_C_EINPROGRESS), EINPROGRESS);
    CHECK_EQ(mux_const(MUX_C_ECONNRESET), ECONNRESET);
    CHECK_EQ(mux_const(MUX_C_EPIPE), EPIPE);
    CHECK_EQ(mux_const(MUX_C_ENOTCONN), ENOTCONN);
    CHECK_EQ(mux_const(MUX_C_ECONNREFUSED), ECONNREFUSED);
    CHECK_EQ(mux_const(MUX_C_ENOMEM), ENOMEM);
    CHECK_EQ(mux_const(MUX_C_EFDSETSIZE), MUX_EFDSETSIZE);
    CHECK_GE(MUX_EFDSETSIZE, 4096); /* outside the errno range */
}

/* Every id has a row (an id without one reads -EINVAL); all values are positive but
 * IORING_OP_NOP, opcode 0. */
static void const_every_id_defined(void)
{
    for (int id = 0; id < MUX_C_COUNT; id++) {
        int64_t v = mux_const(id);
        if (v <= 0 && id != MUX_C_IORING_OP_NOP)
            fprintf(stderr, "  id %d -> %lld\n", id, (long long)v);
        if (id == MUX_C_IORING_OP_NOP)
            CHECK_EQ(v, 0);
        else
            CHECK_GT(v, 0);
    }
}

/* io_uring: the rows carry <linux/io_uring.h>'s values under their own names. */
static void const_io_uring(void)
{
    CHECK_EQ(mux_const_named("IORING_OP_NOP"), IORING_OP_NOP);
    CHECK_EQ(mux_const_named("IORING_OP_POLL_ADD"), IORING_OP_POLL_ADD);
    CHECK_EQ(mux_const_named("IORING_OP_RECV"), IORING_OP_RECV);
    CHECK_EQ(mux_const_named("IORING_OP_LAST"), IORING_OP_LAST);
    CHECK_EQ(mux_const_named("IORING_FEAT_NODROP"), IORING_FEAT_NODROP);
    CHECK_EQ(mux_const_named("IORING_FEAT_EXT_ARG"), IORING_FEAT_EXT_ARG);
    CHECK_EQ(mux_const_named("IORING_CQE_F_MORE"), IORING_CQE_F_MORE);
    CHECK_EQ(mux_const_named("IORING_CQE_F_BUFFER"), IORING_CQE_F_BUFFER);
    CHECK_EQ(mux_const_named("IORING_CQE_BUFFER_SHIFT"), 16);
    CHECK_EQ(mux_const_named("IORING_POLL_ADD_MULTI"), IORING_POLL_ADD_MULTI);
    CHECK_EQ(mux_const_named("IORING_POLL_ADD_LEVEL"), IORING_POLL_ADD_LEVEL);
    CHECK_EQ(mux_const_named("IO_URING_CQE_SIZE"), 16);
    CHECK_EQ(mux_const_named("URING_STAT_COUNT"), MUX_URING_STAT_COUNT);
    CHECK_EQ(mux_const_named("EBUSY"), EBUSY);
    CHECK_EQ(mux_const_named("ETIME"), ETIME);
    CHECK_STR(mux_errno_name(ETIME), "ETIME");
}

static void const_unknown_ids(void)
{
    CHECK_EQ(mux_const(MUX_C_COUNT), -EINVAL);
    CHECK_EQ(mux_const(-1), -EINVAL);
    CHECK_EQ(mux_const(1000), -EINVAL);
    CHECK_EQ(mux_const(INT32_MIN), -EINVAL);
}

/* Java looks every constant up by name: each row's name gives its id's value. */
static void const_by_name(void)
{
    CHECK_EQ(mux_const_named("EPOLLIN"), EPOLLIN);
    CHECK_EQ(mux_const_named("EPOLLET"), 0x80000000LL);
    CHECK_EQ(mux_const_named("ECONNRESET"), ECONNRESET);
    CHECK_EQ(mux_const_named("ETIMEDOUT"), ETIMEDOUT);
    CHECK_EQ(mux_const_named("ENOBUFS"), ENOBUFS);
    CHECK_EQ(mux_const_named("EFDSETSIZE"), MUX_EFDSETSIZE);
    CHECK_EQ(mux_const_named("READY_SLOT_SIZE"), mux_const(MUX_C_READY_SLOT_SIZE));
    CHECK_EQ(mux_const_named("SIGIO"), SIGIO);
    CHECK_EQ(mux_const_named("NO_SUCH_CONSTANT"), -ENOENT);
    CHECK_EQ(mux_const_named("epollin"), -ENOENT); /* names are exact */
    CHECK_EQ(mux_const_named(""), -ENOENT);
    CHECK_EQ(mux_const_named(NULL), -EINVAL);
    /* every errno row is named after itself: its name is what strerrorname_np says */
    const char *errnos[] = {"EAGAIN", "EBADF", "EEXIST", "ENOENT", "EINVAL", "EMFILE", "ENFILE", "EPERM",
                            "EPIPE", "ECONNRESET", "ENOTCONN", "ECONNREFUSED", "ETIMEDOUT", "ENOBUFS",
                            "ECANCELED", "EADDRINUSE", "EIO", "EBUSY"};
    for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++) {
        int64_t v = mux_const_named(errnos[i]);
        CHECK_GT(v, 0);
        CHECK_STR(mux_errno_name((int)v), errnos[i]);
    }
}

static void errno_names(void)
{
    CHECK_STR(mux_errno_name(EBADF), "EBADF");
    CHECK_STR(mux_errno_name(EAGAIN), "EAGAIN");
    CHECK_STR(mux_errno_name(EINTR), "EINTR");
    CHECK_STR(mux_errno_name(EEXIST), "EEXIST");
    CHECK_STR(mux_errno_name(ENOENT), "ENOENT");
    CHECK_STR(mux_errno_name(EINVAL), "EINVAL");
    CHECK_STR(mux_errno_name(EPERM), "EPERM");
    CHECK_STR(mux_errno_name(EMFILE), "EMFILE");
    CHECK_STR(mux_errno_name(EINPROGRESS), "EINPROGRESS");
    CHECK_STR(mux_errno_name(ECONNREFUSED), "ECONNREFUSED");
    CHECK_STR(mux_errno_name(EPIPE), "EPIPE");
    CHECK_STR(mux_errno_name(MUX_EFDSETSIZE), "EFDSETSIZE");
    CHECK_STR(mux_errno_name(0), NULL);
    CHECK_STR(mux_errno_name(-EBADF), NULL); /* names take the positive value */
    CHECK_STR(mux_errno_name(4096), NULL);
    CHECK_STR(mux_errno_name(4000), NULL); /* in range, but no such errno */
    CHECK_STR(mux_errno_name(MUX_EFDSETSIZE + 1), NULL);
}

static void errno_texts(void)
{
    CHECK_STR(mux_errno_text(EBADF), "Bad file descriptor");
    CHECK_STR(mux_errno_text(ENOENT), "No such file or directory");
    const char *t = mux_errno_text(MUX_EFDSETSIZE);
    CHECK(t != NULL);
    CHECK(t && strstr(t, "FD_SETSIZE") != NULL);
    CHECK_STR(mux_errno_text(0), NULL);
    CHECK_STR(mux_errno_text(-1), NULL);
    CHECK_STR(mux_errno_text(4000), NULL);
    CHECK_STR(mux_errno_text(1 << 20), NULL);
}

int main(void)
{
    RUN(const_ids_are_stable());
    RUN(const_event_bits());
    RUN(const_layouts());
    RUN(const_errnos());
    RUN(const_every_id_defined());
    RUN(const_io_uring());
    RUN(const_unknown_ids());
    RUN(const_by_name());
    RUN(errno_names());
    RUN(errno_texts());
    return mtest_summary("test_consts");
}
