package dev.muxlab;

/**
 * The backends as the tests parameterize them, one per {@link Backend} (the wide select shares
 * SELECT's semantics but not its fd_set), with the helpers the tests need.
 */
enum Flavour {
    SELECT(Backend.SELECT),
    WIDE_SELECT(Backend.SELECT_WIDE),
    POLL(Backend.POLL),
    EPOLL(Backend.EPOLL),
    SIGNAL(Backend.SIGNAL),
    URING(Backend.URING);

    final Backend backend;

    Flavour(Backend backend) {
        this.backend = backend;
    }

    Multiplexer open() {
        return Multiplexer.open(backend);
    }

    boolean isSelect() {
        return backend == Backend.SELECT || backend == Backend.SELECT_WIDE;
    }

    /**
     * {@code events} as an interest mask this flavour accepts for plain readiness: SIGNAL is
     * edge-triggered only and requires {@link Events#EDGE}; the others take it as is.
     */
    int interest(int events) {
        return backend == Backend.SIGNAL ? events | Events.EDGE : events;
    }

    static Flavour of(Backend b) {
        switch (b) {
            case SELECT:
                return SELECT;
            case SELECT_WIDE:
                return WIDE_SELECT;
            case POLL:
                return POLL;
            case SIGNAL:
                return SIGNAL;
            case URING:
                return URING;
            default:
                return EPOLL;
        }
    }
}
