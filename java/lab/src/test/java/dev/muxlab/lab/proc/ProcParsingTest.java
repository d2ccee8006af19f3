package dev.muxlab.lab.proc;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The /proc and strace texts the lab reads, parsed from fixed samples. */
class ProcParsingTest {

    @Test
    void parsesProcAndStraceOutput() {
        String stat = "1234 (java (x) y) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 70 0 0 20 0 30 0 12345 0 0";
        assertEquals(320, ProcStats.cpuTicks(stat));
        String status = "Name:\tjava\nThreads:\t27\nVmRSS:\t  123456 kB\n";
        assertEquals(27, ProcStats.statusNumber(status, "Threads"));
        assertEquals(123456, ProcStats.statusNumber(status, "VmRSS"));
        String strace = "% time     seconds  usecs/call     calls    errors syscall\n"
                + "------ ----------- ----------- --------- --------- ----------------\n"
                + " 60.00    0.006000           2      3000           write\n"
                + " 30.00    0.003000           1      3000        10 read\n"
                + " 10.00    0.001000           1       500           epoll_wait\n"
                + "------ ----------- ----------- --------- --------- ----------------\n"
                + "100.00    0.010000           1      6500        10 total\n";
        ProcStrace.Counts c = ProcStrace.parse(strace);
        assertEquals(6500, c.total());
        assertEquals(3000L, c.calls().get("read"));
        assertEquals(500L, c.calls().get("epoll_wait"));
    }
}
