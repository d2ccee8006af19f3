package dev.muxlab.lab.cli;

import java.nio.file.Path;

import picocli.CommandLine.Option;

/** Options every experiment command takes. */
public final class ExperimentOptions {
    @Option(names = "--quick", description = "short runs: the whole suite in under a minute")
    boolean quick;

    @Option(names = "--out", paramLabel = "DIR", description = "output folder (default: results/<timestamp>)")
    Path out;

    @Option(names = "--backend", paramLabel = "B",
            description = "only this backend: select, select-wide, poll, epoll (default: all)")
    String backend;

    @Option(names = "--trigger", paramLabel = "T", description = "epoll only: lt or et (default: both)")
    String trigger;

    @Option(names = "--no-progress", description = "plain log lines instead of progress bars")
    boolean noProgress;
}
