package dev.muxlab.lab.cli;

import java.util.Locale;
import java.util.jar.Attributes;
import java.util.jar.Manifest;

import dev.muxlab.Binding;
import dev.muxlab.lab.report.BuildInfo;

import picocli.CommandLine.IVersionProvider;

/**
 * {@code muxlab --version}: the version and git commit the jar was built from, read from its
 * manifest ({@code Implementation-Version}, {@code Muxlab-Commit}); run from classes (tests, an
 * IDE), there is no manifest and it says {@code muxlab dev (commit unknown)}. Then the Java
 * runtime, and the binding muxlab calls its C shims through ({@link Binding#describe()}: FFM on
 * Java 22+, jnr-ffi before, or as {@code -Dmuxlab.binding} says).
 */
public final class VersionProvider implements IVersionProvider {
    /** The manifest attribute holding the git commit of the build. */
    static final String COMMIT_ATTRIBUTE = BuildInfo.COMMIT_ATTRIBUTE;

    @Override
    public String[] getVersion() {
        Manifest m = manifest(Main.class);
        String version = Main.class.getPackage().getImplementationVersion();
        if (version == null && m != null) {
            version = m.getMainAttributes().getValue(Attributes.Name.IMPLEMENTATION_VERSION);
        }
        String commit = m == null ? null : m.getMainAttributes().getValue(COMMIT_ATTRIBUTE);
        return new String[] {describe(version, commit), runtime(), "binding " + Binding.describe()};
    }

    /** "muxlab VERSION (commit COMMIT)", with "dev" and "unknown" for what is missing. */
    static String describe(String version, String commit) {
        return "muxlab " + (blank(version) ? "dev" : version.trim()) + " (commit "
                + (blank(commit) ? "unknown" : commit.trim()) + ")";
    }

    private static String runtime() {
        return String.format(Locale.ROOT, "Java %s (%s), %s %s %s", Runtime.version(),
                System.getProperty("java.vm.name"), System.getProperty("os.name"), System.getProperty("os.version"),
                System.getProperty("os.arch"));
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** The manifest of the jar {@code c} was loaded from, or null (loaded from a folder of classes). */
    static Manifest manifest(Class<?> c) {
        return BuildInfo.manifest(c);
    }
}
