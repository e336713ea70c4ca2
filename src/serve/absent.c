/* semio serve where libmicrohttpd was not there to build it: each entry point says so. */
#include "semio/review.h"
#include "util/error.h"

int semio_serve_start(SemioServer **out, const char *study_path, const SemioServeSettings *set,
                      SemioError *err)
{
    *out = NULL;
    return semio_fail_not_built(err, "serve");
}

const char *semio_serve_url(const SemioServer *srv)
{
    return "";
}

void semio_serve_stop(SemioServer **srv)
{
}
