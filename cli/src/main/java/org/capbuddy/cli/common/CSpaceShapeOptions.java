package org.capbuddy.cli.common;

import picocli.CommandLine.Option;

/**
 * The machine-shape options that every command booting a CapBuddy machine takes beside
 * {@code --cspace}: the root CNode's size and the retype fan-out limit (both null when not given,
 * for {@link CSpaceChoice#config(long, Integer, Integer)}'s defaults).
 */
public final class CSpaceShapeOptions {
    @Option(names = "--root-cnode-bits", paramLabel = "N", description = "allocman's root CNode: 2^N slots (the whole"
            + " CSpace with --cspace original, level 1 of two with scaled). Default: what --cspace sizes for the RAM.")
    public Integer rootCNodeBits;

    @Option(names = "--fan-out", paramLabel = "N", description = "CONFIG_RETYPE_FAN_OUT_LIMIT: objects one Retype may"
            + " make (the pool's trees need 1024). Default: 1024.")
    public Integer fanOut;
}
