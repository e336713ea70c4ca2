/* semio: everything in one include. */
#ifndef SEMIO_SEMIO_H
#define SEMIO_SEMIO_H

#include "semio/answer.h"
#include "semio/audio.h"
#include "semio/clip.h"
#include "semio/common.h"
#include "semio/engine.h"
#include "semio/eval.h"
#include "semio/face.h"
#include "semio/image.h"
#include "semio/kinematic.h"
#include "semio/learn.h"
#include "semio/phantom.h"
#include "semio/pose.h"
#include "semio/probe.h"
#include "semio/report.h"
#include "semio/review.h"
#include "semio/sampler.h"
#include "semio/signs.h"
#include "semio/search.h"
#include "semio/stages.h"
#include "semio/study.h"
#include "semio/writer.h"

#endif
