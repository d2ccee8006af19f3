package dev.muxlab;

/**
 * Which binding muxlab calls its C shims through, chosen once, when the library loads:
 * <ul>
 * <li>{@code "ffm"}: the JDK's own Foreign Function &amp; Memory API ({@code java.lang.foreign}),
 * the default on Java 22 and later;</li>
 * <li>{@code "jnr-ffi"}: jnr-ffi, the default before Java 22 (and on 22+ when the jar was built
 * without a JDK 22+, so it has no FFM classes).</li>
 * </ul>
 * The system property {@code muxlab.binding} ({@code jnr} or {@code ffm}) overrides the
 * default; {@code ffm} before Java 22, or in a jar without the FFM classes, makes the first
 * muxlab call fail with an {@link UnsatisfiedLinkError} saying so (no silent fallback), as does
 * any other value. The public API and its behaviour are the same on both.
 * <p>
 * On Java 22+, FFM's restricted methods (loading a library, making downcall handles) want
 * native access enabled: {@code --enable-native-access=ALL-UNNAMED}, or the manifest attribute
 * {@code Enable-Native-Access: ALL-UNNAMED} of an executable jar (muxlab's has it); without it
 * the JDK prints a warning once. jnr-ffi on Java 24+ also needs
 * {@code --sun-misc-unsafe-memory-access=allow} to run without a warning about jffi's use of
 * {@code sun.misc.Unsafe}.
 */
public final class Binding {
    private Binding() {
    }

    /**
     * {@code "ffm"} or {@code "jnr-ffi"}; {@code "none"} when the library could not be loaded
     * (every native call then throws an {@link UnsatisfiedLinkError} saying why).
     */
    public static String name() {
        return Native.BINDING_NAME;
    }

    /**
     * One line for people: the binding and why it was chosen, e.g.
     * {@code "ffm (java.lang.foreign; the default on Java 22+)"}, or why none could load.
     */
    public static String describe() {
        return Native.BINDING_DETAIL;
    }
}
