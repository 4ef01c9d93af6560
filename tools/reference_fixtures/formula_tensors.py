"""Deterministic tensors that both this generator and the C++ parity tests can build without
storing them: element j of tensor number k is `u(k, j) = (splitmix64((k << 32) + j) >> 40) / 2^24`,
a float in [0, 1) exactly representable in float32. tests/parity/formula_tensors.cpp implements the
same formula.
"""
import numpy as np

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def uniform64(k, shape):
    """The formula values as float64 (all arithmetic on them is done in float64, then rounded
    to float32 once, in Python and in C++ alike)."""
    n = int(np.prod(shape)) if len(shape) else 1
    with np.errstate(over="ignore"):
        z = (np.uint64(k) << np.uint64(32)) + np.arange(n, dtype=np.uint64)
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return ((z >> np.uint64(40)).astype(np.float64) / float(1 << 24)).reshape(shape)


def centred(k, shape, half_width):
    """U(-half_width, half_width) by the formula: (2 u - 1) * half_width, float32."""
    return ((2.0 * uniform64(k, shape) - 1.0) * half_width).astype(np.float32)


def state_dict_values(named_shapes):
    """Values for a ResNet-style state dict, in its key order: He-uniform convolutions,
    BatchNorm weight in [0.8, 1.2) (0.2x for the last BatchNorm of a residual branch), bias and
    running mean in [-0.1, 0.1), running variance in [1, 1.5). Tensor k of the list uses
    formula stream k."""
    values = {}
    for k, (name, shape) in enumerate(named_shapes):
        u = uniform64(k, shape)
        if name.endswith("num_batches_tracked"):
            continue
        if name.endswith("running_var"):
            v = 1.0 + 0.5 * u
        elif name.endswith("running_mean") or name.endswith(".bias"):
            v = 0.2 * u - 0.1
        elif len(shape) == 1:  # BatchNorm weight
            v = 0.8 + 0.4 * u
            if name.endswith("bn3.weight") or name.endswith("downsample.1.weight"):
                v = 0.2 * v
        else:
            fan_in = int(np.prod(shape[1:]))
            v = (2.0 * u - 1.0) * np.sqrt(6.0 / fan_in)
        values[name] = v.astype(np.float32)
    return values
