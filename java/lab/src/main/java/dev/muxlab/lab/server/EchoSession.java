package dev.muxlab.lab.server;

import java.nio.ByteBuffer;

/** Echo: every byte goes back as it arrives, as far as the output buffer has room. Stateless. */
final class EchoSession implements Session {
    static final EchoSession INSTANCE = new EchoSession();

    private EchoSession() {
    }

    @Override
    public int onInput(ByteBuffer in, ByteBuffer out) {
        int n = Math.min(in.remaining(), out.remaining());
        if (n > 0) {
            int limit = in.limit();
            in.limit(in.position() + n);
            out.put(in);
            in.limit(limit);
        }
        return CONTINUE;
    }
}
