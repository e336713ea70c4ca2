/*
 * Fuzzes keypoint files (semio_openpose_read: OpenPose's people[], COCO-WholeBody as
 * Sapiens writes it), then hands what was read to what reads it next: the face box and
 * the choice of the patient.
 */
#include "fuzz.h"
#include "semio/pose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FuzzFile file;
    SemioPerson *people;
    size_t n;
    SemioError err;
    if (semio_openpose_read(fuzz_file(&file, data, size), &people, &n, &err) < 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        double cx, cy, side;
        semio_face_box(&people[i], 0.1f, &cx, &cy, &side);
    }
    SemioPerson *const frames[] = { people, people };
    const size_t counts[] = { n, n };
    int choice[2];
    semio_choose_patient(frames, counts, 2, 640, 360, choice);
    semio_free(people);
    return 0;
}
