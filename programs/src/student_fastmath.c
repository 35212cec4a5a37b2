/* student_fastmath: a particle step written for speed, built with -O3 -ffast-math and gcc's
 * low-precision reciprocal, square root and division (build.sh), so that the vectorised loops
 * compute 1/sqrtf, sqrtf and division with FRSQRTE/FRSQRTS and FRECPE/FRECPS Newton-Raphson
 * steps instead of fsqrt and fdiv: vector normalisation, distances, inverse-square forces,
 * per-component division, and a double-precision inverse square root sum. The estimates are
 * defined bit for bit by the architecture, so the results are printed in full (%.9g, %.17g) and as
 * bit checksums: any Armv8.0 core, and QEMU, gives the same (with an error a plain build would
 * not have: a float gets one Newton step). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N 1024
static float px[N], py[N], pz[N], vx[N], vy[N], vz[N], mass[N], len[N], out[N];
static double dd[N];
static uint32_t state = 12345u;

static float uniform(float lo, float hi) {
    state = state * 1664525u + 1013904223u; /* Numerical Recipes' LCG: the same on every machine */
    return lo + (hi - lo) * (float) (state >> 8) / 16777216.0f;
}

static uint32_t bits_of(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static uint64_t bits_of_double(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static uint32_t checksum(const float *a, int n) {
    uint32_t h = 2166136261u;
    for (int i = 0; i < n; i++) {
        h = (h ^ bits_of(a[i])) * 16777619u;
    }
    return h;
}

/* make every velocity a unit vector: 1/sqrtf in the loop becomes frsqrte and two frsqrts steps */
static void normalise(float *restrict x, float *restrict y, float *restrict z, int n) {
    for (int i = 0; i < n; i++) {
        float inv = 1.0f / sqrtf(x[i] * x[i] + y[i] * y[i] + z[i] * z[i]);
        x[i] *= inv;
        y[i] *= inv;
        z[i] *= inv;
    }
}

/* distance of each particle from the origin: sqrtf as x * rsqrt(x) */
static void lengths(const float *restrict x, const float *restrict y, const float *restrict z,
                    float *restrict l, int n) {
    for (int i = 0; i < n; i++) {
        l[i] = sqrtf(x[i] * x[i] + y[i] * y[i] + z[i] * z[i]);
    }
}

/* inverse-square pull towards the origin, divided by the mass: frecpe and frecps */
static void accelerate(float *restrict v, const float *restrict p, const float *restrict m,
                       const float *restrict l, int n, float dt) {
    for (int i = 0; i < n; i++) {
        v[i] -= dt * p[i] / (m[i] * l[i] * l[i] * l[i]);
    }
}

static void scale_by(float *restrict a, const float *restrict b, float *restrict c, int n) {
    for (int i = 0; i < n; i++) {
        c[i] = a[i] / b[i];
    }
}

static double inverse_root_sum(const double *a, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
        s += 1.0 / sqrt(a[i]);
    }
    return s;
}

int main(void) {
    for (int i = 0; i < N; i++) {
        px[i] = uniform(-100.0f, 100.0f);
        py[i] = uniform(-100.0f, 100.0f);
        pz[i] = uniform(1.0f, 50.0f);
        vx[i] = uniform(-3.0f, 3.0f);
        vy[i] = uniform(-3.0f, 3.0f);
        vz[i] = uniform(0.5f, 3.0f);
        mass[i] = uniform(0.25f, 8.0f);
        dd[i] = (double) uniform(1e-6f, 1e6f);
    }
    normalise(vx, vy, vz, N);
    printf("v[0] = (%.9g, %.9g, %.9g)\n", vx[0], vy[0], vz[0]);
    float worst = 0;
    for (int i = 0; i < N; i++) {
        float err = fabsf(vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i] - 1.0f);
        worst = err > worst ? err : worst;
    }
    /* one Newton step on an 8-bit estimate leaves about 16 good bits: 1e-4, not float's 1e-7 */
    printf("unit velocities: largest | |v|^2 - 1 | = %.9g (%s)\n", worst,
           worst < 1e-4f ? "within one step's error" : "too far");
    printf("velocity checksums %08x %08x %08x\n", checksum(vx, N), checksum(vy, N), checksum(vz, N));

    for (int step = 0; step < 4; step++) {
        lengths(px, py, pz, len, N);
        accelerate(vx, px, mass, len, N, 0.01f);
        accelerate(vy, py, mass, len, N, 0.01f);
        accelerate(vz, pz, mass, len, N, 0.01f);
        for (int i = 0; i < N; i++) {
            px[i] += 0.01f * vx[i];
            py[i] += 0.01f * vy[i];
            pz[i] += 0.01f * vz[i];
        }
        printf("step %d: |p[0]| = %.9g, |p[1]| = %.9g, position checksum %08x\n", step, len[0], len[1],
               checksum(px, N) ^ checksum(py, N) ^ checksum(pz, N));
    }

    scale_by(px, mass, out, N);
    double total = 0;
    for (int i = 0; i < N; i++) {
        total += out[i];
    }
    printf("x / mass: out[0] = %.9g (bits %08x), sum %.9g, checksum %08x\n", out[0], bits_of(out[0]), total,
           checksum(out, N));

    double s = inverse_root_sum(dd, N);
    printf("sum of 1/sqrt: %.17g (bits %016llx)\n", s, (unsigned long long) bits_of_double(s));
    return 0;
}
