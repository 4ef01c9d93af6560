#pragma once

#include "protoseg/io/torch_state_dict.h"
#include "protoseg/models/tied_prototype_head.h"

namespace protoseg::models {

/// Checkpoints of the reference TPM code (hjk92g/TPM-FSS, `FewShotSeg` in
/// models/fewshot_anom.py, saved by main_train.py as `model.pth`) and protoseg's `model.pth`
/// (FewShotSegmenter) hold the same weights under other names:
///
/// - `encoder.backbone.*` (torchvision ResNet trunk): the same names;
/// - `encoder.localconv.weight`: `encoder.projection.weight`;
/// - `pre_T_S` (--adnet, softplus) or `T_S` (--ADNet): `head.threshold`;
/// - `sig1`, `sig2`: `head.sigma_foreground`, `head.sigma_background`;
/// - `T_D_hat`: `head.ideal_threshold_ema`;
/// - `p_F_hat`: computed, `TiedPrototypeHead::average_estimated_prior()`;
/// - `alpha`, `alpha_hat`, `alpha_hat2`, `p_F`: constants (alpha, alpha, alpha, 0.5);
/// - `encoder.asppconv.*`, `encoder.aspp_out.*`: none, unused by the reference's forward.
///
/// The reference trains inside `nn.DataParallel`, so its files may carry a `module.` prefix.

/// True for a reference checkpoint: it has `encoder.localconv.weight`, with or without the
/// `module.` prefix.
bool is_reference_checkpoint(const io::StateDict& state);

/// A reference checkpoint in protoseg's names (what FewShotSegmenter loads strictly). The
/// `module.` prefix is dropped and the ASPP weights are ignored. Throws std::runtime_error when
/// an entry is missing or when its alpha or threshold parameterisation differs from `head`.
io::StateDict from_reference_checkpoint(const io::StateDict& reference,
                                        const TiedPrototypeHeadOptions& head);

/// protoseg's FewShotSegmenter state dict in the reference's names, with every entry of
/// `FewShotSeg(adnet=True, fix_alpha=alpha)` (or `ADNet=True` for a directly parameterised
/// threshold), so PyTorch's `load_state_dict(strict=True)` accepts it. The unused ASPP
/// convolutions are written as zeros and their BatchNorms as the identity. `average_prior` is
/// the head's AvgEst prior (p_F_hat). Throws std::runtime_error naming a missing entry.
io::StateDict to_reference_checkpoint(const io::StateDict& ours,
                                      const TiedPrototypeHeadOptions& head,
                                      const at::Tensor& average_prior);

/// Either kind of file's state dict in protoseg's names: reference checkpoints are converted,
/// protoseg's returned as they are.
io::StateDict protoseg_state_dict(const io::StateDict& state, const TiedPrototypeHeadOptions& head);

}  // namespace protoseg::models
