/* Seconds on the monotonic clock, for durations and deadlines (never the wall clock). */
#ifndef SEMIO_UTIL_CLOCK_H
#define SEMIO_UTIL_CLOCK_H

#include <time.h>

static inline double semio_monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
