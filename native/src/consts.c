/* Constants and layouts the Java side reads at class load, so nothing is
 * hard-coded there: event bits, errno values, sizeof/offsetof epoll_event,
 * io_uring opcodes, features and completion flags. */
#include <errno.h>
#include <linux/io_uring.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "internal.h"

_Static_assert(sizeof(struct mux_slot) == 8, "slot is {int32 fd; uint32 events}");
_Static_assert(sizeof(struct epoll_event) >= sizeof(struct mux_slot),
               "in-place flattening needs epoll_event >= slot");

/* One row per constant: the id C callers use (enum mux_const_id) and the name
 * the Java side looks it up by (mux_const_named), so neither depends on the
 * position of anything in a list. */
struct mux_const_row {
    const char *name;
    int64_t value;
};

static const struct mux_const_row ROWS[MUX_C_COUNT] = {
    [MUX_C_EPOLLIN] = {"EPOLLIN", EPOLLIN},
    [MUX_C_EPOLLPRI] = {"EPOLLPRI", EPOLLPRI},
    [MUX_C_EPOLLOUT] = {"EPOLLOUT", EPOLLOUT},
    [MUX_C_EPOLLERR] = {"EPOLLERR", EPOLLERR},
    [MUX_C_EPOLLHUP] = {"EPOLLHUP", EPOLLHUP},
    [MUX_C_EPOLLRDHUP] = {"EPOLLRDHUP", EPOLLRDHUP},
    [MUX_C_EPOLLEXCLUSIVE] = {"EPOLLEXCLUSIVE", (int64_t)(uint32_t)EPOLLEXCLUSIVE},
    [MUX_C_EPOLLONESHOT] = {"EPOLLONESHOT", (int64_t)(uint32_t)EPOLLONESHOT},
    [MUX_C_EPOLLET] = {"EPOLLET", (int64_t)(uint32_t)EPOLLET},
    [MUX_C_POLLIN] = {"POLLIN", POLLIN},
    [MUX_C_POLLPRI] = {"POLLPRI", POLLPRI},
    [MUX_C_POLLOUT] = {"POLLOUT", POLLOUT},
    [MUX_C_POLLERR] = {"POLLERR", POLLERR},
    [MUX_C_POLLHUP] = {"POLLHUP", POLLHUP},
    [MUX_C_POLLNVAL] = {"POLLNVAL", POLLNVAL},
    [MUX_C_POLLRDHUP] = {"POLLRDHUP", POLLRDHUP},
    [MUX_C_FD_SETSIZE] = {"FD_SETSIZE", FD_SETSIZE},
    [MUX_C_EPOLL_EVENT_SIZE] = {"EPOLL_EVENT_SIZE", sizeof(struct epoll_event)},
    [MUX_C_EPOLL_EVENT_DATA_OFFSET] = {"EPOLL_EVENT_DATA_OFFSET", offsetof(struct epoll_event, data)},
    [MUX_C_READY_SLOT_SIZE] = {"READY_SLOT_SIZE", sizeof(struct epoll_event)},
    [MUX_C_EAGAIN] = {"EAGAIN", EAGAIN},
    [MUX_C_EINTR] = {"EINTR", EINTR},
    [MUX_C_EBADF] = {"EBADF", EBADF},
    [MUX_C_EEXIST] = {"EEXIST", EEXIST},
    [MUX_C_ENOENT] = {"ENOENT", ENOENT},
    [MUX_C_EINVAL] = {"EINVAL", EINVAL},
    [MUX_C_EMFILE] = {"EMFILE", EMFILE},
    [MUX_C_ENFILE] = {"ENFILE", ENFILE},
    [MUX_C_EPERM] = {"EPERM", EPERM},
    [MUX_C_EINPROGRESS] = {"EINPROGRESS", EINPROGRESS},
    [MUX_C_ECONNRESET] = {"ECONNRESET", ECONNRESET},
    [MUX_C_EPIPE] = {"EPIPE", EPIPE},
    [MUX_C_ENOTCONN] = {"ENOTCONN", ENOTCONN},
    [MUX_C_ECONNREFUSED] = {"ECONNREFUSED", ECONNREFUSED},
    [MUX_C_ENOMEM] = {"ENOMEM", ENOMEM},
    [MUX_C_EFDSETSIZE] = {"EFDSETSIZE", MUX_EFDSETSIZE},
    [MUX_C_ECONNABORTED] = {"ECONNABORTED", ECONNABORTED},
    [MUX_C_EPROTO] = {"EPROTO", EPROTO},
    [MUX_C_SIGURG] = {"SIGURG", SIGURG},
    [MUX_C_PTR_SIZE] = {"PTR_SIZE", sizeof(void *)},
    [MUX_C_ETIMEDOUT] = {"ETIMEDOUT", ETIMEDOUT},
    [MUX_C_ENOBUFS] = {"ENOBUFS", ENOBUFS},
    [MUX_C_EADDRINUSE] = {"EADDRINUSE", EADDRINUSE},
    [MUX_C_EADDRNOTAVAIL] = {"EADDRNOTAVAIL", EADDRNOTAVAIL},
    [MUX_C_ECANCELED] = {"ECANCELED", ECANCELED},
    [MUX_C_ENOSYS] = {"ENOSYS", ENOSYS},
    [MUX_C_EOPNOTSUPP] = {"EOPNOTSUPP", EOPNOTSUPP},
    [MUX_C_ENOTSOCK] = {"ENOTSOCK", ENOTSOCK},
    [MUX_C_EISCONN] = {"EISCONN", EISCONN},
    [MUX_C_EALREADY] = {"EALREADY", EALREADY},
    [MUX_C_ENETUNREACH] = {"ENETUNREACH", ENETUNREACH},
    [MUX_C_EHOSTUNREACH] = {"EHOSTUNREACH", EHOSTUNREACH},
    [MUX_C_ESPIPE] = {"ESPIPE", ESPIPE},
    [MUX_C_ENOTTY] = {"ENOTTY", ENOTTY},
    [MUX_C_ESRCH] = {"ESRCH", ESRCH},
    [MUX_C_EFAULT] = {"EFAULT", EFAULT},
    [MUX_C_E2BIG] = {"E2BIG", E2BIG},
    [MUX_C_ENOSPC] = {"ENOSPC", ENOSPC},
    [MUX_C_EIO] = {"EIO", EIO},
    [MUX_C_EBUSY] = {"EBUSY", EBUSY},
    [MUX_C_SIGIO] = {"SIGIO", SIGIO},
    [MUX_C_ETIME] = {"ETIME", ETIME},
    [MUX_C_IORING_OP_NOP] = {"IORING_OP_NOP", IORING_OP_NOP},
    [MUX_C_IORING_OP_POLL_ADD] = {"IORING_OP_POLL_ADD", IORING_OP_POLL_ADD},
    [MUX_C_IORING_OP_POLL_REMOVE] = {"IORING_OP_POLL_REMOVE", IORING_OP_POLL_REMOVE},
    [MUX_C_IORING_OP_ACCEPT] = {"IORING_OP_ACCEPT", IORING_OP_ACCEPT},
    [MUX_C_IORING_OP_ASYNC_CANCEL] = {"IORING_OP_ASYNC_CANCEL", IORING_OP_ASYNC_CANCEL},
    [MUX_C_IORING_OP_CLOSE] = {"IORING_OP_CLOSE", IORING_OP_CLOSE},
    [MUX_C_IORING_OP_SEND] = {"IORING_OP_SEND", IORING_OP_SEND},
    [MUX_C_IORING_OP_RECV] = {"IORING_OP_RECV", IORING_OP_RECV},
    [MUX_C_IORING_OP_PROVIDE_BUFFERS] = {"IORING_OP_PROVIDE_BUFFERS", IORING_OP_PROVIDE_BUFFERS},
    [MUX_C_IORING_OP_MSG_RING] = {"IORING_OP_MSG_RING", IORING_OP_MSG_RING},
    [MUX_C_IORING_OP_LAST] = {"IORING_OP_LAST", IORING_OP_LAST},
    [MUX_C_IORING_FEAT_SINGLE_MMAP] = {"IORING_FEAT_SINGLE_MMAP", IORING_FEAT_SINGLE_MMAP},
    [MUX_C_IORING_FEAT_NODROP] = {"IORING_FEAT_NODROP", IORING_FEAT_NODROP},
    [MUX_C_IORING_FEAT_SUBMIT_STABLE] = {"IORING_FEAT_SUBMIT_STABLE", IORING_FEAT_SUBMIT_STABLE},
    [MUX_C_IORING_FEAT_FAST_POLL] = {"IORING_FEAT_FAST_POLL", IORING_FEAT_FAST_POLL},
    [MUX_C_IORING_FEAT_POLL_32BITS] = {"IORING_FEAT_POLL_32BITS", IORING_FEAT_POLL_32BITS},
    [MUX_C_IORING_FEAT_EXT_ARG] = {"IORING_FEAT_EXT_ARG", IORING_FEAT_EXT_ARG},
    [MUX_C_IORING_FEAT_NATIVE_WORKERS] = {"IORING_FEAT_NATIVE_WORKERS", IORING_FEAT_NATIVE_WORKERS},
    [MUX_C_IORING_FEAT_CQE_SKIP] = {"IORING_FEAT_CQE_SKIP", IORING_FEAT_CQE_SKIP},
    [MUX_C_IORING_SETUP_SUBMIT_ALL] = {"IORING_SETUP_SUBMIT_ALL", IORING_SETUP_SUBMIT_ALL},
    [MUX_C_IORING_SETUP_COOP_TASKRUN] = {"IORING_SETUP_COOP_TASKRUN", IORING_SETUP_COOP_TASKRUN},
    [MUX_C_IORING_CQE_F_BUFFER] = {"IORING_CQE_F_BUFFER", IORING_CQE_F_BUFFER},
    [MUX_C_IORING_CQE_F_MORE] = {"IORING_CQE_F_MORE", IORING_CQE_F_MORE},
    [MUX_C_IORING_CQE_F_SOCK_NONEMPTY] = {"IORING_CQE_F_SOCK_NONEMPTY", IORING_CQE_F_SOCK_NONEMPTY},
    [MUX_C_IORING_CQE_BUFFER_SHIFT] = {"IORING_CQE_BUFFER_SHIFT", IORING_CQE_BUFFER_SHIFT},
    [MUX_C_IO_URING_CQE_SIZE] = {"IO_URING_CQE_SIZE", sizeof(struct io_uring_cqe)},
    [MUX_C_URING_STAT_COUNT] = {"URING_STAT_COUNT", MUX_URING_STAT_COUNT},
    [MUX_C_IORING_POLL_ADD_MULTI] = {"IORING_POLL_ADD_MULTI", IORING_POLL_ADD_MULTI},
    [MUX_C_IORING_POLL_ADD_LEVEL] = {"IORING_POLL_ADD_LEVEL", IORING_POLL_ADD_LEVEL},
};

int64_t mux_const(int id)
{
    if (id < 0 || id >= MUX_C_COUNT || ROWS[id].name == NULL)
        return -EINVAL;
    return ROWS[id].value;
}

int64_t mux_const_named(const char *name)
{
    if (name == NULL)
        return -EINVAL;
    for (int i = 0; i < MUX_C_COUNT; i++) {
        if (ROWS[i].name != NULL && strcmp(ROWS[i].name, name) == 0)
            return ROWS[i].value;
    }
    return -ENOENT;
}

const char *mux_errno_name(int err)
{
    if (err == MUX_EFDSETSIZE)
        return "EFDSETSIZE";
    if (err <= 0 || err >= 4096)
        return NULL;
    return strerrorname_np(err);
}

const char *mux_errno_text(int err)
{
    if (err == MUX_EFDSETSIZE)
        return "fd >= FD_SETSIZE (glibc's fd_set holds fds 0..FD_SETSIZE-1)";
    if (err <= 0 || err >= 4096)
        return NULL;
    return strerrordesc_np(err);
}
