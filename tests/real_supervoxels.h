#pragma once

#include "protoseg/data/dataset_config.h"

namespace protoseg::testing {

/// ABD-MRI volumes 1, 2, 3 (indices 0..2) from the shared data with their supervoxels
/// (n_sv 5000) made once per test process into a temporary folder. Fold 0 holds volume index 0,
/// so training uses indices 1 and 2.
data::DatasetConfig abd_mri_with_supervoxels();

/// All 20 ABD-MRI volumes with the shipped dataset file's folds and labels, their supervoxels
/// (n_sv 5000) made once per test process into a temporary folder (about 20 s).
data::DatasetConfig abd_mri_all_with_supervoxels();

/// ABD-CT volumes 0 and 1 (unpacked by scripts/prepare_abd_ct.sh into derived/abd_ct; a clear
/// error names the script when they are missing) with the shipped dataset file's labels and
/// 257 x 257 slices, their supervoxels (n_sv 2000) made once per test process; folds {0}, {1}.
data::DatasetConfig abd_ct_with_supervoxels();

}  // namespace protoseg::testing
