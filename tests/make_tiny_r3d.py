#!/usr/bin/python3
"""A tiny random 3-D convolutional network in ONNX for tests/test_onnx.c, and its output
computed by numpy, the reference semio's embedding is checked against.

    make_tiny_r3d.py model OUT.onnx [SEED]      input [1,3,4,32,32] (NCTHW), output [1,4]
    make_tiny_r3d.py ntchw OUT.onnx [SEED]      the same network taking [1,4,3,32,32]
    make_tiny_r3d.py dynamic OUT.onnx [SEED]    the same, every dimension of its output free
    make_tiny_r3d.py bad-rank OUT.onnx [SEED]   a 2-D convolution: input [1,3,32,32]
    make_tiny_r3d.py reference IN.f32 [SEED]    the network's output on a float32 NCTHW
                                                tensor (raw, little-endian), one per line

The network: Conv (3 -> 4 channels, kernel 3x3x3, no padding) -> Relu ->
GlobalAveragePool -> Flatten, weights and bias drawn from numpy's generator with SEED
(default 1). Needs Debian's python3-onnx and python3-numpy; no torch.
"""
import sys

import numpy as np

T, SIZE, OUT = 4, 32, 4


def weights(seed):
    rng = np.random.default_rng(seed)
    w = rng.normal(0, 0.2, (OUT, 3, 3, 3, 3)).astype(np.float32)
    b = rng.normal(0, 0.1, OUT).astype(np.float32)
    return w, b


def model(kind, seed):
    from onnx import TensorProto, helper, numpy_helper
    w, b = weights(seed)
    nodes, shape = [], [1, 3, T, SIZE, SIZE]
    x = 'clip'
    if kind == 'ntchw':
        shape = [1, T, 3, SIZE, SIZE]
        nodes.append(helper.make_node('Transpose', [x], ['ncthw'], perm=[0, 2, 1, 3, 4]))
        x = 'ncthw'
    if kind == 'bad-rank':
        shape = [1, 3, SIZE, SIZE]
        w = w[:, :, 0]
    nodes += [
        helper.make_node('Conv', [x, 'w', 'b'], ['conv']),
        helper.make_node('Relu', ['conv'], ['relu']),
        helper.make_node('GlobalAveragePool', ['relu'], ['pool']),
        helper.make_node('Flatten', ['pool'], ['embedding']),
    ]
    out_shape = ['n', 'd'] if kind == 'dynamic' else [1, OUT]
    graph = helper.make_graph(
        nodes, 'tiny_r3d',
        [helper.make_tensor_value_info('clip', TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info('embedding', TensorProto.FLOAT, out_shape)],
        [numpy_helper.from_array(w, 'w'), numpy_helper.from_array(b, 'b')])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
    m.ir_version = 8
    return m


def reference(x, seed):
    """Conv3d (valid) -> ReLU -> mean over T, H, W, in float64."""
    w, b = (a.astype(np.float64) for a in weights(seed))
    x = x.astype(np.float64).reshape(3, T, SIZE, SIZE)
    t, h = T - 2, SIZE - 2
    y = np.zeros((OUT, t, h, h)) + b[:, None, None, None]
    for dt in range(3):
        for dy in range(3):
            for dx in range(3):
                y += np.einsum('oc,cthw->othw', w[:, :, dt, dy, dx],
                               x[:, dt:dt + t, dy:dy + h, dx:dx + h])
    return np.maximum(y, 0).mean(axis=(1, 2, 3))


def main(argv):
    if len(argv) < 3 or argv[1] not in ('model', 'ntchw', 'dynamic', 'bad-rank', 'reference'):
        sys.exit(__doc__)
    seed = int(argv[3]) if len(argv) > 3 else 1
    if argv[1] == 'reference':
        x = np.fromfile(argv[2], dtype='<f4')
        if x.size != 3 * T * SIZE * SIZE:
            sys.exit('%s: %d floats, not %d' % (argv[2], x.size, 3 * T * SIZE * SIZE))
        for v in reference(x, seed):
            print('%.9g' % v)
        return
    import onnx
    m = model(argv[1], seed)
    onnx.checker.check_model(m)
    onnx.save(m, argv[2])


if __name__ == '__main__':
    main(sys.argv)
