"""Head fixtures: one training episode through the reference's FewShotSeg (models/fewshot_anom.py)
on stored features, as TPM (T-loss scaler 0) and as the TPM authors' ADNet (scaler 1), both
with the softplus threshold (--adnet) and alpha 20. The encoder is replaced by the stored
features, so the fixture covers everything after it: prototypes, cosines, T_S, the sigmas and
their EMAs, the training query's ideal threshold and its EMA, the posterior, the weighted NLL,
the PANet alignment loss, the T-loss and the gradients w.r.t. the features and pre_T.

Writes heads_episode.pt.
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

import formula_tensors
from reference_env import quiet

FEATURE_STREAM = 2_000_000
CHANNELS = 32
FEATURE_SIZE = 32
IMAGE_SIZE = 256


def disk(size, cy, cx, radius):
    """The disk (y - cy)^2 + (x - cx)^2 <= radius^2 as a float32 mask; empty for radius < 0."""
    y, x = np.mgrid[0:size, 0:size]
    inside = (y - cy) ** 2 + (x - cx) ** 2 <= radius ** 2
    return (inside & (radius >= 0)).astype(np.float32)


SUPPORT_DISK = (120, 100, 50)  # centre row, centre column, radius (pixels)
QUERY_DISK = (130, 110, 45)


def episode_inputs():
    """Support and query masks (disks) and features in which the disk's area leans towards one
    direction and the rest towards another, plus formula noise."""
    support_mask = disk(IMAGE_SIZE, *SUPPORT_DISK)
    query_mask = disk(IMAGE_SIZE, *QUERY_DISK)
    fg = formula_tensors.centred(FEATURE_STREAM, (CHANNELS,), 1.0)
    bg = formula_tensors.centred(FEATURE_STREAM + 1, (CHANNELS,), 1.0)
    features = []
    for i, mask in enumerate((support_mask, query_mask)):
        coarse = F.avg_pool2d(torch.from_numpy(mask)[None, None], IMAGE_SIZE // FEATURE_SIZE)[0, 0]
        coarse = coarse.numpy()
        noise = formula_tensors.centred(FEATURE_STREAM + 2 + i,
                                        (CHANNELS, FEATURE_SIZE, FEATURE_SIZE), 0.8)
        features.append(noise + coarse[None] * fg[:, None, None]
                        + (1 - coarse[None]) * bg[:, None, None])
    return support_mask, query_mask, np.stack(features).astype(np.float32)


class StoredFeatures(torch.nn.Module):
    """Stands in for the encoder: returns the stored features whatever the images."""

    def __init__(self, features):
        super().__init__()
        self.features = features

    def forward(self, images, low_level=False):
        return self.features


def training_step(t_loss_scaler, support_mask, query_mask, features_np):
    from models.fewshot_anom import FewShotSeg

    with quiet():
        model = FewShotSeg(False, adnet=True, t_loss_scaler=t_loss_scaler, fix_alpha=20.0)
    features = torch.from_numpy(features_np).clone().requires_grad_(True)
    model.encoder = StoredFeatures(features)
    images = torch.zeros(1, 3, IMAGE_SIZE, IMAGE_SIZE)
    labels = torch.from_numpy(query_mask).long()[None]
    with quiet():
        query_pred, align_loss, t_loss = model(
            [[images]], [[torch.from_numpy(support_mask)[None]]], [images], train=True, i=100,
            qry_mask=labels)
    # main_train.py's objective.
    criterion = torch.nn.NLLLoss(ignore_index=255, weight=torch.FloatTensor([0.1, 1.0]))
    eps = torch.finfo(torch.float32).eps
    query_loss = criterion(torch.log(torch.clamp(query_pred, eps, 1 - eps)), labels)
    loss = query_loss + align_loss + t_loss
    loss.backward()
    prototype = (F.interpolate(features[:1].detach(), size=(IMAGE_SIZE, IMAGE_SIZE),
                               mode="bilinear", align_corners=False)
                 * torch.from_numpy(support_mask)).sum((2, 3)) / (support_mask.sum() + 1e-5)
    cosine = F.cosine_similarity(features[1:].detach(), prototype[..., None, None], dim=1)
    return {
        "prototype": prototype[0],
        "cosine": cosine[0],
        "T_S": model.T_S.detach().reshape(1),
        "sigma_f_implied": model.sig1_.detach().reshape(1),
        "sigma_b_implied": model.sig2_.detach().reshape(1),
        "sigma_f_ema": model.sig1.detach().reshape(1),
        "sigma_b_ema": model.sig2.detach().reshape(1),
        "ideal_threshold": model.qry_p_F_thres.detach().reshape(1),
        "ideal_threshold_ema": model.T_D_hat.detach().reshape(1),
        "query_foreground_probability": query_pred[0, 1].detach(),
        "query_loss": query_loss.detach().reshape(1),
        "align_loss": align_loss.detach().reshape(1),
        "t_loss": (t_loss.detach() if torch.is_tensor(t_loss) else torch.tensor(t_loss)).reshape(1).float(),
        "loss": loss.detach().reshape(1),
        "feature_grad": features.grad.detach(),
        "threshold_grad": model.pre_T_S.grad.detach().reshape(1),
    }


def write(out):
    support_mask, query_mask, features = episode_inputs()
    fixture = {
        "support_disk": torch.tensor(SUPPORT_DISK),
        "query_disk": torch.tensor(QUERY_DISK),
        "features": torch.from_numpy(features),
    }
    # The forward pass is the same for both; the T-loss changes the loss and pre_T's gradient.
    shared = ("prototype", "cosine", "query_foreground_probability", "feature_grad")
    for name, scaler in (("tpm", 0.0), ("adnet", 1.0)):
        for key, value in training_step(scaler, support_mask, query_mask, features).items():
            if key in shared:
                if name == "tpm":
                    fixture[key] = value.float().contiguous()
                else:
                    assert torch.allclose(fixture[key], value.float(), atol=1e-6), key
            else:
                fixture[f"{name}.{key}"] = value.float().contiguous()
        print(f"  {name}: loss {fixture[name + '.loss'].item():.6f} "
              f"(query {fixture[name + '.query_loss'].item():.6f}, "
              f"align {fixture[name + '.align_loss'].item():.6f}, "
              f"T {fixture[name + '.t_loss'].item():.6f}), "
              f"IDT {fixture[name + '.ideal_threshold'].item():.6f}")
    torch.save(fixture, os.path.join(out, "heads_episode.pt"))
