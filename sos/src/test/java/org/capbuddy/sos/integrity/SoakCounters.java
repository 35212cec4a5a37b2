package org.capbuddy.sos.integrity;

/** What an integrity soak did, for its report. */
final class SoakCounters {
    long processesCreated;
    long processesDestroyed;
    long processesKilled;
    long processesExited;
    long blocksAllocated;
    long blocksFreed;
    long reallocs;
    long stackFrames;
    long mmaps;
    long munmaps;
    long brkShrinks;
    long bytesWritten;
    long bytesVerified;
    long freshBytesCheckedZero;
    long audits;
    long framesHandedOut;
    long framesSeenRecycled;

    @Override
    public String toString() {
        return String.format("processes created %d, destroyed %d (killed %d, exited %d); blocks %d allocated,"
                        + " %d freed, %d reallocated; stack frames %d; mmaps %d, munmaps %d; brk shrinks %d;"
                        + " bytes written %d, verified %d, fresh bytes checked zero %d; isolation audits %d;"
                        + " frames handed out %d, seen recycled to another owner %d",
                processesCreated, processesDestroyed, processesKilled, processesExited, blocksAllocated, blocksFreed,
                reallocs, stackFrames, mmaps, munmaps, brkShrinks, bytesWritten, bytesVerified, freshBytesCheckedZero,
                audits, framesHandedOut, framesSeenRecycled);
    }
}
