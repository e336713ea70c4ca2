/* Builds the presentation-order frame index of one video stream from its packets. */
#include <stdlib.h>
#include <string.h>

#include "media/demux.h"
#include "media/frame_index.h"
#include "util/error.h"

typedef struct Growable {
    void *data;
    int64_t count, cap;
    size_t elem;
} Growable;

static int grow_push(Growable *g, const void *item)
{
    if (g->count == g->cap) {
        int64_t cap = g->cap ? g->cap * 2 : 1024;
        void *p = realloc(g->data, (size_t)cap * g->elem);
        if (!p)
            return SEMIO_ERR_NOMEM;
        g->data = p;
        g->cap = cap;
    }
    memcpy((char *)g->data + (size_t)g->count * g->elem, item, g->elem);
    g->count++;
    return 0;
}

/*
 * The size a JPEG picture declares in its frame header (SOFn), or 0 x 0. An MJPEG stream's
 * container states a size of its own, which the decoder ignores: frames that claim more
 * than FFmpeg decodes are only refused picture by picture, as "invalid data".
 */
static void jpeg_size(const uint8_t *p, size_t n, int64_t *w, int64_t *h)
{
    *w = *h = 0;
    if (n < 4 || p[0] != 0xff || p[1] != 0xd8)
        return;
    for (size_t i = 2; i + 9 <= n && p[i] == 0xff;) {
        uint8_t m = p[i + 1];
        if (m == 0xff) { /* fill byte */
            i++;
        } else if (m == 0x01 || (m >= 0xd0 && m <= 0xd7)) { /* markers without a length */
            i += 2;
        } else if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
            *h = p[i + 5] << 8 | p[i + 6];
            *w = p[i + 7] << 8 | p[i + 8];
            return;
        } else if (m == 0xda || m == 0xd9) { /* the scan, or the end, before a frame header */
            return;
        } else {
            i += 2 + (size_t)(p[i + 2] << 8 | p[i + 3]);
        }
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_key(const void *a, const void *b)
{
    return cmp_i64(&((const SemioKeyframe *)a)->pts, &((const SemioKeyframe *)b)->pts);
}

int semio_frame_index_build(SemioFrameIndex *idx, AVFormatContext *fmt, int stream,
                            SemioPacketReader *packets, const char *path, SemioError *err)
{
    memset(idx, 0, sizeof(*idx));
    idx->time_base = fmt->streams[stream]->time_base;
    idx->first_dts = AV_NOPTS_VALUE;
    Growable pts = { .elem = sizeof(int64_t) }, keys = { .elem = sizeof(SemioKeyframe) };
    AVPacket *pkt = av_packet_alloc();
    int ret = 0, no_pts = 0;
    int64_t last_dts = AV_NOPTS_VALUE;
    if (!pkt)
        return semio_fail(err, SEMIO_ERR_NOMEM, "%s: out of memory", path);

    for (;;) {
        int r = semio_packet_reader_read(packets, pkt);
        if (r == AVERROR_EOF)
            break;
        if (r < 0) {
            idx->truncated = 1;
            snprintf(idx->read_error, sizeof(idx->read_error), "%s", SEMIO_AVERR(r));
            break;
        }
        if (idx->first_dts == AV_NOPTS_VALUE)
            idx->first_dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
        /* A discarded packet keeps the decoder's state but shows nothing: not a frame. */
        if (pkt->size == 0 || (pkt->flags & AV_PKT_FLAG_DISCARD)) {
            av_packet_unref(pkt);
            continue;
        }
        if (pkt->flags & AV_PKT_FLAG_CORRUPT)
            idx->corrupt_packets++;
        if (pts.count == 0 && fmt->streams[stream]->codecpar->codec_id == AV_CODEC_ID_MJPEG) {
            int64_t w, h;
            jpeg_size(pkt->data, (size_t)pkt->size, &w, &h);
            if ((ret = semio_demux_check_size(path, w, h, err)) < 0)
                break;
        }
        int64_t t = pkt->pts;
        if (t == AV_NOPTS_VALUE) {
            /* Without reordering, decode order is presentation order. */
            no_pts++;
            t = pkt->dts != AV_NOPTS_VALUE ? pkt->dts
                : last_dts != AV_NOPTS_VALUE ? last_dts + 1 : 0;
        }
        last_dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : t;
        if ((ret = grow_push(&pts, &t)) < 0)
            break;
        if (pkt->flags & AV_PKT_FLAG_KEY) {
            SemioKeyframe k = { .pts = t, .dts = pkt->dts, .index = -1 };
            if ((ret = grow_push(&keys, &k)) < 0)
                break;
        }
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    if (ret < 0) {
        free(pts.data);
        free(keys.data);
        return ret == SEMIO_ERR_NOMEM
                   ? semio_fail(err, ret, "%s: out of memory while indexing frames", path)
                   : ret;
    }
    if (no_pts && fmt->streams[stream]->codecpar->video_delay > 0) {
        free(pts.data);
        free(keys.data);
        return semio_fail(err, SEMIO_ERR_FORMAT,
                          "%s: %d video packets carry no presentation timestamp and the stream "
                          "reorders frames, so frame order cannot be known exactly",
                          path, no_pts);
    }

    idx->pts = pts.data;
    idx->count = pts.count;
    idx->keys = keys.data;
    idx->nkeys = keys.count;
    if (idx->count > 1) /* a stream without packets leaves both NULL */
        qsort(idx->pts, (size_t)idx->count, sizeof(int64_t), cmp_i64);
    if (idx->nkeys > 1)
        qsort(idx->keys, (size_t)idx->nkeys, sizeof(SemioKeyframe), cmp_key);
    for (int64_t i = 0; i < idx->nkeys; i++)
        idx->keys[i].index = semio_frame_index_find(idx, idx->keys[i].pts);
    idx->start_pts = idx->count ? idx->pts[0] : 0;
    return 0;
}

void semio_frame_index_free(SemioFrameIndex *idx)
{
    free(idx->pts);
    free(idx->keys);
    memset(idx, 0, sizeof(*idx));
}

int64_t semio_frame_index_find(const SemioFrameIndex *idx, int64_t pts)
{
    int64_t lo = 0, hi = idx->count - 1;
    while (lo <= hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (idx->pts[mid] == pts)
            return mid;
        if (idx->pts[mid] < pts)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

double semio_frame_index_time(const SemioFrameIndex *idx, int64_t k)
{
    if (k < 0 || k >= idx->count)
        return -1.0;
    return (double)(idx->pts[k] - idx->start_pts) * av_q2d(idx->time_base);
}

int64_t semio_frame_index_at(const SemioFrameIndex *idx, double seconds)
{
    int64_t lo = 0, hi = idx->count;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        /* A nanosecond of slack so that t = k/fps lands on frame k despite rounding. */
        if (semio_frame_index_time(idx, mid) < seconds - 1e-9)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const SemioKeyframe *semio_frame_index_key_before(const SemioFrameIndex *idx, int64_t k)
{
    const SemioKeyframe *best = NULL;
    int64_t lo = 0, hi = idx->nkeys - 1;
    while (lo <= hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (idx->keys[mid].index <= k && idx->keys[mid].index >= 0) {
            best = &idx->keys[mid];
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return best;
}
