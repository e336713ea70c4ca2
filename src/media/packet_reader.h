/*
 * One video stream's packets as the decoder must see them, each stamped with the
 * presentation time of the frame it makes. The frame index and the sampler read through
 * the same reader, so "frame k" means the same picture to both.
 *
 * Most streams pass through as the demuxer gives them. MPEG-4 Part 2 is the exception:
 * DivX-style packed B-frames (a reference frame and a B-frame in one packet, then a
 * placeholder packet) are unpacked with FFmpeg's mpeg4_unpack_bframes filter and
 * re-timed, since the container's timestamps describe the packed slots; and a VOP that is
 * not coded (an N-VOP), which the decoder shows nothing for, is marked
 * AV_PKT_FLAG_DISCARD: it is sent to the decoder but is not a frame.
 */
#ifndef SEMIO_MEDIA_PACKET_READER_H
#define SEMIO_MEDIA_PACKET_READER_H

#include <libavformat/avformat.h>

typedef struct SemioPacketReader SemioPacketReader;

/** Reads stream `stream` of fmt, which the reader borrows. 0 or SEMIO_ERR_NOMEM. */
int semio_packet_reader_open(SemioPacketReader **out, AVFormatContext *fmt, int stream);

void semio_packet_reader_close(SemioPacketReader **r);

/**
 * The stream's next packet into pkt (which the caller unrefs): 0, AVERROR_EOF at the end,
 * or the error that stopped reading (the demuxer's, or unpacking's), once every packet
 * read before it has been returned.
 */
int semio_packet_reader_read(SemioPacketReader *r, AVPacket *pkt);

/** Forgets what was read before fmt was seeked; call after every seek. */
void semio_packet_reader_seeked(SemioPacketReader *r);

/** The parameters to open the decoder with (unpacked ones when the reader unpacks). */
const AVCodecParameters *semio_packet_reader_codecpar(const SemioPacketReader *r);

#endif
