package dev.muxlab.lab.experiments.trigger;

import dev.muxlab.Trigger;

/**
 * The names of the figures trigger publishes, for the experiment that writes them and the claims
 * that read them. (a) the 64 KiB message, (b) the ET reader that does not drain, (c) ONESHOT,
 * (d) two waiters and one event.
 */
public final class TriggerFigures {
    /** (a) ET, 1 KiB per wakeup without draining: bytes read, and bytes left when the next wait timed out. */
    public static final String ET_NODRAIN_BYTES_READ = "trigger.a.et_nodrain.bytes_read";
    public static final String ET_NODRAIN_BYTES_LEFT = "trigger.a.et_nodrain.bytes_left";
    /** (a) wakeups of that ET reader (1 KiB per wakeup, like the LT reader of {@link #wakeups}). */
    public static final String ET_NODRAIN_WAKEUPS = "trigger.a.et_nodrain.wakeups";
    /**
     * (a) an ET reader that reads until a read returns less than it asked (a short read: the
     * stream socket's queue is empty) and makes no read that would end in EAGAIN: 1 if it
     * stalled with bytes queued, its read calls, and its wakeups.
     */
    public static final String ET_SHORTREAD_STALLED = "trigger.a.et_shortread.stalled";
    public static final String ET_SHORTREAD_READS = "trigger.a.et_shortread.reads";
    public static final String ET_SHORTREAD_WAKEUPS = "trigger.a.et_shortread.wakeups";
    /** (b) 1 if the reader stalled with bytes queued, and how many. */
    public static final String STALLED = "trigger.b.stalled";
    public static final String STALLED_QUEUED_BYTES = "trigger.b.queued_bytes";
    /** (b) 1 if new data re-reported the fd before it was drained. */
    public static final String NEW_DATA_REREPORTS = "trigger.b.new_data_rereports";
    /** (b) 1 if reading until EAGAIN made the next message wake the reader. */
    public static final String DRAIN_FIXED = "trigger.b.drain_fixed";
    /** (c) ONESHOT: events reported first, while disarmed, after re-arming; 1 if registering again was EEXIST. */
    public static final String ONESHOT_FIRST = "trigger.c.first";
    public static final String ONESHOT_WHILE_DISARMED = "trigger.c.while_disarmed";
    public static final String ONESHOT_AFTER_REARM = "trigger.c.after_rearm";
    public static final String ONESHOT_REREGISTER_EEXIST = "trigger.c.reregister_eexist";
    /** (d) the cases with two instances (without and with EXCLUSIVE); one instance is named by its trigger id. */
    public static final String SHARED_INSTANCES = "shared_instances";
    public static final String EXCLUSIVE = "exclusive";

    private TriggerFigures() {
    }

    /** (a) wakeups for the 64 KiB message: LT reading 1 KiB per wakeup, ET draining. */
    public static String wakeups(Trigger t) {
        return "trigger.a." + t.id() + ".wakeups";
    }

    /** (a) read calls of the same readers. */
    public static String reads(Trigger t) {
        return "trigger.a." + t.id() + ".reads";
    }

    /** (d) threads the kernel woke per event (of 2 waiting) in one case. */
    public static String woken(String wakeCase) {
        return "trigger.d." + wakeCase + ".woken";
    }

    /** (d) threads whose wait reported the fd per event in one case. */
    public static String reported(String wakeCase) {
        return "trigger.d." + wakeCase + ".reported";
    }
}
