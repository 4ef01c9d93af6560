#pragma once

#include "protoseg/train/episode_objective.h"

namespace protoseg::train {

/// TPM's multi-foreground (MF) training objective for an episode with K >= 1 structures
/// (Sec. 3.5): one MAP prototype per structure, the multi-class posterior of Eq. 9 with total
/// foreground prior 0.5 and sigma_F, sigma_B recomputed differentiably from T_S, computed on
/// the feature grid, upsampled (align_corners = true) and renormalised; weighted NLL with
/// weights [1] * K + [background_weight] (channel order [structure_1..K, background]); the
/// multi-class PANet alignment loss (query prototypes of the structures the query prediction
/// contains segment the support; the other structures count as background). With K = 1 it is
/// the binary objective. `query_foreground` holds [1 - P(B), P not B] for Dice.
EpisodeLosses multi_class_episode_losses(models::FewShotSegmenterImpl& model,
                                         const EpisodeBatch& batch, const LossConfig& loss);

}  // namespace protoseg::train
