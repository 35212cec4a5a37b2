package org.capbuddy.sos.shadow;

/** A mapped page of a process: the frame table reference and SOS's copy of the frame cap that maps it. */
public record PageEntry(int frameRef, long capCopy) {
}
