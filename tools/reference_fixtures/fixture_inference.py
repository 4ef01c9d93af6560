"""Inference fixtures: the reference's test-time predictions on stored features.

Binary (models/fewshot_anom.py, Table 1): one support slice and three query slices through
FewShotSeg.forward(train=False) with a trained-looking state (T_S, EMA sigmas, EMA ideal
threshold) and LinEst models written as the reference's analysis would; the foreground
probability of all eight methods (CE-T, AvgEst, LinEst, OCP and their five-prototype EM
versions) and the EM's prototypes and weights (torch seed EM_SEED right before the call).

Multi-class (models/fewshot_multiclass_anom.py, Table 2): one support slice with four classes and
two query slices; the per-pixel class (argmax) of ADNet++, CE-T, AvgEst, LinEst and OCP, and the
LinEst prior.

Writes inference_binary.pt and inference_multi_class.pt.
"""
import os
import tempfile

import joblib
import numpy as np
import torch
import torch.nn.functional as F
from sklearn.linear_model import LinearRegression

import formula_tensors
from fixture_heads import StoredFeatures, disk
from reference_env import quiet

BINARY_STREAM = 3_000_000
MULTI_STREAM = 4_000_000
CHANNELS = 32
EM_SEED = 2021
TRAINED_T_S = -9.5
SIGMA_F, SIGMA_B, IDEAL_THRESHOLD = 0.30, 40.0, 0.9
# LinEst models (logit p = intercept + coef . [(loc - 0.5)^2, size]).
LINEAR_SINGLE = (-1.2, [2.0, 6.0])
LINEAR_MULTI = (-0.8, [1.5, 4.0])
AVERAGE_MULTI = 0.31
# Multi-class LinEst (nn.Linear(2, 2) as LinearRegression: rows F and B) and AvgEst.
LINEAR_CLASSES = ([[0.5, 3.0], [0.2, -0.4]], [0.5, 0.0])
AVERAGE_CLASSES = 0.27


def linear_model(intercept, coef):
    model = LinearRegression().fit(np.eye(2), np.zeros(2))
    model.coef_ = np.asarray(coef, dtype=np.float64)
    model.intercept_ = np.asarray(intercept, dtype=np.float64)
    return model


def pre_threshold(t_s, alpha=20.0):
    """pre_T for T_S with p_F = 0.5, d = 1: T_S = softplus(pre_T) - alpha."""
    return float(np.log(np.expm1(t_s + alpha)))


def set_trained_state(model, ideal_threshold=None):
    model.pre_T_S.data.fill_(pre_threshold(TRAINED_T_S))
    model.sig1.data.fill_(SIGMA_F)
    model.sig2.data.fill_(SIGMA_B)
    if ideal_threshold is not None:
        model.T_D_hat.data.fill_(ideal_threshold)
        # AvgEst's prior as apply_EMA derives it from the EMA threshold and sigmas.
        part = np.log(SIGMA_B / SIGMA_F) - ideal_threshold ** 2 / 2 * (1 / SIGMA_F ** 2 - 1 / SIGMA_B ** 2)
        model.p_F_hat.data.fill_(1.0 / (1.0 + np.exp(part)))


def structured_features(stream, masks, feature_size, image_size, directions):
    """Features [B, C, s, s]: formula noise plus, where mask k covers the pixel, direction k,
    and the background direction elsewhere."""
    out = []
    for b, labels in enumerate(masks):
        noise = formula_tensors.centred(stream + 100 + b, (CHANNELS, feature_size, feature_size), 0.8)
        f = noise.astype(np.float64)
        covered = np.zeros((feature_size, feature_size))
        for k, mask in enumerate(labels):
            coarse = F.avg_pool2d(torch.from_numpy(mask)[None, None], image_size // feature_size)
            coarse = coarse[0, 0].numpy()
            f = f + coarse[None] * directions[k][:, None, None]
            covered = covered + coarse
        f = f + (1 - covered)[None] * directions[-1][:, None, None]
        out.append(f.astype(np.float32))
    return np.stack(out)


def binary(out):
    from models.fewshot_anom import FewShotSeg

    size, feature_size, queries = 64, 8, 3
    support_disk = (30, 29, 12)
    query_disks = [(31 + 2 * q, 30 - q, 11 + q) for q in range(queries)]
    support_mask = disk(size, *support_disk)
    query_masks = [disk(size, *d) for d in query_disks]
    directions = [formula_tensors.centred(BINARY_STREAM + k, (CHANNELS,), 1.0) for k in range(2)]
    features = structured_features(BINARY_STREAM, [[support_mask]] + [[m] for m in query_masks],
                                   feature_size, size, directions)
    root = tempfile.mkdtemp(prefix="tpm_binary_") + "/"
    joblib.dump(linear_model(*LINEAR_SINGLE), root + "p_F_hats_model.pkl")
    joblib.dump(linear_model(*LINEAR_MULTI), root + "p_F_MP_hats_model.pkl")
    np.savez(root + "p_F_dict_one_F.npz", p_F_MP_hats_mn=AVERAGE_MULTI)
    with quiet():
        model = FewShotSeg(False, adnet=True, t_loss_scaler=0.0, fix_alpha=20.0, pretrained_root=root)
    set_trained_state(model, IDEAL_THRESHOLD)
    model.encoder = StoredFeatures(torch.from_numpy(features))
    em = {}
    estimate = model.estim_prototypes

    def recording_estimate(*args, **kwargs):
        protos, w = estimate(*args, **kwargs)
        em["prototypes"], em["weights"] = protos.detach().clone(), w.detach().clone()
        return protos, w

    model.estim_prototypes = recording_estimate
    model.eval()
    support_depth, support_slice = 31, 11
    images = torch.zeros(1, 3, size, size)
    with torch.no_grad(), quiet():
        torch.manual_seed(EM_SEED)
        _, _, outputs = model(
            [[images]], [[torch.from_numpy(support_mask)[None]]], [torch.zeros(queries, 3, size, size)],
            train=False, i=100, qry_mask=torch.from_numpy(np.stack(query_masks))[None],
            supp_img_all=support_depth * [0], supp_idx=support_slice)
    fixture = {
        "features": torch.from_numpy(features),
        "support_disk": torch.tensor(support_disk), "query_disks": torch.tensor(query_disks),
        "support_depth": torch.tensor([support_depth]), "support_slice": torch.tensor([support_slice]),
        "em_seed": torch.tensor([EM_SEED]),
        "T_S": torch.tensor([TRAINED_T_S]), "sigma_f": torch.tensor([SIGMA_F]),
        "sigma_b": torch.tensor([SIGMA_B]), "ideal_threshold_ema": torch.tensor([IDEAL_THRESHOLD]),
        "linear_single": torch.tensor([LINEAR_SINGLE[0]] + LINEAR_SINGLE[1]),
        "linear_multi": torch.tensor([LINEAR_MULTI[0]] + LINEAR_MULTI[1]),
        "average_multi": torch.tensor([AVERAGE_MULTI]),
        "em_prototypes": em["prototypes"].float(), "em_weights": em["weights"].float().flatten(),
    }
    for method, prediction in outputs.items():
        fixture["foreground." + method] = prediction[:, 1].float().contiguous()
        print(f"  {method}: mean foreground probability {prediction[:, 1].mean():.5f}")
    torch.save(fixture, os.path.join(out, "inference_binary.pt"))


def multi_class(out):
    from models.fewshot_multiclass_anom import FewShotSeg

    size, feature_size, queries, classes = 256, 32, 2, 4
    centres = [(70, 70, 30), (80, 180, 28), (180, 80, 26), (175, 175, 32)]
    query_disks = [[(y + 4 * q, x - 3 * q, r - 2 + q) for y, x, r in centres] for q in range(queries)]
    support = [disk(size, *d) for d in centres]
    query = [[disk(size, *d) for d in row] for row in query_disks]
    directions = [formula_tensors.centred(MULTI_STREAM + k, (CHANNELS,), 1.0) for k in range(classes + 1)]
    features = structured_features(MULTI_STREAM, [support] + query, feature_size, size, directions)
    root = tempfile.mkdtemp(prefix="tpm_multi_") + "/"
    joblib.dump(linear_model(LINEAR_CLASSES[1], LINEAR_CLASSES[0]), root + "p_F_hats_model.pkl")
    np.savez(root + "p_F_dict.npz", p_F_hats_mn=AVERAGE_CLASSES)
    with quiet():
        model = FewShotSeg(False, learn_T_D=True, t_loss_scaler=0.0, fix_alpha=20.0, max_protos=classes,
                           pretrained_root=root)
    set_trained_state(model)
    model.encoder = StoredFeatures(torch.from_numpy(features))
    model.classes = ["A", "B", "C", "D"]
    priors = []
    predict = model.getPred2

    def recording_predict(*args, **kwargs):
        prior = kwargs.get("cls_prior")
        if torch.is_tensor(prior):
            priors.append(prior.detach().clone().reshape(-1))
        return predict(*args, **kwargs)

    model.getPred2 = recording_predict
    model.eval()
    support_depth, support_slice = 35, 17
    query_masks = torch.from_numpy(np.stack([np.stack(q) for q in query])).permute(1, 0, 2, 3)
    with torch.no_grad(), quiet():
        _, _, _, outputs = model(
            [[torch.zeros(1, 3, size, size)]], [[torch.from_numpy(np.stack(support))]],
            [torch.zeros(queries, 3, size, size)], train=False, i=100, qry_mask=query_masks.float(),
            supp_spr=torch.zeros(support_depth), supp_idx=np.int64(support_slice))
    fixture = {
        "features": torch.from_numpy(features),
        "support_disks": torch.tensor(centres), "query_disks": torch.tensor(query_disks),
        "support_depth": torch.tensor([support_depth]), "support_slice": torch.tensor([support_slice]),
        "sigma_f": torch.tensor([SIGMA_F]), "sigma_b": torch.tensor([SIGMA_B]),
        "linear_foreground": torch.tensor(LINEAR_CLASSES[0][0] + [LINEAR_CLASSES[1][0]]),
        "linear_background": torch.tensor(LINEAR_CLASSES[0][1]),
        "average": torch.tensor([AVERAGE_CLASSES]),
        "linear_prior": priors[-1].float(),
    }
    for method, prediction in outputs.items():
        fixture["classes." + method] = prediction.argmax(1).to(torch.uint8).contiguous()
        counts = torch.bincount(prediction.argmax(1).flatten(), minlength=classes + 1)
        print(f"  {method}: pixels per class {counts.tolist()}")
    torch.save(fixture, os.path.join(out, "inference_multi_class.pt"))


def write(out):
    binary(out)
    multi_class(out)
