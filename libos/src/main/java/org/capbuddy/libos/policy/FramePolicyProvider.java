package org.capbuddy.libos.policy;

import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;

/**
 * Makes a {@link FramePolicy} for one machine. A jar offers one by naming its class in
 * {@code META-INF/services/org.capbuddy.libos.policy.FramePolicyProvider}, and {@code capbuddy
 * bench --allocator NAME} then finds it by {@link #name()}; {@code --allocator class:CLASS} loads
 * a provider by class name instead. Either way it needs a public no-argument constructor.
 */
public interface FramePolicyProvider {
    /** The policy's name on the command line and in reports: letters, digits and dashes. */
    String name();

    /** A policy over {@code vka}, or why it cannot work there (nothing is left allocated then). */
    Result<FramePolicy> create(Vka vka);
}
