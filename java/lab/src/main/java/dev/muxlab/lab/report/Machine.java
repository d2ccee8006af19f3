package dev.muxlab.lab.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import dev.muxlab.Fds;

/**
 * What machine a run was measured on, read once when the run starts (the load average then is
 * the one that says how busy the machine was before the lab added its own load).
 *
 * @param cpu the CPU model from /proc/cpuinfo (the architecture when there is none)
 * @param cores processors visible to the JVM
 * @param memoryMib MemTotal of /proc/meminfo in MiB, -1 if unknown
 * @param kernel the kernel release
 * @param jdk vendor, VM and version of the running JDK
 * @param loadAverage the 1-, 5- and 15-minute load averages, "" if unknown
 * @param fdSoft RLIMIT_NOFILE, soft
 * @param fdHard RLIMIT_NOFILE, hard
 * @param started when the run started, UTC, to the second
 */
public record Machine(String cpu, int cores, long memoryMib, String kernel, String jdk, String loadAverage,
        int fdSoft, int fdHard, ZonedDateTime started) {

    /** The machine now. */
    public static Machine probe() {
        return new Machine(readCpuModel(), Runtime.getRuntime().availableProcessors(), readMemoryMib(),
                read("/proc/sys/kernel/osrelease"), readJdk(), readLoadAverage(), Fds.openFileLimit(), Fds.hardOpenFileLimit(),
                ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS));
    }

    /** The start time as ISO 8601, e.g. 2026-12-06T23:20:38Z. */
    public String startedIso() {
        return started.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    /** The lines of the report's header and the JSON files' metadata, by name. */
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cpu", cpu + ", " + cores + " cores visible to the JVM");
        m.put("memory", memoryMib < 0 ? "unknown" : String.format(Locale.ROOT, "%.1f GiB", memoryMib / 1024.0));
        m.put("kernel", "Linux " + kernel);
        m.put("jdk", jdk);
        m.put("fd limit at start", "soft " + fdSoft + ", hard " + fdHard);
        m.put("load average at start", loadAverage.isEmpty() ? "unknown" : loadAverage + " (1, 5, 15 min)");
        return m;
    }

    /** One line for a chart's subtitle: machine and date. */
    public String subtitle() {
        return cpu + ", " + cores + " cores" + (memoryMib < 0 ? "" : String.format(Locale.ROOT, ", %.0f GiB",
                memoryMib / 1024.0)) + ", Linux " + kernel + ", JDK " + System.getProperty("java.version") + " \u2014 "
                + started.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT));
    }

    private static String readCpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return System.getProperty("os.arch");
    }

    private static long readMemoryMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024; // kB
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return -1;
    }

    private static String readJdk() {
        return System.getProperty("java.vendor", "?") + " " + System.getProperty("java.vm.name", "Java") + " "
                + System.getProperty("java.runtime.version", System.getProperty("java.version", "?"));
    }

    private static String readLoadAverage() {
        String load = read("/proc/loadavg");
        String[] f = load.split(" ");
        return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : "";
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            return "";
        }
    }
}
