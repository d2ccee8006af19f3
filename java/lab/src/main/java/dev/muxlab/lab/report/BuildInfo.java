package dev.muxlab.lab.report;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The version and git commit muxlab was built from, read from the manifest of the jar it runs
 * from ({@code Implementation-Version}, {@code Muxlab-Commit}); run from a folder of classes
 * (tests, an IDE) there is no manifest: version "dev", commit "unknown".
 */
public final class BuildInfo {
    /** The manifest attribute holding the git commit of the build. */
    public static final String COMMIT_ATTRIBUTE = "Muxlab-Commit";

    private BuildInfo() {
    }

    /** The version, or "dev" when not running from a built jar. */
    public static String version() {
        String v = BuildInfo.class.getPackage().getImplementationVersion();
        if (blank(v)) {
            Manifest m = manifest(BuildInfo.class);
            v = m == null ? null : m.getMainAttributes().getValue(Attributes.Name.IMPLEMENTATION_VERSION);
        }
        return blank(v) ? "dev" : v.trim();
    }

    /** The git commit, or "unknown". */
    public static String commit() {
        Manifest m = manifest(BuildInfo.class);
        String c = m == null ? null : m.getMainAttributes().getValue(COMMIT_ATTRIBUTE);
        return blank(c) ? "unknown" : c.trim();
    }

    static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** The manifest of the jar {@code c} was loaded from, or null (loaded from a folder of classes). */
    public static Manifest manifest(Class<?> c) {
        CodeSource src = c.getProtectionDomain().getCodeSource();
        if (src == null || src.getLocation() == null) {
            return null;
        }
        try {
            Path where = Path.of(src.getLocation().toURI());
            if (!Files.isRegularFile(where)) {
                return null;
            }
            try (JarFile jar = new JarFile(where.toFile())) {
                return jar.getManifest();
            }
        } catch (IOException | URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }
}
