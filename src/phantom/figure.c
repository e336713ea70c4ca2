/*
 * The phantom's figure: a supine patient seen from above the foot of the bed (head at
 * the top of the frame, the patient's right on the image's left), its exact keypoints
 * in OpenPose's BODY_25 and 70-point face layouts, and the picture drawn from those
 * same points with cairo, so what is seen and what is written agree.
 */
#include <math.h>
#include <string.h>

#include <cairo.h>

#include "phantom_internal.h"

void phantom_stage(Stage *st, int width, int height)
{
    st->width = width;
    st->height = height;
    st->unit = height / 13.0;
    st->cx = width / 2.0;
    st->cy = height * 0.62;
}

typedef struct V {
    double x, y;
} V;

static V add(V a, V b, double k)
{
    return (V){ a.x + k * b.x, a.y + k * b.y };
}

static void put(SemioKeypoint *k, V v, double c)
{
    *k = (SemioKeypoint){ (float)v.x, (float)v.y, (float)c };
}

/*
 * The face in its own frame: x to the image's right, y toward the chin, the face
 * spanning x in [-0.9, 0.9]; the 68 points of the iBUG 300-W layout, then the pupils.
 * z is how far a point stands out toward the camera (the nose most).
 */
static void face_template(const Pose *p, double fx[70], double fy[70], double fz[70])
{
    for (int i = 0; i <= 16; i++) { /* jaw, from the right ear round the chin */
        double a = M_PI * i / 16;
        fx[i] = -0.9 * cos(a);
        fy[i] = -0.1 + (1.0 + 0.12 * p->mouth_open * sin(a)) * sin(a);
    }
    for (int k = 0; k < 5; k++) { /* brows */
        fx[17 + k] = -0.75 + 0.15 * k;
        fx[22 + k] = 0.15 + 0.15 * k;
        fy[17 + k] = fy[26 - k] = -0.45 - 0.08 * sin(M_PI * k / 4);
    }
    for (int k = 0; k < 4; k++) { /* nose bridge */
        fx[27 + k] = 0;
        fy[27 + k] = -0.3 + 0.15 * k;
    }
    for (int k = 0; k < 5; k++) { /* nostrils */
        fx[31 + k] = -0.2 + 0.1 * k;
        fy[31 + k] = 0.25 + 0.04 * (k == 2);
    }
    for (int e = 0; e < 2; e++) { /* eyes: outer corner, top x2, inner corner, bottom x2 */
        double cx = e ? 0.42 : -0.42, hh = 0.005 + 0.055 * p->eye_open[e];
        double dir = e ? -1 : 1; /* toward the nose */
        int b = e ? 42 : 36;
        /* dlib starts the left eye at its inner corner: same ring, rotated */
        double ring_x[6] = { cx - 0.18 * dir, cx - 0.06 * dir, cx + 0.06 * dir, cx + 0.18 * dir,
                             cx + 0.06 * dir, cx - 0.06 * dir };
        double ring_y[6] = { 0, -hh, -hh, 0, hh, hh };
        for (int k = 0; k < 6; k++) {
            int j = e ? (k + 3) % 6 : k;
            fx[b + k] = ring_x[j];
            fy[b + k] = -0.25 + ring_y[j];
        }
        fx[68 + e] = cx;
        fy[68 + e] = -0.25;
    }
    /* the mouth: outer ring 48..59 from the right corner, inner ring 60..67 */
    double open = p->mouth_open, pull = p->mouth_pull, tw = p->twitch;
    for (int k = 0; k < 12; k++) {
        double a = M_PI * k / 6; /* 0 right corner, pi left corner */
        fx[48 + k] = -0.35 * cos(a);
        fy[48 + k] = 0.55 + (k < 6 ? -0.08 * sin(a) : -(0.08 + 0.25 * open) * sin(a));
    }
    for (int k = 0; k < 8; k++) {
        double a = M_PI * k / 4;
        fx[60 + k] = -0.28 * cos(a);
        fy[60 + k] = 0.55 + (k < 4 ? -0.02 * sin(a) : -(0.02 + 0.22 * open) * sin(a));
    }
    /* a grimace draws the corners to one side and up; a twitch jerks the left corner */
    for (int k = 48; k <= 67; k++) {
        double side = fx[k] / 0.35; /* -1 right corner .. 1 left corner */
        fx[k] += 0.08 * pull + 0.06 * pull * side * side;
        if (pull * side > 0)
            fy[k] -= 0.07 * fabs(pull) * side * side;
        if (side > 0.3) {
            fx[k] += 0.07 * tw * side;
            fy[k] -= 0.06 * tw * side;
        }
    }
    if (tw > 0) { /* the left cheek and lower eyelid go with it */
        fy[46] -= 0.02 * tw;
        fy[47] -= 0.02 * tw;
        fx[12] += 0.04 * tw;
        fx[13] += 0.04 * tw;
    }
    for (int k = 0; k < 70; k++)
        fz[k] = 0.85 * sqrt(fmax(0, 1 - fx[k] * fx[k] / 0.81)) + (k >= 27 && k <= 35 ? 0.3 : 0);
}

void phantom_patient_points(const Stage *st, const Pose *p, SemioPerson *out)
{
    memset(out, 0, sizeof(*out));
    out->npoints = 25;
    out->nface = 70;
    double u = st->unit;
    V down = { 0, 1 };
    V neck = { st->cx + p->body_x * u, st->cy - 3.0 * u + 0.03 * u * p->breath };
    V pelvis = { st->cx + p->body_x * u, st->cy + p->pelvis * u };
    SemioKeypoint *b = out->body;
    put(&b[SEMIO_NECK], neck, 1);
    put(&b[SEMIO_MIDHIP], pelvis, 1);
    for (int s = 0; s < 2; s++) {
        double sg = s ? 1 : -1; /* the patient's right is the image's left */
        V out_v = { sg, 0 };
        V shoulder = { neck.x + sg * 1.1 * u, neck.y + 0.15 * u };
        double a = p->shoulder[s], e = p->elbow[s];
        V upper = { cos(a) * down.x + sin(a) * out_v.x, cos(a) * down.y + sin(a) * out_v.y };
        V inward = { cos(a) * -out_v.x + sin(a) * down.x, cos(a) * -out_v.y + sin(a) * down.y };
        V fore = { cos(e) * upper.x + sin(e) * inward.x, cos(e) * upper.y + sin(e) * inward.y };
        V elbow = add(shoulder, upper, 1.45 * u), wrist = add(elbow, fore, 1.3 * u);
        int js = s ? SEMIO_LSHOULDER : SEMIO_RSHOULDER;
        put(&b[js], shoulder, 1);
        put(&b[js + 1], elbow, 1);
        put(&b[js + 2], wrist, 1);
        V hip = { pelvis.x + sg * 0.65 * u, pelvis.y };
        double h = p->hip[s], k = p->knee[s];
        V thigh = { sin(h) * sg, cos(h) };
        V knee = add(hip, thigh, 2.0 * u * cos(0.5 * k));
        V shin = { sin(h + 0.3 * k) * sg, cos(h + 0.3 * k) };
        V ankle = add(knee, shin, 1.9 * u);
        int jh = s ? SEMIO_LHIP : SEMIO_RHIP;
        put(&b[jh], hip, 1);
        put(&b[jh + 1], knee, 1);
        put(&b[jh + 2], ankle, 1);
        int toe = s ? SEMIO_LBIGTOE : SEMIO_RBIGTOE;
        put(&b[toe], add(ankle, (V){ -0.12 * sg * u, 0.35 * u }, 1), 1);
        put(&b[toe + 1], add(ankle, (V){ 0.12 * sg * u, 0.3 * u }, 1), 1);
        put(&b[toe + 2], add(ankle, (V){ 0, -0.12 * u }, 1), 1);
    }
    /* the head: face points through yaw (turning) and roll (tilting) */
    V head = { neck.x, neck.y - 1.05 * u };
    double R = 0.62 * u, fx[70], fy[70], fz[70];
    face_template(p, fx, fy, fz);
    double cy = cos(p->head_yaw), sy = sin(p->head_yaw);
    double cr = cos(p->head_roll), sr = sin(p->head_roll);
    for (int k = 0; k < 70; k++) {
        double x = fx[k] * cy + fz[k] * sy, y = fy[k];
        /* points turned away from the camera are seen less surely */
        double c = fx[k] * sy < -0.45 ? 0.5 : 0.95;
        put(&out->face[k], (V){ head.x + R * (x * cr - y * sr), head.y + R * (x * sr + y * cr) }, c);
    }
    out->body[SEMIO_NOSE] = out->face[30];
    V eye_r = { (out->face[36].x + out->face[39].x) / 2, (out->face[36].y + out->face[39].y) / 2 };
    V eye_l = { (out->face[42].x + out->face[45].x) / 2, (out->face[42].y + out->face[45].y) / 2 };
    put(&b[SEMIO_REYE], eye_r, 1);
    put(&b[SEMIO_LEYE], eye_l, 1);
    for (int s = 0; s < 2; s++) {
        double sg = s ? 1 : -1, x = sg * cy * 1.0;
        put(&b[s ? SEMIO_LEAR : SEMIO_REAR],
            (V){ head.x + R * (x * cr + 0.1 * sr), head.y + R * (x * sr - 0.1 * cr) },
            sg * sy < -0.3 ? 0.2 : 0.9);
    }
}

int phantom_nurse_points(const Stage *st, const Episode *e, double t, SemioPerson *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < e->nacts; i++) {
        const Act *a = &e->acts[i];
        if (a->kind != ACT_NURSE || t < a->a || t > a->b)
            continue;
        double u = st->unit, stand = st->cx + 4.4 * u, off = st->width + 2 * u;
        double walk = 1.8, x = t - a->a < walk ? off + (stand - off) * (t - a->a) / walk
                             : a->b - t < walk ? off + (stand - off) * (a->b - t) / walk
                             : stand;
        if (a->side) /* walking through: across the frame and out */
            x = off - (off + 2 * u) * (t - a->a) / (a->b - a->a);
        double top = st->cy - 6.2 * u, step = sin(2 * M_PI * 1.5 * t) * 0.25 * u;
        int moving = x != stand;
        SemioKeypoint *b = out->body;
        out->npoints = 25;
        put(&b[SEMIO_NOSE], (V){ x, top + 0.6 * u }, 0.9);
        put(&b[SEMIO_REYE], (V){ x - 0.2 * u, top + 0.45 * u }, 0.9);
        put(&b[SEMIO_LEYE], (V){ x + 0.2 * u, top + 0.45 * u }, 0.9);
        put(&b[SEMIO_REAR], (V){ x - 0.45 * u, top + 0.5 * u }, 0.7);
        put(&b[SEMIO_LEAR], (V){ x + 0.45 * u, top + 0.5 * u }, 0.7);
        put(&b[SEMIO_NECK], (V){ x, top + 1.3 * u }, 0.95);
        put(&b[SEMIO_MIDHIP], (V){ x, top + 4.3 * u }, 0.9);
        for (int s = 0; s < 2; s++) {
            double sg = s ? 1 : -1, swing = moving ? sg * step : 0;
            int js = s ? SEMIO_LSHOULDER : SEMIO_RSHOULDER, jh = s ? SEMIO_LHIP : SEMIO_RHIP;
            put(&b[js], (V){ x + sg * 1.0 * u, top + 1.45 * u }, 0.9);
            put(&b[js + 1], (V){ x + sg * 1.2 * u + swing, top + 2.9 * u }, 0.85);
            put(&b[js + 2], (V){ x + sg * 1.25 * u + 1.5 * swing, top + 4.2 * u }, 0.8);
            put(&b[jh], (V){ x + sg * 0.55 * u, top + 4.3 * u }, 0.9);
            put(&b[jh + 1], (V){ x + sg * 0.6 * u - swing, top + 6.0 * u }, 0.8);
            put(&b[jh + 2], (V){ x + sg * 0.6 * u - 1.5 * swing, top + 7.7 * u }, 0.7);
        }
        return 1;
    }
    return 0;
}

/* ---- drawing ---------------------------------------------------------------- */

static void line(cairo_t *cr, const SemioKeypoint *a, const SemioKeypoint *b, double w)
{
    cairo_set_line_width(cr, w);
    cairo_move_to(cr, a->x, a->y);
    cairo_line_to(cr, b->x, b->y);
    cairo_stroke(cr);
}

static void polygon(cairo_t *cr, const SemioKeypoint *p, int from, int to)
{
    cairo_move_to(cr, p[from].x, p[from].y);
    for (int k = from + 1; k <= to; k++)
        cairo_line_to(cr, p[k].x, p[k].y);
    cairo_close_path(cr);
}

static void rgb(cairo_t *cr, unsigned hex)
{
    cairo_set_source_rgb(cr, (hex >> 16 & 255) / 255.0, (hex >> 8 & 255) / 255.0,
                         (hex & 255) / 255.0);
}

/* A filled ellipse centred at (cx, cy) with radii rx, ry. */
static void ellipse(cairo_t *cr, double cx, double cy, double rx, double ry)
{
    cairo_save(cr);
    cairo_translate(cr, cx, cy);
    cairo_scale(cr, rx, ry);
    cairo_arc(cr, 0, 0, 1, 0, 2 * M_PI);
    cairo_restore(cr);
    cairo_fill(cr);
}

static void draw_face(cairo_t *cr, const SemioPerson *p, double u, double yaw)
{
    const SemioKeypoint *f = p->face;
    double hx = (f[0].x + f[16].x) / 2, hy = f[27].y + 0.1 * u, R = 0.62 * u;
    rgb(cr, 0x3b2a20); /* hair, behind */
    ellipse(cr, hx, hy - 0.25 * R, 1.05 * R, 1.0 * R);
    rgb(cr, 0xe0b896); /* skin: the jaw line closed over the forehead */
    polygon(cr, f, 0, 16);
    cairo_curve_to(cr, f[16].x, f[16].y - 0.7 * R, f[0].x, f[0].y - 0.7 * R, f[0].x, f[0].y);
    cairo_fill(cr);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    rgb(cr, 0x4a3222);
    for (int k = 17; k < 26; k++)
        if (k != 21)
            line(cr, &f[k], &f[k + 1], 0.07 * u);
    for (int e = 0; e < 2; e++) {
        int b = e ? 42 : 36;
        rgb(cr, 0xf4f1ea);
        polygon(cr, f, b, b + 5);
        cairo_fill_preserve(cr);
        cairo_save(cr);
        cairo_clip(cr);
        rgb(cr, 0x3d5a80);
        cairo_arc(cr, f[68 + e].x + 0.04 * u * sin(yaw), f[68 + e].y, 0.075 * u, 0, 2 * M_PI);
        cairo_fill(cr);
        cairo_restore(cr);
        rgb(cr, 0x6b4a36);
        polygon(cr, f, b, b + 5);
        cairo_set_line_width(cr, 0.025 * u);
        cairo_stroke(cr);
    }
    rgb(cr, 0xb88a6c);
    for (int k = 27; k < 30; k++)
        line(cr, &f[k], &f[k + 1], 0.04 * u);
    for (int k = 31; k < 35; k++)
        line(cr, &f[k], &f[k + 1], 0.04 * u);
    rgb(cr, 0xa4453f);
    polygon(cr, f, 48, 59);
    cairo_fill(cr);
    rgb(cr, 0x2a0f0f);
    polygon(cr, f, 60, 67);
    cairo_fill(cr);
}

static void draw_person(cairo_t *cr, const SemioPerson *p, double u, unsigned clothes,
                        unsigned skin, int legs)
{
    const SemioKeypoint *b = p->body;
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    if (legs) {
        rgb(cr, clothes);
        for (int s = 0; s < 2; s++) {
            int h = s ? SEMIO_LHIP : SEMIO_RHIP;
            line(cr, &b[h], &b[h + 1], 0.75 * u);
            line(cr, &b[h + 1], &b[h + 2], 0.6 * u);
        }
        rgb(cr, skin);
        for (int s = 0; s < 2; s++) {
            int a = s ? SEMIO_LANKLE : SEMIO_RANKLE, t = s ? SEMIO_LBIGTOE : SEMIO_RBIGTOE;
            if (b[t].c > 0)
                line(cr, &b[a], &b[t], 0.35 * u);
        }
    }
    rgb(cr, clothes); /* the torso: shoulders to hips */
    cairo_move_to(cr, b[SEMIO_RSHOULDER].x, b[SEMIO_RSHOULDER].y);
    cairo_line_to(cr, b[SEMIO_LSHOULDER].x, b[SEMIO_LSHOULDER].y);
    cairo_line_to(cr, b[SEMIO_LHIP].x + 0.15 * u, b[SEMIO_LHIP].y + 0.3 * u);
    cairo_line_to(cr, b[SEMIO_RHIP].x - 0.15 * u, b[SEMIO_RHIP].y + 0.3 * u);
    cairo_close_path(cr);
    cairo_fill_preserve(cr);
    cairo_set_line_width(cr, 0.5 * u);
    cairo_stroke(cr);
    for (int s = 0; s < 2; s++) {
        int j = s ? SEMIO_LSHOULDER : SEMIO_RSHOULDER;
        rgb(cr, clothes);
        line(cr, &b[j], &b[j + 1], 0.5 * u);
        rgb(cr, skin);
        line(cr, &b[j + 1], &b[j + 2], 0.38 * u);
        cairo_arc(cr, b[j + 2].x, b[j + 2].y, 0.26 * u, 0, 2 * M_PI);
        cairo_fill(cr);
    }
    line(cr, &b[SEMIO_NECK], &b[SEMIO_NOSE], 0.45 * u);
}

int phantom_draw(const Stage *st, const Episode *e, const SemioPerson *patient,
                 const SemioPerson *nurse, uint8_t *pixels, int stride)
{
    cairo_surface_t *surf = cairo_image_surface_create_for_data(pixels, CAIRO_FORMAT_RGB24,
                                                                st->width, st->height, stride);
    cairo_t *cr = cairo_create(surf);
    double u = st->unit, cx = st->cx, cy = st->cy;
    rgb(cr, 0x8c8a84); /* the floor */
    cairo_paint(cr);
    rgb(cr, 0x2b2f33); /* a monitor on the wall */
    cairo_rectangle(cr, u * 0.6, u * 0.6, 3.2 * u, 2.2 * u);
    cairo_fill(cr);
    rgb(cr, 0x49c46a);
    cairo_set_line_width(cr, 0.06 * u);
    cairo_move_to(cr, 0.8 * u, 1.7 * u);
    for (int k = 1; k <= 28; k++)
        cairo_line_to(cr, 0.8 * u + k * 0.1 * u, 1.7 * u - (k % 7 == 3 ? 0.6 * u : 0));
    cairo_stroke(cr);
    rgb(cr, 0x6e747a); /* the bed frame, then the sheet */
    cairo_rectangle(cr, cx - 3.9 * u, cy - 6.2 * u, 7.8 * u, 14 * u);
    cairo_fill(cr);
    rgb(cr, 0xe9e7e1);
    cairo_rectangle(cr, cx - 3.6 * u, cy - 5.9 * u, 7.2 * u, 14 * u);
    cairo_fill(cr);
    rgb(cr, 0xf7f7f4); /* the pillow */
    ellipse(cr, cx, cy - 4.1 * u, 1.7 * u, 0.9 * u);
    draw_person(cr, patient, u, 0x9fc3d8, 0xe0b896, 1);
    if (e->blanket) { /* a blanket over the legs, with folds */
        double top = patient->body[SEMIO_MIDHIP].y + 0.9 * u;
        rgb(cr, 0x7d6fa8);
        cairo_rectangle(cr, cx - 3.4 * u, top, 6.8 * u, st->height - top);
        cairo_fill(cr);
        rgb(cr, 0x6a5d93);
        cairo_set_line_width(cr, 0.08 * u);
        for (int k = 1; k < 5; k++) {
            cairo_move_to(cr, cx - 3.4 * u + k * 1.36 * u, top);
            cairo_curve_to(cr, cx - 3.0 * u + k * 1.36 * u, top + 2 * u,
                           cx - 3.6 * u + k * 1.36 * u, top + 4 * u,
                           cx - 3.3 * u + k * 1.36 * u, st->height);
            cairo_stroke(cr);
        }
    }
    /* the face from its points, under a slight shade where the head turns away */
    draw_face(cr, patient, u, atan2(patient->face[30].x - (patient->face[0].x + patient->face[16].x) / 2,
                                    0.5 * u));
    if (nurse && nurse->npoints) {
        draw_person(cr, nurse, u, 0x5fa08a, 0xc99a78, 1);
        rgb(cr, 0xc99a78);
        cairo_arc(cr, nurse->body[SEMIO_NOSE].x, nurse->body[SEMIO_NOSE].y - 0.2 * u, 0.6 * u,
                  0, 2 * M_PI);
        cairo_fill(cr);
        rgb(cr, 0x5fa08a); /* her cap */
        cairo_arc(cr, nurse->body[SEMIO_NOSE].x, nurse->body[SEMIO_NOSE].y - 0.45 * u, 0.55 * u,
                  M_PI, 2 * M_PI);
        cairo_fill(cr);
    }
    cairo_destroy(cr);
    cairo_surface_flush(surf);
    int bad = cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS;
    cairo_surface_destroy(surf);
    return bad ? -1 : 0;
}
