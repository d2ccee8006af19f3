package dev.muxlab;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import com.kenai.jffi.MemoryIO;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;

/**
 * {@link NativeBinding} through jnr-ffi: its generated class implements
 * {@link Native.LibMuxlab} (every method {@code @IgnoreError}), jffi's {@link MemoryIO} reads a
 * direct buffer's address. The only class of the package that touches jnr-ffi or jffi, so that
 * the FFM binding never loads them (jffi loads its JNI stub with {@code System.load} and uses
 * {@code sun.misc.Unsafe}, both of which JDK 24+ warns about).
 */
final class JnrBinding extends NativeBinding {
    private static final class Io {
        static final MemoryIO IO = MemoryIO.getInstance();
    }

    @Override
    String name() {
        return "jnr-ffi";
    }

    @Override
    Native.LibMuxlab open(Path file) {
        Native.LibMuxlab lib = LibraryLoader.create(Native.LibMuxlab.class)
                .option(LibraryOption.IgnoreError, true)
                .failImmediately()
                .search(file.getParent().toString())
                .load("muxlab");
        try {
            lib.mux_const_named("EPOLLIN");
        } catch (UnsatisfiedLinkError e) {
            throw Native.stale(file, e);
        }
        return lib;
    }

    @Override
    ByteBuffer allocate(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    @Override
    long address(ByteBuffer direct) {
        return Io.IO.getDirectBufferAddress(direct);
    }
}
