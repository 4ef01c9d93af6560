"""Runs the reference implementations of TPM (hjk92g/TPM-FSS) on this machine's CPU.

The reference code is imported from a checkout given on the command line, never copied. It
assumes CUDA, wandb, SimpleITK and a pretrained download; this module supplies CPU stand-ins:
`torch.device('cuda')` resolves to the CPU, `.cuda()` is a no-op, wandb.log does nothing and
SimpleITK's ReadImage / GetArrayFromImage read NIfTI through nibabel (z, y, x order, as
SimpleITK returns it).
"""
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import types

import numpy as np
import torch

_real_device = torch.device


def _cpu_device(*args, **kwargs):
    if args and isinstance(args[0], str) and args[0].startswith("cuda"):
        return _real_device("cpu")
    return _real_device(*args, **kwargs)


def _install_stand_ins():
    import collections
    import collections.abc

    collections.Sequence = collections.abc.Sequence  # removed from collections in Python 3.10
    torch.device = _cpu_device
    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.nn.Module.cuda = lambda self, *a, **k: self
    wandb = types.ModuleType("wandb")
    wandb.log = lambda *a, **k: None
    wandb.init = lambda *a, **k: None
    sys.modules["wandb"] = wandb

    import nibabel

    sitk = types.ModuleType("SimpleITK")

    class _Image:
        def __init__(self, array):
            self.array = array

    def read_image(path):
        # realpath: a link named .nii.gz may point at an uncompressed .nii (ABD-CT).
        data = np.asanyarray(nibabel.load(os.path.realpath(path)).dataobj)
        return _Image(np.ascontiguousarray(np.transpose(data, (2, 1, 0))))

    sitk.ReadImage = read_image
    sitk.GetArrayFromImage = lambda image: image.array
    sys.modules["SimpleITK"] = sitk


def _offline_backbone_weights():
    """torchvision's DeepLabv3 builders load ImageNet trunk weights from the hub cache (a
    download otherwise). Every fixture overwrites all weights, so a cache holding freshly
    initialised trunks in their place is enough and keeps the generator offline."""
    import torchvision

    home = tempfile.mkdtemp(prefix="torch_home_")
    os.environ["TORCH_HOME"] = home
    checkpoints = os.path.join(home, "hub", "checkpoints")
    os.makedirs(checkpoints)
    for weights, build in ((torchvision.models.ResNet101_Weights.IMAGENET1K_V1,
                            torchvision.models.resnet101),
                           (torchvision.models.ResNet50_Weights.IMAGENET1K_V1,
                            torchvision.models.resnet50)):
        torch.save(build().state_dict(),
                   os.path.join(checkpoints, os.path.basename(weights.url)))


def export_checkout(git_dir, into):
    """Writes the HEAD tree of a bare repository (as `fetch` leaves it) into `into`."""
    os.makedirs(into, exist_ok=True)
    archive = subprocess.run(["git", "--git-dir", git_dir, "archive", "HEAD"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", into], input=archive, check=True)
    return into


def load_reference(tpm_repo):
    """Puts the TPM-FSS checkout (a work tree or a bare git dir) on sys.path; returns its path."""
    if os.path.isdir(os.path.join(tpm_repo, "models")):
        root = tpm_repo
    else:
        root = export_checkout(tpm_repo, tempfile.mkdtemp(prefix="tpm_fss_"))
    _install_stand_ins()
    _offline_backbone_weights()
    sys.path.insert(0, root)
    return root


@contextlib.contextmanager
def quiet():
    """The reference prints on every step; keep the generator's output readable."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield
