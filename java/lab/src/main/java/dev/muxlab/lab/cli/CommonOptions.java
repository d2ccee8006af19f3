package dev.muxlab.lab.cli;

import dev.muxlab.lab.Proto;
import picocli.CommandLine.Option;

/** The options serve and load share: the wire protocol and the report format. */
public final class CommonOptions {
    @Option(names = "--proto", defaultValue = "echo", paramLabel = "P",
            converter = Choice.Protos.class, completionCandidates = Choice.Protos.class,
            description = "${COMPLETION-CANDIDATES}: echo sends every byte back (load verifies each one), http"
                    + " answers keep-alive GET / (default: ${DEFAULT-VALUE})")
    Proto proto;

    @Option(names = "--format", defaultValue = "text", paramLabel = "F",
            converter = Choice.Formats.class, completionCandidates = Choice.Formats.class,
            description = "${COMPLETION-CANDIDATES}: lines for a human, or JSON for a program (serve: JSON Lines,"
                    + " one event a line; load: one object) (default: ${DEFAULT-VALUE})")
    Format format;

    boolean json() {
        return format == Format.JSON;
    }
}
