package org.capbuddy.sos.machine;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.paging.PageFile;
import org.junit.jupiter.api.Test;

/** Paging's settings in {@link SosConfig}: off by default, and bad ones refused with the reason before anything is built. */
class SosConfigPagingTest {

    @Test
    void pagingIsOffUnlessAPageFileIsGiven() {
        assertThat(SosConfig.defaults().paging()).isFalse();
        assertThat(new SosConfig(64).pageFilePages()).isZero();
        assertThat(new SosConfig(64).check().isOk()).isTrue();
        SosConfig on = new SosConfig(64).withPaging(4096, "fifo");
        assertThat(on.paging()).isTrue();
        assertThat(on.check().isOk()).isTrue();
        assertThat(on.frameLimit()).isEqualTo(64);
    }

    @Test
    void badPagingSettingsAreRefusedWithTheReason() {
        SosConfig base = new SosConfig(FrameTable.SEED_REF_BITS, 64);
        assertThat(base.withPaging(-1, "fifo").check().error().detail())
                .isEqualTo("the page file must have 0 (no paging).." + PageFile.MAX_SLOTS + " pages, got -1");
        assertThat(base.withPaging(PageFile.MAX_SLOTS + 1, "fifo").check().error().kind())
                .isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(base.withPaging(16, "lru").check().error().detail())
                .isEqualTo("unknown paging policy 'lru'; known: second-chance, fifo, enhanced-second-chance");
        assertThat(base.withPaging(16, null).check().error().detail())
                .isEqualTo("unknown paging policy (none); known: second-chance, fifo, enhanced-second-chance");
        assertThat(new SosConfig(FrameTable.SEED_REF_BITS, 0, 16, "fifo").check().error().detail())
                .startsWith("the frame table limit must be");
    }

    @Test
    void aMachineWithBadPagingSettingsIsNotBuilt() {
        var booted = SosMachine.boot(MachineConfig.original(64L << 20), new SosConfig(64).withPaging(16, "lru"));
        assertThat(booted.isOk()).isFalse();
        assertThat(booted.error().detail()).contains("unknown paging policy 'lru'");
    }
}
