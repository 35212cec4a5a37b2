package org.capbuddy.sos.paging;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;

/**
 * The replacement policies SOS knows, by name: {@code second-chance}, {@code fifo} and
 * {@code enhanced-second-chance}. A new policy is one class and one line here.
 */
public final class PolicyRegistry {
    private static final Map<String, Supplier<ReplacementPolicy<?>>> POLICIES = policies();

    private PolicyRegistry() {
    }

    private static Map<String, Supplier<ReplacementPolicy<?>>> policies() {
        Map<String, Supplier<ReplacementPolicy<?>>> all = new LinkedHashMap<>();
        all.put(SecondChancePolicy.NAME, SecondChancePolicy::new);
        all.put(FifoPolicy.NAME, FifoPolicy::new);
        all.put(EnhancedSecondChancePolicy.NAME, EnhancedSecondChancePolicy::new);
        return Collections.unmodifiableMap(all);
    }

    /** The default policy's name: second chance, as the AOS pager uses. */
    public static String defaultName() {
        return SecondChancePolicy.NAME;
    }

    /** Every registered name, default first. */
    public static List<String> names() {
        return List.copyOf(POLICIES.keySet());
    }

    /** Done when {@code name} names a registered policy, else why not. */
    public static Result<Void> check(String name) {
        if (!isKnown(name)) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "unknown paging policy " + (name == null ? "(none)"
                    : "'" + name + "'") + "; known: " + String.join(", ", names()));
        }
        return Result.done();
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
