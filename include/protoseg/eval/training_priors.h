#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include <c10/core/Device.h>

#include "protoseg/data/supervoxel_episode_sampler.h"
#include "protoseg/eval/linear_prior.h"
#include "protoseg/eval/multi_class_linear_prior.h"
#include "protoseg/eval/slice_encoder.h"
#include "protoseg/eval/spherical_mixture.h"
#include "protoseg/models/tied_prototype_head.h"

namespace protoseg::eval {

/// One training query of the prior analysis.
struct PriorSample {
  int64_t episode = 0;
  double location = 0.0;          ///< slice location feature in [0, 1]
  double support_fraction = 0.0;  ///< foreground share of the support mask
  double prior_single = 0.0;      ///< ideal class prior, one prototype (NaN: no boundary)
  double prior_multi = 0.0;       ///< ideal prior, multi-prototypes
  /// Multi-class analysis only: the episode's K structures with the Eq. 9 head.
  int classes = 0;                        ///< K
  std::vector<double> support_fractions;  ///< share of the support of each of the K masks
  double support_fraction_total = 0.0;    ///< foreground share of all K support masks
  double prior_multi_class = 0.0;         ///< ideal total foreground prior
};

/// What AvgEst (multi-prototype) and LinEst need, fitted on training episodes (the
/// reference's analysis pass): mean ideal priors and the two linear models.
struct TrainingPriors {
  double average_single = 0.0;  ///< mean finite ideal prior, one prototype
  double average_multi = 0.0;   ///< mean finite ideal prior, multi-prototypes
  LinearPrior linear_single;
  LinearPrior linear_multi;
  /// true: the reference's behaviour (off-by-one boundary; "location" = the support slice's
  /// rank among the structure's slices / (volume depth - 1)); false: our fix (the query
  /// slice's z / (depth - 1), as at test time).
  bool reference_compat = false;
  /// Multi-class analysis (multi-foreground episodes): what the multi-class head's AvgEst and
  /// LinEst use, on the total foreground: the mean ideal prior (clipped to [1e-3, 1 - 1e-3])
  /// and the reference's Linear(2, 2) fit on the episodes with the most structures (5).
  bool multi_class = false;
  double average_multi_class = 0.0;
  MultiClassLinearPrior linear_multi_class;
  int episodes = 0;  ///< training episodes analysed
  std::vector<PriorSample> samples;
  /// Wall-clock split of the analysis (logged, not saved): waiting for sampled episodes, the
  /// encoder, and the prototypes, mixtures and ideal priors of the episodes.
  double seconds_waiting = 0.0;
  double seconds_encoding = 0.0;
  double seconds_statistics = 0.0;
};

struct PriorAnalysisOptions {
  int episodes = 1000;
  /// Episodes per encoder call (support and query of each: 2 x batch images).
  int batch_size = 8;
  int workers = 2;
  bool reference_compat = false;
  /// Also record each episode's ideal total foreground prior under the multi-class head
  /// (meaningful with a multi-foreground sampler, episodes.max_foregrounds > 1).
  bool multi_class = false;
  SphericalMixtureOptions mixture;
  uint64_t seed = 2021;  ///< seeds the mixtures' starts
  c10::Device device = c10::kCPU;
};

/// LinEst's location feature of a training episode: the query slice's z / (depth - 1) (ours,
/// as at test time), or with `reference_compat` the reference's support rank among the
/// structure's slices / (volume depth - 1).
double prior_location(const data::Episode& episode, bool reference_compat);

/// Runs `options.episodes` episodes of `sampler` (numbers 0, 1, ...) through the encoder and
/// the head (eval mode, no gradients) and records each query's ideal priors and features,
/// then fits the averages and linear models. Logs progress.
TrainingPriors analyze_training_priors(const models::TiedPrototypeHeadImpl& head,
                                       const SliceEncoder& encoder,
                                       const data::SupervoxelEpisodeSampler& sampler,
                                       const PriorAnalysisOptions& options);

/// JSON with the fitted values (samples go to a CSV next to it by write_training_priors).
void write_training_priors(const TrainingPriors& priors, const std::filesystem::path& json_file);
/// Reads write_training_priors' JSON; throws std::runtime_error naming the file when it is
/// missing, malformed or written by an older format (then run the analysis again).
TrainingPriors read_training_priors(const std::filesystem::path& json_file);

}  // namespace protoseg::eval
