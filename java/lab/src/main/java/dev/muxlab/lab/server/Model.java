package dev.muxlab.lab.server;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The classic IO models muxlab's servers implement, by their CLI names. */
public enum Model {
    /** Blocking accept; one platform thread per connection doing blocking read/write. */
    BLOCKING("blocking"),
    /** Blocking IO on a bounded pool: connections beyond the pool size wait in a queue, unserved. */
    THREADPOOL("threadpool"),
    /** One thread looping over non-blocking fds, retrying on EAGAIN, no multiplexer (busy polling). */
    NONBLOCKING("nonblocking"),
    /** Reactor on select(2), glibc's fd_set: connections with fd >= 1024 are refused. */
    SELECT("select"),
    /** Reactor on poll(2). */
    POLL("poll"),
    /** Reactor on epoll, level-triggered. */
    EPOLL_LT("epoll-lt"),
    /** Reactor on epoll, edge-triggered: reads and accepts drain until EAGAIN. */
    EPOLL_ET("epoll-et");

    private final String cliName;

    Model(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public boolean isReactor() {
        return this == SELECT || this == POLL || this == EPOLL_LT || this == EPOLL_ET;
    }

    public boolean isEpoll() {
        return this == EPOLL_LT || this == EPOLL_ET;
    }

    /** Parses a CLI name; IllegalArgumentException naming the allowed values otherwise. */
    public static Model parse(String name) {
        for (Model m : values()) {
            if (m.cliName.equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown model '" + name + "' (allowed: " + allowed() + ")");
    }

    public static String allowed() {
        return Arrays.stream(values()).map(Model::cliName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return cliName;
    }
}
