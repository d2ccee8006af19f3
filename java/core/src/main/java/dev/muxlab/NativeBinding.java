package dev.muxlab;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The seam between muxlab's Java code and {@code libmuxlab.so}: one implementation per way of
 * calling C. {@link Native} picks one at class load ({@link Binding} says which) and every
 * native call of the package goes through what it returns: the functions as
 * {@link Native.LibMuxlab} (only primitives, strings and arrays cross; addresses are the C side's
 * {@code int64_t}), and the two memory operations the Java side needs, native buffers and the
 * address of a direct {@link ByteBuffer}.
 * <ul>
 * <li>{@code JnrBinding}: jnr-ffi (JNI through jffi). Java 17 and later.</li>
 * <li>{@code FfmBinding}: {@code java.lang.foreign} downcall handles. Java 22 and later; compiled
 * by a JDK 22+ into {@code META-INF/versions/22} of the multi-release jar, absent from a jar
 * built with JDK 17 only.</li>
 * </ul>
 * Neither may allocate on the Java heap per call on the hot paths: waits, read and write with
 * primitive arguments, {@link #address} of a buffer it has seen before.
 */
abstract class NativeBinding {
    /** Short name: {@code "jnr-ffi"} or {@code "ffm"}. */
    abstract String name();

    /**
     * Loads {@code file} (while it still exists: the caller deletes it right after) and binds
     * every function of {@link Native.LibMuxlab}, failing at once, with an
     * {@link UnsatisfiedLinkError} naming it, for a function the library lacks.
     */
    abstract Native.LibMuxlab open(Path file);

    /**
     * Zeroed native memory of {@code bytes} bytes as a direct buffer in the platform's byte
     * order, freed when the buffer is collected.
     */
    abstract ByteBuffer allocate(int bytes);

    /**
     * The native address of a direct buffer's first byte (index 0, whatever its position).
     * Allocates nothing in steady state.
     */
    abstract long address(ByteBuffer direct);
}
