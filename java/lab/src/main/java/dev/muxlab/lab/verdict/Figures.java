package dev.muxlab.lab.verdict;

import java.util.LinkedHashMap;
import java.util.Map;

/** The figures a claim reads, by key: a spread per figure, null where the run did not measure it. */
@FunctionalInterface
public interface Figures {

    /** The figure, or null when this run did not measure it. */
    Spread get(String key);

    /** Figures from a map (tests feed claims synthetic figures this way). */
    static Figures of(Map<String, Spread> map) {
        Map<String, Spread> copy = new LinkedHashMap<>(map);
        return copy::get;
    }
}
