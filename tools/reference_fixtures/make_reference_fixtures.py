#!/usr/bin/python3
"""Writes the golden fixtures of the parity tests (tests/parity, label `parity`) by running the
reference implementation of TPM and ADNet (hjk92g/TPM-FSS) itself on fixed inputs.

    /usr/bin/python3 tools/reference_fixtures/make_reference_fixtures.py \
        --tpm-repo /path/to/TPM-FSS [--out tests/fixtures/reference] [--only NAME ...]

--tpm-repo is a checkout or a bare git directory (as the `fetch` tool leaves it). Needs Debian's
python3-torch, python3-torchvision, python3-opencv, python3-scipy, python3-sklearn,
python3-nibabel and python3-matplotlib; the shared data under ../shared/data (or
--shared-data) and, for the CT fixtures, the unpacked ABD-CT volumes (scripts/prepare_abd_ct.sh)
and the ABD-MRI supervoxels (make-supervoxels) in derived/. See README.md next to this file.
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
    parser.add_argument("--out", default=os.path.join(repo, "tests", "fixtures", "reference"))
    parser.add_argument("--shared-data", default=os.path.join(repo, "..", "shared", "data"))
    parser.add_argument("--derived", default=os.path.join(repo, "derived"))
    parser.add_argument("--only", nargs="*", default=None, help="fixture groups to write")
    args = parser.parse_args()
    reference_env.load_reference(args.tpm_repo)
    os.makedirs(args.out, exist_ok=True)

    import fixture_encoder
    import fixture_heads
    import fixture_inference
    import fixture_priors
    import fixture_protocol
    import fixture_augmentation
    import fixture_checkpoint

    groups = {
        "encoder": lambda: fixture_encoder.write(args.out),
        "heads": lambda: fixture_heads.write(args.out),
        "inference": lambda: fixture_inference.write(args.out),
        "priors": lambda: fixture_priors.write(args.out),
        "protocol": lambda: fixture_protocol.write(args.out, args.shared_data, args.derived),
        "augmentation": lambda: fixture_augmentation.write(args.out, args.shared_data,
                                                          args.derived),
        "checkpoint": lambda: fixture_checkpoint.write(args.out),
    }
    for name, write in groups.items():
        if args.only is None or name in args.only:
            print(f"[{name}]", flush=True)
            write()


if __name__ == "__main__":
    main()
