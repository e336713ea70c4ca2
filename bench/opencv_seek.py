#!/usr/bin/python3
"""The OpenCV peer of bench_sample: VideoCapture seeking with CAP_PROP_POS_FRAMES.

Prints "seconds exact_frames peak_rss_kb". Reads the index each test frame carries
(tests/testvideo.c: two rows of 16 blocks on top) to count exact frames.
Run with Debian's /usr/bin/python3, which sees python3-opencv.
"""
import resource
import sys
import time

import cv2
import numpy as np


def read_index(frame):
    h, w = frame.shape[:2]
    band = max(h // 5, 1)
    value = 0
    for i in range(16):
        x = (2 * i + 1) * w // 32
        a = frame[band // 2, x].astype(int)
        b = frame[band + band // 2, x].astype(int)
        la = (a[2] * 299 + a[1] * 587 + a[0] * 114) // 1000
        lb = (b[2] * 299 + b[1] * 587 + b[0] * 114) // 1000
        bit_a = 1 if la > 170 else 0 if la < 85 else -1
        bit_b = 1 if lb > 170 else 0 if lb < 85 else -1
        if bit_a < 0 or bit_b < 0 or bit_a == bit_b:
            return -1
        value = (value << 1) | bit_a
    return value


def main():
    path, total, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    cv2.setNumThreads(2)
    wanted = np.linspace(0, total - 1, n).astype(int)
    start = time.monotonic()
    cap = cv2.VideoCapture(path)
    frames = []
    for k in wanted:
        cap.set(cv2.CAP_PROP_POS_FRAMES, int(k))
        ok, frame = cap.read()
        frames.append((int(k), frame if ok else None))
    cap.release()
    seconds = time.monotonic() - start
    exact = sum(1 for k, f in frames if f is not None and read_index(f) == k)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{seconds:.4f} {exact} {rss}")


if __name__ == "__main__":
    main()
