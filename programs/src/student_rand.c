/* student_rand: pseudo-random numbers as a course uses them, all from fixed seeds so the output
 * is the same everywhere musl runs: rand/srand, rand_r, random/srandom with initstate,
 * drand48/erand48/lrand48/seed48, a Fisher-Yates shuffle, dice histograms, a Monte Carlo
 * estimate of pi, reservoir sampling and a random walk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

int main(void) {
    srand(1);
    printf("rand after srand(1):");
    for (int i = 0; i < 5; i++) printf(" %d", rand());
    printf("\nRAND_MAX %d\n", RAND_MAX);
    srand(1);
    int again = rand();
    srand(42);
    printf("srand(1) repeats: %s; srand(42) first: %d\n", again == (srand(1), rand()) ? "yes" : "no", (srand(42), rand()));
    unsigned seed = 7;
    printf("rand_r(7):");
    for (int i = 0; i < 4; i++) printf(" %d", rand_r(&seed));
    printf("\n");

    static char state[256];
    initstate(2026, state, sizeof state);
    printf("random with a 256-byte state:");
    for (int i = 0; i < 4; i++) printf(" %ld", random());
    srandom(5);
    printf("\nsrandom(5): %ld\n", random());

    srand48(12345);
    printf("drand48: %.10f %.10f, lrand48 %ld, mrand48 %ld\n", drand48(), drand48(), lrand48(), mrand48());
    unsigned short xs[3] = {1, 2, 3};
    printf("erand48: %.10f, nrand48: %ld\n", erand48(xs), nrand48(xs));
    unsigned short s48[3] = {0x330E, 0xABCD, 0x1234};
    seed48(s48);
    printf("after seed48: %ld\n", lrand48());

    int deck[52];
    for (int i = 0; i < 52; i++) deck[i] = i;
    srand(2024);
    for (int i = 51; i > 0; i--) { int j = rand() % (i + 1); int t = deck[i]; deck[i] = deck[j]; deck[j] = t; }
    printf("shuffled hand:");
    const char *suits = "SHDC", *ranks = "A23456789TJQK";
    for (int i = 0; i < 5; i++) printf(" %c%c", ranks[deck[i] % 13], suits[deck[i] / 13]);
    printf("\n");

    int hist[13] = {0};
    for (int i = 0; i < 36000; i++) hist[(rand() % 6 + 1) + (rand() % 6 + 1)]++;
    printf("two dice, 36000 throws:");
    for (int s = 2; s <= 12; s++) printf(" %d:%d", s, hist[s]);
    printf("\n");

    srand48(99);
    long inside = 0, n = 200000;
    for (long i = 0; i < n; i++) {
        double x = drand48(), y = drand48();
        if (x * x + y * y <= 1.0) inside++;
    }
    double pi = 4.0 * inside / n;
    printf("Monte Carlo pi with %ld points: %.5f (error %.5f)\n", n, pi, fabs(pi - M_PI));

    int reservoir[5];
    srand(3);
    for (int i = 0; i < 1000; i++) {
        if (i < 5) reservoir[i] = i;
        else { int j = rand() % (i + 1); if (j < 5) reservoir[j] = i; }
    }
    printf("reservoir sample:");
    for (int i = 0; i < 5; i++) printf(" %d", reservoir[i]);
    printf("\n");

    long pos = 0, maxpos = 0;
    for (int i = 0; i < 10000; i++) { pos += (random() & 1) ? 1 : -1; if (labs(pos) > maxpos) maxpos = labs(pos); }
    printf("random walk: ends at %ld, furthest %ld\n", pos, maxpos);
    return 0;
}
