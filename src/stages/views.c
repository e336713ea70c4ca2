/*
 * The views an engine is asked about: the sampled frames, the enhanced pictures drawn
 * from them, the window's sound, or the measured signals. What each gives an engine
 * decides which engines can take it and which signs it can show.
 */
#include <string.h>

#include "semio/engine.h"
#include "stages/views.h"

static const SemioViewSpec views[] = {
    { "raw", NULL, SEMIO_INPUT_IMAGES, 1 },
    { "pose", "pose", SEMIO_INPUT_IMAGES, 1 },
    { "face", "face", SEMIO_INPUT_IMAGES, 1 },
    { "audio", "audio", SEMIO_INPUT_AUDIO, 0 },
    { "signals", NULL, SEMIO_INPUT_SIGNALS, 0 },
};

const SemioViewSpec *semio_view_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof(views) / sizeof(*views); i++)
        if (!strcmp(views[i].name, name))
            return &views[i];
    return NULL;
}

const char *semio_view_names(void)
{
    return "raw, pose, face, audio, signals";
}

int semio_view_shows(const SemioViewSpec *v, const char *modality)
{
    /* frames cannot show a sound, nor a sound a movement; measured signals hold both */
    if (v->input & SEMIO_INPUT_SIGNALS)
        return 1;
    return !strcmp(modality, "audio") ? (v->input & SEMIO_INPUT_AUDIO) != 0
                                      : (v->input & SEMIO_INPUT_IMAGES) != 0;
}
