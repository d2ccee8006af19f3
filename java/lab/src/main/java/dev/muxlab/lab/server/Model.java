package dev.muxlab.lab.server;

import dev.muxlab.Backend;
import dev.muxlab.Trigger;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The classic IO models muxlab's servers implement, by their CLI names. */
public enum Model {
    /** Blocking accept; one platform thread per connection doing blocking read/write. */
    BLOCKING("blocking", null, null),
    /** Blocking IO on a bounded pool: connections beyond the pool size wait in a queue, unserved. */
    THREADPOOL("threadpool", null, null),
    /** One thread looping over non-blocking fds, retrying on EAGAIN, no multiplexer (busy polling). */
    NONBLOCKING("nonblocking", null, null),
    /** Reactor on select(2), glibc's fd_set: connections with fd >= 1024 are refused. */
    SELECT("select", Backend.SELECT, Trigger.LEVEL),
    /** Reactor on poll(2). */
    POLL("poll", Backend.POLL, Trigger.LEVEL),
    /** Reactor on epoll, level-triggered. */
    EPOLL_LT("epoll-lt", Backend.EPOLL, Trigger.LEVEL),
    /** Reactor on epoll, edge-triggered: reads and accepts drain until EAGAIN. */
    EPOLL_ET("epoll-et", Backend.EPOLL, Trigger.EDGE),
    /**
     * Signal-driven IO: the reactor on {@link Backend#SIGNAL}, a real-time signal per readiness
     * change read from a signalfd. Edge-triggered only: reads drain until EAGAIN (a short read
     * does not mean drained, as no signal carries RDHUP) and accepts until EAGAIN.
     */
    SIGIO("sigio", Backend.SIGNAL, Trigger.EDGE),
    /**
     * Asynchronous IO on io_uring: completion-based, not a readiness reactor (UringServer: multishot
     * accept, multishot recv into provided buffers, send and close queued and submitted in one
     * io_uring_enter per loop iteration). It uses no {@link dev.muxlab.Multiplexer}, so
     * {@link #backend()} and {@link #trigger()} are null and {@link #isReactor()} is false; like the
     * reactors it takes --loops ({@link #takesLoops()}).
     */
    URING("uring", null, null),
    /**
     * The JDK's own reactor: one thread on a {@code java.nio.channels.Selector} (epoll underneath,
     * level-triggered) with non-blocking {@code SocketChannel}s; no muxlab multiplexer.
     */
    NIO("nio", null, null),
    /** Blocking {@code java.net} sockets, one virtual thread per connection (JDK 21 or later at run time). */
    VIRTUAL("virtual", null, null);

    private final String cliName;
    private final Backend backend;
    private final Trigger trigger;

    Model(String cliName, Backend backend, Trigger trigger) {
        this.cliName = cliName;
        this.backend = backend;
        this.trigger = trigger;
    }

    /** The multiplexer a reactor model runs on; null for the models without one. */
    public Backend backend() {
        return backend;
    }

    /** How the reactor's multiplexer reports readiness; null for the models without one. */
    public Trigger trigger() {
        return trigger;
    }

    public String cliName() {
        return cliName;
    }

    public boolean isReactor() {
        return backend != null;
    }

    public boolean isEpoll() {
        return backend == Backend.EPOLL;
    }

    /** Whether --loops applies: the reactors and uring, each loop a thread with its own SO_REUSEPORT listener. */
    public boolean takesLoops() {
        return isReactor() || this == URING;
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
