package org.capbuddy.libos.allocman.utspace;

/**
 * The split allocator's free nodes by kind, size and physical address: the one lookup its free
 * lists cannot answer, "is there a free node of this kind and size exactly here?", which a
 * request for a physical address asks once per size. A hash table whose buckets are chained
 * through the nodes themselves ({@link SplitNode#nextInBucket}), so nothing is allocated per node.
 */
final class FreeNodeAddresses {
    private SplitNode[] buckets = new SplitNode[64];
    /** log2 of the bucket count: the hash's top bits pick the bucket. */
    private int bucketBits = 6;
    private int count;

    /** The node of this kind and size at {@code paddr}, or null. */
    SplitNode find(UntypedKind kind, int sizeBits, long paddr) {
        for (SplitNode n = buckets[bucket(kind, sizeBits, paddr)]; n != null; n = n.nextInBucket) {
            if (n.paddr == paddr && n.sizeBits == sizeBits && n.kind == kind) {
                return n;
            }
        }
        return null;
    }

    /**
     * Adds {@code node} unless a node of its kind and size is at its address already; returns
     * that node, or null once {@code node} is in.
     */
    SplitNode addIfAbsent(SplitNode node) {
        int b = bucket(node.kind, node.sizeBits, node.paddr);
        for (SplitNode n = buckets[b]; n != null; n = n.nextInBucket) {
            if (n.paddr == node.paddr && n.sizeBits == node.sizeBits && n.kind == node.kind) {
                return n;
            }
        }
        if (count >= buckets.length - buckets.length / 4) {
            grow();
            b = bucket(node.kind, node.sizeBits, node.paddr);
        }
        node.nextInBucket = buckets[b];
        buckets[b] = node;
        count++;
        return null;
    }

    /** Removes {@code node} if it is in the table. */
    void remove(SplitNode node) {
        int b = bucket(node.kind, node.sizeBits, node.paddr);
        SplitNode previous = null;
        for (SplitNode n = buckets[b]; n != null; previous = n, n = n.nextInBucket) {
            if (n == node) {
                if (previous == null) {
                    buckets[b] = n.nextInBucket;
                } else {
                    previous.nextInBucket = n.nextInBucket;
                }
                node.nextInBucket = null;
                count--;
                return;
            }
        }
    }

    private void grow() {
        SplitNode[] old = buckets;
        bucketBits++;
        buckets = new SplitNode[1 << bucketBits];
        for (SplitNode head : old) {
            SplitNode n = head;
            while (n != null) {
                SplitNode next = n.nextInBucket;
                int b = bucket(n.kind, n.sizeBits, n.paddr);
                n.nextInBucket = buckets[b];
                buckets[b] = n;
                n = next;
            }
        }
    }

    /**
     * Fibonacci hashing of the address mixed with the size and kind, which share its top byte
     * (addresses are aligned, so their low bits carry nothing and their high ones little): the
     * multiplication carries every input bit into the top bits, which choose the bucket.
     */
    private int bucket(UntypedKind kind, int sizeBits, long paddr) {
        long key = paddr ^ ((long) sizeBits << 56) ^ ((long) kind.ordinal() << 62);
        return (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> (64 - bucketBits));
    }
}
