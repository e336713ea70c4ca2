#!/usr/bin/python3
"""Python peer for bench_ask: a 60-frame request built the way Python scripts do it.

OpenCV imencode (JPEG quality 90) per frame, base64, and json.dumps of the same message
layout semio sends. Prints the best seconds per request. Uses Debian's python3-opencv.
"""
import base64
import json
import sys
import time

import cv2
import numpy as np


def rate(url, n, threads):
    """Requests per second of a thread pool posting the same small request with urllib."""
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64," + "A" * 800}},
        {"type": "text", "text": "Is it so?"}]}], "temperature": 0}).encode()

    def one(_):
        req = urllib.request.Request(url + "/chat/completions", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            json.loads(r.read())["choices"][0]["message"]["content"]

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as ex:
        list(ex.map(one, range(n)))
    print(f"{n / (time.perf_counter() - start):.1f}")


def main():
    if sys.argv[1] == "rate":
        return rate(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    path, w, h, frames, rounds = sys.argv[1], *map(int, sys.argv[2:6])
    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, h, w, 3)
    cv2.setNumThreads(1)
    best = 1e9
    for _ in range(rounds):
        start = time.perf_counter()
        content = []
        for f in range(frames):
            ok, buf = cv2.imencode(".jpg", raw[f % len(raw)][:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 90])
            content.append({"type": "text", "text": f"Frame at {f // 120:02d}:{f // 2 % 60:02d}.{f % 2 * 5}"})
            content.append({"type": "image_url", "image_url": {
                "url": "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode()}})
        content.append({"type": "text", "text": "Does an arm jerk rhythmically?"})
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": content}],
                           "temperature": 0, "max_tokens": 512})
        best = min(best, time.perf_counter() - start)
        assert body
    print(f"{best:.6f}")


if __name__ == "__main__":
    main()
