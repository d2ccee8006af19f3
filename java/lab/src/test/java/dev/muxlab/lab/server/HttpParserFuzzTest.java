package dev.muxlab.lab.server;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The HTTP request parser ({@link HttpSession}) under random and mutated input: truncated lines,
 * huge headers, binary garbage, pipelined requests split at every offset. Whatever comes in, it
 * answers 200/400/405/431 or waits for more bytes, never throws, consumes only whole requests,
 * and writes only complete responses.
 * <p>
 * {@link #feed} drives the session the way the reactor does: bytes arrive fragment by fragment
 * into an input buffer of the server's read size, leftovers are kept (compact), and the output
 * is drained after every call (its capacity varies, so the backpressure path runs too).
 */
class HttpParserFuzzTest {
    static final int MAX_HEADER = new ServerConfig().maxHeaderBytes;
    static final int READ_BUFFER = new ServerConfig().readBufferBytes;
    static final byte[] BODY = HttpSession.BODY;
    static final Set<Integer> STATUSES = Set.of(200, 400, 405, 431);
    // reused by every feed (properties run one at a time): direct buffers like the server's
    static final ByteBuffer IN = ByteBuffer.allocateDirect(READ_BUFFER);
    static final ByteBuffer OUT = ByteBuffer.allocateDirect(64 * 1024);

    /** What a whole feed produced. */
    static final class Outcome {
        final List<Response> responses = new ArrayList<>();
        boolean closed;
        int leftover;
    }

    record Response(int status, boolean close, boolean hasBody) {
    }

    // ---------------------------------------------------------------- properties

    /** Valid keep-alive requests, pipelined, split at every single offset: one 200 per request. */
    @Property(tries = 100)
    void pipelinedRequestsSplitAtEveryOffset(@ForAll("shortPipelines") List<byte[]> requests,
            @ForAll @IntRange(min = 0, max = 3) int outChoice) {
        byte[] all = concat(requests);
        int outCap = outCapacity(outChoice);
        for (int cut = 0; cut <= all.length; cut++) {
            Outcome o = feed(new byte[][] {Arrays.copyOfRange(all, 0, cut), Arrays.copyOfRange(all, cut, all.length)},
                    outCap);
            assertAllOk(o, requests.size(), "cut at " + cut);
        }
    }

    /** The same, fed in many random fragments (down to single bytes). */
    @Property(tries = 1000)
    void pipelinedRequestsInRandomFragments(@ForAll("pipelines") List<byte[]> requests,
            @ForAll("cuts") List<Integer> cuts, @ForAll @IntRange(min = 0, max = 3) int outChoice) {
        byte[] all = concat(requests);
        Outcome o = feed(split(all, cuts), outCapacity(outChoice));
        assertAllOk(o, requests.size(), "fragments at " + cuts);
    }

    /** A valid pipeline cut short: the complete requests are answered, the rest waits. */
    @Property(tries = 1000)
    void truncatedInputWaitsForTheRest(@ForAll("pipelines") List<byte[]> requests,
            @ForAll @IntRange(min = 1, max = 10_000) int cutSeed, @ForAll("cuts") List<Integer> cuts) {
        byte[] all = concat(requests);
        int len = cutSeed % all.length; // strictly shorter than the whole
        byte[] part = Arrays.copyOf(all, len);
        int complete = 0;
        int at = 0;
        for (byte[] r : requests) {
            if (at + r.length <= len) {
                complete++;
            }
            at += r.length;
        }
        Outcome o = feed(split(part, cuts), 64 * 1024);
        assertFalse(o.closed, "truncated valid input must not close");
        assertEquals(complete, o.responses.size());
        o.responses.forEach(r -> assertEquals(200, r.status()));
        assertTrue(o.leftover > 0 || len == 0 || isBoundary(requests, len), "the partial request is kept");
    }

    /** Binary garbage, in random fragments. */
    @Property(tries = 2000)
    void binaryGarbage(@ForAll @Size(max = 12_000) byte[] garbage, @ForAll("cuts") List<Integer> cuts,
            @ForAll @IntRange(min = 0, max = 3) int outChoice) {
        feed(split(garbage, cuts), outCapacity(outChoice));
    }

    /** Valid pipelines with random mutations (bytes flipped, CR/LF/SP/':'/NUL inserted, chunks removed or repeated). */
    @Property(tries = 2000)
    void mutatedRequests(@ForAll("mutated") byte[] input, @ForAll("cuts") List<Integer> cuts,
            @ForAll @IntRange(min = 0, max = 3) int outChoice) {
        feed(split(input, cuts), outCapacity(outChoice));
    }

    /** Header blocks around and far beyond the cap: 200 when within, 431 when over, never a hang on a full buffer. */
    @Property(tries = 400)
    void hugeHeaders(@ForAll @IntRange(min = 1, max = 200) int headerCount,
            @ForAll @IntRange(min = 0, max = 400) int valueLength, @ForAll boolean finished,
            @ForAll("cuts") List<Integer> cuts) {
        StringBuilder sb = new StringBuilder("GET /big HTTP/1.1\r\n");
        for (int i = 0; i < headerCount; i++) {
            sb.append("X-H").append(i).append(": ").append("v".repeat(valueLength)).append("\r\n");
        }
        if (finished) {
            sb.append("\r\n");
        }
        byte[] req = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        Outcome o = feed(split(req, cuts), 64 * 1024);
        if (req.length > MAX_HEADER) {
            assertEquals(1, o.responses.size(), "one reply to an oversized header block");
            assertEquals(431, o.responses.get(0).status());
            assertTrue(o.closed);
        } else if (finished) {
            assertEquals(1, o.responses.size());
            assertEquals(200, o.responses.get(0).status());
            assertFalse(o.closed);
        } else {
            assertTrue(o.responses.isEmpty(), "an unfinished header block within the cap waits");
            assertFalse(o.closed);
            assertEquals(req.length, o.leftover);
        }
    }

    /**
     * The one-pass path for a common GET ({@link HttpSession#quickGet}) against the general path
     * ({@link HttpSession#findHeaderEnd} then {@link HttpSession#handle}), on GETs with the
     * headers that matter (Connection, Content-Length, Transfer-Encoding), odd versions, targets
     * and header lines, each mutated or not: whenever the quick path answers, it must end the
     * request where the general path does and give the same verdict and reply (200, kept open or
     * closed). The coverage check makes sure both paths are taken often.
     */
    @Property(tries = 5000)
    void quickPathAgreesWithTheGeneralPath(@ForAll("quickCandidates") byte[] input) {
        ByteBuffer b = ByteBuffer.allocateDirect(input.length + 16);
        b.put(input).flip();
        HttpSession s = new HttpSession(MAX_HEADER, new ServerStats());
        int quick = s.quickGet(b, 0, b.limit());
        int end = HttpSession.findHeaderEnd(b, 0, b.limit());
        net.jqwik.api.statistics.Statistics.label("path").collect(quick == 0 ? "general" : "quick");
        net.jqwik.api.statistics.Statistics.label("path").coverage(c -> {
            c.check("quick").percentage(p -> p > 20);
            c.check("general").percentage(p -> p > 20);
        });
        if (quick == 0) {
            return;
        }
        assertEquals(end, Math.abs(quick), "where the request ends");
        assertTrue(end <= MAX_HEADER);
        ByteBuffer out = ByteBuffer.allocateDirect(HttpSession.MAX_REPLY);
        int verdict = s.handle(b, 0, end, out);
        assertEquals(quick < 0 ? Session.CLOSE : Session.CONTINUE, verdict, "keep-alive verdict");
        byte[] reply = new byte[out.flip().remaining()];
        out.get(reply);
        List<Response> rs = parseResponses(reply, verdict == Session.CLOSE);
        assertEquals(List.of(new Response(200, quick < 0, true)), rs);
    }

    @Provide
    Arbitrary<byte[]> quickCandidates() {
        // mostly valid parts (so that the quick path answers often), some of every odd kind
        Arbitrary<String> target = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.just("/")),
                net.jqwik.api.Tuple.of(4, Arbitraries.strings().withCharRange('!', '~').ofMaxLength(30).map(t -> "/" + t)),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().withChars('/', 'a', '\t', ' ', '\u007f', '\u0080', '\u00ff', '\r')
                        .ofMaxLength(4)));
        Arbitrary<String> version = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.just("HTTP/1.1")), net.jqwik.api.Tuple.of(2, Arbitraries.just("HTTP/1.0")),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("HTTP/1.2", "HTTP/2.0", "http/1.1", "HTTP/1.1 ", "HTTP/1.")));
        Arbitrary<String> header = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(18, Arbitraries.of("Host: 127.0.0.1:8080", "host:x", "Accept: */*", "X-Request-Id: 42",
                        "Connection: close", "connection: Keep-Alive", "CONNECTION: upgrade", "Connection:close, keep-alive",
                        "Content-Length: 0", "content-length:  00 ", "X-Empty:", "Name With Space: v", "X-LF: a\nb",
                        "X-High: \u00e9\u00ff", "Connectionx: close", "X: y:z")),
                net.jqwik.api.Tuple.of(2, Arbitraries.of("Content-Length: 5", "Content-Length:", "Transfer-Encoding: chunked",
                        ": no name", "no colon", "X-Bare-CR: a\rb")));
        Arbitrary<String> request = Combinators.combine(Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(9, Arbitraries.just("GET ")),
                        net.jqwik.api.Tuple.of(1, Arbitraries.of("GET  ", "HEAD ", "get ", "POST "))),
                target, version, header.list().ofMaxSize(4), Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(9, Arbitraries.just("\r\n")),
                        net.jqwik.api.Tuple.of(1, Arbitraries.of("\n", "\r\r\n", "\r"))))
                .as((m, t, v, hs, last) -> {
                    StringBuilder sb = new StringBuilder(m).append(t).append(' ').append(v).append("\r\n");
                    hs.forEach(h -> sb.append(h).append("\r\n"));
                    return sb.append(last).append("GET / HTTP/1.1\r\n\r\n").toString(); // and a second one
                });
        Arbitrary<int[]> mutation = Combinators.combine(
                Arbitraries.integers().between(0, 4), Arbitraries.integers().between(0, Integer.MAX_VALUE),
                Arbitraries.integers().between(0, 255), Arbitraries.integers().between(1, 8))
                .as((kind, pos, b, len) -> new int[] {kind, pos, b, len});
        return Combinators.combine(request, Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, Arbitraries.just(List.<int[]>of())),
                net.jqwik.api.Tuple.of(1, mutation.list().ofMinSize(1).ofMaxSize(2)))).as((r, ms) -> {
            byte[] data = r.getBytes(StandardCharsets.ISO_8859_1);
            for (int[] m : ms) {
                data = mutate(data, m[0], m[1], (byte) m[2], m[3]);
            }
            return data;
        });
    }

    // ---------------------------------------------------------------- generators

    @Provide
    Arbitrary<List<byte[]>> pipelines() {
        return request().list().ofMinSize(1).ofMaxSize(8);
    }

    /** Fewer requests: split at every offset costs the square of the length. */
    @Provide
    Arbitrary<List<byte[]>> shortPipelines() {
        return request().list().ofMinSize(1).ofMaxSize(5);
    }

    @Provide
    Arbitrary<List<Integer>> cuts() {
        return Arbitraries.oneOf(
                Arbitraries.integers().between(0, 100_000).list().ofMaxSize(8),
                Arbitraries.integers().between(0, 100_000).list().ofMinSize(50).ofMaxSize(300), // tiny fragments
                Arbitraries.just(List.of(-1))); // -1: one byte per fragment
    }

    /** A valid keep-alive GET or HEAD with a few headers. */
    static Arbitrary<byte[]> request() {
        Arbitrary<String> method = Arbitraries.of("GET", "HEAD");
        Arbitrary<String> target = Arbitraries.strings().withCharRange('!', '~').ofMinLength(0).ofMaxLength(40)
                .map(s -> "/" + s);
        Arbitrary<String> version = Arbitraries.of("HTTP/1.1", "HTTP/1.1", "HTTP/1.0");
        Arbitrary<String> name = Arbitraries.strings().withCharRange('a', 'z').withChars('-').ofMinLength(1)
                .ofMaxLength(20).filter(n -> !n.equalsIgnoreCase("connection") && !n.equalsIgnoreCase("content-length")
                        && !n.equalsIgnoreCase("transfer-encoding"));
        Arbitrary<String> value = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(60);
        Arbitrary<List<String>> headers = Combinators.combine(name, value).as((n, v) -> n + ":" + v + "\r\n")
                .list().ofMaxSize(6);
        return Combinators.combine(method, target, version, headers).as((m, t, v, hs) -> {
            StringBuilder sb = new StringBuilder().append(m).append(' ').append(t).append(' ').append(v).append("\r\n");
            hs.forEach(sb::append);
            if (v.equals("HTTP/1.0")) {
                sb.append("Connection: keep-alive\r\n");
            }
            return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        });
    }

    @Provide
    Arbitrary<byte[]> mutated() {
        Arbitrary<int[]> mutation = Combinators.combine(
                Arbitraries.integers().between(0, 5), Arbitraries.integers().between(0, Integer.MAX_VALUE),
                Arbitraries.integers().between(0, 255), Arbitraries.integers().between(1, 64))
                .as((kind, pos, b, len) -> new int[] {kind, pos, b, len});
        return Combinators.combine(pipelines(), mutation.list().ofMinSize(1).ofMaxSize(6))
                .as((reqs, ms) -> {
                    byte[] data = concat(reqs);
                    for (int[] m : ms) {
                        data = mutate(data, m[0], m[1], (byte) m[2], m[3]);
                    }
                    return data;
                });
    }

    private static final byte[] SPECIAL = {'\r', '\n', ' ', ':', 0, '\t', (byte) 0xff, 'A'};

    static byte[] mutate(byte[] d, int kind, int pos, byte b, int len) {
        int n = d.length;
        int p = n == 0 ? 0 : pos % n;
        switch (kind) {
            case 0: // flip a byte
                if (n > 0) {
                    d = d.clone();
                    d[p] = b;
                }
                return d;
            case 1: // insert a delimiter-ish byte
                return splice(d, p, 0, new byte[] {SPECIAL[(b & 0xff) % SPECIAL.length]});
            case 2: // delete a chunk
                return splice(d, p, Math.min(len, n - p), new byte[0]);
            case 3: // repeat a chunk
                return splice(d, p, 0, Arrays.copyOfRange(d, p, Math.min(n, p + len)));
            case 4: // truncate
                return Arrays.copyOf(d, p);
            default: // insert a long run (towards huge headers)
                byte[] run = new byte[len * 200];
                Arrays.fill(run, b);
                return splice(d, p, 0, run);
        }
    }

    static byte[] splice(byte[] d, int at, int remove, byte[] insert) {
        byte[] r = new byte[d.length - remove + insert.length];
        System.arraycopy(d, 0, r, 0, at);
        System.arraycopy(insert, 0, r, at, insert.length);
        System.arraycopy(d, at + remove, r, at + insert.length, d.length - at - remove);
        return r;
    }

    // ---------------------------------------------------------------- the driver and its checks

    static int outCapacity(int choice) {
        switch (choice) {
            case 0:
                return HttpSession.MAX_REPLY; // room for exactly one reply: backpressure after each
            case 1:
                return HttpSession.MAX_REPLY + 100;
            case 2:
                return 1024;
            default:
                return 64 * 1024;
        }
    }

    /**
     * Feeds the fragments like the reactor: each goes into the input buffer as far as it has room
     * (the rest on the next round, as a later read would get it), the session runs, leftover input
     * is compacted, output is drained. Checks every call; returns what came out.
     */
    static Outcome feed(byte[][] fragments, int outCapacity) {
        ServerStats stats = new ServerStats();
        HttpSession s = new HttpSession(MAX_HEADER, stats);
        ByteBuffer in = IN.clear(); // write mode between calls
        ByteBuffer out = OUT.clear().limit(outCapacity);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        Outcome o = new Outcome();
        for (byte[] frag : fragments) {
            int off = 0;
            while (off < frag.length || (off == frag.length && frag.length == 0)) {
                int n = Math.min(in.remaining(), frag.length - off);
                in.put(frag, off, n);
                off += n;
                in.flip();
                // run until it stops making progress (output drained after every call)
                for (;;) {
                    int before = in.position();
                    int verdict = call(s, in, out);
                    drain(out, wire, outCapacity);
                    if (verdict == Session.CLOSE) {
                        o.closed = true;
                        assertFalse(in.hasRemaining(), "CLOSE consumes the rest of the input");
                        break;
                    }
                    if (in.position() == before || !in.hasRemaining()) {
                        break;
                    }
                }
                if (o.closed) {
                    break;
                }
                // waiting for more: what is left is an incomplete header block within the cap
                assertTrue(HttpSession.findHeaderEnd(in, in.position(), in.limit()) < 0,
                        "a complete request was left unanswered with an empty output buffer");
                assertTrue(in.remaining() <= MAX_HEADER, "left " + in.remaining() + " bytes > max header");
                in.compact();
                if (frag.length == 0) {
                    break;
                }
                assertTrue(in.hasRemaining() || off == frag.length, "input buffer full and stuck");
            }
            if (o.closed) {
                break;
            }
        }
        o.leftover = o.closed ? 0 : in.position();
        o.responses.addAll(parseResponses(wire.toByteArray(), o.closed));
        assertEquals(o.responses.stream().filter(r -> r.status() != 200).count(), stats.badRequests.sum());
        return o;
    }

    /** One onInput call with its per-call checks. */
    static int call(HttpSession s, ByteBuffer in, ByteBuffer out) {
        int pos0 = in.position();
        int lim0 = in.limit();
        int outPos0 = out.position();
        int verdict;
        try {
            verdict = s.onInput(in, out);
        } catch (Throwable t) {
            throw new AssertionError("onInput threw on input of " + (lim0 - pos0) + " bytes", t);
        }
        assertTrue(verdict == Session.CONTINUE || verdict == Session.CLOSE, "verdict " + verdict);
        assertEquals(lim0, in.limit(), "onInput changed the input limit");
        int pos1 = in.position();
        assertTrue(pos1 >= pos0 && pos1 <= lim0, "input position " + pos0 + " -> " + pos1);
        if (verdict == Session.CONTINUE && pos1 > pos0) {
            // only whole requests: the consumed bytes end exactly at a header block's end
            assertEquals(pos1, nextBoundaries(in, pos0, pos1), "consumed part of a request");
        }
        if (pos1 > pos0 || verdict == Session.CLOSE) {
            assertTrue(out.position() > outPos0, "consumed input without a reply");
        } else {
            assertEquals(outPos0, out.position(), "a reply without consuming input");
        }
        return verdict;
    }

    /** Walks header blocks from `from`; returns the end of the last one that ends by `to`. */
    static int nextBoundaries(ByteBuffer b, int from, int to) {
        int at = from;
        for (;;) {
            int end = HttpSession.findHeaderEnd(b, at, to);
            if (end < 0) {
                return at;
            }
            at = end;
        }
    }

    static void drain(ByteBuffer out, ByteArrayOutputStream wire, int outLimit) {
        out.flip();
        byte[] b = new byte[out.remaining()];
        out.get(b);
        wire.write(b, 0, b.length);
        out.clear().limit(outLimit);
    }

    /** Parses the output into complete responses; fails on anything else. */
    static List<Response> parseResponses(byte[] w, boolean closed) {
        List<Response> rs = new ArrayList<>();
        String text = new String(w, StandardCharsets.ISO_8859_1);
        int at = 0;
        while (at < w.length) {
            assertTrue(text.startsWith("HTTP/1.1 ", at), "not a status line at " + at + ": " + snippet(text, at));
            int headEnd = text.indexOf("\r\n\r\n", at);
            assertTrue(headEnd > 0, "incomplete response head: " + snippet(text, at));
            String head = text.substring(at, headEnd + 2);
            int status = Integer.parseInt(head.substring(9, 12));
            assertTrue(STATUSES.contains(status), "status " + status);
            int cl = -1;
            for (String line : head.split("\r\n")) {
                if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    cl = Integer.parseInt(line.substring(15).trim());
                }
            }
            assertTrue(cl >= 0, "no Content-Length: " + head);
            boolean close = head.contains("\r\nConnection: close\r\n");
            at = headEnd + 4;
            byte[] expect = status == 200 ? BODY
                    : (head.substring(9, head.indexOf("\r\n")) + "\n").getBytes(StandardCharsets.ISO_8859_1);
            boolean hasBody = at + cl <= w.length && cl == expect.length
                    && Arrays.equals(w, at, at + cl, expect, 0, expect.length);
            if (hasBody) {
                at += cl;
            } else {
                assertEquals(200, status, "an error reply without its body"); // HEAD: no body
            }
            if (status != 200) {
                assertTrue(close, "an error reply closes");
            }
            rs.add(new Response(status, close, hasBody));
        }
        for (int i = 0; i < rs.size(); i++) {
            boolean last = i == rs.size() - 1;
            if (!last) {
                assertFalse(rs.get(i).close(), "a reply after a closing reply: " + rs);
            }
        }
        if (!rs.isEmpty() && rs.get(rs.size() - 1).close()) {
            assertTrue(closed, "the session closes after a closing reply");
        }
        if (closed) {
            assertFalse(rs.isEmpty(), "closed without a reply");
            assertTrue(rs.get(rs.size() - 1).close(), "closed, but the last reply does not say so");
        }
        return rs;
    }

    static void assertAllOk(Outcome o, int requests, String where) {
        assertFalse(o.closed, where + ": keep-alive requests must not close");
        assertEquals(0, o.leftover, where + ": input left over");
        assertEquals(requests, o.responses.size(), where);
        for (Response r : o.responses) {
            assertEquals(200, r.status(), where);
            assertFalse(r.close(), where);
        }
    }

    static boolean isBoundary(List<byte[]> requests, int len) {
        int at = 0;
        for (byte[] r : requests) {
            if (at == len) {
                return true;
            }
            at += r.length;
        }
        return at == len;
    }

    static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        parts.forEach(p -> b.write(p, 0, p.length));
        return b.toByteArray();
    }

    /** Splits data at the given cut points (taken modulo its length); [-1] means one byte per fragment. */
    static byte[][] split(byte[] data, List<Integer> cuts) {
        if (cuts.equals(List.of(-1))) {
            // tiny fragments: single bytes up to 1 KiB of data, at most 1024 fragments beyond
            int step = Math.max(1, (data.length + 1023) / 1024);
            List<byte[]> r = new ArrayList<>();
            for (int i = 0; i < data.length; i += step) {
                r.add(Arrays.copyOfRange(data, i, Math.min(data.length, i + step)));
            }
            return r.toArray(new byte[0][]);
        }
        int[] at = cuts.stream().mapToInt(c -> data.length == 0 ? 0 : c % (data.length + 1)).sorted().toArray();
        List<byte[]> r = new ArrayList<>();
        int prev = 0;
        for (int c : at) {
            r.add(Arrays.copyOfRange(data, prev, c));
            prev = c;
        }
        r.add(Arrays.copyOfRange(data, prev, data.length));
        return r.toArray(new byte[0][]);
    }

    static String snippet(String s, int at) {
        return s.substring(at, Math.min(s.length(), at + 80)).replace("\r", "\\r").replace("\n", "\\n");
    }
}
