/*
 * dlib behind semio's C interface: the only C++ in semio. dlib's frontal face detector
 * (HOG features and a linear SVM, its weights compiled into the library) and the
 * 68-point shape predictor from Debian's libdlib-data, which also places the landmarks in
 * faces BlazeFace finds. Exceptions stop here.
 */
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>

#include "enhance/face_internal.h"

struct SemioDlib {
    dlib::frontal_face_detector detector;
    dlib::shape_predictor predictor;
    int upsample, turns;
};

static int fail(SemioError *err, int code, const char *what, const char *detail)
{
    if (err) {
        err->code = code;
        std::snprintf(err->message, sizeof(err->message), "%s%s%s", what, detail ? ": " : "",
                      detail ? detail : "");
    }
    return code;
}

extern "C" int semio_dlib_open(SemioDlib **out, const char *predictor, int upsample, int turns,
                               SemioError *err)
{
    *out = nullptr;
    const char *path = predictor ? predictor : SEMIO_DLIB_PREDICTOR;
    SemioDlib *d = new (std::nothrow) SemioDlib;
    if (!d)
        return fail(err, SEMIO_ERR_NOMEM, "out of memory", nullptr);
    try {
        d->detector = dlib::get_frontal_face_detector();
        dlib::deserialize(path) >> d->predictor;
    } catch (const std::exception &e) {
        delete d;
        char what[900];
        std::snprintf(what, sizeof(what), "%.700s: cannot load dlib's 68-point face predictor "
                      "(Debian package libdlib-data)", path);
        return fail(err, SEMIO_ERR_IO, what, e.what());
    }
    d->upsample = upsample < 0 ? 0 : upsample > 2 ? 2 : upsample;
    d->turns = turns;
    *out = d;
    return 0;
}

extern "C" void semio_dlib_close(SemioDlib **d)
{
    delete *d;
    *d = nullptr;
}

/* dlib numbers the 68 points as OpenPose's face does (iBUG 300-W); the pupils follow. */
static void store(const dlib::full_object_detection &shape, const dlib::point_transform_affine &back,
                  double scale, SemioFace *f)
{
    for (unsigned k = 0; k < 68 && k < shape.num_parts(); k++) {
        dlib::dpoint q = back(dlib::dpoint(shape.part(k))) / scale;
        f->points[k] = SemioKeypoint{ (float)q.x(), (float)q.y(), 1.0f };
    }
    for (int e = 0; e < 2; e++) {
        double sx = 0, sy = 0;
        for (int k = 0; k < 6; k++) {
            sx += f->points[36 + 6 * e + k].x / 6;
            sy += f->points[36 + 6 * e + k].y / 6;
        }
        f->points[68 + e] = SemioKeypoint{ (float)sx, (float)sy, 1.0f };
    }
    double x0 = 1e30, y0 = 1e30, x1 = -1e30, y1 = -1e30;
    for (int k = 0; k < 68; k++) {
        x0 = std::fmin(x0, f->points[k].x);
        x1 = std::fmax(x1, f->points[k].x);
        y0 = std::fmin(y0, f->points[k].y);
        y1 = std::fmax(y1, f->points[k].y);
    }
    f->x = x0;
    f->y = y0;
    f->w = x1 - x0;
    f->h = y1 - y0;
}

static void to_dlib(const SemioImage *img, dlib::array2d<dlib::rgb_pixel> &pic)
{
    pic.set_size(img->height, img->width);
    for (int y = 0; y < img->height; y++) {
        const uint8_t *row = img->data + (size_t)y * img->stride;
        for (int x = 0; x < img->width; x++)
            pic[y][x] = dlib::rgb_pixel(row[3 * x], row[3 * x + 1], row[3 * x + 2]);
    }
}

extern "C" int semio_dlib_detect(SemioDlib *d, const SemioImage *img, SemioFace **faces,
                                 size_t *n, SemioError *err)
{
    *faces = nullptr;
    *n = 0;
    try {
        dlib::array2d<dlib::rgb_pixel> pic;
        to_dlib(img, pic);
        double scale = 1;
        for (int i = 0; i < d->upsample; i++) {
            dlib::pyramid_up(pic);
            scale *= 2;
        }
        std::vector<SemioFace> found;
        const double turns[] = { 0, 45, -45, 90, -90 };
        for (int t = 0; t < (d->turns ? 5 : 1); t++) {
            dlib::array2d<dlib::rgb_pixel> turned;
            dlib::point_transform_affine back; /* identity unless turned */
            const dlib::array2d<dlib::rgb_pixel> *search = &pic;
            if (turns[t] != 0) {
                /* rotate_image maps the picture into the turned one: points go back by its inverse */
                back = dlib::inv(dlib::rotate_image(pic, turned, turns[t] * M_PI / 180));
                search = &turned;
            }
            std::vector<dlib::rect_detection> dets;
            d->detector(*search, dets);
            for (const dlib::rect_detection &r : dets) {
                SemioFace f = {};
                f.score = r.detection_confidence;
                f.angle = turns[t];
                store(d->predictor(*search, r.rect), back, scale, &f);
                /* the same face found at another angle: keep the surer one */
                bool dup = false;
                for (SemioFace &g : found)
                    if (std::hypot(g.x + g.w / 2 - f.x - f.w / 2, g.y + g.h / 2 - f.y - f.h / 2) <
                        0.5 * std::fmax(g.w, f.w)) {
                        if (f.score > g.score)
                            g = f;
                        dup = true;
                        break;
                    }
                if (!dup)
                    found.push_back(f);
            }
        }
        if (!found.empty()) {
            *faces = static_cast<SemioFace *>(std::malloc(found.size() * sizeof(SemioFace)));
            if (!*faces)
                return fail(err, SEMIO_ERR_NOMEM, "out of memory", nullptr);
            std::memcpy(*faces, found.data(), found.size() * sizeof(SemioFace));
            *n = found.size();
        }
    } catch (const std::bad_alloc &) {
        return fail(err, SEMIO_ERR_NOMEM, "out of memory", nullptr);
    } catch (const std::exception &e) {
        return fail(err, SEMIO_ERR_DECODE, "dlib face detection failed", e.what());
    }
    return 0;
}

/*
 * The predictor learned on upright faces in the HOG detector's boxes: each face is cut out
 * turned upright by its roll, as a square chip of its box, and its points mapped back.
 */
extern "C" int semio_dlib_landmarks(SemioDlib *d, const SemioImage *img, SemioFace *faces,
                                    size_t n, SemioError *err)
{
    try {
        dlib::array2d<dlib::rgb_pixel> pic, chip;
        to_dlib(img, pic);
        for (size_t i = 0; i < n; i++) {
            SemioFace *f = &faces[i];
            double side = std::fmax(f->w, f->h), cx = f->x + f->w / 2, cy = f->y + f->h / 2;
            dlib::chip_details where(dlib::centered_drect(dlib::dpoint(cx, cy), side, side),
                                     dlib::chip_dims(150, 150), f->angle * M_PI / 180);
            dlib::extract_image_chip(pic, where, chip);
            dlib::full_object_detection shape = d->predictor(chip, dlib::rectangle(0, 0, 149, 149));
            store(shape, dlib::inv(dlib::get_mapping_to_chip(where)), 1, f);
        }
    } catch (const std::bad_alloc &) {
        return fail(err, SEMIO_ERR_NOMEM, "out of memory", nullptr);
    } catch (const std::exception &e) {
        return fail(err, SEMIO_ERR_DECODE, "dlib face landmarks failed", e.what());
    }
    return 0;
}
