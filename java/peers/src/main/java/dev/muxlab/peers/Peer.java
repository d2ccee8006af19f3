package dev.muxlab.peers;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;

/**
 * One running Netty peer: a server on one event loop thread (the same group accepts and serves),
 * a transport and a handler. {@link #close()} stops it and its thread.
 */
public final class Peer implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel server;
    private final Transport transport;
    private final Handler handler;

    private Peer(EventLoopGroup group, Channel server, Transport transport, Handler handler) {
        this.group = group;
        this.server = server;
        this.transport = transport;
        this.handler = handler;
    }

    /**
     * Starts a peer listening on host:port (port 0: any free port, see {@link #port()}).
     *
     * @throws IllegalStateException when the transport cannot run here (with Netty's reason)
     * @throws InterruptedException when interrupted while binding
     */
    public static Peer start(Transport transport, Handler handler, String host, int port) throws InterruptedException {
        String why = transport.unavailability();
        if (why != null) {
            throw new IllegalStateException("Netty's " + transport.cliName() + " transport is unavailable here: " + why);
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            handler.install(ch.pipeline());
                        }
                    });
            Channel server = b.bind(new InetSocketAddress(host, port)).sync().channel();
            return new Peer(group, server, transport, handler);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The port it listens on. */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Its transport. */
    public Transport transport() {
        return transport;
    }

    /** Its handler. */
    public Handler handler() {
        return handler;
    }

    /** Closes the listener and every connection and ends the event loop thread (waits up to 5 s). */
    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
