/* Collecting server replies, reading Retry-After, and the waits between attempts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "engine/http.h"

size_t semio_http_on_data(char *ptr, size_t size, size_t n, void *reply)
{
    SemioHttpReply *b = reply;
    size_t add = size * n;
    if (b->len + add + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + add + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return 0; /* libcurl fails the transfer; it is retried */
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, add);
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

size_t semio_http_on_header(char *line, size_t size, size_t n, void *reply)
{
    SemioHttpReply *r = reply;
    size_t len = size * n;
    if (len > 12 && !strncasecmp(line, "Retry-After:", 12)) {
        double d = strtod(line + 12, NULL); /* seconds; an HTTP date reads as 0 */
        r->retry_after = isfinite(d) && d > 0 ? d : 0;
    }
    return len;
}

void semio_http_reply_reset(SemioHttpReply *r)
{
    r->len = 0;
    if (r->data)
        r->data[0] = '\0';
    r->retry_after = 0;
}

double semio_retry_delay(const SemioOpenAISettings *s, int attempt, double retry_after,
                         uint64_t *rng)
{
    double d = s->backoff_s * pow(2, attempt - 1);
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    d *= 0.5 + (double)(*rng >> 11) / 9007199254740992.0; /* jitter: x0.5 .. x1.5 */
    if (retry_after > d)
        d = retry_after; /* the server said when */
    return d < s->max_wait_s ? d : s->max_wait_s;
}

int semio_sleep_unless_stopped(double seconds, const volatile int *stop)
{
    while (seconds > 0) {
        if (stop && *stop)
            return 1;
        double slice = seconds < 0.1 ? seconds : 0.1;
        usleep((useconds_t)(slice * 1e6));
        seconds -= slice;
    }
    return stop && *stop;
}
