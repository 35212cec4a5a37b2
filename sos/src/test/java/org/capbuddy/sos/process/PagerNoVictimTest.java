package org.capbuddy.sos.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Why a victim search found none, as the kill report says it: each page counted once. */
class PagerNoVictimTest {
    private static final Process NO_PROCESS = null;

    @Test
    void aPageTheHandPassesTwiceIsCountedOnce() {
        Pager.Search s = new Pager.Search();
        UserPage a = new UserPage(NO_PROCESS, 0x1000);
        UserPage b = new UserPage(NO_PROCESS, 0x2000);
        // second chance's hand goes round twice: every failed unmap is seen twice
        for (int turn = 0; turn < 2; turn++) {
            s.unmapFailed.add(a);
            s.unmapFailed.add(b);
        }
        assertThat(Pager.noVictim(2, s)).isEqualTo("SOS could not unmap 2 referenced page(s) to clear their reference bits");
        s.pinned.add(new UserPage(NO_PROCESS, 0x3000));
        assertThat(Pager.noVictim(3, s)).endsWith(" and the others are pinned");
    }

    @Test
    void noResidentPageAndAllPinnedAreSaidSo() {
        assertThat(Pager.noVictim(0, new Pager.Search())).isEqualTo("none is evictable");
        Pager.Search s = new Pager.Search();
        s.pinned.add(new UserPage(NO_PROCESS, 0x1000));
        assertThat(Pager.noVictim(1, s)).isEqualTo("all are pinned");
    }
}
