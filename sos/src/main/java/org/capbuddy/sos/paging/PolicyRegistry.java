package org.capbuddy.sos.paging;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The replacement policies SOS knows, by name: {@code fifo} and {@code second-chance}. A new
 * policy is one class and one line here.
 */
public final class PolicyRegistry {
    private static final Map<String, Supplier<ReplacementPolicy<?>>> POLICIES = policies();

    private PolicyRegistry() {
    }

    private static Map<String, Supplier<ReplacementPolicy<?>>> policies() {
        Map<String, Supplier<ReplacementPolicy<?>>> all = new LinkedHashMap<>();
        all.put(SecondChancePolicy.NAME, SecondChancePolicy::new);
        all.put(FifoPolicy.NAME, FifoPolicy::new);
        return java.util.Collections.unmodifiableMap(all);
    }

    /** The default policy's name: second chance, as the AOS pager uses. */
    public static String defaultName() {
        return SecondChancePolicy.NAME;
    }

    /** Every registered name, default first. */
    public static List<String> names() {
        return List.copyOf(POLICIES.keySet());
    }

    public static boolean isKnown(String name) {
        return name != null && POLICIES.containsKey(name);
    }

    /** A new, empty policy named {@code name}, or empty when no policy has that name. */
    @SuppressWarnings("unchecked")
    public static <K> Optional<ReplacementPolicy<K>> create(String name) {
        Supplier<ReplacementPolicy<?>> make = name == null ? null : POLICIES.get(name);
        return make == null ? Optional.empty() : Optional.of((ReplacementPolicy<K>) make.get());
    }
}
