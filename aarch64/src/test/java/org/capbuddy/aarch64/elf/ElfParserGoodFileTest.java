package org.capbuddy.aarch64.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.aarch64.elf.ElfBuilder.B_SELF;
import static org.capbuddy.aarch64.elf.ElfBuilder.HEADER_AREA;
import static org.capbuddy.aarch64.elf.ElfBuilder.code;
import static org.capbuddy.aarch64.elf.ElfBuilder.pattern;

import org.junit.jupiter.api.Test;

/** Well-formed programs, including the layouts real linkers produce, are accepted with the right facts. */
class ElfParserGoodFileTest {

    static ElfImage accept(byte[] file) {
        return accept(file, ElfLimits.DEFAULT);
    }

    static ElfImage accept(byte[] file, ElfLimits limits) {
        ElfResult result = ElfParser.parse(file, limits);
        assertThat(result).as("%s", result).isInstanceOf(ElfResult.Ok.class);
        assertThat(result.isOk()).isTrue();
        return ((ElfResult.Ok) result).image();
    }

    @Test
    void oneSegmentProgramHoldingItsOwnHeaders() {
        ElfBuilder b = ElfBuilder.exec().headerSegment(0x400000, "rx", code(B_SELF));
        byte[] file = b.build();

        ElfImage image = accept(file);

        assertThat(image.type()).isEqualTo(ElfType.EXEC);
        assertThat(image.entry()).isEqualTo(0x400000L + HEADER_AREA);
        assertThat(image.segments()).containsExactly(
                new Segment(0x400000, HEADER_AREA + 4, 0, HEADER_AREA + 4, true, false, true, 0x1000));
        assertThat(image.phdrVaddr()).as("computed from the PT_LOAD at file offset 0").hasValue(0x400040);
        assertThat(image.phoff()).isEqualTo(64);
        assertThat(image.phentsize()).isEqualTo(56);
        assertThat(image.phnum()).isEqualTo(1);
        assertThat(image.tls()).isEmpty();
        assertThat(image.gnuStackFlags()).isEmpty();
        assertThat(image.executableStack()).as("no PT_GNU_STACK means a non-executable stack on AArch64").isFalse();
        assertThat(image.sharedPages()).isEmpty();
        assertThat(image.lowestAddress()).isEqualTo(0x400000);
        assertThat(image.endAddress()).isEqualTo(0x400404);
        assertThat(image.fileLength()).isEqualTo(file.length);
    }

    @Test
    void codeDataAndBss() {
        ElfBuilder b = ElfBuilder.exec()
                .headerSegment(0x400000, "rx", pattern(0x1200, 1))
                .load(0x402810, 0x3000, "rw", pattern(0x20, 2))
                .gnuStack("rw");
        ElfImage image = accept(b.build());

        assertThat(image.segments()).hasSize(2);
        Segment text = image.segments().get(0);
        Segment data = image.segments().get(1);
        assertThat(text.execute()).isTrue();
        assertThat(text.write()).isFalse();
        assertThat(data.read()).isTrue();
        assertThat(data.write()).isTrue();
        assertThat(data.execute()).isFalse();
        assertThat(data.vaddr()).isEqualTo(0x402810);
        assertThat(data.fileOffset() & 0xfff).isEqualTo(0x810);
        assertThat(data.fileSize()).isEqualTo(0x20);
        assertThat(data.memSize()).isEqualTo(0x3000);
        assertThat(data.fileEnd()).isEqualTo(0x402830);
        assertThat(data.end()).isEqualTo(0x405810);
        assertThat(data.pageCount()).isEqualTo(4);
        assertThat(image.gnuStackFlags()).hasValue(ElfParser.PF_R | ElfParser.PF_W);
        assertThat(image.executableStack()).isFalse();
        assertThat(image.sharedPages()).isEmpty();
        assertThat(image.endAddress()).isEqualTo(0x405810);
    }

    /** The PT_LOAD, PT_TLS and PT_GNU_STACK lines of a static glibc program GNU ld 2.40 made with -z max-page-size=4096. */
    @Test
    void theLayoutOfAStaticGlibcProgram() {
        ElfBuilder b = ElfBuilder.exec()
                .headerSegment(0x400000, "rx", pattern(0x7e160 - HEADER_AREA, 3))
                .load(0x47f808, 0xbce0, "rw", pattern(0x5830, 4))
                .tls(0x47f808, 0x20, 0x68, 8)
                .gnuStack("rw")
                .extra(new ElfBuilder.Phdr(ElfBuilder.PT_NOTE, ElfParser.PF_R, 0x190, 0x400190, 0x44, 0x44, 4))
                .extra(new ElfBuilder.Phdr(ElfBuilder.PT_GNU_RELRO, ElfParser.PF_R, 0x7e808, 0x47f808, 0x37f8, 0x37f8, 1))
                .entry(0x4005c0);
        ElfImage image = accept(b.build());

        assertThat(image.segments()).containsExactly(
                new Segment(0x400000, 0x7e160, 0, 0x7e160, true, false, true, 0x1000),
                new Segment(0x47f808, 0xbce0, 0x7e808, 0x5830, true, true, false, 0x1000));
        assertThat(image.tls()).hasValue(new TlsSegment(0x47f808, 0x68, 0x20, 8));
        assertThat(image.phdrVaddr()).hasValue(0x400040);
        assertThat(image.phnum()).isEqualTo(6);
        assertThat(image.entry()).isEqualTo(0x4005c0);
        assertThat(image.segments().get(0).sharesPageWith(image.segments().get(1)))
                .as("ld starts RW on the page after RX ends, sharing only a file page").isFalse();
        assertThat(image.segmentsSharePages()).isFalse();
    }

    /** What a linker script that puts .data right after .text produces: valid, reported, not refused. */
    @Test
    void codeAndDataSharingAPageAreAcceptedAndReported() {
        ElfBuilder b = ElfBuilder.exec()
                .withPtPhdr()
                .headerSegment(0x400000, "rx", code(B_SELF, B_SELF, B_SELF))
                .load(0x40040c, 0x194, "rw", pattern(4, 5));
        ElfImage image = accept(b.build());

        Segment text = image.segments().get(0);
        Segment data = image.segments().get(1);
        assertThat(text.end()).isEqualTo(data.vaddr());
        assertThat(data.fileOffset()).as("the next free file byte is already congruent").isEqualTo(0x40c);
        assertThat(text.sharesPageWith(data)).isTrue();
        assertThat(image.sharedPages()).containsExactly(0x400000L);
        assertThat(image.segmentsSharePages()).isTrue();
    }

    @Test
    void segmentsMeetingAtAPageBoundaryShareNoPage() {
        ElfBuilder b = ElfBuilder.exec()
                .headerSegment(0x400000, "rx", pattern(0x1000 - HEADER_AREA, 6))
                .load(0x401000, 0x1000, "rw", pattern(0x10, 7));
        ElfImage image = accept(b.build());
        assertThat(image.segments().get(0).end()).isEqualTo(0x401000);
        assertThat(image.sharedPages()).isEmpty();
    }

    @Test
    void threeSegmentsInOnePageReportThePageOnce() {
        ElfBuilder b = ElfBuilder.exec()
                .headerSegment(0x400000, "rx", code(B_SELF))
                .load(0x400404, 0x10, "r", pattern(0x10, 8))
                .load(0x400414, 0x100, "rw", pattern(0x8, 9));
        ElfImage image = accept(b.build());
        assertThat(image.sharedPages()).containsExactly(0x400000L);
    }

    @Test
    void ptPhdrPresentGivesItsAddress() {
        ElfBuilder b = ElfBuilder.exec().withPtPhdr().headerSegment(0x400000, "rx", code(B_SELF)).gnuStack("rw");
        ElfImage image = accept(b.build());
        assertThat(image.phdrVaddr()).hasValue(0x400040);
        assertThat(image.phnum()).isEqualTo(3);
    }

    @Test
    void programHeadersNoSegmentLoadsLeaveAtPhdrEmpty() {
        ElfBuilder b = ElfBuilder.exec().load(0x400000, 0x10, "rx", code(B_SELF, B_SELF, B_SELF, B_SELF));
        ElfImage image = accept(b.build());
        assertThat(image.segments().get(0).fileOffset()).isEqualTo(0x1000);
        assertThat(image.phdrVaddr()).as("the loader decides whether to run it without AT_PHDR").isEmpty();
    }

    @Test
    void threadLocalStorageIsExposed() {
        ElfBuilder b = ElfBuilder.exec()
                .headerSegment(0x400000, "rx", code(B_SELF))
                .load(0x410000, 0x2000, "rw", pattern(0x100, 10))
                .tls(0x410040, 0x40, 0x1000, 64);
        ElfImage image = accept(b.build());
        assertThat(image.tls()).hasValue(new TlsSegment(0x410040, 0x1000, 0x40, 64));
    }

    @Test
    void tbssOnlyTlsNeedsNoFileBytes() {
        ElfBuilder b = ElfBuilder.exec()
                .headerSegment(0x400000, "rx", code(B_SELF))
                .tls(0x7000000, 0, 0x10, 0);
        assertThat(accept(b.build()).tls()).hasValue(new TlsSegment(0x7000000, 0x10, 0, 0));
    }

    /** ET_DYN without PT_INTERP, linked at 0, as aarch64-linux-gnu-gcc -static-pie lays it out. */
    @Test
    void staticPie() {
        ElfBuilder b = ElfBuilder.dyn()
                .headerSegment(0, "rx", pattern(0x88de8 - HEADER_AREA, 11))
                .load(0x89668, 0xbe50, "rw", pattern(0x59d0, 12))
                .tls(0x89668, 0x20, 0x68, 8)
                .gnuStack("rw")
                .entry(0x8ac0);
        ElfImage image = accept(b.build());
        assertThat(image.type()).isEqualTo(ElfType.DYN);
        assertThat(image.entry()).isEqualTo(0x8ac0);
        assertThat(image.lowestAddress()).isZero();
        assertThat(image.endAddress()).isEqualTo(0x89668 + 0xbe50);
        assertThat(image.phdrVaddr()).as("relative to the load base").hasValue(0x40);
        assertThat(image.segments().get(1).fileOffset()).isEqualTo(0x89668);
    }

    @Test
    void executableStackIsReported() {
        ElfImage image = accept(ElfBuilder.exec().headerSegment(0x400000, "rx", code(B_SELF)).gnuStack("rwx").build());
        assertThat(image.gnuStackFlags()).hasValue(7);
        assertThat(image.executableStack()).isTrue();
    }

    @Test
    void unknownAndIgnoredHeadersAreSkipped() {
        ElfBuilder b = ElfBuilder.exec()
                .headerSegment(0x400000, "rx", code(B_SELF))
                .extra(new ElfBuilder.Phdr(ElfBuilder.PT_NOTE, 4, -1, -1, -1, -1, 3))
                .extra(new ElfBuilder.Phdr(0x70000000, 0, -1, -1, -1, -1, -1))
                .extra(new ElfBuilder.Phdr(0, 0, 0, 0, 0, 0, 0));
        assertThat(accept(b.build()).segments()).hasSize(1);
    }

    @Test
    void emptyLoadSegmentsAreDroppedAfterTheirChecks() {
        ElfBuilder b = ElfBuilder.exec()
                .headerSegment(0x400000, "rx", code(B_SELF))
                .extra(new ElfBuilder.Phdr(ElfParser.PT_LOAD, 6, 0x100, 0x500100, 0, 0, 0x1000));
        ElfImage image = accept(b.build());
        assertThat(image.segments()).hasSize(1);
        assertThat(image.phnum()).isEqualTo(2);
    }

    @Test
    void alignmentZeroOneAndLargePowersOfTwoAreAccepted() {
        for (long align : new long[] {0, 1, 0x1000, 0x10000, 1L << 62, Long.MIN_VALUE}) {
            byte[] file = ElfBuilder.exec().headerSegment(0x400000, "rx", code(B_SELF)).build();
            ElfBuilder.put64(file, ElfBuilder.phdrAt(0) + ElfBuilder.P_ALIGN, align);
            assertThat(accept(file).segments().get(0).align()).isEqualTo(align);
        }
    }

    @Test
    void aSegmentEndingExactlyAtTheTopOfUserSpaceIsAccepted() {
        long top = ElfParser.USER_ADDRESS_LIMIT;
        ElfBuilder b = ElfBuilder.exec()
                .headerSegment(0x400000, "rx", code(B_SELF))
                .load(top - 0x2000, 0x2000, "rw", pattern(0x10, 13));
        assertThat(accept(b.build()).endAddress()).isEqualTo(top);
    }

    @Test
    void sizesUpToTheLimitsAreAccepted() {
        ElfBuilder b = ElfBuilder.exec()
                .headerSegment(0x400000, "rx", code(B_SELF))
                .load(0x500000, 0x3000, "rw", pattern(0x10, 14));
        long total = HEADER_AREA + 4 + 0x3000;
        assertThat(accept(b.build(), new ElfLimits(0x3000, total)).segments()).hasSize(2);
    }

    @Test
    void osAbiAndSectionHeaderFieldsAreNotLookedAt() {
        byte[] file = ElfBuilder.exec().headerSegment(0x400000, "rx", code(B_SELF)).build();
        file[7] = 3; // ELFOSABI_GNU, which static glibc programs carry because of IFUNCs
        ElfBuilder.put64(file, 40, -1); // e_shoff
        ElfBuilder.put16(file, 60, 0xffff); // e_shnum
        accept(file);
    }

    @Test
    void theImageSharesTheCallersArray() {
        byte[] file = ElfBuilder.exec().headerSegment(0x400000, "rx", code(B_SELF)).build();
        ElfImage image = accept(file);
        file[HEADER_AREA] = 0x55;
        byte[] word = new byte[4];
        image.copyFileBytes(image.segments().get(0), image.entry(), word, 0, 4);
        assertThat(word[0]).as("not a copy, so the caller must leave the array alone").isEqualTo((byte) 0x55);
    }
}
