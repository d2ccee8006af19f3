package dev.muxlab.peers;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/**
 * The codec peer's handler, behind Netty's {@code HttpServerCodec}: every request (a decoded
 * {@link HttpRequest}) gets a full response with the same bytes as the raw peer's (header name
 * spelled "Content-Length"), flushed once per read batch; a request without keep-alive gets
 * "Connection: close" and the connection is closed after the reply, one the codec could not
 * decode is closed.
 */
@Sharable
final class CodecHandler extends SimpleChannelInboundHandler<HttpObject> {
    static final CodecHandler INSTANCE = new CodecHandler();

    private static final ByteBuf BODY = Response.batch().slice(Response.BYTES.length - Response.BODY.length,
            Response.BODY.length);
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("Content-Length");
    private static final AsciiString LENGTH = AsciiString.cached(Integer.toString(Response.BODY.length));
    private static final AsciiString CONNECTION = AsciiString.cached("Connection");
    private static final AsciiString CLOSE = AsciiString.cached("close");

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
        if (!(msg instanceof HttpRequest)) {
            return; // the (empty) content of a GET
        }
        HttpRequest req = (HttpRequest) msg;
        if (req.decoderResult().isFailure()) {
            ctx.close();
            return;
        }
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, BODY.duplicate(),
                false, false);
        res.headers().set(CONTENT_LENGTH, LENGTH);
        if (HttpUtil.isKeepAlive(req)) {
            ctx.write(res, ctx.voidPromise());
        } else {
            res.headers().set(CONNECTION, CLOSE);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
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
