#!/usr/bin/python3
"""Loads a checkpoint that protoseg wrote in the reference's names into the reference's own
FewShotSeg (hjk92g/TPM-FSS) with load_state_dict(strict=True), runs its encoder on the fixed
input of the encoder fixtures and compares the features with encoder_resnet101.pt.

    PROTOSEG_INTEROP_DIR=/tmp/interop build/tests/protoseg_tests \
        --gtest_filter=CheckpointParityTest.AReferenceCheckpointGivesTheReferenceFeatures
    /usr/bin/python3 tools/reference_fixtures/check_exported_checkpoint.py --tpm-repo TPM-FSS \
        --checkpoint /tmp/interop/protoseg_resnet101_reference_names.pth

(convert-weights --to-reference RUN/model.pth --out F.pth writes such a file from a trained
ResNet-101 run; with --features-only the script then prints the features' norm only.)
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import reference_env  # noqa: E402


def main():
    repo = os.path.abspath(os.path.join(HERE, "..", ".."))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tpm-repo", required=True)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--config", default="adnet", choices=["adnet", "ADNet"])
    parser.add_argument("--features-only", action="store_true")
    parser.add_argument("--fixtures", default=os.path.join(repo, "tests", "fixtures", "reference"))
    args = parser.parse_args()
    reference_env.load_reference(args.tpm_repo)
    import torch
    import fixture_checkpoint

    features = fixture_checkpoint.check(args.checkpoint, args.config)
    print(f"strict load: ok; features {tuple(features.shape)}, norm {features.norm():.4f}")
    if args.features_only:
        return
    expected = torch.load(os.path.join(args.fixtures, "encoder_resnet101.pt"))["eval_features"]
    expected = expected.float()
    cosine = torch.nn.functional.cosine_similarity(features.flatten(), expected.flatten(), dim=0)
    error = (features - expected).abs().max() / expected.abs().max()
    print(f"against the reference's own features: cosine {cosine:.7f}, "
          f"max |error| / max |reference| {error:.2e}")
    sys.exit(0 if cosine >= 0.9999 else 1)


if __name__ == "__main__":
    main()
