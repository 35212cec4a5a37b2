/* student_vector: numeric kernels built with -O3 (build.sh), so that gcc vectorises them for
 * Advanced SIMD: matrix multiply in float and double, dot products (integer, and float with the
 * reduction kept in order), saxpy, a byte sum of absolute differences, a histogram, a
 * transpose, widening 16-bit multiply-accumulate, min/max, clamping and a byte search. Results
 * are printed as integers and with %.6g, all exact or fixed by IEEE rounding. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#define N 64
static float fa[N][N], fb[N][N], fc[N][N];
static double da[N][N], db[N][N], dc[N][N];
static int32_t ia[4096], ib[4096];
static int16_t sa[4096], sb[4096];
static uint8_t p1[4096], p2[4096];
static float x[1000], y[1000];

static void matmul_f(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) fc[i][j] = 0;
    for (int i = 0; i < N; i++)
        for (int k = 0; k < N; k++) {
            float a = fa[i][k];
            for (int j = 0; j < N; j++) fc[i][j] += a * fb[k][j];
        }
}
static void matmul_d(void) {
    for (int i = 0; i < N; i++)
        for (int k = 0; k < N; k++) {
            double a = da[i][k];
            for (int j = 0; j < N; j++) dc[i][j] += a * db[k][j];
        }
}
static int64_t dot_i(const int32_t *a, const int32_t *b, int n) {
    int64_t s = 0;
    for (int i = 0; i < n; i++) s += (int64_t)a[i] * b[i];
    return s;
}
static int32_t dot_s(const int16_t *a, const int16_t *b, int n) {
    int32_t s = 0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}
static float dot_f(const float *a, const float *b, int n) {
    float s = 0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}
static void saxpy(float a, const float *xs, float *ys, int n) {
    for (int i = 0; i < n; i++) ys[i] = a * xs[i] + ys[i];
}
static uint32_t sad(const uint8_t *a, const uint8_t *b, int n) {
    uint32_t s = 0;
    for (int i = 0; i < n; i++) s += a[i] > b[i] ? a[i] - b[i] : b[i] - a[i];
    return s;
}
static void clamp(int32_t *v, int n, int lo, int hi) {
    for (int i = 0; i < n; i++) v[i] = v[i] < lo ? lo : v[i] > hi ? hi : v[i];
}
static void add_bytes(uint8_t *d, const uint8_t *a, const uint8_t *b, int n) {
    for (int i = 0; i < n; i++) { unsigned s = a[i] + b[i]; d[i] = s > 255 ? 255 : s; }
}

int main(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            fa[i][j] = (float)((i * 3 + j) % 17) - 8;
            fb[i][j] = (float)((i + j * 5) % 13) * 0.5f;
            da[i][j] = (i - j) * 0.25;
            db[i][j] = (i * j) % 7 + 1;
            dc[i][j] = 0;
        }
    matmul_f();
    matmul_d();
    double ftrace = 0, dsum = 0;
    for (int i = 0; i < N; i++) ftrace += fc[i][i];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) dsum += dc[i][j] * ((i + j) & 3);
    printf("matmul float: trace %.6g, c[5][7] %.6g, c[63][0] %.6g\n", ftrace, fc[5][7], fc[63][0]);
    printf("matmul double: weighted sum %.6g, c[10][20] %.6g\n", dsum, dc[10][20]);

    for (int i = 0; i < 4096; i++) {
        ia[i] = (i * 2654435761u) >> 12;
        ib[i] = (int32_t)(i * 40503u) - 50000;
        sa[i] = (int16_t)(i * 37 - 20000);
        sb[i] = (int16_t)((i % 61) - 30);
        p1[i] = (uint8_t)(i * 13);
        p2[i] = (uint8_t)(i * 7 + 100);
    }
    printf("dot int32->int64: %lld\n", (long long)dot_i(ia, ib, 4096));
    printf("dot int16->int32: %d\n", dot_s(sa, sb, 4096));
    printf("sad: %u\n", sad(p1, p2, 4096));
    for (int i = 0; i < 1000; i++) { x[i] = i * 0.125f; y[i] = 1000 - i; }
    printf("dot float: %.6g\n", dot_f(x, y, 1000));
    saxpy(2.0f, x, y, 1000);
    printf("saxpy: y[0] %.6g y[999] %.6g y[500] %.6g\n", y[0], y[999], y[500]);

    int32_t mn = ia[0], mx = ia[0];
    for (int i = 0; i < 4096; i++) { if (ia[i] < mn) mn = ia[i]; if (ia[i] > mx) mx = ia[i]; }
    printf("min %d max %d\n", mn, mx);
    clamp(ib, 4096, -1000, 1000);
    long long cs = 0;
    for (int i = 0; i < 4096; i++) cs += ib[i] * (i % 5);
    printf("clamped checksum %lld\n", cs);

    uint8_t d[4096];
    add_bytes(d, p1, p2, 4096);
    uint32_t hist[16] = {0};
    for (int i = 0; i < 4096; i++) hist[d[i] >> 4]++;
    printf("saturating add histogram:");
    for (int i = 0; i < 16; i++) printf(" %u", hist[i]);
    printf("\n");

    static float t[N][N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) t[j][i] = fc[i][j];
    double tcheck = 0;
    for (int i = 0; i < N; i++) tcheck += t[i][(i * 11) % N] - fc[(i * 11) % N][i];
    printf("transpose check %.6g\n", tcheck);

    char text[512];
    memset(text, 'a', sizeof text);
    text[400] = 'Z';
    text[511] = 0;
    const char *z = memchr(text, 'Z', sizeof text);
    printf("memchr at %ld, strlen %zu\n", (long)(z - text), strlen(text));

    uint64_t bits = 0;
    for (int i = 0; i < 4096; i++) bits += __builtin_popcount(ia[i]);
    printf("popcount total %llu\n", (unsigned long long)bits);
    return 0;
}
