/* Reads one video stream's packets, unpacking and re-timing packed MPEG-4 Part 2. */
#include <stdlib.h>
#include <string.h>

#include <libavcodec/bsf.h>

#include "media/mpeg4_header.h"
#include "media/packet_reader.h"
#include "semio/common.h"

struct SemioPacketReader {
    AVFormatContext *fmt;
    int stream;
    int mpeg4;
    SemioMpeg4Headers headers;
    AVBSFContext *unpack; /* mpeg4_unpack_bframes, once the stream is known to be packed */

    /* Unpacked packets in decode order, waiting to be returned. A reference frame is
     * shown after the B-frames that follow it, so its presentation time is only known
     * when the next reference frame arrives: until then it waits (queue[waiting]), and
     * so does everything behind it. */
    AVPacket **queue;
    int count, cap;
    int waiting;          /* index of the reference frame without a time, or -1 */
    int64_t last_slot;    /* time slot of the last packet (AV_NOPTS_VALUE: none yet) */
    int64_t last_duration;
    int end;              /* the demuxer's end-of-file or error code, once reached */
};

int semio_packet_reader_open(SemioPacketReader **out, AVFormatContext *fmt, int stream)
{
    *out = NULL;
    SemioPacketReader *r = calloc(1, sizeof(*r));
    if (!r)
        return SEMIO_ERR_NOMEM;
    r->fmt = fmt;
    r->stream = stream;
    r->waiting = -1;
    r->last_slot = AV_NOPTS_VALUE;
    const AVCodecParameters *par = fmt->streams[stream]->codecpar;
    r->mpeg4 = par->codec_id == AV_CODEC_ID_MPEG4;
    /* The decoder reads the same headers from extradata before any packet. */
    if (r->mpeg4 && par->extradata)
        semio_mpeg4_scan(&r->headers, par->extradata, (size_t)par->extradata_size);
    *out = r;
    return 0;
}

static void clear_queue(SemioPacketReader *r)
{
    for (int i = 0; i < r->count; i++)
        av_packet_free(&r->queue[i]);
    r->count = 0;
    r->waiting = -1;
}

void semio_packet_reader_close(SemioPacketReader **pr)
{
    SemioPacketReader *r = *pr;
    if (!r)
        return;
    clear_queue(r);
    free(r->queue);
    av_bsf_free(&r->unpack);
    free(r);
    *pr = NULL;
}

void semio_packet_reader_seeked(SemioPacketReader *r)
{
    clear_queue(r);
    if (r->unpack)
        av_bsf_flush(r->unpack); /* a B-frame held back from before the seek */
    r->last_slot = AV_NOPTS_VALUE;
    r->end = 0;
}

const AVCodecParameters *semio_packet_reader_codecpar(const SemioPacketReader *r)
{
    return r->unpack ? r->unpack->par_out : r->fmt->streams[r->stream]->codecpar;
}

/* The next packet of our stream, straight from the demuxer. */
static int demux(SemioPacketReader *r, AVPacket *pkt)
{
    for (;;) {
        int ret = av_read_frame(r->fmt, pkt);
        if (ret < 0 || pkt->stream_index == r->stream)
            return ret;
        av_packet_unref(pkt);
    }
}

static int open_unpack(SemioPacketReader *r)
{
    const AVBitStreamFilter *f = av_bsf_get_by_name("mpeg4_unpack_bframes");
    const AVStream *st = r->fmt->streams[r->stream];
    if (!f)
        return AVERROR_BSF_NOT_FOUND;
    int ret = av_bsf_alloc(f, &r->unpack);
    if (ret < 0)
        return ret;
    if ((ret = avcodec_parameters_copy(r->unpack->par_in, st->codecpar)) >= 0) {
        r->unpack->time_base_in = st->time_base;
        ret = av_bsf_init(r->unpack);
    }
    if (ret < 0)
        av_bsf_free(&r->unpack);
    return ret;
}

/* Appends pkt (moved into the queue). */
static int push(SemioPacketReader *r, AVPacket *pkt)
{
    if (r->count == r->cap) {
        int cap = r->cap ? 2 * r->cap : 8;
        AVPacket **q = realloc(r->queue, (size_t)cap * sizeof(*q));
        if (!q)
            return AVERROR(ENOMEM);
        r->queue = q;
        r->cap = cap;
    }
    AVPacket *own = av_packet_alloc();
    if (!own)
        return AVERROR(ENOMEM);
    av_packet_move_ref(own, pkt);
    r->queue[r->count++] = own;
    return 0;
}

/*
 * Times one unpacked packet the way a container that knows no reordering (AVI) is timed:
 * a B-frame is shown in its own slot, a reference frame in the slot of the next
 * reference frame. The container's own times cannot be kept: they belong to the packed
 * slots, and after unpacking a B-frame sits one packet later than the one it came in.
 */
static int time_unpacked(SemioPacketReader *r, AVPacket *pkt)
{
    SemioMpeg4Headers scratch = r->headers; /* unpacking rewrote the 'p' mark: keep ours */
    SemioVop vop = semio_mpeg4_scan(&scratch, pkt->data, (size_t)pkt->size);
    int64_t slot = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
    if (slot == AV_NOPTS_VALUE)
        slot = r->last_slot != AV_NOPTS_VALUE ? r->last_slot + r->last_duration : 0;
    r->last_slot = slot;
    r->last_duration = pkt->duration > 0 ? pkt->duration : 1;
    pkt->pts = slot;
    if (vop.coded == 0) {
        pkt->flags |= AV_PKT_FLAG_DISCARD;
        return push(r, pkt);
    }
    if (vop.type == SEMIO_VOP_B)
        return push(r, pkt);
    if (r->waiting >= 0)
        r->queue[r->waiting]->pts = slot;
    int ret = push(r, pkt);
    r->waiting = ret < 0 ? -1 : r->count - 1;
    return ret;
}

/* Unpacks one demuxed packet into the queue. */
static int unpack(SemioPacketReader *r, AVPacket *pkt)
{
    int ret;
    if (!r->unpack && (ret = open_unpack(r)) < 0)
        return ret;
    if ((ret = av_bsf_send_packet(r->unpack, pkt)) < 0)
        return ret;
    while ((ret = av_bsf_receive_packet(r->unpack, pkt)) == 0)
        if ((ret = time_unpacked(r, pkt)) < 0)
            return ret;
    return ret == AVERROR(EAGAIN) ? 0 : ret;
}

/* The queue's first packet, into pkt. */
static void pop(SemioPacketReader *r, AVPacket *pkt)
{
    av_packet_move_ref(pkt, r->queue[0]);
    av_packet_free(&r->queue[0]);
    memmove(r->queue, r->queue + 1, (size_t)(r->count - 1) * sizeof(*r->queue));
    r->count--;
    if (r->waiting > 0)
        r->waiting--;
}

int semio_packet_reader_read(SemioPacketReader *r, AVPacket *pkt)
{
    if (!r->mpeg4)
        return demux(r, pkt);
    for (;;) {
        if (r->count && r->waiting != 0) {
            pop(r, pkt);
            return 0;
        }
        if (r->end) {
            if (r->waiting < 0)
                return r->end;
            /* The last reference frame is shown after everything decoded before it. */
            r->queue[r->waiting]->pts = r->last_slot + r->last_duration;
            r->waiting = -1;
            continue;
        }
        int ret = demux(r, pkt);
        if (ret < 0) {
            r->end = ret;
            continue;
        }
        SemioVop vop = semio_mpeg4_scan(&r->headers, pkt->data, (size_t)pkt->size);
        /* Once packed, always unpacked: the filter passes unpacked packets through. */
        if (r->headers.packed || r->unpack) {
            ret = unpack(r, pkt);
            av_packet_unref(pkt);
            if (ret < 0)
                r->end = ret;
            continue;
        }
        if (vop.coded == 0)
            pkt->flags |= AV_PKT_FLAG_DISCARD;
        return 0;
    }
}
