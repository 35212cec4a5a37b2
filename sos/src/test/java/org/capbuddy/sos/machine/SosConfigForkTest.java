package org.capbuddy.sos.machine;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.process.ForkMode;
import org.junit.jupiter.api.Test;

/** The fork setting: copy-on-write by default, copy with paging, and cow with paging refused. */
class SosConfigForkTest {

    @Test
    void forksShareWithoutPagingAndCopyWithIt() {
        assertThat(SosConfig.defaults().forkMode()).isEqualTo(ForkMode.COW);
        assertThat(SosConfig.defaults().withPaging(64, "fifo").forkMode()).isEqualTo(ForkMode.COPY);
        assertThat(SosConfig.defaults().withForkMode(ForkMode.COPY).check().isOk()).isTrue();
        assertThat(new SosFixture(true).sos.forkMode()).isEqualTo(ForkMode.COW);
        assertThat(new SosFixture(true, new SosConfig(1 << 18).withForkMode(ForkMode.COPY)).sos.forkMode())
                .isEqualTo(ForkMode.COPY);
    }

    @Test
    void copyOnWriteWithPagingIsRefusedWithAReason() {
        SosConfig both = SosConfig.defaults().withPaging(64, "fifo").withForkMode(ForkMode.COW);
        assertThat(both.check().error().detail()).contains("without paging");
        assertThat(SosConfig.defaults().withForkMode(null).check().isOk()).isFalse();
        SosFixture paged = new SosFixture(true, new SosConfig(64).withPaging(64, "fifo"));
        assertThat(paged.sos.setForkMode(ForkMode.COW).isOk()).isFalse();
        assertThat(paged.sos.forkMode()).isEqualTo(ForkMode.COPY);
        assertThat(ForkMode.of("CoW")).contains(ForkMode.COW);
        assertThat(ForkMode.of("share")).isEmpty();
    }
}
