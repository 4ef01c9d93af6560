"""Augmentation fixtures.

1. One geometric transform, deterministic: the reference's RandomAffine.build_M (numpy seeded)
   and affine_transform_via_M (cv2.warpAffine, flags 3), then elastic_transform_nd with a seeded
   RandomState (alpha 10, sigma 5, order 1), on a 96 x 96 image + mask stack; with the drawn
   parameters and the two noise fields, so the C++ side can replay the same transform.
2. Distributions over 2000 episodes of the reference's TrainDataset (binary, datasets.py) and of
   its multi-foreground TrainDataset (datasets_multiclass.py, max_protos 5) on ABD-MRI fold 0:
   per episode the image that got gamma and its gamma, the image that got the geometric
   transform, its zoom, how many geometric draws it took, the mean elastic displacement of the
   kept draw, and the number of classes. Instrumented by wrapping the reference's functions.

Writes augmentation_transform.pt and augmentation_episodes.csv.
"""
import argparse
import csv
import os
import random

import numpy as np
import torch

import formula_tensors
from fixture_heads import disk
from fixture_protocol import reference_root
from reference_env import quiet

EPISODES = int(os.environ.get("FIXTURE_EPISODES", "2000"))
SIZE = 96


def deterministic_transform(out):
    import dataloading.image_transforms as myit

    image = formula_tensors.centred(6_000_000, (SIZE, SIZE), 2.0).astype(np.float64)
    mask = disk(SIZE, 45, 50, 20).astype(np.float64)
    cat = np.stack([image, image, image, mask], axis=-1)  # H x W x C, as geom_transform builds it
    np.random.seed(31)
    affine = myit.RandomAffine(5, (5, 5), 5, (0.9, 1.2), True, order=3)
    matrix, params = affine.build_M(cat.shape[:2])
    warped = myit.affine_transform_via_M(cat, matrix[:2], interp=3)
    noise = np.random.RandomState(77)
    noise_x, noise_y = noise.rand(SIZE, SIZE), noise.rand(SIZE, SIZE)
    result = myit.elastic_transform_nd(warped, alpha=10, sigma=5,
                                       random_state=np.random.RandomState(77), order=1)
    rotation, (shift_x, shift_y), shear, (zoom, _) = params
    torch.save({
        "image": torch.from_numpy(image).float(),
        "mask_disk": torch.tensor([45, 50, 20]),
        # rotation (deg), shift x, shift y, shear (deg), zoom
        "affine": torch.tensor([rotation[0], shift_x, shift_y, shear[0], zoom], dtype=torch.float64),
        "matrix": torch.from_numpy(matrix[:2].astype(np.float64)),
        # U(0, 1) as drawn; the reference uses 2 u - 1
        "noise_x": torch.from_numpy(noise_x), "noise_y": torch.from_numpy(noise_y),
        "affine_image": torch.from_numpy(warped[..., 0]).float(),
        "image_out": torch.from_numpy(result[..., 0]).float(),
        "mask_out": torch.from_numpy(np.rint(result[..., 3])).to(torch.uint8),
    }, os.path.join(out, "augmentation_transform.pt"))
    print(f"  transform: rotation {rotation[0]:.3f}, shift ({shift_x:.3f}, {shift_y:.3f}), "
          f"shear {shear[0]:.3f}, zoom {zoom:.4f}; mask {int(mask.sum())} -> "
          f"{int(np.rint(result[..., 3]).sum())} px")


class Recorder:
    """Wraps the reference's augmentation functions and notes what one episode received."""

    def __init__(self, dataset, myit):
        self.episode = {}
        gamma, geometric = dataset.gamma_tansform, dataset.geom_transform
        rand = np.random.rand

        def recording_rand(*args):
            value = rand(*args)
            if not args and "gamma" not in self.episode:  # gamma_tansform's np.random.rand()
                self.episode["gamma"] = float(value)
            return value

        def recording_gamma(img):
            self.episode["gamma_side"] = "support" if img.ndim == 5 else "query"
            np.random.rand = recording_rand
            try:
                result = gamma(img)
            finally:
                np.random.rand = rand
            # gamma = 0.5 + u over U(0, 1) u
            self.episode["gamma"] = 0.5 + self.episode["gamma"]
            return result

        def recording_geometric(img, mask):
            self.episode["geometric_side"] = "support" if img.ndim == 5 else "query"
            self.episode["draws"] = self.episode.get("draws", 0) + 1
            return geometric(img, mask)

        dataset.gamma_tansform = recording_gamma
        dataset.geom_transform = recording_geometric
        build = myit.RandomAffine.build_M

        def recording_build(affine, shape):
            matrix, params = build(affine, shape)
            self.episode["zoom"] = float(params[3][0])
            return matrix, params

        myit.RandomAffine.build_M = recording_build
        blur = myit.cv2.GaussianBlur
        fields = []

        def recording_blur(src, *args, **kwargs):
            field = blur(src, *args, **kwargs)
            fields.append(field * 10.0)  # alpha
            if len(fields) == 2:
                self.episode["displacement"] = float(np.mean(np.hypot(fields[0], fields[1])))
                fields.clear()
            return field

        class Cv2:
            def __getattr__(self, name):
                return recording_blur if name == "GaussianBlur" else getattr(myit.cv2_module, name)

        myit.cv2_module = myit.cv2
        myit.cv2 = Cv2()

    def start(self):
        self.episode = {}


def episode_rows(kind, root, count):
    import dataloading.image_transforms as myit

    if kind == "binary":
        from dataloading.datasets import TrainDataset
    else:
        from dataloading.datasets_multiclass import TrainDataset
    args = argparse.Namespace(n_shot=1, n_way=1, n_query=1, n_sv=5000, max_iterations=count,
                              non_succesive=False, dataset="CHAOST2", data_root=root, fold=0,
                              max_protos=5)
    random.seed(2021)
    np.random.seed(2021)
    with quiet():
        dataset = TrainDataset(args)
    recorder = Recorder(dataset, myit)
    rows = []
    for i in range(count):
        recorder.start()
        with quiet():
            sample = dataset[i]
        e = recorder.episode
        classes = sample["support_fg_labels"].shape[1] if kind == "multi" else 1
        rows.append({"kind": kind, "gamma_side": e["gamma_side"], "gamma": e["gamma"],
                     "geometric_side": e["geometric_side"], "zoom": e["zoom"], "draws": e["draws"],
                     "displacement": e["displacement"], "classes": classes})
        if (i + 1) % 500 == 0:
            print(f"  {kind}: {i + 1} episodes", flush=True)
    myit.cv2 = myit.cv2_module
    return rows


def write(out, shared_data, derived):
    deterministic_transform(out)
    root = reference_root(shared_data, derived)
    rows = episode_rows("binary", root, EPISODES) + episode_rows("multi", root, EPISODES)
    with open(os.path.join(out, "augmentation_episodes.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:.6f}" if isinstance(v, float) else v) for k, v in row.items()})
