"""Encoder fixtures: the reference's feature extractor (TVDeeplabRes101Encoder: torchvision's
DeepLabv3 ResNet trunk with replace_stride_with_dilation [False, True, True], layer4 only, then a
bias-free 1x1 convolution 2048 -> 256) on a fixed 2 x 3 x 256 x 256 input, with formula weights.

Writes encoder_resnet{101,50}.pt (features in float16; eval mode, and train mode for 101) and
encoder_resnet{101,50}_keys.txt (the state-dict keys in formula-stream order, with shapes).
"""
import os

import numpy as np
import torch
import torchvision

import formula_tensors
from reference_env import quiet

INPUT_STREAM = 1_000_000


def build(depth):
    from models.backbone.torchvision_backbones import TVDeeplabRes101Encoder

    with quiet():
        encoder = TVDeeplabRes101Encoder(use_coco_init=False)
    if depth == 50:  # the same construction around torchvision's ResNet-50 trunk
        deeplab = torchvision.models.segmentation.deeplabv3_resnet50(
            pretrained=False, progress=False, num_classes=21, aux_loss=None)
        encoder.backbone = list(deeplab.children())[0]
    return encoder


def used_keys(encoder):
    """The keys that take part in forward(low_level=False): the trunk and localconv."""
    keys = []
    for name, tensor in encoder.state_dict().items():
        if name.startswith("backbone.") or name == "localconv.weight":
            keys.append((name, tuple(tensor.shape)))
    return keys


def fixed_input():
    images = [formula_tensors.centred(INPUT_STREAM + i, (256, 256), 2.0) for i in range(2)]
    x = torch.from_numpy(np.stack(images))[:, None]
    return x.repeat(1, 3, 1, 1)


def write(out):
    torch.set_grad_enabled(False)
    for depth in (101, 50):
        encoder = build(depth)
        keys = used_keys(encoder)
        values = formula_tensors.state_dict_values(keys)
        state = encoder.state_dict()
        for name, value in values.items():
            state[name] = torch.from_numpy(value)
        encoder.load_state_dict(state)
        x = fixed_input()
        encoder.eval()
        eval_features = encoder(x, low_level=False)
        encoder.train()
        train_features = encoder(x, low_level=False)
        with open(os.path.join(out, f"encoder_resnet{depth}_keys.txt"), "w") as f:
            for name, shape in keys:
                f.write(name + " " + " ".join(str(s) for s in shape) + "\n")
        fixture = {"eval_features": eval_features.half(),
                   "eval_norm": eval_features.norm().reshape(1)}
        if depth == 101:  # BatchNorm on batch statistics, as in training (once is enough)
            fixture["train_features"] = train_features.half()
            fixture["train_norm"] = train_features.norm().reshape(1)
        torch.save(fixture, os.path.join(out, f"encoder_resnet{depth}.pt"))
        print(f"  resnet{depth}: features {tuple(eval_features.shape)}, "
              f"eval norm {eval_features.norm():.3f}, train norm {train_features.norm():.3f}")
    torch.set_grad_enabled(True)
