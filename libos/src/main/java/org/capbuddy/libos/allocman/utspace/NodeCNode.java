package org.capbuddy.libos.allocman.utspace;

/**
 * Where the split allocator looks up a node's untyped cap: the CNode a cptr is resolved in and
 * the depth it is resolved to (the {@code root} and {@code capDepth} of its slot's path). Every
 * half made out of the same CSpace shares one of these, kept once by {@link SplitNodes}, so a
 * node keeps only its cptr and an index.
 */
record NodeCNode(long root, int depth) {
}
