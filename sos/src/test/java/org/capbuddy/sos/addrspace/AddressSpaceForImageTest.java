package org.capbuddy.sos.addrspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.capbuddy.aarch64.elf.ElfImage;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.TestElf;
import org.junit.jupiter.api.Test;

/** {@link AddressSpace#forImage}: the regions a program gets, and each rule that refuses one. */
class AddressSpaceForImageTest {
    private static final byte[] CODE = {0x1f, 0x20, 0x03, (byte) 0xd5, 0x00, 0x00, 0x00, 0x14};
    private static final long PAGE = Layout.PAGE;

    @Test
    void aRealProgramGetsOneRegionPerSegmentWithItsRightsThenTheHeapStackAndIpcBuffer() {
        ElfImage hello = TestElf.parse(TestElf.program("hello.elf"));
        AddressSpace as = AddressSpace.forImage(hello, 0).value();
        List<Region> regions = as.regions();
        // hello.elf: R+X [0x400000, 0x401864), RW [0x402f48, 0x403748) of which 0x1b8 bytes from the file.
        assertThat(regions).hasSize(4);
        Region code = regions.get(0);
        assertThat(code.kind()).isEqualTo(RegionKind.CODE);
        assertThat(code.base()).isEqualTo(0x40_0000L);
        assertThat(code.end()).isEqualTo(0x40_2000L);
        assertThat(List.of(code.read(), code.write(), code.execute())).containsExactly(true, false, true);
        assertThat(code.source().segment()).isEqualTo(hello.segments().get(0));
        Region data = regions.get(1);
        assertThat(data.kind()).isEqualTo(RegionKind.DATA);
        assertThat(data.base()).isEqualTo(0x40_2000L);
        assertThat(data.end()).isEqualTo(0x40_4000L);
        assertThat(List.of(data.read(), data.write(), data.execute())).containsExactly(true, true, false);
        assertThat(data.isImageBacked()).isTrue();
        assertThat(regions.get(2).kind()).isEqualTo(RegionKind.STACK);
        assertThat(regions.get(2).isImageBacked()).isFalse();
        assertThat(regions.get(3).kind()).isEqualTo(RegionKind.IPC_BUFFER);
        assertThat(as.heapBase()).as("the page after the highest segment").isEqualTo(0x40_4000L);
        assertThat(as.brk()).isEqualTo(as.heapBase());
        assertThat(as.find(Layout.GUARD_PAGE)).as("the guard page is in no region").isNull();
    }

    @Test
    void theBiasMovesEveryRegionAndItsSourceRemembersIt() {
        ElfImage pie = TestElf.dyn(0, CODE).load(0x2000, 0x3000, "rw", new byte[] {1, 2, 3}).image();
        AddressSpace as = AddressSpace.forImage(pie, 0x40_0000L).value();
        Region data = as.find(0x40_2000L);
        assertThat(data.base()).isEqualTo(0x40_2000L);
        assertThat(data.end()).isEqualTo(0x40_5000L);
        assertThat(data.source().bias()).isEqualTo(0x40_0000L);
        assertThat(data.source().fileBytesIn(0x40_2000L)).isEqualTo(new VaRange(0x40_2000L, 0x40_2003L));
        assertThat(data.source().fileBytesIn(0x40_3000L).isEmpty()).as("a bss page").isTrue();
        assertThat(as.heapBase()).isEqualTo(0x40_5000L);
    }

    @Test
    void aSegmentInTheFirst64KiBIsRefused() {
        assertRefused(TestElf.exec(0x8000, CODE).image(), 0,
                "PT_LOAD segment 0 at [0x8000, 0x8408) lies in the first 64 KiB (below 0x10000)");
        assertThat(AddressSpace.forImage(TestElf.exec(0x1_0000, CODE).image(), 0).isOk()).as("from 64 KiB on")
                .isTrue();
    }

    @Test
    void aSegmentPastTheTopOfUserSpaceIsRefused() {
        ElfImage image = TestElf.exec(0x40_0000, CODE).load(Layout.USER_TOP - PAGE, 2 * PAGE, "rw", new byte[8])
                .image();
        assertRefused(image, 0, "PT_LOAD segment 1 at [0x7ffffffff000, 0x800000001000) reaches past 0x800000000000,"
                + " the top of user space");
    }

    @Test
    void aSegmentOverTheStackItsGuardPageOrTheIpcBufferIsRefused() {
        assertRefused(TestElf.exec(0x40_0000, CODE).load(Layout.GUARD_PAGE + 8, 16, "rw", new byte[8]).image(), 0,
                "PT_LOAD segment 1 at [0x8fff7ff008, 0x8fff7ff018) covers the stack's guard page at 0x8fff7ff000");
        assertRefused(TestElf.exec(0x40_0000, CODE).load(Layout.STACK_TOP - PAGE, 8, "rw", new byte[8]).image(), 0,
                "overlaps the stack at [0x8fff800000, 0x9000000000)");
        assertRefused(TestElf.exec(0x40_0000, CODE).load(Layout.IPC_BUFFER, 8, "rw", new byte[8]).image(), 0,
                "overlaps the IPC buffer at 0xa000000000");
    }

    @Test
    void aSegmentReachingIntoTheMmapAreaIsRefused() {
        assertRefused(TestElf.exec(0x40_0000, CODE).load(Layout.MMAP_BASE - PAGE, 2 * PAGE, "rw", new byte[8]).image(),
                0, "PT_LOAD segment 1 at [0x1ffffff000, 0x2000001000) reaches into the mmap area, which starts at"
                        + " 0x2000000000");
        assertThat(AddressSpace.forImage(TestElf.exec(0x40_0000, CODE)
                .load(Layout.MMAP_BASE - PAGE, PAGE, "rw", new byte[8]).image(), 0).isOk()).as("up to it").isTrue();
    }

    @Test
    void twoSegmentsSharingAPageAreRefusedWithThePageNamed() {
        // A script that puts .data right after .text: valid ELF, but one page would need both segments' rights.
        long dataAt = 0x40_0000L + TestElf.HEADER_AREA + CODE.length;
        ElfImage image = TestElf.exec(0x40_0000, CODE).load(dataAt, 0x10, "rw", new byte[4]).image();
        assertThat(image.sharedPages()).containsExactly(0x40_0000L);
        Result<AddressSpace> r = assertRefused(image, 0, "PT_LOAD segments 0 at [0x400000, 0x400408) and 1 at"
                + " [0x400408, 0x400418) share the page 0x400000");
        assertThat(r.error().detail()).contains("-z max-page-size=4096");
    }

    @Test
    void moreThanSixteenSegmentsAreRefused() {
        TestElf seventeen = TestElf.exec(0x40_0000, CODE);
        for (int i = 1; i < 17; i++) {
            seventeen.load(0x40_0000L + i * 2 * PAGE, 8, "r", new byte[8]);
        }
        assertRefused(seventeen.image(), 0, "the program has 17 PT_LOAD segments; SOS loads at most 16");
        TestElf sixteen = TestElf.exec(0x40_0000, CODE);
        for (int i = 1; i < 16; i++) {
            sixteen.load(0x40_0000L + i * 2 * PAGE, 8, "r", new byte[8]);
        }
        assertThat(AddressSpace.forImage(sixteen.image(), 0).isOk()).isTrue();
    }

    @Test
    void segmentsCoveringMoreThanOneGiBOfPagesAreRefused() {
        // 1 GiB of p_memsz in all, as the parser allows; page rounding makes it 8 KiB more.
        long half = 1L << 29;
        ElfImage image = TestElf.exec(0x40_0000, CODE, half - 0x800)
                .load(0x1_0000_0800L, half + 0x800, "rw", new byte[8]).image();
        assertRefused(image, 0, "the program's segments cover 0x40001000 bytes of pages, more than the 0x40000000"
                + " (1 GiB) SOS loads");
    }

    @Test
    void aBiasThatIsUnalignedOrOutsideUserSpaceIsRefused() {
        ElfImage image = TestElf.dyn(0, CODE).image();
        assertRefused(image, 0x123, "load bias 0x123 is not a page-aligned address in user space");
        assertRefused(image, -PAGE, "is not a page-aligned address in user space");
        assertRefused(image, Layout.USER_TOP, "is not a page-aligned address in user space");
        assertThat(AddressSpace.forImage(null, 0).isOk()).isFalse();
    }

    @Test
    void mprotectingPartOfAnImageBackedRegionKeepsItsSourceInEveryPiece() {
        ElfImage image = TestElf.exec(0x40_0000, CODE).load(0x40_2000L, 3 * PAGE, "rw", new byte[3 * (int) PAGE])
                .image();
        AddressSpace as = AddressSpace.forImage(image, 0).value();
        ImageSource source = as.find(0x40_2000L).source();
        assertThat(source).isNotNull();
        assertThat(as.protect(0x40_3000L, PAGE, true, false, false).isOk()).isTrue();
        for (long page = 0x40_2000L; page < 0x40_5000L; page += PAGE) {
            Region r = as.find(page);
            assertThat(r.source()).as("the piece at 0x%x", page).isSameAs(source);
            assertThat(r.source().fileBytesIn(page).isEmpty()).as("file bytes at 0x%x", page).isFalse();
        }
        assertThat(as.find(0x40_3000L).write()).isFalse();
        assertThat(as.find(0x40_3000L).base()).isEqualTo(0x40_3000L);
        assertThat(as.find(0x40_3000L).end()).isEqualTo(0x40_4000L);
    }

    private static Result<AddressSpace> assertRefused(ElfImage image, long bias, String message) {
        Result<AddressSpace> r = AddressSpace.forImage(image, bias);
        assertThat(r.isOk()).as("%s", r).isFalse();
        assertThat(r.error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(r.error().detail()).contains(message);
        return r;
    }
}
