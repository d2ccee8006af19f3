package dev.muxlab;

/**
 * The backends as the tests parameterize them: {@link Backend}'s three values plus the wide
 * select of {@link Multiplexer#openWideSelect()}, which shares SELECT's semantics but not its
 * fd_set. Use {@code @EnumSource(Flavour.class)} where both selects must behave alike and
 * {@code @EnumSource(Backend.class)} where the wide flavour adds nothing.
 */
enum Flavour {
    SELECT(Backend.SELECT),
    WIDE_SELECT(Backend.SELECT),
    POLL(Backend.POLL),
    EPOLL(Backend.EPOLL);

    final Backend backend;

    Flavour(Backend backend) {
        this.backend = backend;
    }

    Multiplexer open() {
        return this == WIDE_SELECT ? Multiplexer.openWideSelect() : Multiplexer.open(backend);
    }

    boolean isSelect() {
        return backend == Backend.SELECT;
    }

    static Flavour of(Backend b) {
        switch (b) {
            case SELECT:
                return SELECT;
            case POLL:
                return POLL;
            default:
                return EPOLL;
        }
    }
}
