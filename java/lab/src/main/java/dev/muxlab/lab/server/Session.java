package dev.muxlab.lab.server;

import dev.muxlab.lab.Proto;
import java.nio.ByteBuffer;

/**
 * The protocol side of one connection, independent of the IO model. Every model calls it the
 * same way: bytes arrive in {@code in}, replies go to {@code out}.
 */
public interface Session {
    /** Keep the connection open. */
    int CONTINUE = 0;
    /** Close once the output has been flushed. */
    int CLOSE = 1;

    /**
     * Consumes what it can of {@code in} (read mode: position..limit) and appends replies to
     * {@code out} (write mode). Input whose reply does not fit in out's remaining space must be
     * left in {@code in}: that is how a full output buffer stops the reading (backpressure).
     *
     * @return {@link #CONTINUE} or {@link #CLOSE}
     */
    int onInput(ByteBuffer in, ByteBuffer out);

    /** Creates sessions for a protocol. */
    static Session create(Proto proto, ServerConfig config, ServerStats stats) {
        return proto == Proto.ECHO ? EchoSession.INSTANCE : new HttpSession(config.maxHeaderBytes, stats);
    }
}
