package dev.muxlab.lab.load;

/**
 * An incremental HTTP/1.1 response parser for keep-alive streams: status line, headers (only
 * Content-Length matters, and is required), then the body, which is skipped. It keeps a few
 * ints of state, so a response may be split anywhere across reads, and several responses may
 * arrive in one read (pipelining). Allocates nothing except to describe a protocol error.
 */
final class HttpResponseParser {
    /** Longest status line or header block accepted. */
    static final int MAX_HEAD = 64 * 1024;

    private static final byte[] PREFIX = {'H', 'T', 'T', 'P', '/'};
    private static final byte[] CONTENT_LENGTH = {'c', 'o', 'n', 't', 'e', 'n', 't', '-', 'l', 'e', 'n', 'g', 't', 'h'};

    private static final int STATUS = 0, LINE_START = 1, BLANK_CR = 2, NAME = 3, CL_VALUE = 4, SKIP_LINE = 5, BODY = 6;

    private int state = STATUS;
    private int headBytes;
    private int lineLen;
    private int spaces;
    private int digits;
    private int status;
    private int nameIdx;
    private long contentLength = -1;
    private boolean clDigits;
    private long bodyLeft;

    /** Status codes seen, indexed by code (100..599); shared by one worker's connections. */
    private final long[] statusCounts;
    /** Responses whose status was not 200. */
    long non200;
    private String error;

    HttpResponseParser(long[] statusCounts) {
        this.statusCounts = statusCounts;
    }

    /** Why the last {@link #consume} returned -1. */
    String error() {
        return error;
    }

    /** Whether no response is partly parsed. */
    boolean idle() {
        return state == STATUS && lineLen == 0;
    }

    /**
     * Parses b[off, off+len).
     *
     * @return how many responses completed, or -1 on a protocol error (the stream is unusable)
     */
    int consume(byte[] b, int off, int len) {
        int completed = 0;
        int i = off;
        int end = off + len;
        while (i < end) {
            if (state == BODY) {
                int take = (int) Math.min(end - i, bodyLeft);
                i += take;
                bodyLeft -= take;
                if (bodyLeft == 0) {
                    finish();
                    completed++;
                }
                continue;
            }
            byte x = b[i++];
            if (++headBytes > MAX_HEAD) {
                return fail("response head longer than " + MAX_HEAD + " bytes");
            }
            switch (state) {
                case STATUS:
                    if (x == '\n') {
                        if (lineLen < PREFIX.length || digits != 3 || spaces < 1) {
                            return fail("malformed status line");
                        }
                        state = LINE_START;
                    } else {
                        if (lineLen < PREFIX.length && x != PREFIX[lineLen]) {
                            return fail("response does not start with HTTP/ (byte 0x"
                                    + Integer.toHexString(x & 0xff) + " at " + lineLen + ")");
                        }
                        lineLen++;
                        if (x == ' ') {
                            spaces++;
                        } else if (spaces == 1) {
                            if (x < '0' || x > '9' || digits == 3) {
                                return fail("malformed status code");
                            }
                            status = status * 10 + (x - '0');
                            digits++;
                        }
                    }
                    break;
                case LINE_START:
                    if (x == '\r') {
                        state = BLANK_CR;
                    } else if (x == '\n') {
                        if (endOfHead()) {
                            completed++;
                        } else if (error != null) {
                            return -1;
                        }
                    } else {
                        nameIdx = lower(x) == CONTENT_LENGTH[0] ? 1 : -1;
                        state = NAME;
                    }
                    break;
                case BLANK_CR:
                    if (x != '\n') {
                        return fail("CR without LF after the headers");
                    }
                    if (endOfHead()) {
                        completed++;
                    } else if (error != null) {
                        return -1;
                    }
                    break;
                case NAME:
                    if (x == ':') {
                        if (nameIdx == CONTENT_LENGTH.length) {
                            if (contentLength >= 0) {
                                return fail("two Content-Length headers");
                            }
                            contentLength = 0;
                            clDigits = false;
                            state = CL_VALUE;
                        } else {
                            state = SKIP_LINE;
                        }
                    } else if (x == '\n') {
                        return fail("header line without a colon");
                    } else if (nameIdx >= 0 && nameIdx < CONTENT_LENGTH.length && lower(x) == CONTENT_LENGTH[nameIdx]) {
                        nameIdx++;
                    } else {
                        nameIdx = -1;
                    }
                    break;
                case CL_VALUE:
                    if (x >= '0' && x <= '9') {
                        if (contentLength > (Long.MAX_VALUE - 9) / 10) {
                            return fail("Content-Length too large");
                        }
                        contentLength = contentLength * 10 + (x - '0');
                        clDigits = true;
                    } else if (x == '\n') {
                        if (!clDigits) {
                            return fail("empty Content-Length");
                        }
                        state = LINE_START;
                    } else if (x != ' ' && x != '\t' && x != '\r') {
                        return fail("bad Content-Length value");
                    }
                    break;
                case SKIP_LINE:
                    if (x == '\n') {
                        state = LINE_START;
                    }
                    break;
                default:
                    throw new IllegalStateException("parser state " + state);
            }
        }
        return completed;
    }

    /** The blank line after the headers: true if the response is complete (no body). */
    private boolean endOfHead() {
        if (contentLength < 0) {
            fail("response without Content-Length (cannot delimit a keep-alive body)");
            return false;
        }
        if (contentLength == 0) {
            finish();
            return true;
        }
        bodyLeft = contentLength;
        state = BODY;
        return false;
    }

    private void finish() {
        if (status >= 100 && status < statusCounts.length) {
            statusCounts[status]++;
        } else {
            statusCounts[0]++;
        }
        if (status != 200) {
            non200++;
        }
        state = STATUS;
        headBytes = 0;
        lineLen = 0;
        spaces = 0;
        digits = 0;
        status = 0;
        contentLength = -1;
        bodyLeft = 0;
    }

    private int fail(String why) {
        error = why;
        return -1;
    }

    private static int lower(byte x) {
        return x >= 'A' && x <= 'Z' ? x + 32 : x;
    }
}
