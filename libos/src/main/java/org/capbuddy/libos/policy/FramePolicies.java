package org.capbuddy.libos.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;

/**
 * The registry of frame policies: providers found on the class path by {@link ServiceLoader},
 * or one named by its class ({@code class:org.example.MyProvider}).
 */
public final class FramePolicies {
    /** How a policy is named by its provider's class rather than its name. */
    public static final String CLASS_PREFIX = "class:";

    private FramePolicies() {
    }

    /** The names of the providers {@code loader} can see through {@link ServiceLoader}, in class-path order. */
    public static List<String> names(ClassLoader loader) {
        List<String> names = new ArrayList<>();
        for (FramePolicyProvider p : ServiceLoader.load(FramePolicyProvider.class, loader)) {
            names.add(p.name());
        }
        return names;
    }

    /**
     * The provider {@code choice} names: {@code class:CLASS} loads and instantiates that class,
     * anything else is matched against the {@link ServiceLoader} providers' names. Refused, with
     * the reason, when there is no such provider or it cannot be made.
     */
    public static Result<FramePolicyProvider> find(String choice, ClassLoader loader) {
        if (choice == null || choice.isBlank()) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no policy named");
        }
        if (choice.startsWith(CLASS_PREFIX)) {
            return byClass(choice.substring(CLASS_PREFIX.length()), loader);
        }
        try {
            for (FramePolicyProvider p : ServiceLoader.load(FramePolicyProvider.class, loader)) {
                if (p.name().equals(choice)) {
                    return Result.ok(p);
                }
            }
        } catch (ServiceConfigurationError e) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "a frame policy provider on the class path is broken: "
                    + e.getMessage());
        }
        return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no frame policy named '" + choice + "' on the class path"
                + " (found: " + names(loader) + ")");
    }

    private static Result<FramePolicyProvider> byClass(String className, ClassLoader loader) {
        Class<?> type;
        try {
            type = Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "cannot load class " + className + ": no such class on the"
                    + " class path");
        } catch (LinkageError e) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "cannot load class " + className + ": " + e);
        }
        if (!FramePolicyProvider.class.isAssignableFrom(type)) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, className + " is not a " + FramePolicyProvider.class.getName());
        }
        try {
            return Result.ok((FramePolicyProvider) type.getConstructor().newInstance());
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "cannot make a " + className
                    + " (it needs a public no-argument constructor): " + e);
        }
    }
}
