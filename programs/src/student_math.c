/* student_math: libm (-lm) functions, special values and floating-point corner cases. */
#include <stdio.h>
#include <math.h>
#include <float.h>
#include <fenv.h>

int main(void) {
    double xs[] = { 0.0, 0.5, 1.0, 2.0, 10.0, 1e-300, 1e300 };
    for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        double x = xs[i];
        printf("x=%-8g sqrt=%.15g exp=%.15g log=%.15g sin=%.15g cos=%.15g\n",
               x, sqrt(x), exp(x), log(x), sin(x), cos(x));
    }
    printf("pow(2,10)=%g pow(2,0.5)=%.17g pow(-8,1/3.)=%g cbrt(-8)=%g\n", pow(2, 10), pow(2, 0.5), pow(-8, 1.0 / 3), cbrt(-8));
    printf("atan2(1,1)*4=%.17g hypot(3,4)=%g fmod(10.5,3)=%g\n", atan2(1, 1) * 4, hypot(3, 4), fmod(10.5, 3));
    printf("floor(-2.5)=%g ceil(-2.5)=%g round(-2.5)=%g trunc(-2.7)=%g rint(2.5)=%g lround(3.5)=%ld\n",
           floor(-2.5), ceil(-2.5), round(-2.5), trunc(-2.7), rint(2.5), lround(3.5));
    printf("tan(pi/4)=%.17g asin(1)=%.17g acos(0)=%.17g tanh(1)=%.17g\n", tan(M_PI / 4), asin(1), acos(0), tanh(1));
    printf("log10(1000)=%g log2(1024)=%g exp2(-3)=%g expm1(1e-10)=%.17g log1p(1e-10)=%.17g\n",
           log10(1000), log2(1024), exp2(-3), expm1(1e-10), log1p(1e-10));
    float f = 1.0f / 3.0f;
    printf("float 1/3=%.9g sqrtf(2)=%.9g sinf(1)=%.9g powf(1.5,2.5)=%.9g\n", f, sqrtf(2.0f), sinf(1.0f), powf(1.5f, 2.5f));
    volatile double zero = 0.0;
    double inf = 1.0 / zero, nan = zero / zero;
    printf("1/0=%f -1/0=%f 0/0 isnan=%d isinf=%d sqrt(-1) isnan=%d log(0)=%f\n", inf, -1.0 / zero, isnan(nan), isinf(inf), isnan(sqrt(-1.0)), log(0.0));
    printf("DBL_MAX=%g DBL_MIN=%g DBL_EPSILON=%g DBL_MAX*2=%g denormal=%g\n", DBL_MAX, DBL_MIN, DBL_EPSILON, DBL_MAX * 2, DBL_MIN / 1024);
    printf("nextafter(1,2)-1=%g copysign(3,-0.0)=%g signbit(-0.0)=%d fabs(-0.0)=%g\n", nextafter(1.0, 2.0) - 1.0, copysign(3, -0.0), signbit(-0.0) != 0, fabs(-0.0));
    double sum = 0;
    for (int i = 1; i <= 1000000; i++) sum += 1.0 / ((double)i * i);
    printf("basel sum=%.15f pi^2/6=%.15f\n", sum, M_PI * M_PI / 6);
    double r = 1;
    for (int i = 0; i < 60; i++) r = r - (r * r - 2) / (2 * r);
    printf("newton sqrt2=%.17g\n", r);
    int e;
    double m = frexp(48.0, &e);
    printf("frexp(48)=%g*2^%d ldexp(0.75,6)=%g modf: ", m, e, ldexp(0.75, 6));
    double ip, fp = modf(-3.75, &ip);
    printf("%g + %g\n", ip, fp);
    printf("(int)3.99=%d (int)-3.99=%d (long)1e18=%ld (unsigned)-1.0 cast avoided, (int)1e10 sat=%d\n", (int)3.99, (int)-3.99, (long)1e18, (int)(volatile double){1e10});
    feclearexcept(FE_ALL_EXCEPT);
    volatile double q = 1.0 / zero;
    (void)q;
    printf("FE_DIVBYZERO raised: %d, FE_INEXACT raised: %d\n", fetestexcept(FE_DIVBYZERO) != 0, fetestexcept(FE_INEXACT) != 0);
    return 0;
}
