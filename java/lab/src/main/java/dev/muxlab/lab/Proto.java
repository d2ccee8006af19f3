package dev.muxlab.lab;

/** Wire protocols the servers speak. */
public enum Proto {
    /** Bytes back as they arrive. */
    ECHO("echo"),
    /** Minimal HTTP/1.1 keep-alive: every GET gets a fixed small body. */
    HTTP("http");

    private final String cliName;

    Proto(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public static Proto parse(String name) {
        for (Proto p : values()) {
            if (p.cliName.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown protocol '" + name + "' (allowed: echo, http)");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
