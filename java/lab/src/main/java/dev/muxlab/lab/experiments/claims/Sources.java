package dev.muxlab.lab.experiments.claims;

/**
 * The tutorials the claims come from (the five texts of shared/seeds beside the repository),
 * cited by title and section. Titles are the tutorials' own, with a translation.
 */
final class Sources {
    static final String IO_MODELS = "《python之全栈开发——IO模型》 (Python full stack: IO models)";
    static final String MULTIPLEXING = "《Python IO模型之多路复用IO》 (Python IO models: IO multiplexing)";
    static final String ASYNC_IO = "《Python之路--Python基础13--异步IO》 (The Python road 13: asynchronous IO)";
    static final String EVENT_DRIVEN = "《事件驱动编程思想》 (Event-driven programming)";
    static final String MUX_AND_LOCAL = "《IO多路复用和local概念》 (IO multiplexing and threading.local)";

    private Sources() {
    }
}
