/* The in-process engine's settings: their defaults exist whether or not the engine is built,
 * so the command line fills them alike and a build without it fails only on opening it. */
#include "semio/engine.h"
#include "semio_config.h"

void semio_llamacpp_default_settings(SemioLlamacppSettings *s)
{
    *s = (SemioLlamacppSettings){
        .threads = 1,
        .n_ctx = 8192,
        .max_tokens = 512,
        .share_prefix = 1,
    };
}

#if !SEMIO_HAVE_LLAMACPP
int semio_llamacpp_build_info(char *out, size_t size) /* llamacpp.c's where it is built */
{
    if (size)
        out[0] = '\0';
    return SEMIO_ERR_NOT_BUILT;
}
#endif
