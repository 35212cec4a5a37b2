package org.capbuddy.sos.inspect;

import java.util.Optional;
import org.capbuddy.aarch64.elf.ElfSymbols;
import org.capbuddy.sos.addrspace.AddressSpace;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.addrspace.RegionKind;

/**
 * Names a code address for backtraces and disassembly: SOS's signal page, which no symbol of the
 * program covers, as {@code sigpage} (plus the offset into it), anything else by the program's
 * symbols as objdump names it.
 */
public final class CodeNames {
    private CodeNames() {
    }

    /** {@code address}'s name in {@code space}, or empty when neither the signal page nor a symbol holds it. */
    public static Optional<String> describe(ElfSymbols symbols, AddressSpace space, long address) {
        Region region = space == null ? null : space.find(address);
        if (region != null && region.kind() == RegionKind.SIGPAGE) {
            long offset = address - region.base();
            return Optional.of(offset == 0 ? "sigpage" : "sigpage+0x" + Long.toHexString(offset));
        }
        return symbols.describe(address);
    }
}
