/* mkclip OUT FRAMES WIDTH HEIGHT: an index-coded test recording for the shell tests. */
#include <stdio.h>
#include <stdlib.h>

#include <libavutil/log.h>

#include "testvideo.h"

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: mkclip OUT FRAMES WIDTH HEIGHT\n");
        return 2;
    }
    av_log_set_level(AV_LOG_QUIET);
    SemioWriterSettings s;
    semio_writer_default_settings(&s);
    s.width = atoi(argv[3]);
    s.height = atoi(argv[4]);
    s.gop = 30;
    s.bframes = 2;
    s.preset = "ultrafast";
    s.audio_rate = 16000;
    return testvideo_make(argv[1], &s, atoll(argv[2])) ? 1 : 0;
}
