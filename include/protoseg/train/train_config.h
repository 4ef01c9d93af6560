#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "protoseg/data/supervoxel_episode_sampler.h"

namespace protoseg::train {

/// The feature extractor: ResNet depth, output stride, projection width and initial weights.
struct EncoderConfig {
  int64_t depth = 101;
  int64_t output_stride = 8;
  int64_t out_channels = 256;
  /// Initial backbone weights: a torchvision-style state_dict (.pth) or a file written by
  /// `convert-weights`; `none` starts from random weights. Required: an empty value is an
  /// error, so a forgotten `--set encoder.weights=...` cannot silently train from scratch.
  std::filesystem::path weights;
  /// The value of `weights` that asks for random initialisation.
  static constexpr const char* kNoWeights = "none";
  bool random_weights() const { return weights == kNoWeights; }
  /// ResNet v1 bottlenecks, needed by weights converted from Keras/Caffe (convert-weights).
  bool stride_in_1x1 = false;
  /// Input preprocessing after the gray slice is repeated to 3 channels: (x - mean) / std per
  /// channel. Empty lists (default, the papers' choice) feed the z-scored image unchanged.
  std::vector<double> input_mean;
  std::vector<double> input_std;
  /// Channels-last (NHWC) convolutions: about 2x faster in bf16 on CPU, same results.
  bool channels_last = true;

  template <class V>
  void visit(V& v) {
    v.optional("depth", depth);
    v.optional("stride_in_1x1", stride_in_1x1);
    v.optional("input_mean", input_mean);
    v.optional("input_std", input_std);
    v.optional("channels_last", channels_last);
    v.optional("output_stride", output_stride);
    v.optional("out_channels", out_channels);
    v.optional("weights", weights);
  }
  template <class V>
  void validate(V& v) const {
    if (depth != 18 && depth != 34 && depth != 50 && depth != 101 && depth != 152) {
      v.invalid("depth", "must be 18, 34, 50, 101 or 152");
    }
    if (output_stride != 8 && output_stride != 16 && output_stride != 32) {
      v.invalid("output_stride", "must be 8, 16 or 32");
    }
    if (out_channels < 1) v.invalid("out_channels", "must be positive");
    if (weights.empty()) {
      v.invalid("weights",
                "is empty: name a weights file (scripts/fetch_weights.sh prints the ImageNet "
                "ResNet-50) or write 'none' to start from random weights");
    }
    if (input_mean.size() != input_std.size() || (!input_mean.empty() && input_mean.size() != 3)) {
      v.invalid("input_mean", "input_mean and input_std need 3 values each, or none");
    }
    for (double s : input_std) {
      if (s <= 0) v.invalid("input_std", "values must be positive");
    }
  }
};

/// The prototype head. `threshold`: "softplus" (TPM's parameterisation, used by the TPM
/// authors for both TPM and their ADNet baseline) or "direct" (T_S itself, original ADNet).
struct HeadConfig {
  std::string threshold = "softplus";
  double alpha = 20.0;
  double initial_threshold = -10.0;
  double ema_rate = 1e-3;

  template <class V>
  void visit(V& v) {
    v.optional("threshold", threshold);
    v.optional("alpha", alpha);
    v.optional("initial_threshold", initial_threshold);
    v.optional("ema_rate", ema_rate);
  }
  template <class V>
  void validate(V& v) const {
    if (threshold != "softplus" && threshold != "direct") {
      v.invalid("threshold", "must be softplus or direct");
    }
    if (alpha <= 0) v.invalid("alpha", "must be positive");
    if (initial_threshold <= -alpha) v.invalid("initial_threshold", "must exceed -alpha");
    if (ema_rate <= 0 || ema_rate > 1) v.invalid("ema_rate", "must be in (0, 1]");
  }
};

/// Loss terms: weighted query NLL + alignment + threshold_weight * T_S / alpha.
struct LossConfig {
  double background_weight = 0.1;
  double alignment_weight = 1.0;
  /// ADNet's T-loss scaler: 1 for the ADNet baseline, 0 for TPM.
  double threshold_weight = 0.0;
  /// Use the reference's off-by-one ideal threshold (D[n] + D[n+1]) / 2.
  bool reference_compat = false;

  template <class V>
  void visit(V& v) {
    v.optional("background_weight", background_weight);
    v.optional("alignment_weight", alignment_weight);
    v.optional("threshold_weight", threshold_weight);
    v.optional("reference_compat", reference_compat);
  }
  template <class V>
  void validate(V& v) const {
    if (background_weight < 0) v.invalid("background_weight", "must be >= 0");
    if (alignment_weight < 0) v.invalid("alignment_weight", "must be >= 0");
  }
};

/// SGD with a step learning-rate decay and optional gradient value clipping.
struct OptimizerConfig {
  double lr = 1e-3;
  double momentum = 0.9;
  double weight_decay = 5e-4;
  /// lr is multiplied by lr_gamma every lr_step steps.
  double lr_gamma = 0.95;
  int64_t lr_step = 1000;
  /// Clip every gradient element to [-c, c]; 0 disables.
  double clip_grad_value = 1.0;

  template <class V>
  void visit(V& v) {
    v.optional("lr", lr);
    v.optional("momentum", momentum);
    v.optional("weight_decay", weight_decay);
    v.optional("lr_gamma", lr_gamma);
    v.optional("lr_step", lr_step);
    v.optional("clip_grad_value", clip_grad_value);
  }
  template <class V>
  void validate(V& v) const {
    if (lr <= 0) v.invalid("lr", "must be positive");
    if (momentum < 0 || momentum >= 1) v.invalid("momentum", "must be in [0, 1)");
    if (weight_decay < 0) v.invalid("weight_decay", "must be >= 0");
    if (lr_gamma <= 0 || lr_gamma > 1) v.invalid("lr_gamma", "must be in (0, 1]");
    if (lr_step < 1) v.invalid("lr_step", "must be >= 1");
    if (clip_grad_value < 0) v.invalid("clip_grad_value", "must be >= 0");
  }
};

/// A self-supervised few-shot training run (train-tpm).
struct TrainConfig {
  /// Dataset YAML (configs/data/...); relative paths resolve against this config file.
  std::filesystem::path dataset;
  int fold = 0;
  int64_t seed = 2021;
  int64_t steps = 50000;
  EncoderConfig encoder;
  HeadConfig head;
  LossConfig loss;
  OptimizerConfig optimizer;
  data::SupervoxelEpisodeOptions episodes;
  /// Episode threads and how many episodes they may prepare ahead.
  int workers = 2;
  int prefetch = 8;
  /// "fp32", "bf16" or "auto" (fp32 on CUDA as the reference; bf16 on a CPU with native bf16,
  /// where it is the only way to train in hours; fp32 elsewhere).
  std::string precision = "auto";
  /// "cpu", "cuda", "cuda:N" or "auto".
  std::string device = "auto";
  /// Torch intra-op threads; 0 means all cores.
  int threads = 0;
  int64_t checkpoint_every = 1000;
  int64_t log_every = 10;
  /// Every this many steps (and at step 0 and the end) the model segments validation_episodes
  /// fixed supervoxel episodes of the held-out fold volumes; 0 disables.
  int64_t validate_every = 0;
  int validation_episodes = 32;

  template <class V>
  void visit(V& v) {
    v.required("dataset", dataset);
    v.optional("fold", fold);
    v.optional("seed", seed);
    v.optional("steps", steps);
    v.optional("encoder", encoder);
    v.optional("head", head);
    v.optional("loss", loss);
    v.optional("optimizer", optimizer);
    v.optional("episodes", episodes);
    v.optional("workers", workers);
    v.optional("prefetch", prefetch);
    v.optional("precision", precision);
    v.optional("device", device);
    v.optional("threads", threads);
    v.optional("checkpoint_every", checkpoint_every);
    v.optional("log_every", log_every);
    v.optional("validate_every", validate_every);
    v.optional("validation_episodes", validation_episodes);
  }
  template <class V>
  void validate(V& v) const {
    if (fold < 0) v.invalid("fold", "must be >= 0");
    if (steps < 0) v.invalid("steps", "must be >= 0");
    if (workers < 1) v.invalid("workers", "must be >= 1");
    if (prefetch < 1) v.invalid("prefetch", "must be >= 1");
    if (precision != "fp32" && precision != "bf16" && precision != "auto") {
      v.invalid("precision", "must be fp32, bf16 or auto");
    }
    if (checkpoint_every < 1) v.invalid("checkpoint_every", "must be >= 1");
    if (log_every < 1) v.invalid("log_every", "must be >= 1");
    if (validate_every < 0) v.invalid("validate_every", "must be >= 0");
    if (validation_episodes < 1) v.invalid("validation_episodes", "must be >= 1");
  }
};

}  // namespace protoseg::train
