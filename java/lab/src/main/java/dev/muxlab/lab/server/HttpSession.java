package dev.muxlab.lab.server;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Minimal HTTP/1.1 keep-alive: any GET (or HEAD) gets a fixed small body with Content-Length.
 * Pipelined requests are answered in order; a request split across reads waits for the rest.
 * {@code Connection: close} (and HTTP/1.0 without keep-alive) closes after the reply; a malformed
 * request line gets 400, a header block over the cap gets 431, other methods 405, each followed
 * by a close. Request bodies are not supported (a Content-Length or Transfer-Encoding gets 400).
 * Parses directly in the buffer; allocates nothing per request. The common request (a GET that
 * arrived whole) is parsed in one pass; anything else takes the general path.
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
        int verdict = CONTINUE;
        int served = 0; // added to the shared counter once per call, not once per request
        while (in.hasRemaining()) {
            if (out.remaining() < MAX_REPLY) {
                break; // backpressure: leave the request in `in`
            }
            int start = in.position();
            int limit = in.limit();
            int quick = quickGet(in, start, limit);
            if (quick != 0) {
                served++;
                if (quick > 0) {
                    emit(OK_KEEP, out);
                    in.position(quick);
                    continue;
                }
                emit(OK_CLOSE, out);
                in.position(limit);
                verdict = CLOSE;
                break;
            }
            // everything else (HEAD, other methods, errors, a request not complete yet, an
            // oversized block): find the block's end, then judge it line by line
            int end = findHeaderEnd(in, start, limit);
            if (end < 0) {
                if (limit - start > maxHeader) {
                    verdict = tooBig(in, out);
                }
                break; // wait for the rest
            }
            if (end - start > maxHeader) {
                verdict = tooBig(in, out);
                break;
            }
            int v = handle(in, start, end, out);
            in.position(end);
            served++;
            if (v == CLOSE) {
                in.position(in.limit());
                verdict = CLOSE;
                break;
            }
        }
        if (served > 0) {
            stats.requests.add(served);
        }
        return verdict;
    }

    private int tooBig(ByteBuffer in, ByteBuffer out) {
        emit(BIG_431, out);
        stats.badRequests.increment();
        in.position(in.limit());
        return CLOSE;
    }

    private static final int GET_SP = 'G' << 24 | 'E' << 16 | 'T' << 8 | ' ';
    private static final long HTTP_1_1 = ascii("HTTP/1.1");
    private static final long HTTP_1_0 = ascii("HTTP/1.0");
    private static final short CRLF = '\r' << 8 | '\n';

    private static long ascii(String eight) {
        long v = 0;
        for (int k = 0; k < 8; k++) {
            v = v << 8 | eight.charAt(k);
        }
        return v;
    }

    /**
     * One pass over the common request: a GET whose header block is complete in [start, limit),
     * well formed, within the cap, with no body. Returns the index just past the block when the
     * connection stays open, minus that index when it must close after the reply, and 0 when the
     * request is anything else (then {@link #handle} decides, after {@link #findHeaderEnd}). For
     * every request it accepts, the verdict is the one {@link #handle} gives: the request line is
     * the same {@code GET SP target SP HTTP/1.x CRLF}, every header line holds a colon after a
     * non-empty name and ends in CRLF, the block ends at the first empty line.
     * <p>
     * The line ends are found 8 bytes at a time ({@link #indexOfCr}); multi-byte tokens are
     * compared as one int or long ({@code getInt}/{@code getLong} read big-endian unless the
     * buffer says otherwise, hence the order check).
     */
    int quickGet(ByteBuffer b, int start, int limit) {
        if (limit - start < 18 || b.order() != ByteOrder.BIG_ENDIAN || b.getInt(start) != GET_SP) {
            return 0;
        }
        int sp = start + 4; // the target: visible ASCII up to the next space
        for (;; sp++) {
            if (sp >= limit) {
                return 0;
            }
            byte c = b.get(sp);
            if (c == ' ') {
                break;
            }
            if (c < '!' || c == 127) {
                return 0;
            }
        }
        if (sp == start + 4 || sp + 11 > limit) {
            return 0;
        }
        long version = b.getLong(sp + 1);
        boolean close;
        if (version == HTTP_1_1) {
            close = false;
        } else if (version == HTTP_1_0) {
            close = true;
        } else {
            return 0;
        }
        if (b.getShort(sp + 9) != CRLF) {
            return 0;
        }
        int i = sp + 11; // first header line, or the empty line
        for (;;) {
            if (i + 1 >= limit) {
                return 0; // not complete yet
            }
            byte c = b.get(i);
            if (c == '\r') {
                if (b.get(i + 1) != '\n') {
                    return 0;
                }
                int end = i + 2;
                if (end - start > maxHeader) {
                    return 0;
                }
                return close ? -end : end;
            }
            int colon = i;
            while (c != ':') {
                if (c == '\r' || ++colon >= limit) {
                    return 0; // a line without a colon, or not complete yet
                }
                c = b.get(colon);
            }
            if (colon == i) {
                return 0; // empty name
            }
            int eol = indexOfCr(b, colon + 1, limit);
            if (eol < 0 || eol + 1 >= limit || b.get(eol + 1) != '\n') {
                return 0;
            }
            switch (colon - i) {
                case 10:
                    if (matchesIgnoreCase(b, i, "connection")) {
                        if (containsIgnoreCase(b, colon + 1, eol, "close")) {
                            close = true;
                        } else if (containsIgnoreCase(b, colon + 1, eol, "keep-alive")) {
                            close = false;
                        }
                    }
                    break;
                case 14:
                    if (matchesIgnoreCase(b, i, "content-length") && !zeroValue(b, colon + 1, eol)) {
                        return 0;
                    }
                    break;
                case 17:
                    if (matchesIgnoreCase(b, i, "transfer-encoding")) {
                        return 0;
                    }
                    break;
                default:
                    break;
            }
            i = eol + 2;
        }
    }

    private static final long CR8 = 0x0D0D0D0D0D0D0D0DL;
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;

    /** Index of the first CR in [from, to), or -1; 8 bytes per step, exact (no false hits). */
    static int indexOfCr(ByteBuffer b, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = b.getLong(i) ^ CR8; // a CR byte becomes 0
            long zero = ~(((x & LOW7) + LOW7) | x | LOW7); // 0x80 exactly where x's byte is 0
            if (zero != 0) {
                return i + (Long.numberOfLeadingZeros(zero) >>> 3); // big-endian: first byte is highest
            }
        }
        for (; i < to; i++) {
            if (b.get(i) == '\r') {
                return i;
            }
        }
        return -1;
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
    int handle(ByteBuffer b, int start, int end, ByteBuffer out) {
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
