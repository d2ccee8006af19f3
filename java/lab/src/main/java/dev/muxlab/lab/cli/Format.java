package dev.muxlab.lab.cli;

import java.util.Locale;

/** How serve and load print what they report. */
public enum Format {
    /** Lines for a human. */
    TEXT,
    /** JSON for a program: serve prints JSON Lines (one event per line), load one object. */
    JSON;

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return cliName();
    }
}
