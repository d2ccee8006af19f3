package dev.muxlab.peers;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar java/peers/target/peers.jar --transport epoll|io_uring --handler raw|codec
 * [--port P] [--host H]}: runs one Netty peer until SIGTERM or SIGINT. Prints
 * "listening on HOST:PORT" once, as the C floors do; on SIGTERM a shutdown hook closes the peer
 * and the JVM exits as it does on a signal (143). Other exit codes: 0 after --help, 1 cannot
 * listen, 2 bad usage, 3 the transport is unavailable here.
 */
public final class Main {
    static final String USAGE = "usage: java -jar peers.jar --transport epoll|io_uring --handler raw|codec"
            + " [--port P (default 8080; 0: any free port)] [--host H (default 127.0.0.1)]";

    /** The parsed command line. */
    record Options(Transport transport, Handler handler, String host, int port) {
    }

    private Main() {
    }

    /** Parses args; IllegalArgumentException with the reason for anything else, null for --help. */
    static Options parse(String[] args) {
        Transport transport = null;
        Handler handler = null;
        String host = "127.0.0.1";
        int port = 8080;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                return null;
            }
            if (!a.equals("--transport") && !a.equals("--handler") && !a.equals("--port") && !a.equals("--host")) {
                throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--transport" -> transport = Transport.byName(v);
                case "--handler" -> handler = Handler.byName(v);
                case "--host" -> host = v;
                default -> {
                    try {
                        port = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        port = -1;
                    }
                    if (port < 0 || port > 65535) {
                        throw new IllegalArgumentException("--port must be 0-65535: " + v);
                    }
                }
            }
        }
        if (transport == null || handler == null) {
            throw new IllegalArgumentException("--transport and --handler are required");
        }
        return new Options(transport, handler, host, port);
    }

    /** Runs a peer until the JVM is asked to stop. */
    public static void main(String[] args) throws InterruptedException {
        PrintStream out = System.out;
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("peers: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (o == null) {
            out.println(USAGE);
            return;
        }
        Peer peer;
        try {
            peer = Peer.start(o.transport(), o.handler(), o.host(), o.port());
        } catch (IllegalStateException e) {
            System.err.println("peers: " + e.getMessage());
            System.exit(3);
            return;
        } catch (Exception e) { // a bind failure, thrown by Netty without a declaration
            System.err.println("peers: cannot listen on " + o.host() + ":" + o.port() + ": " + e);
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            peer.close();
            stopped.countDown();
        }, "peers-stop"));
        out.println("listening on " + o.host() + ":" + peer.port() + " (Netty " + o.transport().cliName() + ", "
                + o.handler().cliName() + ")");
        out.flush();
        stopped.await();
    }
}
