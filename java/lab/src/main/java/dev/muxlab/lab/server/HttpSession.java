package dev.muxlab.lab.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Minimal HTTP/1.1 keep-alive: any GET (or HEAD) gets a fixed small body with Content-Length.
 * Pipelined requests are answered in order; a request split across reads waits for the rest.
 * {@code Connection: close} (and HTTP/1.0 without keep-alive) closes after the reply; a malformed
 * request line gets 400, a header block over the cap gets 431, other methods 405, each followed
 * by a close. Request bodies are not supported (a Content-Length or Transfer-Encoding gets 400).
 * Parses directly in the buffer; allocates nothing per request.
 */
final class HttpSession implements Session {
    static final byte[] BODY = "Hello from muxlab\n".getBytes(StandardCharsets.US_ASCII);

    private static final ByteBuffer OK_KEEP = response("200 OK", false, true);
    private static final ByteBuffer OK_CLOSE = response("200 OK", true, true);
    private static final ByteBuffer HEAD_KEEP = response("200 OK", false, false);
    private static final ByteBuffer HEAD_CLOSE = response("200 OK", true, false);
    private static final ByteBuffer BAD_400 = error("400 Bad Request");
    private static final ByteBuffer BIG_431 = error("431 Request Header Fields Too Large");
    private static final ByteBuffer METHOD_405 = error("405 Method Not Allowed");
    /** The largest canned reply: out needs this much room before a request is consumed. */
    static final int MAX_REPLY = Math.max(Math.max(OK_CLOSE.capacity(), BIG_431.capacity()),
            Math.max(BAD_400.capacity(), METHOD_405.capacity()));

    private final int maxHeader;
    private final ServerStats stats;

    HttpSession(int maxHeader, ServerStats stats) {
        this.maxHeader = maxHeader;
        this.stats = stats;
    }

    private static ByteBuffer response(String status, boolean close, boolean withBody) {
        String head = "HTTP/1.1 " + status + "\r\nServer: muxlab\r\nContent-Type: text/plain\r\nContent-Length: "
                + BODY.length + "\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocateDirect(h.length + (withBody ? BODY.length : 0));
        b.put(h);
        if (withBody) {
            b.put(BODY);
        }
        return b.flip().asReadOnlyBuffer();
    }

    private static ByteBuffer error(String status) {
        byte[] body = (status + "\n").getBytes(StandardCharsets.US_ASCII);
        String head = "HTTP/1.1 " + status + "\r\nServer: muxlab\r\nContent-Type: text/plain\r\nContent-Length: "
                + body.length + "\r\nConnection: close\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocateDirect(h.length + body.length);
        b.put(h).put(body);
        return b.flip().asReadOnlyBuffer();
    }

    private static void emit(ByteBuffer reply, ByteBuffer out) {
        out.put(out.position(), reply, 0, reply.limit());
        out.position(out.position() + reply.limit());
    }

    @Override
    public int onInput(ByteBuffer in, ByteBuffer out) {
        while (in.hasRemaining()) {
            if (out.remaining() < MAX_REPLY) {
                return CONTINUE; // backpressure: leave the request in `in`
            }
            int start = in.position();
            int end = findHeaderEnd(in, start, in.limit());
            if (end < 0) {
                if (in.limit() - start > maxHeader) {
                    emit(BIG_431, out);
                    stats.badRequests.increment();
                    in.position(in.limit());
                    return CLOSE;
                }
                return CONTINUE; // wait for the rest
            }
            if (end - start > maxHeader) {
                emit(BIG_431, out);
                stats.badRequests.increment();
                in.position(in.limit());
                return CLOSE;
            }
            int verdict = handle(in, start, end, out);
            in.position(end);
            stats.requests.increment();
            if (verdict == CLOSE) {
                in.position(in.limit());
                return CLOSE;
            }
        }
        return CONTINUE;
    }

    /** Index just past the blank line ending the header block, or -1. */
    static int findHeaderEnd(ByteBuffer b, int from, int to) {
        for (int i = from; i + 3 < to; i++) {
            if (b.get(i) == '\r' && b.get(i + 1) == '\n' && b.get(i + 2) == '\r' && b.get(i + 3) == '\n') {
                return i + 4;
            }
        }
        return -1;
    }

    private static final int GET = 1, HEAD = 2, OTHER = 3;

    /** Answers the request in [start, end); returns CLOSE when the connection must close. */
    private int handle(ByteBuffer b, int start, int end, ByteBuffer out) {
        // request line: METHOD SP TARGET SP HTTP/1.x CRLF
        int lineEnd = start;
        while (b.get(lineEnd) != '\r') {
            lineEnd++;
        }
        if (b.get(lineEnd + 1) != '\n') {
            return bad(out);
        }
        int sp1 = indexOf(b, start, lineEnd, (byte) ' ');
        if (sp1 <= start) {
            return bad(out);
        }
        for (int i = start; i < sp1; i++) {
            byte c = b.get(i);
            if (c < 'A' || c > 'Z') {
                return bad(out);
            }
        }
        int sp2 = indexOf(b, sp1 + 1, lineEnd, (byte) ' ');
        if (sp2 <= sp1 + 1) {
            return bad(out);
        }
        for (int i = sp1 + 1; i < sp2; i++) {
            byte c = b.get(i);
            if (c <= ' ' || c == 127) {
                return bad(out);
            }
        }
        if (lineEnd - (sp2 + 1) != 8 || !matches(b, sp2 + 1, "HTTP/1.") || (b.get(sp2 + 8) != '0' && b.get(sp2 + 8) != '1')) {
            return bad(out);
        }
        boolean http10 = b.get(sp2 + 8) == '0';
        int method = sp1 - start == 3 && matches(b, start, "GET") ? GET
                : sp1 - start == 4 && matches(b, start, "HEAD") ? HEAD : OTHER;

        // headers: only Connection matters; a body is not supported
        boolean close = http10;
        int i = lineEnd + 2;
        while (i < end - 2) {
            int eol = i;
            while (b.get(eol) != '\r') {
                eol++;
            }
            if (b.get(eol + 1) != '\n') {
                return bad(out);
            }
            int colon = indexOf(b, i, eol, (byte) ':');
            if (colon <= i) {
                return bad(out);
            }
            if (colon - i == 10 && matchesIgnoreCase(b, i, "connection")) {
                if (containsIgnoreCase(b, colon + 1, eol, "close")) {
                    close = true;
                } else if (containsIgnoreCase(b, colon + 1, eol, "keep-alive")) {
                    close = false;
                }
            } else if ((colon - i == 14 && matchesIgnoreCase(b, i, "content-length") && !zeroValue(b, colon + 1, eol))
                    || (colon - i == 17 && matchesIgnoreCase(b, i, "transfer-encoding"))) {
                return bad(out);
            }
            i = eol + 2;
        }
        if (method == OTHER) {
            emit(METHOD_405, out);
            stats.badRequests.increment();
            return CLOSE;
        }
        if (method == GET) {
            emit(close ? OK_CLOSE : OK_KEEP, out);
        } else {
            emit(close ? HEAD_CLOSE : HEAD_KEEP, out);
        }
        return close ? CLOSE : CONTINUE;
    }

    private int bad(ByteBuffer out) {
        emit(BAD_400, out);
        stats.badRequests.increment();
        return CLOSE;
    }

    private static int indexOf(ByteBuffer b, int from, int to, byte c) {
        for (int i = from; i < to; i++) {
            if (b.get(i) == c) {
                return i;
            }
        }
        return -1;
    }

    private static boolean matches(ByteBuffer b, int at, String s) {
        for (int k = 0; k < s.length(); k++) {
            if (b.get(at + k) != s.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static boolean matchesIgnoreCase(ByteBuffer b, int at, String lower) {
        for (int k = 0; k < lower.length(); k++) {
            int c = b.get(at + k);
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != lower.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static boolean containsIgnoreCase(ByteBuffer b, int from, int to, String lower) {
        for (int i = from; i + lower.length() <= to; i++) {
            if (matchesIgnoreCase(b, i, lower)) {
                return true;
            }
        }
        return false;
    }

    private static boolean zeroValue(ByteBuffer b, int from, int to) {
        boolean digit = false;
        for (int i = from; i < to; i++) {
            byte c = b.get(i);
            if (c == '0') {
                digit = true;
            } else if (c != ' ' && c != '\t') {
                return false;
            }
        }
        return digit;
    }
}
