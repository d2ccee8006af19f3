package dev.muxlab.lab.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The JDKs installed where Debian and Ubuntu put them ({@code /usr/lib/jvm/*}), read from each
 * one's {@code release} file: what a message can suggest when this JVM is too old for a model.
 * scripts/muxlab picks its JDK by the same rule, and the models experiment starts the virtual
 * model's server with the newest one when its own JVM is older than 21.
 */
public final class Jdks {
    static final Path ROOT = Path.of("/usr/lib/jvm");
    private static final Pattern JAVA_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"([0-9][^\"]*)\"");

    private Jdks() {
    }

    /** The home of the newest JDK under /usr/lib/jvm whose feature release is at least min; null if none. */
    public static String newest(int min) {
        return newest(ROOT, min);
    }

    static String newest(Path root, int min) {
        if (!Files.isDirectory(root)) {
            return null;
        }
        List<Path> homes;
        try (Stream<Path> s = Files.list(root)) {
            homes = s.sorted().collect(Collectors.toList());
        } catch (IOException | RuntimeException e) {
            return null;
        }
        Runtime.Version best = null;
        Path bestHome = null;
        for (Path home : homes) {
            Runtime.Version v = version(home);
            if (v != null && v.feature() >= min && Files.isExecutable(home.resolve("bin/java"))
                    && (best == null || v.compareToIgnoreOptional(best) > 0)) {
                best = v;
                bestHome = home;
            }
        }
        return bestHome == null ? null : bestHome.toString();
    }

    /** JAVA_VERSION of a JDK's release file, or null. */
    public static Runtime.Version version(Path home) {
        try {
            Matcher m = JAVA_VERSION.matcher(Files.readString(home.resolve("release"), StandardCharsets.UTF_8));
            return m.find() ? Runtime.Version.parse(m.group(1)) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
