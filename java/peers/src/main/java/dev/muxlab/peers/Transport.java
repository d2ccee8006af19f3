package dev.muxlab.peers;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;

/** Netty's native Linux transports a peer runs on. */
public enum Transport {
    /** Netty's epoll transport (edge-triggered, its own JNI library). */
    EPOLL("epoll"),
    /** Netty's io_uring transport ({@code io.netty.channel.uring}, new in Netty 4.2). */
    IO_URING("io_uring");

    private final String cliName;

    Transport(String cliName) {
        this.cliName = cliName;
    }

    /** The name on the command line: {@code epoll} or {@code io_uring}. */
    public String cliName() {
        return cliName;
    }

    /** The transport called name on the command line; IllegalArgumentException naming the choices if none. */
    public static Transport byName(String name) {
        for (Transport t : values()) {
            if (t.cliName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown transport '" + name + "' (epoll, io_uring)");
    }

    /** Why this transport cannot run here (Netty's own reason), or null when it can. */
    public String unavailability() {
        Throwable cause;
        if (this == EPOLL) {
            cause = Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
        } else {
            cause = IoUring.isAvailable() ? null : IoUring.unavailabilityCause();
        }
        if (cause == null) {
            return null;
        }
        String m = cause.getMessage();
        return cause.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    IoHandlerFactory ioHandlerFactory() {
        return this == EPOLL ? EpollIoHandler.newFactory() : IoUringIoHandler.newFactory();
    }

    Class<? extends ServerChannel> serverChannel() {
        return this == EPOLL ? EpollServerSocketChannel.class : IoUringServerSocketChannel.class;
    }
}
