package dev.muxlab.lab.cli;

import picocli.CommandLine.TypeConversionException;

/**
 * A value an option does not take, from one of the lab's converters ({@link DurationConverter},
 * {@link Choice}): its message names the option once picocli says which one it was, e.g.
 * {@code --duration needs a unit, e.g. 10s or 500ms: '10'} (see {@link Main}).
 */
final class OptionValueException extends TypeConversionException {
    private static final long serialVersionUID = 1L;

    /** The message with {@code %s} where the option's name goes. */
    private final String template;

    OptionValueException(String template) {
        super(String.format(template, "the value"));
        this.template = template;
    }

    /** The message for {@code option}, e.g. "--duration". */
    String forOption(String option) {
        return String.format(template, option);
    }
}
