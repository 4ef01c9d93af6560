"""Prior fixtures: the ideal class priors of the reference's analysis pass and its LinEst fits.

1. Ideal priors of training queries: FewShotSeg.forward(analyze=True) on stored features, for
   three episodes (one query without foreground): the binary model's IDT-based prior (one
   prototype; the reference's off-by-one boundary) and the five-prototype ratio prior, and the
   multi-class model's total foreground prior for a four-class episode; plus the location
   feature supp_idx / (support_len - 1) it returns.
2. LinEst fits: the analyze() functions of main_analyze.py (least squares on logit priors) and
   main_multiclass_analyze.py (nn.Linear(2, 2) with its KL objective, Adam, 1000 epochs) run on
   synthetic samples through a stand-in model that returns them; the fitted models are read
   back from the .pkl files analyze() writes. The multi-class start weights are those of
   torch.manual_seed(FIT_SEED); nn.Linear(2, 2).

Writes priors.pt.
"""
import argparse
import os
import tempfile

import joblib
import numpy as np
import torch

import formula_tensors
from fixture_heads import StoredFeatures, disk
from fixture_inference import set_trained_state, structured_features, IDEAL_THRESHOLD
from reference_env import quiet

STREAM = 5_000_000
CHANNELS = 32
EM_SEED = 7
FIT_SEED = 11


def binary_analysis():
    from models.fewshot_anom import FewShotSeg

    size, feature_size = 64, 8
    support_disk = (30, 29, 12)
    query_disks = [(31, 30, 11), (28, 33, 6), (0, 0, -1)]  # the last: no foreground
    directions = [formula_tensors.centred(STREAM + k, (CHANNELS,), 1.0) for k in range(2)]
    fixture = {"binary.support_disk": torch.tensor(support_disk),
               "binary.query_disks": torch.tensor(query_disks)}
    with quiet():
        model = FewShotSeg(False, adnet=True, t_loss_scaler=0.0, fix_alpha=20.0)
    set_trained_state(model, IDEAL_THRESHOLD)
    model.eval()
    rows = []
    for e, query_disk in enumerate(query_disks):
        support_mask = disk(size, *support_disk)
        query_mask = disk(size, *query_disk)
        features = structured_features(STREAM + 10 * e, [[support_mask], [query_mask]],
                                       feature_size, size, directions)
        model.encoder = StoredFeatures(torch.from_numpy(features))
        fixture[f"binary.features{e}"] = torch.from_numpy(features)
        support_len, support_idx = 30, 4 + e
        images = torch.zeros(1, 3, size, size)
        with torch.no_grad(), quiet():
            torch.manual_seed(EM_SEED)
            _, (loc, supp_size, p_single, p_multi) = model(
                [[images]], [[torch.from_numpy(support_mask)[None]]], [images], analyze=True, i=100,
                qry_mask=torch.from_numpy(query_mask).long()[None],
                supp_img_all=support_len * [0], supp_idx=support_idx)
        rows.append([support_idx, support_len, float(loc), supp_size, float(p_single),
                     float(p_multi)])
        print(f"  binary episode {e}: loc {float(loc):.4f}, size {supp_size:.5f}, "
              f"prior {float(p_single):.6f}, five prototypes {float(p_multi):.6f}")
    # columns: support rank, support_len, location, support fraction, prior, prior (5 prototypes)
    fixture["binary.analysis"] = torch.tensor(rows, dtype=torch.float64)
    fixture["binary.em_seed"] = torch.tensor([EM_SEED])
    return fixture


def multi_class_analysis():
    from models.fewshot_multiclass_anom import FewShotSeg

    size, feature_size, classes = 256, 32, 4
    support_disks = [(70, 70, 30), (80, 180, 28), (180, 80, 26), (175, 175, 32)]
    query_disks = [(74, 67, 28), (84, 177, 27), (184, 77, 25), (179, 172, 31)]
    directions = [formula_tensors.centred(STREAM + 100 + k, (CHANNELS,), 1.0)
                  for k in range(classes + 1)]
    support = np.stack([disk(size, *d) for d in support_disks])
    query = np.stack([disk(size, *d) for d in query_disks])
    features = structured_features(STREAM + 200, [list(support), list(query)], feature_size, size,
                                   directions)
    with quiet():
        model = FewShotSeg(False, learn_T_D=True, t_loss_scaler=0.0, fix_alpha=20.0, max_protos=classes)
    set_trained_state(model)
    model.encoder = StoredFeatures(torch.from_numpy(features))
    model.eval()
    support_len, support_idx = 33, 9
    with torch.no_grad(), quiet():
        loc, supp_size, prior = model(
            [[torch.zeros(1, 3, size, size)]], [[torch.from_numpy(support)]],
            [torch.zeros(1, 3, size, size)], analyze=True, i=100,
            qry_mask=torch.from_numpy(query).long(), supp_img_all=support_len * [0],
            supp_idx=support_idx)
    print(f"  multi-class episode: loc {float(loc):.4f}, sizes {np.round(supp_size, 5)}, "
          f"prior {prior:.6f}")
    return {
        "multi.support_disks": torch.tensor(support_disks),
        "multi.query_disks": torch.tensor(query_disks),
        "multi.features": torch.from_numpy(features),
        "multi.analysis": torch.tensor([support_idx, support_len, float(loc), prior],
                                       dtype=torch.float64),
        "multi.sizes": torch.from_numpy(np.asarray(supp_size, dtype=np.float64)),
    }


class _Samples:
    """Stands in for the DataLoader of analyze(): yields what it reads from a sample."""

    def __init__(self, classes_per_sample):
        self.classes = classes_per_sample

    def __iter__(self):
        for k in self.classes:
            yield {"support_images": [[torch.zeros(1, 1)]], "support_fg_labels": [[torch.zeros(1, 1)]],
                   "support_idx": 0, "support_len": 2,
                   "query_images": [torch.zeros(1, 1)], "query_labels": [torch.zeros(k, 1)]}


class _Analysis:
    """Stands in for FewShotSeg in analyze(): returns stored analysis results in order."""

    def __init__(self, results, multi):
        self.results, self.multi, self.i = results, multi, 0
        self.p_F_hat = torch.tensor([0.5])
        self.p_F_multi_hat = torch.tensor([0.5])

    def eval(self):
        return self

    def __call__(self, *args, **kwargs):
        r = self.results[self.i]
        self.i += 1
        if self.multi:
            return [torch.tensor(r[0]), np.asarray(r[1]), r[2]]
        return None, [torch.tensor(r[0]), r[1], torch.tensor(r[2]), torch.tensor(r[3])]


def synthetic_samples(n, classes):
    rng = np.random.default_rng(2021)
    loc = rng.uniform(0, 1, n)
    sizes = rng.uniform(0.005, 0.08, (n, classes))
    total = sizes.sum(1) if classes > 1 else sizes[:, 0]
    logit = -1.0 + 2.5 * (loc - 0.5) ** 2 + 6.0 * total + rng.normal(0, 0.4, n)
    prior = 1 / (1 + np.exp(-logit))
    return loc, sizes, prior


def linear_fits():
    import main_analyze
    import main_multiclass_analyze

    fixture = {}
    # Binary: 300 samples, two without a prior (NaN), both the one- and five-prototype fits.
    loc, sizes, prior = synthetic_samples(300, 1)
    prior[[5, 17]] = np.nan
    prior_mp = np.clip(prior * 0.9, 0, 1)
    results = [(loc[i], sizes[i, 0], prior[i], prior_mp[i]) for i in range(len(loc))]
    root = tempfile.mkdtemp(prefix="tpm_analysis_") + "/"
    args = argparse.Namespace(pretrained_root=root)
    with quiet():
        main_analyze.analyze(_Samples([1] * len(results)), _Analysis(results, False), args)
    single, multi = joblib.load(root + "p_F_hats_model.pkl"), joblib.load(root + "p_F_MP_hats_model.pkl")
    fixture["fit.binary.samples"] = torch.tensor(np.stack([loc, sizes[:, 0], prior, prior_mp], 1))
    fixture["fit.binary.single"] = torch.tensor([single.intercept_, *single.coef_])
    fixture["fit.binary.multi"] = torch.tensor([multi.intercept_, *multi.coef_])
    print(f"  binary LinEst: {fixture['fit.binary.single'].tolist()}")

    # Multi-class: 200 episodes with max_protos = 5 classes, and 20 with 3 that analyze() skips.
    loc, sizes, prior = synthetic_samples(200, 5)
    loc3, sizes3, prior3 = synthetic_samples(20, 3)
    order = [("full", i) for i in range(200)] + [("short", i) for i in range(20)]
    order = [order[j] for j in np.random.default_rng(3).permutation(len(order))]
    results, classes = [], []
    for kind, i in order:
        if kind == "full":
            results.append((loc[i], sizes[i], prior[i]))
            classes.append(5)
        else:
            results.append((loc3[i], sizes3[i], prior3[i]))
            classes.append(3)
    kept = [r for r, k in zip(results, classes) if k == 5]
    root = tempfile.mkdtemp(prefix="tpm_mc_analysis_") + "/"
    args = argparse.Namespace(pretrained_root=root, max_protos=5, one_F_train=False)
    torch.manual_seed(FIT_SEED)
    start = torch.nn.Linear(2, 2)
    torch.manual_seed(FIT_SEED)
    with quiet():
        # analyze() calls the model only for episodes with max_protos classes.
        main_multiclass_analyze.analyze(_Samples(classes), _Analysis(kept, True), args)
    fitted = joblib.load(root + "p_F_hats_model.pkl")
    fixture["fit.multi.samples"] = torch.tensor(
        np.array([[r[0], *r[1], r[2]] for r in kept]))  # location, 5 sizes, prior
    fixture["fit.multi.start_weight"] = start.weight.detach().clone()
    fixture["fit.multi.start_bias"] = start.bias.detach().clone()
    fixture["fit.multi.weight"] = torch.tensor(fitted.coef_)
    fixture["fit.multi.bias"] = torch.tensor(fitted.intercept_)
    fixture["fit.multi.average"] = torch.tensor([np.nanmean(np.clip([r[2] for r in kept], 1e-3, 1 - 1e-3))])
    print(f"  multi-class LinEst: weight {fitted.coef_.tolist()}, bias {fitted.intercept_.tolist()}")
    return fixture


def write(out):
    import matplotlib

    matplotlib.use("Agg")
    fixture = {}
    fixture.update(binary_analysis())
    fixture.update(multi_class_analysis())
    fixture.update(linear_fits())
    torch.save({k: (v.contiguous() if torch.is_tensor(v) else v) for k, v in fixture.items()},
               os.path.join(out, "priors.pt"))
