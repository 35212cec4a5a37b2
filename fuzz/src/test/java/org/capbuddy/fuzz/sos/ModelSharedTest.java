package org.capbuddy.fuzz.sos;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.sos.Errno;
import org.capbuddy.sos.addrspace.Layout;
import org.junit.jupiter.api.Test;

/**
 * The fuzzer's model of MAP_SHARED memory on its own, against Linux's semantics: a forked child's
 * range names its parent's object, so a store by either is what the other loads; munmap of part
 * in one leaves the other's view; mprotect changes rights only; unmapping keeps the object's bytes;
 * mremap may shrink a shared mapping but not grow or move it (SOS's EFAULT).
 */
class ModelSharedTest {
    private static final long PAGE = Layout.PAGE;

    private final SharingCounts counts = new SharingCounts();
    private final ModelAddressSpace parent = new ModelAddressSpace(PAGE, PAGE);
    private final ModelMemory parentMemory = new ModelMemory(1, counts);

    /** Maps {@code page} in {@code memory} as {@link ModelProcess#touch} does. */
    private static void touch(ModelAddressSpace space, ModelMemory memory, long page) {
        ModelAddressSpace.SharedRange s = space.sharedAt(page);
        if (s == null) {
            memory.map(page);
        } else {
            memory.mapShared(page, s.object().touch(s.index(page)));
        }
    }

    @Test
    void aForkedChildSeesItsParentsStoresAndTheParentItsChilds() {
        long base = parent.mmapShared(3 * PAGE, 1);
        touch(parent, parentMemory, base + PAGE);
        parentMemory.store(base + PAGE + 8, 8, 0x1122_3344_5566_7788L);
        ModelAddressSpace child = parent.copy();
        ModelMemory childMemory = parentMemory.copy(2);

        assertThat(childMemory.isMapped(base + PAGE)).as("a fork leaves shared pages to be faulted in").isFalse();
        touch(child, childMemory, base + PAGE);
        assertThat(childMemory.load(base + PAGE + 8, 8)).isEqualTo(0x1122_3344_5566_7788L);
        childMemory.store(base + PAGE, 4, 0xCAFE);
        assertThat(parentMemory.load(base + PAGE, 4)).isEqualTo(0xCAFE);
        assertThat(counts.crossReads()).isEqualTo(2);
        assertThat(child.sharedAt(base).object()).isSameAs(parent.sharedAt(base).object());
        assertThat(parent.sharedAt(base).object().heldCount()).as("one page held, for both").isEqualTo(1);
    }

    @Test
    void munmapOfAPartInOneProcessLeavesTheOthersViewAndTheBytes() {
        long base = parent.mmapShared(4 * PAGE, 1);
        ModelAddressSpace child = parent.copy();
        ModelMemory childMemory = new ModelMemory(2, counts);
        touch(child, childMemory, base + 2 * PAGE);
        childMemory.store(base + 2 * PAGE, 8, 42);

        assertThat(child.munmap(base, 3 * PAGE)).hasSize(1);
        childMemory.release(base, base + 3 * PAGE);
        assertThat(child.sharedAt(base + 2 * PAGE)).isNull();
        assertThat(child.sharedAt(base + 3 * PAGE).index(base + 3 * PAGE)).as("the piece left keeps its offset")
                .isEqualTo(3);
        touch(parent, parentMemory, base + 2 * PAGE);
        assertThat(parentMemory.load(base + 2 * PAGE, 8)).isEqualTo(42);
    }

    @Test
    void dontneedAndMprotectKeepTheObjectAndItsBytes() {
        long base = parent.mmapShared(2 * PAGE, 1);
        touch(parent, parentMemory, base);
        parentMemory.store(base, 8, 7);
        ModelAddressSpace.Discarded gone = parent.dontneed(base, 2 * PAGE);
        assertThat(gone.errno()).isNull();
        for (long[] range : gone.released()) {
            parentMemory.release(range[0], range[1]);
        }
        assertThat(parent.protect(base, PAGE, 1).errno()).isNull();
        assertThat(parent.sharedAt(base).object()).isSameAs(parent.sharedAt(base + PAGE).object());
        touch(parent, parentMemory, base);
        assertThat(parentMemory.load(base, 8)).as("a shared page keeps its bytes after MADV_DONTNEED").isEqualTo(7);
    }

    @Test
    void mremapShrinksASharedMappingButNeitherGrowsNorMovesIt() {
        long base = parent.mmapShared(4 * PAGE, 1);
        assertThat(parent.mremap(base, 4 * PAGE, 6 * PAGE, ModelAddressSpace.MREMAP_MAYMOVE, 0).errno())
                .isEqualTo(Errno.EFAULT);
        assertThat(parent.mremap(base, 4 * PAGE, 4 * PAGE,
                ModelAddressSpace.MREMAP_MAYMOVE | ModelAddressSpace.MREMAP_FIXED, base + 64 * PAGE).errno())
                .isEqualTo(Errno.EFAULT);
        assertThat(parent.mremap(base, 4 * PAGE, 2 * PAGE, 0, 0).errno()).isNull();
        assertThat(parent.sharedAt(base + PAGE)).isNotNull();
        assertThat(parent.sharedAt(base + 2 * PAGE)).isNull();
    }
}
