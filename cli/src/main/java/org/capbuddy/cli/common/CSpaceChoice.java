package org.capbuddy.cli.common;

import java.util.Locale;
import java.util.Optional;
import org.capbuddy.libos.bootstrap.CSpaceLayout;
import org.capbuddy.libos.machine.MachineConfig;

/**
 * Which CSpace a command's machine gets, by the {@code --cspace} option: the two-level CSpace
 * sized to RAM ({@link MachineConfig#capBuddy}), or the original 18-bit single-level root
 * ({@link MachineConfig#original}) whose slots run out near 330 MiB of plain allocman frames.
 */
public enum CSpaceChoice {
    SCALED,
    ORIGINAL;

    /** The values, as the option spells them. */
    public static final String NAMES = "scaled|original";

    /** The choice the option's text names, if it names one. */
    public static Optional<CSpaceChoice> parse(String text) {
        for (CSpaceChoice c : values()) {
            if (c.name().toLowerCase(Locale.ROOT).equals(text)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** The machine configuration for this CSpace on {@code ramBytes} of RAM. */
    public MachineConfig config(long ramBytes) {
        return this == SCALED ? MachineConfig.capBuddy(ramBytes) : MachineConfig.original(ramBytes);
    }

    /**
     * The machine configuration for this CSpace on {@code ramBytes} of RAM, with a root CNode of
     * 2^rootBits slots (the whole CSpace when original, level 1 when scaled) and a retype fan-out
     * limit in place of the defaults where they are given (null: the default).
     */
    public MachineConfig config(long ramBytes, Integer rootBits, Integer fanOut) {
        MachineConfig config = config(ramBytes);
        if (rootBits != null) {
            config = this == ORIGINAL ? config.singleLevel(rootBits)
                    : config.twoLevel(rootBits, config.l2Bits()).withStaticPoolBytes(MachineConfig.staticPoolFor(rootBits));
        }
        return fanOut == null ? config : config.withFanOut(fanOut);
    }

    /** The CSpace in words: "two-level, root 2^14, L2 2^12" or "single-level, root 2^18". */
    public static String describe(MachineConfig config) {
        return config.layout() == CSpaceLayout.TWO_LEVEL
                ? String.format("two-level, root 2^%d, L2 2^%d", config.rootCNodeBits(), config.l2Bits())
                : String.format("single-level, root 2^%d", config.rootCNodeBits());
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
