package dev.muxlab.peers;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;

/** What a peer does with the bytes of a connection. */
public enum Handler {
    /** Counts "\r\n\r\n" in the raw bytes and writes the fixed response per count ({@link RawHandler}). */
    RAW("raw"),
    /** Netty's {@link HttpServerCodec} parses requests; {@link CodecHandler} answers each one. */
    CODEC("codec");

    private final String cliName;

    Handler(String cliName) {
        this.cliName = cliName;
    }

    /** The name on the command line: {@code raw} or {@code codec}. */
    public String cliName() {
        return cliName;
    }

    /** The handler called name on the command line; IllegalArgumentException naming the choices if none. */
    public static Handler byName(String name) {
        for (Handler h : values()) {
            if (h.cliName.equals(name)) {
                return h;
            }
        }
        throw new IllegalArgumentException("unknown handler '" + name + "' (raw, codec)");
    }

    void install(ChannelPipeline p) {
        if (this == RAW) {
            p.addLast(new RawHandler());
        } else {
            p.addLast(new HttpServerCodec());
            p.addLast(CodecHandler.INSTANCE);
        }
    }
}
