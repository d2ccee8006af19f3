package dev.muxlab.lab.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The http session's per-read work with no IO: {@link HttpSession#onInput} parses what one read
 * brought (request line, headers) and appends the replies, the way the reactors call it, from a
 * direct input buffer into a direct output buffer of the servers' sizes. One op is one read's
 * worth: a single request, or 16 pipelined ones (divide by 16 for a request).
 * <p>
 * {@code WRK} is what wrk sends ({@code GET / HTTP/1.1} and a Host header, 40 bytes);
 * {@code WRK_PIPELINED_16} is 16 of those in one read (wrk with a pipelining script);
 * {@code BROWSER} is one request with a browser's eleven headers (about 450 bytes), where the
 * scanning dominates. Run with {@code -prof gc}: every case must allocate 0 bytes per op.
 * Lives in the server's package because the session is package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(3)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class HttpSessionBench {

    /** What one read delivers. */
    public enum Input {
        WRK(1, "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"),
        WRK_PIPELINED_16(16, "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"),
        BROWSER(1, "GET /index.html?lang=en HTTP/1.1\r\n"
                + "Host: www.example.com:8080\r\n"
                + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
                + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
                + "Accept-Language: en-US,en;q=0.5\r\n"
                + "Accept-Encoding: gzip, deflate, br\r\n"
                + "Connection: keep-alive\r\n"
                + "Upgrade-Insecure-Requests: 1\r\n"
                + "Sec-Fetch-Dest: document\r\n"
                + "Sec-Fetch-Mode: navigate\r\n"
                + "Sec-Fetch-Site: none\r\n"
                + "Priority: u=0, i\r\n"
                + "\r\n");

        final int requests;
        final String request;

        Input(int requests, String request) {
            this.requests = requests;
            this.request = request;
        }
    }

    @Param
    public Input input;

    private HttpSession session;
    private ServerStats stats;
    private ByteBuffer in;
    private ByteBuffer out;
    private int inLength;

    @Setup
    public void setup() {
        ServerConfig cfg = new ServerConfig();
        stats = new ServerStats();
        session = new HttpSession(cfg.maxHeaderBytes, stats);
        in = ByteBuffer.allocateDirect(cfg.readBufferBytes);
        out = ByteBuffer.allocateDirect(cfg.maxOutputBytes);
        byte[] one = input.request.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < input.requests; i++) {
            in.put(one);
        }
        inLength = in.position();
        // check the set-up once: every request answered 200, all input consumed, nothing closed
        in.limit(inLength).position(0);
        out.clear();
        int verdict = session.onInput(in, out);
        String reply = StandardCharsets.US_ASCII.decode(out.flip()).toString();
        int oks = reply.split("HTTP/1.1 200 OK", -1).length - 1;
        if (verdict != Session.CONTINUE || in.hasRemaining() || oks != input.requests) {
            throw new IllegalStateException(input + ": verdict " + verdict + ", " + in.remaining()
                    + " bytes left, " + oks + " replies of " + input.requests);
        }
    }

    /** One read's worth of input through the session, from a cleared output buffer. */
    @Benchmark
    public int onRead() {
        in.limit(inLength).position(0);
        out.clear();
        int verdict = session.onInput(in, out);
        return verdict + out.position();
    }
}
