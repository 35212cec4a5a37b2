package org.capbuddy.sos;

import org.capbuddy.libos.capbuddy.PoolConfig;
import org.capbuddy.libos.machine.MachineConfig;

/**
 * Test support: machines on which a first touch goes as deep into SOS as it gets (a new pool tree,
 * an L2 CNode, page tables, bookkeeping from a tiny static pool), for the tests that measure the
 * Java stack a fault needs.
 */
public final class DeepestFaultMachines {
    private DeepestFaultMachines() {
    }

    public static MachineConfig[] configs() {
        MachineConfig pool = MachineConfig.capBuddy(256L << 20).withPool(PoolConfig.defaults().withSpareTrees(0));
        return new MachineConfig[] {
            pool,
            pool.singleLevel(12).withStaticPoolBytes(12 << 10),
            pool.twoLevel(12, 10).withStaticPoolBytes(48 << 10),
            pool.withoutPool().twoLevel(12, 6).withStaticPoolBytes(48 << 10),
        };
    }
}
