package org.capbuddy.sos.process;

/** A page of a process, as SOS's replacement policy names it: the process (by identity) and the page's address. */
public record UserPage(Process process, long vaddr) {
}
