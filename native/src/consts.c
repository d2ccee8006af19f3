/* Constants and layouts the Java side reads at class load, so nothing is
 * hard-coded there: event bits, errno values, sizeof/offsetof epoll_event. */
#include <errno.h>
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

int64_t mux_const(int id)
{
    switch (id) {
    case MUX_C_EPOLLIN: return EPOLLIN;
    case MUX_C_EPOLLPRI: return EPOLLPRI;
    case MUX_C_EPOLLOUT: return EPOLLOUT;
    case MUX_C_EPOLLERR: return EPOLLERR;
    case MUX_C_EPOLLHUP: return EPOLLHUP;
    case MUX_C_EPOLLRDHUP: return EPOLLRDHUP;
    case MUX_C_EPOLLEXCLUSIVE: return (int64_t)(uint32_t)EPOLLEXCLUSIVE;
    case MUX_C_EPOLLONESHOT: return (int64_t)(uint32_t)EPOLLONESHOT;
    case MUX_C_EPOLLET: return (int64_t)(uint32_t)EPOLLET;
    case MUX_C_POLLIN: return POLLIN;
    case MUX_C_POLLPRI: return POLLPRI;
    case MUX_C_POLLOUT: return POLLOUT;
    case MUX_C_POLLERR: return POLLERR;
    case MUX_C_POLLHUP: return POLLHUP;
    case MUX_C_POLLNVAL: return POLLNVAL;
    case MUX_C_POLLRDHUP: return POLLRDHUP;
    case MUX_C_FD_SETSIZE: return FD_SETSIZE;
    case MUX_C_EPOLL_EVENT_SIZE: return sizeof(struct epoll_event);
    case MUX_C_EPOLL_EVENT_DATA_OFFSET: return offsetof(struct epoll_event, data);
    case MUX_C_READY_SLOT_SIZE: return sizeof(struct epoll_event);
    case MUX_C_EAGAIN: return EAGAIN;
    case MUX_C_EINTR: return EINTR;
    case MUX_C_EBADF: return EBADF;
    case MUX_C_EEXIST: return EEXIST;
    case MUX_C_ENOENT: return ENOENT;
    case MUX_C_EINVAL: return EINVAL;
    case MUX_C_EMFILE: return EMFILE;
    case MUX_C_ENFILE: return ENFILE;
    case MUX_C_EPERM: return EPERM;
    case MUX_C_EINPROGRESS: return EINPROGRESS;
    case MUX_C_ECONNRESET: return ECONNRESET;
    case MUX_C_EPIPE: return EPIPE;
    case MUX_C_ENOTCONN: return ENOTCONN;
    case MUX_C_ECONNREFUSED: return ECONNREFUSED;
    case MUX_C_ENOMEM: return ENOMEM;
    case MUX_C_EFDSETSIZE: return MUX_EFDSETSIZE;
    case MUX_C_ECONNABORTED: return ECONNABORTED;
    case MUX_C_EPROTO: return EPROTO;
    case MUX_C_SIGURG: return SIGURG;
    case MUX_C_PTR_SIZE: return sizeof(void *);
    default: return -EINVAL;
    }
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
