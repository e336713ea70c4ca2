/*
 * Motion features from pixels alone: frames decoded at a fixed rate by the project's
 * sampler, made grey and small with libswscale, and the mean absolute difference between
 * consecutive frames in each cell of a grid: how much moves, where, and at what rhythm.
 * Works where no pose estimator sees the patient (a blanket, a dark room).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libswscale/swscale.h>

#include "learn/features.h"
#include "learn/spectrum.h"
#include "semio/sampler.h"
#include "util/error.h"
#include "util/series.h"

#define STATS(name, what) \
    { name "_mean", "mean frame-difference energy of " what ", 0-1 of full scale" }, \
    { name "_p90", "90th percentile of the frame-difference energy of " what }, \
    { name "_pow_05to3hz", "share of the power of " what "'s energy over time in 0.5-3 Hz (of 0.5 Hz to Nyquist)" }, \
    { name "_pow_3to6hz", "share of that power in 3-6 Hz up to Nyquist (NaN when fps <= 6)" }
#define CELL(rc) STATS("cell" rc, "grid cell " rc " (row, column from the top left)")

/* The default 4 x 4 grid's names; another grid names its cells the same way. */
static const SemioFeatureDoc docs[] = {
    STATS("all", "the whole picture"),
    CELL("00"), CELL("01"), CELL("02"), CELL("03"), CELL("10"), CELL("11"), CELL("12"), CELL("13"),
    CELL("20"), CELL("21"), CELL("22"), CELL("23"), CELL("30"), CELL("31"), CELL("32"), CELL("33"),
};

const SemioFeatureDoc *learn_motion_docs(size_t *n)
{
    *n = sizeof(docs) / sizeof(docs[0]);
    return docs;
}

size_t learn_motion_count(int grid)
{
    return 4 * (1 + (size_t)grid * (size_t)grid);
}

void learn_motion_name(size_t i, int grid, char *out, size_t size)
{
    static const char *stat[4] = { "mean", "p90", "pow_05to3hz", "pow_3to6hz" };
    size_t cell = i / 4;
    if (cell == 0)
        snprintf(out, size, "all_%s", stat[i % 4]);
    else
        snprintf(out, size, "cell%d%d_%s", (int)(cell - 1) / grid, (int)(cell - 1) % grid,
                 stat[i % 4]);
}

void semio_motion_default_settings(SemioMotionSettings *s)
{
    *s = (SemioMotionSettings){ .fps = 10, .grid = 4, .max_side = 160 };
}

/* What the sampler's callback builds: each step's energy per cell, the whole picture first. */
typedef struct Motion {
    const SemioMotionSettings *m;
    struct SwsContext *sws;
    int gw, gh;             /* the grey picture's size */
    uint8_t *grey, *prev;   /* this frame and the last one decoded */
    int have_prev;
    size_t steps, cap;      /* energy[c * cap + t] */
    double *energy;
} Motion;

static void cell_energy(Motion *mo, double *e)
{
    int g = mo->m->grid;
    double sum[1 + 64] = { 0 }, count[1 + 64] = { 0 };
    for (int y = 0; y < mo->gh; y++)
        for (int x = 0; x < mo->gw; x++) {
            int c = 1 + (y * g / mo->gh) * g + x * g / mo->gw;
            double d = abs(mo->grey[y * mo->gw + x] - mo->prev[y * mo->gw + x]) / 255.0;
            sum[c] += d;
            count[c]++;
            sum[0] += d;
            count[0]++;
        }
    for (int c = 0; c <= g * g; c++)
        e[c] = count[c] ? sum[c] / count[c] : NAN;
}

static int on_frame(void *user, const SemioFrame *f)
{
    Motion *mo = user;
    size_t nc = 1 + (size_t)mo->m->grid * (size_t)mo->m->grid;
    if (f->error) { /* a damaged frame breaks the chain: that step is a gap, filled later */
        mo->have_prev = 0;
        for (size_t c = 0; c < nc && mo->steps < mo->cap; c++)
            mo->energy[c * mo->cap + mo->steps] = NAN;
        mo->steps += mo->steps < mo->cap;
        return 0;
    }
    if (!mo->sws) {
        double k = fmin(1, (double)mo->m->max_side / fmax(f->width, f->height));
        mo->gw = (int)fmax(mo->m->grid, lround(f->width * k));
        mo->gh = (int)fmax(mo->m->grid, lround(f->height * k));
        mo->grey = malloc((size_t)mo->gw * mo->gh + 64);
        mo->prev = malloc((size_t)mo->gw * mo->gh + 64);
        mo->sws = sws_getContext(f->width, f->height, AV_PIX_FMT_RGB24, mo->gw, mo->gh,
                                 AV_PIX_FMT_GRAY8, SWS_AREA, NULL, NULL, NULL);
        if (!mo->grey || !mo->prev || !mo->sws)
            return SEMIO_ERR_NOMEM;
    }
    const uint8_t *in[4] = { f->rgb };
    int in_stride[4] = { f->stride }, out_stride[4] = { mo->gw };
    uint8_t *out[4] = { mo->grey };
    sws_scale(mo->sws, in, in_stride, 0, f->height, out, out_stride);
    if (mo->have_prev && mo->steps < mo->cap) {
        double e[1 + 64];
        cell_energy(mo, e);
        for (size_t c = 0; c < nc; c++)
            mo->energy[c * mo->cap + mo->steps] = e[c];
        mo->steps++;
    }
    uint8_t *t = mo->prev;
    mo->prev = mo->grey;
    mo->grey = t;
    mo->have_prev = 1;
    return 0;
}

/* The frames at m->fps in [start, end): strictly increasing indices into *out. */
static size_t pick_frames(const SemioSampler *sa, double start, double end, double fps,
                          int64_t *out, size_t cap)
{
    size_t n = 0;
    int64_t count = semio_sampler_frame_count(sa);
    for (size_t i = 0; i < cap; i++) {
        double t = start + (double)i / fps;
        if (t >= end)
            break;
        int64_t k = semio_sampler_frame_at(sa, t);
        if (k >= count || semio_sampler_frame_time(sa, k) >= end)
            break;
        if (!n || k > out[n - 1])
            out[n++] = k;
    }
    return n;
}

/* Each series' statistics into out (4 per series, the whole picture first). */
static int summarize(Motion *mo, double fps, double *out)
{
    static const double bands[2][2] = { { 0.5, 3 }, { 3, 6 } };
    size_t nc = 1 + (size_t)mo->m->grid * (size_t)mo->m->grid;
    for (size_t c = 0; c < nc; c++) {
        double *e = mo->energy + c * mo->cap, p[3], *o = out + 4 * c;
        if (mo->steps < 2 || !semio_fill_gaps(e, mo->steps))
            continue;
        double sum = 0;
        for (size_t t = 0; t < mo->steps; t++)
            sum += e[t];
        o[0] = sum / (double)mo->steps;
        learn_percentiles(e, mo->steps, p);
        o[1] = p[2];
        if (learn_series_bands(e, mo->steps, fps, bands, 2, o + 2) < 0)
            return -1;
    }
    return 0;
}

/* The recording last read, kept open: the windows of one recording come in a row, and
 * opening indexes every packet of the file again. */
struct LearnMotion {
    SemioSampler *sa;
    char *path;
};

void learn_motion_close(LearnMotion *lm)
{
    if (!lm)
        return;
    semio_sampler_close(&lm->sa);
    free(lm->path);
    free(lm);
}

static int sampler_for(LearnMotion *lm, const char *path, const SemioMotionSettings *m,
                       SemioError *err)
{
    if (lm->sa && !strcmp(lm->path, path))
        return 0;
    semio_sampler_close(&lm->sa);
    free(lm->path);
    lm->path = NULL;
    SemioSamplerSettings ss;
    semio_sampler_default_settings(&ss);
    ss.threads = 1; /* the stage's segments share the machine; one decoder thread each */
    ss.max_pixels = 4LL * m->max_side * m->max_side; /* swscale's area filter does the rest */
    int r = semio_sampler_open(&lm->sa, path, &ss, err);
    if (r == 0 && !(lm->path = strdup(path))) {
        semio_sampler_close(&lm->sa);
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    }
    return r;
}

int learn_motion_compute(LearnMotion *lm, const char *path, double start, double end,
                         const SemioMotionSettings *m, double *out, SemioError *err)
{
    if (!(m->fps > 0) || m->grid < 1 || m->grid > 8 || m->max_side < 8)
        return semio_fail(err, SEMIO_ERR_INVALID, "motion: fps must be positive, the grid "
                          "1 to 8 cells a side and the frames at least 8 pixels a side");
    size_t nout = learn_motion_count(m->grid);
    for (size_t i = 0; i < nout; i++)
        out[i] = NAN;
    int r = sampler_for(lm, path, m, err);
    if (r < 0)
        return r;
    size_t cap = (size_t)ceil(fmax(0, end - start) * m->fps) + 1;
    int64_t *idx = malloc(cap * sizeof(int64_t));
    size_t nc = 1 + (size_t)m->grid * (size_t)m->grid;
    Motion mo = { .m = m, .cap = cap, .energy = malloc(nc * cap * sizeof(double)) };
    if (!idx || !mo.energy)
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    size_t n = r == 0 ? pick_frames(lm->sa, start, end, m->fps, idx, cap) : 0;
    if (r == 0 && n >= 3)
        r = semio_sampler_read(lm->sa, idx, n, on_frame, &mo, err);
    if (r == SEMIO_ERR_NOMEM)
        r = semio_fail(err, r, "out of memory");
    if (r == 0 && summarize(&mo, m->fps, out) < 0)
        r = semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
    sws_freeContext(mo.sws);
    free(mo.grey);
    free(mo.prev);
    free(mo.energy);
    free(idx);
    if (r < 0) { /* a sampler that failed once is opened afresh for the next window */
        semio_sampler_close(&lm->sa);
    }
    return r;
}

int learn_motion_open(LearnMotion **out, SemioError *err)
{
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : semio_fail(err, SEMIO_ERR_NOMEM, "out of memory");
}

int semio_features_motion(const char *path, double start, double end,
                          const SemioMotionSettings *m, double *out, SemioError *err)
{
    LearnMotion *lm;
    int r = learn_motion_open(&lm, err);
    if (r == 0)
        r = learn_motion_compute(lm, path, start, end, m, out, err);
    learn_motion_close(lm);
    return r;
}
