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

    static Flavour of(Backend b) {
        switch (b) {
            case SELECT:
                return SELECT;
            case SELECT_WIDE:
                return WIDE_SELECT;
            case POLL:
                return POLL;
            case URING:
                return URING;
            default:
                return EPOLL;
        }
    }
}
