/*
 * muxlab: thin shims over Linux select(2), poll(2), epoll(7), signal-driven IO and io_uring(7).
 *
 * Conventions (every exported function):
 *   - returns >= 0 on success or -errno on failure; errno itself is never
 *     meant to be read by the caller (Java binds these with @IgnoreError);
 *   - multiplexer handles are opaque positive int64 values (a pointer);
 *   - buffers are passed as int64 addresses of caller-owned native memory;
 *   - every fd the shims create is O_CLOEXEC.
 *
 * The one error that is not an errno: MUX_EFDSETSIZE, returned (negated) by the
 * classic select backend for an fd >= FD_SETSIZE. The shim checks this itself
 * and never calls FD_SET out of range.
 */
#ifndef MUXLAB_H
#define MUXLAB_H

#include <stdint.h>

#define MUX_API __attribute__((visibility("default")))

/* Beyond the errno range (Linux errnos are < 4096): "fd >= FD_SETSIZE". */
#define MUX_EFDSETSIZE 0x10000

/* ctl operations (muxlab's own codes, shared by all backends). */
#define MUX_CTL_ADD 1
#define MUX_CTL_MOD 2
#define MUX_CTL_DEL 3

/* Output slot written by every *_wait: { int32 fd; uint32 events; } at a
 * stride of 8 bytes. The buffer must be capacity * MUX_C_READY_SLOT_SIZE
 * bytes long (epoll fills it with struct epoll_event first, then flattens
 * in place). */

/* Ids for mux_const() (C callers). Java looks constants up by name with
 * mux_const_named("EPOLLIN"); ids are append-only all the same. */
enum mux_const_id {
    MUX_C_EPOLLIN = 0,
    MUX_C_EPOLLPRI,
    MUX_C_EPOLLOUT,
    MUX_C_EPOLLERR,
    MUX_C_EPOLLHUP,
    MUX_C_EPOLLRDHUP,
    MUX_C_EPOLLEXCLUSIVE,
    MUX_C_EPOLLONESHOT,
    MUX_C_EPOLLET,
    MUX_C_POLLIN,
    MUX_C_POLLPRI,
    MUX_C_POLLOUT,
    MUX_C_POLLERR,
    MUX_C_POLLHUP,
    MUX_C_POLLNVAL,
    MUX_C_POLLRDHUP,
    MUX_C_FD_SETSIZE,
    MUX_C_EPOLL_EVENT_SIZE,
    MUX_C_EPOLL_EVENT_DATA_OFFSET,
    MUX_C_READY_SLOT_SIZE,
    MUX_C_EAGAIN,
    MUX_C_EINTR,
    MUX_C_EBADF,
    MUX_C_EEXIST,
    MUX_C_ENOENT,
    MUX_C_EINVAL,
    MUX_C_EMFILE,
    MUX_C_ENFILE,
    MUX_C_EPERM,
    MUX_C_EINPROGRESS,
    MUX_C_ECONNRESET,
    MUX_C_EPIPE,
    MUX_C_ENOTCONN,
    MUX_C_ECONNREFUSED,
    MUX_C_ENOMEM,
    MUX_C_EFDSETSIZE,
    MUX_C_SIGURG,
    MUX_C_PTR_SIZE,
    MUX_C_ECONNABORTED, /* appended: ids are part of the Java contract */
    MUX_C_EPROTO,
    MUX_C_ETIMEDOUT,
    MUX_C_ENOBUFS,
    MUX_C_EADDRINUSE,
    MUX_C_EADDRNOTAVAIL,
    MUX_C_ECANCELED,
    MUX_C_ENOSYS,
    MUX_C_EOPNOTSUPP,
    MUX_C_ENOTSOCK,
    MUX_C_EISCONN,
    MUX_C_EALREADY,
    MUX_C_ENETUNREACH,
    MUX_C_EHOSTUNREACH,
    MUX_C_ESPIPE,
    MUX_C_ENOTTY,
    MUX_C_ESRCH,
    MUX_C_EFAULT,
    MUX_C_E2BIG,
    MUX_C_ENOSPC,
    MUX_C_EIO,
    MUX_C_EBUSY,
    MUX_C_SIGIO,
    /* io_uring (uring.c) from here on */
    MUX_C_ETIME,
    MUX_C_IORING_OP_NOP,
    MUX_C_IORING_OP_POLL_ADD,
    MUX_C_IORING_OP_POLL_REMOVE,
    MUX_C_IORING_OP_ACCEPT,
    MUX_C_IORING_OP_ASYNC_CANCEL,
    MUX_C_IORING_OP_CLOSE,
    MUX_C_IORING_OP_SEND,
    MUX_C_IORING_OP_RECV,
    MUX_C_IORING_OP_PROVIDE_BUFFERS,
    MUX_C_IORING_OP_MSG_RING,
    MUX_C_IORING_OP_LAST,
    MUX_C_IORING_FEAT_SINGLE_MMAP,
    MUX_C_IORING_FEAT_NODROP,
    MUX_C_IORING_FEAT_SUBMIT_STABLE,
    MUX_C_IORING_FEAT_FAST_POLL,
    MUX_C_IORING_FEAT_POLL_32BITS,
    MUX_C_IORING_FEAT_EXT_ARG,
    MUX_C_IORING_FEAT_NATIVE_WORKERS,
    MUX_C_IORING_FEAT_CQE_SKIP,
    MUX_C_IORING_SETUP_SUBMIT_ALL,
    MUX_C_IORING_SETUP_COOP_TASKRUN,
    MUX_C_IORING_CQE_F_BUFFER,
    MUX_C_IORING_CQE_F_MORE,
    MUX_C_IORING_CQE_F_SOCK_NONEMPTY,
    MUX_C_IORING_CQE_BUFFER_SHIFT,
    MUX_C_IO_URING_CQE_SIZE,
    MUX_C_URING_STAT_COUNT,
    MUX_C_IORING_POLL_ADD_MULTI,
    MUX_C_IORING_POLL_ADD_LEVEL,
    MUX_C_COUNT
};

/* ---- constants and errno names (consts.c) ---- */
MUX_API int64_t mux_const(int id);             /* value, or -EINVAL for an unknown id */
MUX_API int64_t mux_const_named(const char *name); /* value, or -ENOENT for an unknown name */
MUX_API const char *mux_errno_name(int err);   /* "EBADF"; NULL when unknown */
MUX_API const char *mux_errno_text(int err);   /* "Bad file descriptor"; NULL when unknown */

/* ---- select (select.c) ----
 * wide == 0: glibc fd_set, fds 0..FD_SETSIZE-1 only (MUX_EFDSETSIZE beyond).
 * wide != 0: bitmaps sized to the highest registered fd (grown on demand),
 *            limited only by the kernel's fd table. */
MUX_API int64_t mux_select_open(int wide);
MUX_API int mux_select_close(int64_t h);
MUX_API int mux_select_ctl(int64_t h, int op, int fd, int events);
MUX_API int mux_select_wait(int64_t h, int64_t out, int capacity, int64_t timeout_ms);
MUX_API int mux_select_wakeup(int64_t h);
MUX_API int mux_select_max_fd(int64_t h);       /* highest registered fd, -1 if none */

/* ---- poll (poll.c): the pollfd array lives here, updated in place ---- */
MUX_API int64_t mux_poll_open(void);
MUX_API int mux_poll_close(int64_t h);
MUX_API int mux_poll_ctl(int64_t h, int op, int fd, int events);
MUX_API int mux_poll_wait(int64_t h, int64_t out, int capacity, int64_t timeout_ms);
MUX_API int mux_poll_wakeup(int64_t h);
MUX_API int mux_poll_count(int64_t h);           /* registered entries, wakeup fd included */

/* ---- epoll (epoll.c): wait is thread-safe, each caller with its own buffer ---- */
MUX_API int64_t mux_epoll_open(void);
MUX_API int mux_epoll_close(int64_t h);
MUX_API int mux_epoll_ctl(int64_t h, int op, int fd, int events);
MUX_API int mux_epoll_wait(int64_t h, int64_t out, int capacity, int64_t timeout_ms);
MUX_API int mux_epoll_wakeup(int64_t h);
MUX_API int mux_epoll_fd(int64_t h);

/* EINTR retries performed inside the *_wait shims since load (all threads). */
MUX_API int64_t mux_eintr_retries(void);

/* ---- raw fd operations (fd.c) ---- */
MUX_API int mux_socketpair(int nonblock, int *sv);          /* AF_UNIX stream, cloexec */
MUX_API int mux_pipe(int nonblock, int *fds);               /* fds[0] read end */
MUX_API int mux_eventfd(int initval, int nonblock);
MUX_API int64_t mux_read(int fd, int64_t addr, int64_t len); /* 0 = EOF */
MUX_API int64_t mux_write(int fd, int64_t addr, int64_t len);
MUX_API int mux_close(int fd);
MUX_API int mux_dup(int fd);                                 /* F_DUPFD_CLOEXEC */
MUX_API int mux_shutdown(int fd, int how);                   /* 0 RD, 1 WR, 2 RDWR */
MUX_API int mux_set_nonblock(int fd, int on);
MUX_API int mux_get_nonblock(int fd);                        /* 1, 0, or -errno */
MUX_API int mux_is_cloexec(int fd);                          /* 1, 0, or -errno */
MUX_API int64_t mux_nofile_limit(int hard);                  /* soft (0) or hard (1) RLIMIT_NOFILE */
MUX_API int mux_set_nofile_limit(int64_t soft);
MUX_API int mux_open_file(const char *path, int writable);   /* O_CLOEXEC; O_RDWR|O_CREAT if writable */
MUX_API int64_t mux_fill(int fd, int64_t max_bytes);          /* write zeros until EAGAIN/max; bytes written */
MUX_API int64_t mux_drain(int fd);                           /* read until EAGAIN/EOF; bytes read */
MUX_API int64_t mux_readable_bytes(int fd);                  /* FIONREAD */

/* ---- timerfd on CLOCK_MONOTONIC (timer.c) ---- */
MUX_API int mux_timerfd(int nonblock);                                   /* cloexec */
MUX_API int mux_timerfd_arm(int fd, int64_t delay_ns, int64_t interval_ns); /* relative; delay 0 disarms */
MUX_API int64_t mux_timerfd_read(int fd);   /* expirations since the last read; -EAGAIN if none (non-blocking) */
MUX_API int64_t mux_monotonic_nanos(void);  /* clock_gettime(CLOCK_MONOTONIC) */

/* ---- TCP/IPv4 (net.c). Addresses are host-order uint32 (127.0.0.1 = 0x7f000001) ---- */
MUX_API int mux_tcp_socket(int nonblock);
MUX_API int mux_bind4(int fd, int64_t addr, int port);
MUX_API int mux_listen(int fd, int backlog);
MUX_API int mux_accept(int fd, int nonblock);                 /* accept4, cloexec */
MUX_API int mux_connect4(int fd, int64_t addr, int port);     /* -EINPROGRESS when non-blocking */
MUX_API int mux_local_port(int fd);
MUX_API int mux_so_error(int fd);                             /* pending error (errno value, 0 none) */
MUX_API int mux_set_reuseaddr(int fd, int on);
MUX_API int mux_set_reuseport(int fd, int on);
MUX_API int mux_set_tcp_nodelay(int fd, int on);
MUX_API int mux_set_linger(int fd, int on, int seconds);
MUX_API int mux_set_recv_timeout(int fd, int64_t millis);          /* SO_RCVTIMEO; 0 = none */
MUX_API int mux_set_send_timeout(int fd, int64_t millis);          /* SO_SNDTIMEO; 0 = none */

/* ---- signals and threads, for EINTR tests (signal.c) ---- */
MUX_API int mux_signal_install(int signo);                    /* counting handler, no SA_RESTART */
MUX_API int64_t mux_signal_count(void);
MUX_API int64_t mux_thread_self(void);                        /* pthread_self() */
MUX_API int mux_thread_kill(int64_t thread, int signo);       /* pthread_kill() */

/* ---- signal-driven IO (sigio.c): O_ASYNC + F_SETSIG + F_SETOWN_EX(F_OWNER_TID), read
 * from a signalfd. The thread that calls open is the owner: open blocks the real-time
 * signal and SIGIO in it for good (and sets both to SIG_IGN if they had the default action,
 * so that one delivered by accident is discarded); ctl and wait must run in it (-EPERM
 * elsewhere), wakeup and close may run anywhere. One open instance per thread (-EEXIST for a second).
 * events: POLLIN|POLLPRI|POLLOUT (POLLERR|POLLHUP accepted, always reported); reports are
 * edge-like (a change, not a state). ADD: -EPERM for files that send no SIGIO (regular
 * files, eventfd, timerfd, ...), -EBUSY when the open file description already has
 * O_ASYNC (a dup of a registered fd). See sigio.c for the whole contract. ---- */
MUX_API int mux_sigio_signal(void);              /* the real-time signal used (SIGRTMIN + 6), or -errno */
MUX_API int64_t mux_sigio_open(void);            /* -EBUSY if the signal has a handler function */
MUX_API int mux_sigio_close(int64_t h);
MUX_API int mux_sigio_ctl(int64_t h, int op, int fd, int events);
MUX_API int mux_sigio_wait(int64_t h, int64_t out, int capacity, int64_t timeout_ms);
MUX_API int mux_sigio_wakeup(int64_t h);
MUX_API int mux_sigio_count(int64_t h);          /* registered fds */
MUX_API int64_t mux_sigio_overflows(int64_t h);  /* SIGIO (queue overflow) notices read, each followed by a full scan */
MUX_API int64_t mux_sigio_signals(int64_t h);    /* real-time signals read */
MUX_API int64_t mux_sigio_stale(int64_t h);      /* of those, dropped: fd not registered, or not sent by the kernel */
MUX_API int64_t mux_sigpending_limit(int hard);  /* soft (0) or hard (1) RLIMIT_SIGPENDING; INT64_MAX = unlimited */
MUX_API int mux_set_sigpending_limit(int64_t soft);
MUX_API int64_t mux_sigpending_used(void);       /* signals queued for this user now (SigQ in /proc/self/status) */

/* ---- io_uring (uring.c): raw io_uring_setup/io_uring_enter/io_uring_register over the
 * mmap'd rings of <linux/io_uring.h>; no liburing. ----
 *
 * The readiness multiplexer (Backend.URING): IORING_OP_POLL_ADD per registered fd, with the
 * interest set kept here (fd-indexed), so ctl validates and answers EEXIST/ENOENT/EBADF itself
 * and only queues submissions; wait submits everything queued in one io_uring_enter and waits
 * in the same call. Level-triggered = one-shot polls re-armed at the next wait; EPOLLET =
 * multishot polls; EPOLLONESHOT = one-shot polls re-armed only by MOD. Not thread-safe (one
 * thread at a time) except wakeup. See uring.c for the exact semantics. */
MUX_API int64_t mux_uring_open(void);
MUX_API int64_t mux_uring_open_sized(int sq_entries, int cq_entries);  /* for tests: a tiny CQ */
MUX_API int mux_uring_close(int64_t h);
MUX_API int mux_uring_ctl(int64_t h, int op, int fd, int events);
MUX_API int mux_uring_wait(int64_t h, int64_t out, int capacity, int64_t timeout_ms);
MUX_API int mux_uring_wakeup(int64_t h);
MUX_API int mux_uring_fd(int64_t h);                     /* the ring's own fd */
MUX_API int64_t mux_uring_stat(int64_t h, int which);    /* MUX_URING_STAT_* counters */

/* Counters kept by both ring kinds (mux_uring_stat, mux_ring_stat). */
#define MUX_URING_STAT_ENTERS 0      /* io_uring_enter calls */
#define MUX_URING_STAT_SUBMITTED 1   /* SQEs the kernel consumed */
#define MUX_URING_STAT_COMPLETIONS 2 /* CQEs reaped */
#define MUX_URING_STAT_OVERFLOWS 3   /* io_uring_enter calls that flushed an overflowed CQ */
#define MUX_URING_STAT_SQ_FULL 4     /* submissions forced early by a full SQ */
#define MUX_URING_STAT_CONFIRMS 5    /* readiness: completions re-polled before being reported */
#define MUX_URING_STAT_COUNT 6

/* The completion ring (dev.muxlab.Ring). Every queueing call writes one SQE and returns 0
 * (a full SQ is submitted first: one early io_uring_enter); results come back as completions
 * { uint64 user_data; int32 res; uint32 flags; } (struct io_uring_cqe, IO_URING_CQE_SIZE bytes)
 * from mux_ring_wait. user_data UINT64_MAX is reserved (the ring's wakeup). Not thread-safe
 * (one thread at a time) except wakeup. */
MUX_API int64_t mux_ring_open(int sq_entries, int cq_entries);   /* cq_entries 0: the kernel's 2 x sq */
MUX_API int mux_ring_close(int64_t h);                           /* cancels what is in flight first */
MUX_API int mux_ring_fd(int64_t h);
MUX_API int64_t mux_ring_info(int64_t h, int which);             /* 0 sq entries, 1 cq entries, 2 features, 3 setup flags */
MUX_API int64_t mux_ring_stat(int64_t h, int which);
MUX_API int mux_ring_queued(int64_t h);                          /* SQEs written, not yet submitted */
MUX_API int mux_ring_nop(int64_t h, int64_t user_data);
MUX_API int mux_ring_poll(int64_t h, int fd, int events, int poll_flags, int64_t user_data); /* IORING_POLL_ADD_* as given */
MUX_API int mux_ring_poll_remove(int64_t h, int64_t target, int64_t user_data);
MUX_API int mux_ring_accept(int64_t h, int fd, int multishot, int64_t user_data); /* new fds: non-blocking, cloexec */
MUX_API int mux_ring_recv(int64_t h, int fd, int group, int multishot, int64_t user_data); /* provided buffers */
MUX_API int mux_ring_send(int64_t h, int fd, int64_t addr, int len, int64_t user_data); /* MSG_NOSIGNAL */
MUX_API int mux_ring_close_fd(int64_t h, int fd, int64_t user_data);
MUX_API int mux_ring_cancel(int64_t h, int64_t target, int all, int64_t user_data);
MUX_API int mux_ring_cancel_fd(int64_t h, int fd, int64_t user_data); /* every request on fd */
MUX_API int mux_ring_wait(int64_t h, int64_t out, int capacity, int min, int64_t timeout_ms);
MUX_API int mux_ring_wakeup(int64_t h);
/* A provided-buffer ring (IORING_REGISTER_PBUF_RING) of count (a power of two <= 32768)
 * buffers of size bytes each, laid out back to back in the caller's memory at mem; every buffer
 * starts out given to the kernel. Returns a handle for recycle/free. */
MUX_API int64_t mux_ring_buffers(int64_t h, int group, int count, int size, int64_t mem);
MUX_API int mux_ring_buffers_recycle(int64_t b, int bid);      /* give buffer bid back to the kernel */
MUX_API int mux_ring_buffers_free(int64_t b);                  /* unregister; mux_ring_close does it too */

/* What this kernel offers: io_uring_setup on a 2-entry ring, IORING_REGISTER_PROBE, close.
 * ops[op] = 1 when opcode op is supported (op < cap); info[0] features, info[1] the kernel's
 * last opcode, info[2] the probe's own result (0 or -errno). Returns the number of opcodes the
 * kernel described, or -errno when io_uring_setup fails (ENOSYS: no io_uring; EPERM: disabled
 * by kernel.io_uring_disabled or refused by seccomp/LSM). */
MUX_API int mux_uring_probe(uint8_t *ops, int cap, uint32_t *info);
MUX_API const char *mux_uring_op_name(int op);  /* "POLL_ADD"; NULL beyond this header's opcodes */
/* Makes io_uring_setup/enter/register fail with err in the calling thread only (a seccomp
 * filter, as a container runtime would install): for tests and the lab. Irreversible for
 * that thread; sets no_new_privs on it. */
MUX_API int mux_uring_deny_for_thread(int err);

#endif
