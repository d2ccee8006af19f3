package dev.muxlab;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * {@link NativeBinding} through the JDK's Foreign Function &amp; Memory API (Java 22+): the
 * library is opened with {@link SymbolLookup#libraryLookup(Path, Arena)} in the global arena
 * (mapped for the life of the process, so the extracted file can be deleted right after), and
 * {@link FfmLib} binds every function with a downcall handle. Native buffers are segments of
 * an automatic arena (freed when unreachable), seen as direct buffers. Lives in
 * {@code META-INF/versions/22} of the multi-release jar; {@link Native} finds it by name.
 */
final class FfmBinding extends NativeBinding {
    private static volatile SymbolLookup library;

    /** Public: {@link Native} makes one reflectively (the class is absent from a JDK-17-only jar). */
    public FfmBinding() {
    }

    /** The opened library, for {@link FfmLib}'s static initializer. */
    static SymbolLookup library() {
        SymbolLookup l = library;
        if (l == null) {
            throw new IllegalStateException("FfmLib used before FfmBinding.open");
        }
        return l;
    }

    @Override
    String name() {
        return "ffm";
    }

    @Override
    @SuppressWarnings("restricted") // loading the library: what FFM's native access is for
    Native.LibMuxlab open(Path file) {
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(file, Arena.global());
        } catch (IllegalArgumentException e) { // dlopen failed
            UnsatisfiedLinkError failed = new UnsatisfiedLinkError("cannot load " + file + ": " + e.getMessage());
            failed.initCause(e);
            throw failed;
        }
        if (lookup.find("mux_const_named").isEmpty()) {
            throw Native.stale(file, null);
        }
        library = lookup;
        try {
            return new FfmLib(); // links every function now: a missing one fails here, by name
        } catch (ExceptionInInitializerError e) {
            Throwable cause = e.getCause();
            if (cause instanceof UnsatisfiedLinkError u) {
                throw u;
            }
            UnsatisfiedLinkError failed = new UnsatisfiedLinkError("cannot bind " + file + ": " + cause);
            failed.initCause(cause);
            throw failed;
        }
    }

    @Override
    ByteBuffer allocate(int bytes) {
        return Arena.ofAuto().allocate(bytes, 16).asByteBuffer().order(ByteOrder.nativeOrder());
    }

    @Override
    long address(ByteBuffer direct) {
        // the segment of a buffer starts at its position; EA removes the segment once compiled
        return MemorySegment.ofBuffer(direct).address() - direct.position();
    }
}
