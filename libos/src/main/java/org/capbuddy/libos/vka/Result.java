package org.capbuddy.libos.vka;

import java.util.function.Function;

/**
 * The value of an operation that can be refused: either a value or an {@link AllocError}, never
 * an exception. {@code Result<Void>} carries no value.
 */
public record Result<T>(T value, AllocError error) {
    private static final Result<Void> DONE = new Result<>(null, null);

    public static <T> Result<T> ok(T value) {
        return new Result<>(value, null);
    }

    public static Result<Void> done() {
        return DONE;
    }

    public static <T> Result<T> fail(AllocError error) {
        return new Result<>(null, error);
    }

    public static <T> Result<T> fail(AllocErrorKind kind, String detail) {
        return new Result<>(null, AllocError.of(kind, detail));
    }

    public boolean isOk() {
        return error == null;
    }

    /** The same error with another value type. */
    public <U> Result<U> asFailure() {
        if (error == null) {
            throw new IllegalStateException("asFailure on a successful result");
        }
        return new Result<>(null, error);
    }

    public <U> Result<U> map(Function<T, U> f) {
        return error == null ? Result.ok(f.apply(value)) : asFailure();
    }

    @Override
    public String toString() {
        return error == null ? "Ok[" + value + "]" : "Err[" + error + "]";
    }
}
