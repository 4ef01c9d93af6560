#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace protoseg::train {

/// Where the image-report data lies and how it is prepared.
struct ImageReportDataConfig {
  /// A folder in ProLearn's layout (split.json, images/, masks/, reports/).
  std::filesystem::path root;
  /// Alternatively LViT/GuideSeg CSV manifests (columns Image, Description) per split, with
  /// the image and mask folders; used when `root` is empty.
  std::filesystem::path train_manifest, val_manifest, test_manifest, image_dir, mask_dir;
  /// Images and masks are resized to image_size x image_size (a multiple of 32).
  int64_t image_size = 224;
  /// WordPiece vocabulary and the token length of every report ([CLS] ... [SEP] [PAD]...).
  std::filesystem::path vocab;
  int64_t token_length = 24;
  /// Random zoom of training images (GuideSeg: 0.95..1.2 with probability 0.1).
  double zoom_min = 0.95;
  double zoom_max = 1.2;
  double zoom_probability = 0.1;
  /// Use only the first N training / validation images (0: all), for quick runs and tests.
  int64_t train_limit = 0;
  int64_t val_limit = 0;

  template <class V>
  void visit(V& v) {
    v.optional("root", root);
    v.optional("train_manifest", train_manifest);
    v.optional("val_manifest", val_manifest);
    v.optional("test_manifest", test_manifest);
    v.optional("image_dir", image_dir);
    v.optional("mask_dir", mask_dir);
    v.optional("image_size", image_size);
    v.required("vocab", vocab);
    v.optional("token_length", token_length);
    v.optional("zoom_min", zoom_min);
    v.optional("zoom_max", zoom_max);
    v.optional("zoom_probability", zoom_probability);
    v.optional("train_limit", train_limit);
    v.optional("val_limit", val_limit);
  }
  template <class V>
  void validate(V& v) const {
    if (root.empty() && (train_manifest.empty() || val_manifest.empty() || test_manifest.empty() ||
                         image_dir.empty() || mask_dir.empty())) {
      v.invalid("root", "give root, or the three manifests with image_dir and mask_dir");
    }
    if (image_size < 32 || image_size % 32 != 0) {
      v.invalid("image_size", "must be a positive multiple of 32");
    }
    if (token_length < 3) v.invalid("token_length", "must be at least 3");
    if (!(zoom_min > 0 && zoom_min <= zoom_max)) v.invalid("zoom_min", "need 0 < min <= max");
    if (zoom_probability < 0 || zoom_probability > 1) {
      v.invalid("zoom_probability", "must lie in [0, 1]");
    }
    if (train_limit < 0 || val_limit < 0) v.invalid("train_limit", "limits must be >= 0");
  }
};

/// The U-Net and the text encoder.
struct UNetConfig {
  int64_t depth = 50;
  /// ImageNet weights for the encoder (torchvision-style state_dict or convert-weights output).
  std::filesystem::path weights;
  bool stride_in_1x1 = false;
  std::vector<int64_t> decoder_channels = {256, 128, 64, 32};
  bool channels_last = true;
  /// Text encoder: "transformer" (trained from scratch with the teacher) or "torchscript"
  /// (a frozen exported encoder in `text_encoder_file`).
  std::string text_encoder = "transformer";
  std::filesystem::path text_encoder_file;
  int64_t text_dim = 256;
  int64_t text_layers = 2;
  int64_t text_heads = 4;
  /// Initial weight of the guide layers' text term. GuideSeg's 0.01 leaves the text nearly
  /// unread in a short schedule: AdamW moves it by at most about lr per step.
  double guide_scale = 0.01;

  template <class V>
  void visit(V& v) {
    v.optional("depth", depth);
    v.optional("weights", weights);
    v.optional("stride_in_1x1", stride_in_1x1);
    v.optional("decoder_channels", decoder_channels);
    v.optional("channels_last", channels_last);
    v.optional("text_encoder", text_encoder);
    v.optional("text_encoder_file", text_encoder_file);
    v.optional("text_dim", text_dim);
    v.optional("text_layers", text_layers);
    v.optional("text_heads", text_heads);
    v.optional("guide_scale", guide_scale);
  }
  template <class V>
  void validate(V& v) const {
    if (depth != 18 && depth != 34 && depth != 50 && depth != 101 && depth != 152) {
      v.invalid("depth", "must be 18, 34, 50, 101 or 152");
    }
    if (decoder_channels.size() != 4) v.invalid("decoder_channels", "needs 4 widths");
    for (int64_t width : decoder_channels) {
      if (width < 4 || width % 4 != 0) {
        v.invalid("decoder_channels", "widths must be positive multiples of 4");
      }
    }
    if (text_encoder != "transformer" && text_encoder != "torchscript") {
      v.invalid("text_encoder", "must be transformer or torchscript");
    }
    if (text_encoder == "torchscript" && text_encoder_file.empty()) {
      v.invalid("text_encoder_file", "needed with text_encoder: torchscript");
    }
    if (!(guide_scale >= 0)) v.invalid("guide_scale", "must be >= 0");
    if (text_dim < 1 || text_heads < 1 || text_dim % text_heads != 0) {
      v.invalid("text_dim", "must be a positive multiple of text_heads");
    }
  }
};

/// PSA initialisation and querying (ProLearn Sec. 2).
struct PsaConfig {
  /// Token filter: a report token is kept when its share of the teacher's cross-attention,
  /// times the number of word tokens, exceeds tau (1 keeps the above-average tokens).
  double tau = 1.0;
  /// HDBSCAN min_points on the text features of the distinct filtered sentences.
  int64_t min_cluster_size = 3;
  /// M, K-means sub-clusters per surrogate label (fewer when a label has fewer samples).
  int64_t sub_clusters = 16;
  int64_t top_k = 3;
  /// "sum" (the paper: softmax-weighted sum of responses) or "tokens" (the released code's
  /// attention variant: the k responses side by side, fused by the decoder).
  std::string aggregation = "sum";
  /// "nearest" (the paper: the sample nearest each centroid) or "centroid" (released code).
  std::string prototype = "nearest";

  template <class V>
  void visit(V& v) {
    v.optional("tau", tau);
    v.optional("min_cluster_size", min_cluster_size);
    v.optional("sub_clusters", sub_clusters);
    v.optional("top_k", top_k);
    v.optional("aggregation", aggregation);
    v.optional("prototype", prototype);
  }
  template <class V>
  void validate(V& v) const {
    if (tau < 0) v.invalid("tau", "must be >= 0");
    if (min_cluster_size < 2) v.invalid("min_cluster_size", "must be >= 2");
    if (sub_clusters < 1) v.invalid("sub_clusters", "must be >= 1");
    if (top_k < 1) v.invalid("top_k", "must be >= 1");
    if (aggregation != "sum" && aggregation != "tokens") {
      v.invalid("aggregation", "must be sum or tokens");
    }
    if (prototype != "nearest" && prototype != "centroid") {
      v.invalid("prototype", "must be nearest or centroid");
    }
  }
};

/// One training stage's optimisation: AdamW with per-epoch cosine annealing, early stopping.
struct StageConfig {
  int64_t epochs = 50;
  int64_t batch_size = 32;
  double lr = 1e-4;
  double weight_decay = 0.01;
  /// Cosine period in epochs and the floor of the learning rate.
  int64_t cosine_epochs = 200;
  double min_lr = 1e-6;
  /// Stop after this many epochs without a better validation Dice.
  int64_t patience = 20;
  /// Validation images scored per epoch (0: the whole validation split).
  int64_t validation_images = 0;
  /// An epoch draws at least this many images, cycling reshuffled passes over a small training
  /// set, so small paired subsets get the same number of steps as large ones (0: one pass).
  int64_t min_epoch_images = 0;

  template <class V>
  void visit(V& v) {
    v.optional("epochs", epochs);
    v.optional("batch_size", batch_size);
    v.optional("lr", lr);
    v.optional("weight_decay", weight_decay);
    v.optional("cosine_epochs", cosine_epochs);
    v.optional("min_lr", min_lr);
    v.optional("patience", patience);
    v.optional("validation_images", validation_images);
    v.optional("min_epoch_images", min_epoch_images);
  }
  template <class V>
  void validate(V& v) const {
    if (epochs < 0) v.invalid("epochs", "must be >= 0");
    if (batch_size < 1) v.invalid("batch_size", "must be >= 1");
    if (!(lr > 0)) v.invalid("lr", "must be positive");
    if (weight_decay < 0) v.invalid("weight_decay", "must be >= 0");
    if (cosine_epochs < 1) v.invalid("cosine_epochs", "must be >= 1");
    if (min_lr < 0 || min_lr > lr) v.invalid("min_lr", "must lie in [0, lr]");
    if (patience < 1) v.invalid("patience", "must be >= 1");
    if (validation_images < 0) v.invalid("validation_images", "must be >= 0");
    if (min_epoch_images < 0) v.invalid("min_epoch_images", "must be >= 0");
  }
};

/// The whole ProLearn experiment: data, text fraction, models, stages.
struct ProLearnConfig {
  ImageReportDataConfig data;
  /// Fraction of training images that keep their reports (nested seeded subsets).
  double text_fraction = 0.5;
  /// Seed of the text subset, initialisation, batches and augmentation.
  int64_t seed = 42;
  UNetConfig model;
  PsaConfig psa;
  /// The text-guided teacher (GuideSeg-style baseline) on the paired subset.
  StageConfig teacher;
  /// ProLearn (and the image-only baseline) on all training images.
  StageConfig student;
  /// Initialise the ProLearn U-Net from the teacher (true) or from ImageNet only.
  bool student_from_teacher = true;
  /// A run folder whose finished teacher this run copies instead of training its own; both
  /// must agree on everything the teacher depends on (train/teacher_reuse.h). PSA and student
  /// ablations share one teacher this way. Empty: train the teacher.
  std::filesystem::path teacher_from;
  std::string precision = "auto";
  std::string device = "auto";
  int threads = 0;

  template <class V>
  void visit(V& v) {
    v.required("data", data);
    v.optional("text_fraction", text_fraction);
    v.optional("seed", seed);
    v.optional("model", model);
    v.optional("psa", psa);
    v.optional("teacher", teacher);
    v.optional("student", student);
    v.optional("student_from_teacher", student_from_teacher);
    v.optional("teacher_from", teacher_from);
    v.optional("precision", precision);
    v.optional("device", device);
    v.optional("threads", threads);
  }
  template <class V>
  void validate(V& v) const {
    if (!(text_fraction > 0 && text_fraction <= 1)) {
      v.invalid("text_fraction", "must lie in (0, 1]");
    }
    if (precision != "fp32" && precision != "bf16" && precision != "auto") {
      v.invalid("precision", "must be fp32, bf16 or auto");
    }
    if (threads < 0) v.invalid("threads", "must be >= 0");
  }
};

}  // namespace protoseg::train
