package dev.muxlab.peers;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ByteProcessor;

/**
 * The raw peer, Netty's counterpart of the C floors: no HTTP parsing, it counts the request
 * terminators "\r\n\r\n" in the bytes read (a terminator split across reads counts once) and
 * writes one fixed response per count, as slices of one shared buffer, flushed once per read
 * batch ({@link #channelReadComplete}). One instance per connection (it holds the match state).
 */
final class RawHandler extends ChannelInboundHandlerAdapter implements ByteProcessor {
    private static final ByteBuf BATCH = Response.batch();
    private static final int LEN = Response.BYTES.length;

    /** How much of "\r\n\r\n" the bytes so far end with (0-3). */
    private int match;
    /** Terminators found by the current {@link ByteBuf#forEachByte} pass. */
    private int found;

    @Override
    public boolean process(byte c) {
        switch (match) {
            case 0:
                match = c == '\r' ? 1 : 0;
                break;
            case 1:
                match = c == '\n' ? 2 : c == '\r' ? 1 : 0;
                break;
            case 2:
                match = c == '\r' ? 3 : 0;
                break;
            default:
                if (c == '\n') {
                    found++;
                    match = 0;
                } else {
                    match = c == '\r' ? 1 : 0;
                }
        }
        return true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            found = 0;
            in.forEachByte(this);
            for (int k = found; k > 0; k -= Response.BATCH) {
                ctx.write(BATCH.slice(0, Math.min(k, Response.BATCH) * LEN), ctx.voidPromise());
            }
        } finally {
            in.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
