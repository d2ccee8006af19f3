package dev.muxlab.lab.cli;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;

import dev.muxlab.lab.Proto;
import dev.muxlab.lab.server.Model;
import picocli.CommandLine.ITypeConverter;

/**
 * An option whose value is one of a fixed set, an enum by its CLI names: converted once by
 * picocli ({@code converter = Choice.Models.class}) and listed by {@code --help} and shell
 * completion ({@code completionCandidates = Choice.Models.class}, {@code ${COMPLETION-CANDIDATES}}).
 * A value outside the set is refused with the allowed ones named.
 */
public abstract class Choice<E extends Enum<E>> implements ITypeConverter<E>, Iterable<String> {
    private final E[] values;
    private final Function<E, String> cliName;

    protected Choice(Class<E> type, Function<E, String> cliName) {
        this.values = type.getEnumConstants();
        this.cliName = cliName;
    }

    @Override
    public E convert(String value) {
        for (E e : values) {
            if (cliName.apply(e).equals(value)) {
                return e;
            }
        }
        throw new OptionValueException("unknown ", " '" + value + "' (allowed: " + String.join(", ", this) + ")");
    }

    @Override
    public Iterator<String> iterator() {
        List<String> names = new ArrayList<>();
        for (E e : values) {
            names.add(cliName.apply(e));
        }
        return names.iterator();
    }

    /** The server models: blocking, threadpool, nonblocking, select, poll, epoll-lt, epoll-et, sigio, uring, nio, virtual. */
    public static final class Models extends Choice<Model> {
        public Models() {
            super(Model.class, Model::cliName);
        }
    }

    /** The wire protocols: echo, http. */
    public static final class Protos extends Choice<Proto> {
        public Protos() {
            super(Proto.class, Proto::cliName);
        }
    }

    /** The report formats: text, json. */
    public static final class Formats extends Choice<Format> {
        public Formats() {
            super(Format.class, Format::cliName);
        }
    }
}
