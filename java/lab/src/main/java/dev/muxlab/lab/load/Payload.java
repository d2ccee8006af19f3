package dev.muxlab.lab.load;

import java.nio.ByteBuffer;

/**
 * The deterministic echo byte stream. Byte {@code o} of message {@code seq} on connection
 * {@code conn} is {@code PATTERN[(start(conn, seq) + o) & MASK]}: a fixed pseudo-random table
 * (seeded, identical in every run) read from a start that a hash of (connection, sequence)
 * picks. Any flipped byte is caught exactly; a lost, duplicated or reordered message is caught
 * too, since neighbouring messages start at unrelated places in the table.
 * <p>
 * The table is stored twice in a row ({@link #LENGTH} bytes), so a run of up to {@link #PERIOD}
 * bytes from any start below PERIOD is contiguous: writes go straight from the shared direct
 * copy (through a per-connection duplicate, no copying) and checks compare against the heap
 * copy with {@link java.util.Arrays#mismatch(byte[], int, int, byte[], int, int)}. Both copies
 * are written once, in the static initialiser, and only read afterwards, so threads share them.
 */
final class Payload {
    static final int PERIOD_BITS = 20;
    /** Distinct table bytes (1 MiB): messages longer than this repeat the table. */
    static final int PERIOD = 1 << PERIOD_BITS;
    static final int MASK = PERIOD - 1;
    /** Stored length: the table twice. */
    static final int LENGTH = 2 * PERIOD;

    static final byte[] BYTES = new byte[LENGTH];
    private static final ByteBuffer DIRECT = ByteBuffer.allocateDirect(LENGTH);

    static {
        long s = 0x6d75786c61622131L; // "muxlab!1"
        for (int i = 0; i < PERIOD; i += 8) {
            s += 0x9E3779B97F4A7C15L;
            long z = mix(s);
            for (int k = 0; k < 8; k++) {
                BYTES[i + k] = (byte) (z >>> (8 * k));
            }
        }
        System.arraycopy(BYTES, 0, BYTES, PERIOD, PERIOD);
        DIRECT.put(BYTES).clear();
    }

    private Payload() {
    }

    /** Where message {@code seq} of connection {@code conn} starts in the table, in [0, PERIOD). */
    static int start(int conn, long seq) {
        return (int) mix(conn * 0xD1B54A32D192ED03L + seq * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L) & MASK;
    }

    /** Table index of byte {@code offset} of the message starting at {@code start}; contiguous for LENGTH - index bytes. */
    static int index(int start, int offset) {
        return (start + offset) & MASK;
    }

    /** The expected byte (slow path, for descriptions and tests). */
    static byte expected(int conn, long seq, int offset) {
        return BYTES[index(start(conn, seq), offset)];
    }

    /** A private view of the shared direct table for one connection's writes (never written through). */
    static ByteBuffer view() {
        return DIRECT.duplicate();
    }

    /** A direct copy of {@code bytes}, written once here and only read afterwards (take a duplicate per writer). */
    static ByteBuffer direct(byte[] bytes) {
        ByteBuffer b = ByteBuffer.allocateDirect(bytes.length);
        b.put(bytes).clear();
        return b;
    }

    /** SplitMix64's finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
