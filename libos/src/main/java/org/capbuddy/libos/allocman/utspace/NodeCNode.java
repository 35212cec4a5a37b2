package org.capbuddy.libos.allocman.utspace;

import org.capbuddy.libos.vka.CSpacePath;

/**
 * Where the split allocator looks up a node's untyped cap: the CNode a cptr is resolved in and
 * the depth it is resolved to (the {@code root} and {@code capDepth} of its {@link CSpacePath}).
 * Every half made out of the same CSpace shares one of these, so a node keeps only its cptr.
 */
record NodeCNode(long root, int depth) {
    /** {@code shared} when {@code path} is looked up the same way, else a new one for it. */
    static NodeCNode of(CSpacePath path, NodeCNode shared) {
        if (shared != null && shared.root == path.root() && shared.depth == path.capDepth()) {
            return shared;
        }
        return new NodeCNode(path.root(), path.capDepth());
    }
}
