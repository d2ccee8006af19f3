/* A counting signal handler installed without SA_RESTART, and pthread_kill,
 * so tests can interrupt a thread blocked in a wait and check the EINTR retry. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "internal.h"

static _Atomic int64_t signals_seen;

static void on_signal(int signo)
{
    (void)signo;
    atomic_fetch_add_explicit(&signals_seen, 1, memory_order_relaxed);
}

int mux_signal_install(int signo)
{
    if (signo <= 0 || signo >= NSIG)
        return -EINVAL;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: blocked waits see EINTR */
    return sigaction(signo, &sa, NULL) < 0 ? -errno : 0;
}

int64_t mux_signal_count(void)
{
    return atomic_load_explicit(&signals_seen, memory_order_relaxed);
}

int64_t mux_thread_self(void)
{
    _Static_assert(sizeof(pthread_t) <= sizeof(int64_t), "pthread_t fits int64");
    return (int64_t)pthread_self();
}

int mux_thread_kill(int64_t thread, int signo)
{
    if (signo <= 0 || signo >= NSIG)
        return -EINVAL;
    int rc = pthread_kill((pthread_t)thread, signo);
    return rc ? -rc : 0;
}
