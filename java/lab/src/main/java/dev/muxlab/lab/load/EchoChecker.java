package dev.muxlab.lab.load;

import java.util.Arrays;
import java.util.Locale;

/**
 * Checks one connection's echoed bytes against what it sent, in order, however the stream is
 * split across reads. The caller passes only bytes that were actually sent and not yet checked
 * (anything beyond that is extra and its own mismatch). Allocates only to describe a mismatch.
 */
final class EchoChecker {
    private final int conn;
    private final int size;
    /** Message being received and how many of its bytes have arrived. */
    private long seq;
    private int offset;
    private int start;
    /** Bytes that differed from what was sent. */
    long mismatched;
    /** Up to this many mismatches get a description. */
    private final int maxSamples;
    private int samples;
    private final Sampler sampler;

    /** Receives mismatch descriptions (the error path only). */
    interface Sampler {
        void sample(String description);
    }

    EchoChecker(int conn, int size, int maxSamples, Sampler sampler) {
        this.conn = conn;
        this.size = size;
        this.maxSamples = maxSamples;
        this.sampler = sampler;
        this.start = Payload.start(conn, 0);
    }

    /** The message whose bytes are expected next. */
    long seq() {
        return seq;
    }

    /** How many bytes of {@link #seq()} have arrived. */
    int offset() {
        return offset;
    }

    /**
     * Compares b[off, off+len) with the next expected bytes and advances.
     *
     * @return how many messages this chunk completed
     */
    int consume(byte[] b, int off, int len) {
        int completed = 0;
        final byte[] expected = Payload.BYTES;
        int end = off + len;
        while (off < end) {
            int idx = Payload.index(start, offset);
            int n = Math.min(end - off, Math.min(size - offset, Payload.LENGTH - idx));
            int m = Arrays.mismatch(b, off, off + n, expected, idx, idx + n);
            while (m >= 0) {
                mismatch(b[off + m], expected[idx + m], offset + m);
                int next = m + 1;
                if (next >= n) {
                    break;
                }
                int r = Arrays.mismatch(b, off + next, off + n, expected, idx + next, idx + n);
                m = r < 0 ? -1 : next + r;
            }
            off += n;
            offset += n;
            if (offset == size) {
                completed++;
                seq++;
                offset = 0;
                start = Payload.start(conn, seq);
            }
        }
        return completed;
    }

    private void mismatch(byte got, byte want, int at) {
        mismatched++;
        if (samples < maxSamples) {
            samples++;
            sampler.sample(String.format(Locale.ROOT, "connection %d message %d byte %d: expected 0x%02x, got 0x%02x",
                    conn, seq, at, want & 0xff, got & 0xff));
        }
    }
}
