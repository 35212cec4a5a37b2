package org.capbuddy.libos.vka;

import java.util.Objects;
import java.util.function.Function;

/**
 * The value of an operation that can be refused: either a value or an {@link AllocError}, never
 * an exception. {@code Result<Void>} carries no value.
 *
 * <p>A {@code Result<Long>} made by {@link #ofLong} keeps its number unboxed: slots, cookies and
 * bookkeeping addresses are handed out millions of times a run, and a {@link Long} for each
 * would be garbage of its own besides the result. {@link #longValue()} reads it without boxing;
 * {@link #value()} boxes it on demand, so either kind reads the same.
 */
public final class Result<T> {
    private static final Result<Void> DONE = new Result<>(null, null, 0, false);

    private final T value;
    private final AllocError error;
    /** The value of a result made by {@link #ofLong} (then {@code value} is null). */
    private final long number;
    private final boolean unboxed;

    private Result(T value, AllocError error, long number, boolean unboxed) {
        this.value = value;
        this.error = error;
        this.number = number;
        this.unboxed = unboxed;
    }

    public static <T> Result<T> ok(T value) {
        return new Result<>(value, null, 0, false);
    }

    /** A successful {@code Result<Long>} that holds its number without boxing it. */
    public static Result<Long> ofLong(long value) {
        return new Result<>(null, null, value, true);
    }

    public static Result<Void> done() {
        return DONE;
    }

    public static <T> Result<T> fail(AllocError error) {
        return new Result<>(null, error, 0, false);
    }

    public static <T> Result<T> fail(AllocErrorKind kind, String detail) {
        return new Result<>(null, AllocError.of(kind, detail), 0, false);
    }

    /** The value (null for a failure or a {@code Result<Void>}). */
    @SuppressWarnings("unchecked") // only ofLong makes an unboxed result, and it is a Result<Long>
    public T value() {
        return unboxed ? (T) (Object) number : value;
    }

    /**
     * The value of a successful {@code Result<Long>}, unboxed if it was made by {@link #ofLong}.
     * Throws if the result is a failure or holds no Long (a programming error, not bad input).
     */
    public long longValue() {
        if (unboxed) {
            return number;
        }
        if (!(value instanceof Long boxed)) {
            throw new IllegalStateException("longValue of " + this);
        }
        return boxed;
    }

    public AllocError error() {
        return error;
    }

    public boolean isOk() {
        return error == null;
    }

    /** The same error with another value type. */
    public <U> Result<U> asFailure() {
        if (error == null) {
            throw new IllegalStateException("asFailure on a successful result");
        }
        return new Result<>(null, error, 0, false);
    }

    public <U> Result<U> map(Function<T, U> f) {
        return error == null ? Result.ok(f.apply(value())) : asFailure();
    }

    /** Equal when both hold equal values (however stored) and equal errors, as the former record. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Result<?> other && Objects.equals(value(), other.value())
                && Objects.equals(error, other.error);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hashCode(value()) + Objects.hashCode(error);
    }

    @Override
    public String toString() {
        return error == null ? "Ok[" + value() + "]" : "Err[" + error + "]";
    }
}
