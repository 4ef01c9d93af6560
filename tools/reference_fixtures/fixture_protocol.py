"""Protocol fixtures: what the reference's data loaders (dataloading/dataset_specifics.py,
dataloading/datasets.py) make of the real datasets.

- the folds of ABD-MRI (CHAOST2) and ABD-CT (SABS), the support volume of every fold, and the
  support slice index of every organ for EP2 (one slice) and EP1 (three), with the test-time
  LinEst location supp_idx / (len(support volume) - 1);
- the training location: support_idx / (support_len - 1) of 20 TrainDataset episodes of
  ABD-MRI fold 0 (supervoxels from make-supervoxels, identical to ADNet's).

The reference's folder layout is mimicked with links into ../shared/data (ABD-MRI) and
derived/abd_ct (scripts/prepare_abd_ct.sh). Writes protocol.json.
"""
import argparse
import glob
import json
import os
import random
import re
import tempfile

import numpy as np

from reference_env import quiet

LAYOUT = {"CHAOST2": "chaos_MR_T2_normalized", "SABS": "sabs_CT_normalized"}


def reference_root(shared_data, derived):
    """A data_root in the reference's layout, made of links."""
    root = tempfile.mkdtemp(prefix="tpm_data_")
    mri = os.path.join(root, LAYOUT["CHAOST2"])
    ct = os.path.join(root, LAYOUT["SABS"])
    os.makedirs(mri)
    os.makedirs(ct)
    for path in glob.glob(os.path.join(shared_data, "abd_mri", "*.nii.gz")):
        os.symlink(os.path.abspath(path), os.path.join(mri, os.path.basename(path)))
    ct_source = os.path.join(derived, "abd_ct")
    if not os.path.isdir(ct_source):
        raise SystemExit(f"{ct_source} missing: run scripts/prepare_abd_ct.sh first")
    # getSupport also reads supervoxels but uses only their shape here: for ABD-CT the label
    # maps stand in for them.
    ct_supervoxels = os.path.join(root, "supervoxels_2000")
    os.makedirs(ct_supervoxels)
    for path in glob.glob(os.path.join(ct_source, "*.nii")):
        os.symlink(os.path.abspath(path), os.path.join(ct, os.path.basename(path) + ".gz"))
        name = os.path.basename(path)
        if name.startswith("label_"):
            os.symlink(os.path.abspath(path), os.path.join(
                ct_supervoxels, "superpix-MIDDLE_" + name[len("label_"):] + ".gz"))
    supervoxels = os.path.join(derived, "abd_mri", "supervoxels_5000")
    if not os.path.isdir(supervoxels):
        raise SystemExit(f"{supervoxels} missing: run make-supervoxels on configs/data/abd_mri.yaml")
    os.symlink(os.path.abspath(supervoxels), os.path.join(root, "supervoxels_5000"))
    return root


def volume_id(path):
    return int(re.search(r"image_(\d+)\.nii", path).group(1))


def folds_and_supports(root):
    from dataloading.dataset_specifics import get_folds, get_label_values
    from dataloading.datasets import TestDataset

    out = {}
    for dataset in ("CHAOST2", "SABS"):
        folds = get_folds(dataset)
        labels = {k: v for k, v in get_label_values(dataset).items() if k != "BG"}
        rows = []
        for fold in sorted(folds):
            n_sv = 5000 if dataset == "CHAOST2" else 2000
            args = argparse.Namespace(data_root=root, dataset=dataset, fold=fold, n_sv=n_sv, EP1=False)
            test = TestDataset(args)
            row = {"fold": fold, "indices": sorted(folds[fold]),
                   "support_id": volume_id(test.support_dir),
                   "query_ids": [volume_id(p) for p in test.image_dirs], "organs": {}}
            for organ, label in labels.items():
                ep2 = test.getSupport(label=label, all_slices=False, N=1)
                ep1 = test.getSupport(label=label, all_slices=False, N=3)
                depth = len(ep2["image_all"])
                row["organs"][organ] = {
                    "label": label, "depth": depth, "ep2_slice": ep2["idx"], "ep1_slices": ep1["idxs"],
                    # FewShotSeg.forward: supp_loc = supp_idx / (len(supp_img_all) - 1)
                    "test_location": ep2["idx"] / (len(ep2["image_all"]) - 1)}
            rows.append(row)
            print(f"  {dataset} fold {fold}: support {row['support_id']}, queries {row['query_ids']}")
        out[dataset] = rows
    return out


def training_locations(root, count=20):
    from dataloading.datasets import TrainDataset

    args = argparse.Namespace(n_shot=1, n_way=1, n_query=1, n_sv=5000, max_iterations=count,
                              non_succesive=False, dataset="CHAOST2", data_root=root, fold=0)
    random.seed(2021)
    np.random.seed(2021)
    with quiet():
        train = TrainDataset(args)
        samples = [train[i] for i in range(count)]
    return [{"support_idx": int(s["support_idx"]), "support_len": int(s["support_len"]),
             "location": s["support_idx"] / (s["support_len"] - 1)} for s in samples]


def write(out, shared_data, derived):
    root = reference_root(shared_data, derived)
    fixture = {"datasets": folds_and_supports(root), "training_locations": training_locations(root)}
    with open(os.path.join(out, "protocol.json"), "w") as f:
        json.dump(fixture, f, indent=1)
