package dev.muxlab.peers;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** The response every peer sends, the same 44 bytes as the C floors (native/bench/http_floor.h). */
final class Response {
    /** The whole response: status line, one header, the 6-byte body. */
    static final byte[] BYTES = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n".getBytes(StandardCharsets.US_ASCII);
    /** The body alone, for the codec peer. */
    static final byte[] BODY = "hello\n".getBytes(StandardCharsets.US_ASCII);
    /** Most responses one write carries, as the floors. */
    static final int BATCH = 64;

    private Response() {
    }

    /** BATCH copies of BYTES in one direct buffer that release() leaves alone; shared, never written after this. */
    static ByteBuf batch() {
        ByteBuf b = Unpooled.directBuffer(BATCH * BYTES.length);
        for (int i = 0; i < BATCH; i++) {
            b.writeBytes(BYTES);
        }
        return Unpooled.unreleasableBuffer(b);
    }
}
