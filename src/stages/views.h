/* The views of a window that semio makes and asks about, registered in one place. */
#ifndef SEMIO_STUDY_VIEWS_H
#define SEMIO_STUDY_VIEWS_H

typedef struct SemioViewSpec {
    const char *name;   /* as --view names it, and as answers record it */
    const char *kind;   /* the views table's kind of its files; NULL: none stored */
    unsigned input;     /* the SemioEngineInput it gives an engine */
    int sampled;        /* its pictures are (drawn over) the sampled frames */
} SemioViewSpec;

/** The view called `name`, or NULL. */
const SemioViewSpec *semio_view_find(const char *name);

/** "raw, pose, face, audio, signals": the views an engine can be asked about. */
const char *semio_view_names(void);

/** Whether a view can show a sign of this modality ("video" or "audio"). */
int semio_view_shows(const SemioViewSpec *v, const char *modality);

#endif
