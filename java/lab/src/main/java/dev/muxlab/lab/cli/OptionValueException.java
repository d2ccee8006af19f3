package dev.muxlab.lab.cli;

import picocli.CommandLine.TypeConversionException;

/**
 * A value an option does not take, from one of the lab's converters ({@link DurationConverter},
 * {@link Choice}): its message names the option once picocli says which one it was, e.g.
 * {@code --duration needs a unit, e.g. 10s or 500ms: '10'} (see {@link Main}). The message is
 * {@code head + option + tail}.
 */
final class OptionValueException extends TypeConversionException {
    private static final long serialVersionUID = 1L;

    private final String head;
    private final String tail;

    OptionValueException(String head, String tail) {
        super(head + "the value" + tail);
        this.head = head;
        this.tail = tail;
    }

    /** The message for {@code option}, e.g. "--duration". */
    String forOption(String option) {
        return head + option + tail;
    }
}
