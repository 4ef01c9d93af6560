#include "protoseg/train/prolearn_pipeline.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "protoseg/config/load_config.h"
#include "protoseg/core/device.h"
#include "protoseg/core/threads.h"
#include "protoseg/data/text_fraction.h"
#include "protoseg/io/torch_state_dict.h"
#include "protoseg/models/load_weights.h"
#include "protoseg/models/prolearn_segmenter.h"
#include "protoseg/models/text_guided_segmenter.h"
#include "protoseg/train/psa_initialisation.h"
#include "protoseg/train/teacher_reuse.h"

namespace protoseg::train {
namespace fs = std::filesystem;

SegmenterKind parse_segmenter_kind(const std::string& name) {
  if (name == "prolearn") return SegmenterKind::kProLearn;
  if (name == "guideseg") return SegmenterKind::kGuideSeg;
  if (name == "image-only") return SegmenterKind::kImageOnly;
  throw std::invalid_argument("unknown model '" + name + "': use prolearn, guideseg or image-only");
}

std::string to_string(SegmenterKind kind) {
  switch (kind) {
    case SegmenterKind::kProLearn: return "prolearn";
    case SegmenterKind::kGuideSeg: return "guideseg";
    case SegmenterKind::kImageOnly: return "image-only";
  }
  return "?";
}

std::string stage_folder(SegmenterKind kind) {
  switch (kind) {
    case SegmenterKind::kProLearn: return "prolearn";
    case SegmenterKind::kGuideSeg: return "teacher";
    case SegmenterKind::kImageOnly: return "image_only";
  }
  return "?";
}

std::vector<data::ImageReportRecord> read_image_report_split(const ImageReportDataConfig& config,
                                                             const std::string& split) {
  if (!config.root.empty()) return data::read_prolearn_split(config.root, split);
  const fs::path manifest = split == "train" ? config.train_manifest
                            : split == "val" ? config.val_manifest
                                             : config.test_manifest;
  return data::read_report_manifest(manifest, config.image_dir, config.mask_dir);
}

namespace {

models::LanguageGuidedUNetOptions unet_options(const UNetConfig& config, bool guided,
                                               int64_t text_dim) {
  return models::LanguageGuidedUNetOptions(config.depth)
      .stride_in_1x1(config.stride_in_1x1)
      .decoder_channels(config.decoder_channels)
      .text_dim(text_dim)
      .guided(guided)
      .guide_scale(config.guide_scale)
      .channels_last(config.channels_last);
}

void load_imagenet_weights(models::LanguageGuidedUNet& unet, const UNetConfig& config) {
  if (config.weights.empty()) return;
  const io::StateDict state = io::read_torch_state_dict(config.weights);
  try {
    models::load_state_dict(*unet->encoder, state, /*strict=*/true, "", {"fc."});
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(config.weights.string() + ": does not fit a ResNet-" +
                             std::to_string(config.depth) + ": " + e.what());
  }
}

std::shared_ptr<models::TextEncoderImpl> make_text_encoder(const UNetConfig& config,
                                                           int64_t vocab_size, int64_t length) {
  if (config.text_encoder == "torchscript") {
    return std::make_shared<models::ScriptedTextEncoderImpl>(config.text_encoder_file);
  }
  return std::make_shared<models::TextTransformerImpl>(models::TextTransformerOptions(vocab_size)
                                                           .max_length(length)
                                                           .dim(config.text_dim)
                                                           .layers(config.text_layers)
                                                           .heads(config.text_heads));
}

std::vector<data::ImageReportRecord> first(std::vector<data::ImageReportRecord> records,
                                           int64_t limit) {
  if (limit > 0 && static_cast<int64_t>(records.size()) > limit) {
    records.resize(static_cast<size_t>(limit));
  }
  return records;
}

std::vector<std::string> reports_of(const data::ImageReportSet& set,
                                    const std::vector<int64_t>& rows) {
  std::vector<std::string> reports;
  for (const int64_t row : rows) reports.push_back(set.reports[static_cast<size_t>(row)]);
  return reports;
}

}  // namespace

Segmenter build_segmenter(SegmenterKind kind, const ProLearnConfig& config,
                          const text::WordPieceTokenizer& tokenizer, int64_t prototypes) {
  const int64_t length = config.data.token_length;
  Segmenter segmenter;
  if (kind == SegmenterKind::kImageOnly) {
    auto unet = std::make_shared<models::LanguageGuidedUNetImpl>(
        unet_options(config.model, false, config.model.text_dim));
    models::LanguageGuidedUNet holder(unet);
    load_imagenet_weights(holder, config.model);
    segmenter.module = unet;
    segmenter.bind = [unet](const data::ImageReportSet&) -> SegmentationForward {
      return [unet](const torch::Tensor& images, const std::vector<int64_t>&, bool) {
        return unet->forward(images);
      };
    };
  } else if (kind == SegmenterKind::kGuideSeg) {
    auto encoder = make_text_encoder(config.model, tokenizer.vocab_size(), length);
    auto model = std::make_shared<models::TextGuidedSegmenterImpl>(
        unet_options(config.model, true, encoder->dim()), encoder);
    load_imagenet_weights(model->unet, config.model);
    segmenter.module = model;
    const text::WordPieceTokenizer* words = &tokenizer;
    segmenter.bind = [model, words,
                      length](const data::ImageReportSet& set) -> SegmentationForward {
      const data::ImageReportSet* source = &set;
      return [model, words, length, source](const torch::Tensor& images,
                                            const std::vector<int64_t>& rows, bool) {
        const text::TokenBatch tokens = words->encode_batch(reports_of(*source, rows), length);
        return model->forward(images, tokens.ids.to(images.device()),
                              tokens.attention_mask.to(images.device()));
      };
    };
  } else {
    TORCH_CHECK(prototypes > 0, "ProLearn needs the number of PSA prototypes");
    const int64_t text_dim =
        config.model.text_encoder == "torchscript"
            ? make_text_encoder(config.model, tokenizer.vocab_size(), length)->dim()
            : config.model.text_dim;
    const auto options = unet_options(config.model, true, text_dim);
    const int64_t query_dim =
        models::ResNet(models::ResNetOptions(config.model.depth).num_classes(0))
            ->feature_channels();
    const auto aggregation = config.psa.aggregation == "tokens"
                                 ? models::PsaAggregation::kTokens
                                 : models::PsaAggregation::kWeightedSum;
    auto model = std::make_shared<models::ProLearnSegmenterImpl>(
        options, models::SemanticApproximationOptions(prototypes, query_dim, length, text_dim)
                     .top_k(std::min(config.psa.top_k, prototypes))
                     .aggregation(aggregation));
    load_imagenet_weights(model->unet, config.model);
    segmenter.module = model;
    segmenter.bind = [model](const data::ImageReportSet&) -> SegmentationForward {
      return [model](const torch::Tensor& images, const std::vector<int64_t>&, bool) {
        return model->forward(images);  // no report is read
      };
    };
  }
  segmenter.parameters = segmenter.module->parameters();
  return segmenter;
}

Segmenter load_trained_segmenter(SegmenterKind kind, const ProLearnConfig& config,
                                 const text::WordPieceTokenizer& tokenizer, const fs::path& run_dir,
                                 const c10::Device& device) {
  const int64_t prototypes =
      kind == SegmenterKind::kProLearn ? load_prototypes(run_dir / "psa").queries.size(0) : 0;
  Segmenter segmenter = build_segmenter(kind, config, tokenizer, prototypes);
  SegmentationStage::load_best(*segmenter.module, run_dir / stage_folder(kind));
  segmenter.module->to(device);
  return segmenter;
}

bool train_segmenter(const ProLearnConfig& config, SegmenterKind kind, const fs::path& run_dir,
                     bool resume, const std::atomic<bool>* stop,
                     std::shared_ptr<dist::ProcessGroup> group) {
  const c10::Device device = core::resolve_device(config.device);
  if (!group) group = dist::ProcessGroup::create({}, device, std::chrono::milliseconds(1000));
  const bool main_rank = group->is_main();
  const core::Precision precision = core::resolve_precision(config.precision, device);
  const int threads = core::configure_threads(config.threads);
  if (main_rank) {
    fs::create_directories(run_dir);
    config::save_config(config, run_dir / "config.yaml");
  }
  torch::manual_seed(static_cast<uint64_t>(config.seed));

  const text::WordPieceTokenizer tokenizer(config.data.vocab);
  spdlog::info("loading images at {} x {}", config.data.image_size, config.data.image_size);
  const data::ImageReportSet train = data::load_image_report_set(
      first(read_image_report_split(config.data, "train"), config.data.train_limit),
      config.data.image_size);
  const data::ImageReportSet val = data::load_image_report_set(
      first(read_image_report_split(config.data, "val"), config.data.val_limit),
      config.data.image_size);
  const std::vector<int64_t> paired =
      data::paired_subset(train.size(), config.text_fraction, static_cast<uint64_t>(config.seed));
  for (const int64_t row : paired) {
    if (!train.has_report[static_cast<size_t>(row)]) {
      throw std::runtime_error("training image " + train.ids[static_cast<size_t>(row)] +
                               " was drawn into the paired subset but has no report");
    }
  }
  std::vector<int64_t> all_rows(static_cast<size_t>(train.size()));
  std::iota(all_rows.begin(), all_rows.end(), 0);
  std::string paired_csv = "row,id\n";
  for (const int64_t row : paired)
    paired_csv += std::to_string(row) + "," + train.ids[static_cast<size_t>(row)] + "\n";
  if (main_rank) config::write_text_atomically(run_dir / "paired_subset.csv", paired_csv);
  spdlog::info(
      "{} on {} ({} threads, {}, {} process{}): {} training images, {} with reports (text "
      "fraction {:.4f} requested, {:.4f} used), {} validation images",
      to_string(kind), device.str(), threads, core::to_string(precision), group->world_size(),
      group->world_size() > 1 ? "es" : "", train.size(), paired.size(), config.text_fraction,
      static_cast<double>(paired.size()) / static_cast<double>(train.size()), val.size());
  const data::RandomZoomOptions zoom{config.data.zoom_min, config.data.zoom_max,
                                     config.data.zoom_probability};
  const auto seed = static_cast<uint64_t>(config.seed);

  if (kind == SegmenterKind::kImageOnly) {
    Segmenter unet = build_segmenter(kind, config, tokenizer);
    SegmentationStage stage("image-only", config.student, run_dir / "image_only", device, precision,
                            seed, zoom, group);
    return !stage
                .run(*unet.module, unet.parameters, unet.bind(train), train, all_rows,
                     unet.bind(val), val, resume, stop)
                .interrupted;
  }

  // Stage 1: the text-guided teacher on the paired subset (the GuideSeg-style baseline), or
  // another run's finished teacher when `teacher_from` names one with the same settings.
  if (main_rank) adopt_teacher(config, run_dir);
  group->barrier();  // rank 0 has copied the teacher
  const bool adopted = has_adopted_teacher(run_dir);
  Segmenter teacher = build_segmenter(SegmenterKind::kGuideSeg, config, tokenizer);
  SegmentationStage teacher_stage("teacher", config.teacher, run_dir / "teacher", device, precision,
                                  seed, zoom, group);
  if (teacher_stage
          .run(*teacher.module, teacher.parameters, teacher.bind(train), train, paired,
               teacher.bind(val), val, resume || adopted, stop)
          .interrupted) {
    return false;
  }
  if (kind == SegmenterKind::kGuideSeg) return true;

  // Stage 2: PSA initialisation from the best teacher.
  SegmentationStage::load_best(*teacher.module, run_dir / "teacher");
  auto teacher_model = std::dynamic_pointer_cast<models::TextGuidedSegmenterImpl>(teacher.module);
  teacher_model->to(device);
  const fs::path psa_dir = run_dir / "psa";
  if (main_rank && !fs::exists(psa_dir / "prototypes.pt")) {
    spdlog::info("PSA initialisation on {} paired samples", paired.size());
    save_prototypes(
        initialise_prototypes(teacher_model->unet, *teacher_model->text_encoder, tokenizer, train,
                              paired, config.psa, config.data.token_length, seed, device, precision,
                              config.teacher.batch_size),
        psa_dir);
  }
  group->barrier();  // rank 0 has written the prototypes
  const PsaPrototypes prototypes = load_prototypes(psa_dir);

  // Stage 3: ProLearn on all training images, guided by the PSA only.
  Segmenter student =
      build_segmenter(SegmenterKind::kProLearn, config, tokenizer, prototypes.queries.size(0));
  auto student_model = std::dynamic_pointer_cast<models::ProLearnSegmenterImpl>(student.module);
  const fs::path student_dir = run_dir / stage_folder(SegmenterKind::kProLearn);
  if (!fs::exists(student_dir / "checkpoint.pt")) {
    if (config.student_from_teacher) {
      models::load_state_dict(*student_model->unet, models::state_dict_of(*teacher_model->unet));
    }
    student_model->psa->initialise(prototypes.queries, prototypes.responses,
                                   prototypes.response_mask);
  }
  SegmentationStage student_stage("prolearn", config.student, student_dir, device, precision, seed,
                                  zoom, group);
  return !student_stage
              .run(*student.module, student.parameters, student.bind(train), train, all_rows,
                   student.bind(val), val, resume, stop)
              .interrupted;
}

}  // namespace protoseg::train
