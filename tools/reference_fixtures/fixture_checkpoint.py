"""Checkpoint fixtures: every entry (name, dtype, shape) of the state dict the reference's
FewShotSeg holds in the configurations the TPM paper trains (scripts/train_abd_2D.sh: --adnet
--fix_alpha 20, with or without the T loss; and --ADNet, the direct threshold), i.e. exactly
what PyTorch's load_state_dict(strict=True) demands of a checkpoint.

Writes checkpoint_keys_adnet.txt and checkpoint_keys_ADNet.txt: "name dtype dim0 dim1 ..." per
line, in state-dict order.

check(checkpoint, out) is the other direction, run by hand (README.md): a reference-format file
written by protoseg (convert-weights --to-reference) is loaded into FewShotSeg with
strict=True and its encoder run on the fixed input of fixture_encoder.py.
"""
import os

import torch

from reference_env import quiet
import fixture_encoder


def build(config):
    from models.fewshot_anom import FewShotSeg

    with quiet():
        if config == "adnet":
            return FewShotSeg(use_coco_init=False, adnet=True, t_loss_scaler=0.0, fix_alpha=20.0)
        return FewShotSeg(use_coco_init=False, ADNet=True, fix_alpha=20.0)


def write(out):
    for config in ("adnet", "ADNet"):
        state = build(config).state_dict()
        path = os.path.join(out, f"checkpoint_keys_{config}.txt")
        with open(path, "w") as f:
            for name, tensor in state.items():
                dtype = str(tensor.dtype).replace("torch.", "")
                f.write(" ".join([name, dtype] + [str(s) for s in tensor.shape]) + "\n")
        print(f"  {config}: {len(state)} entries")


def check(checkpoint, config="adnet"):
    """Strictly loads `checkpoint` into FewShotSeg; returns the encoder's eval-mode features on
    the fixed input (2 x 256 x 256 x 256 ... as fixture_encoder.py)."""
    model = build(config)
    state = torch.load(checkpoint, map_location="cpu")
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        return model.encoder(fixture_encoder.fixed_input(), low_level=False)
