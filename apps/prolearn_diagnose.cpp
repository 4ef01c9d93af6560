// prolearn-diagnose: why ProLearn's approximated text helps or not, measured on a trained run:
// the teacher's token relevance, the surrogate labels against the reports, the PSA's retrieval
// accuracy (and that of every paired image as a prototype), Dice with the retrieved, a random,
// the nearest paired image's or the image's own report as guidance, and the learnt weight of
// the guide layers.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "protoseg/config/load_config.h"
#include "protoseg/core/cli_main.h"
#include "protoseg/core/device.h"
#include "protoseg/core/logging.h"
#include "protoseg/core/threads.h"
#include "protoseg/eval/nearest_reference.h"
#include "protoseg/eval/psa_diagnosis.h"
#include "protoseg/eval/query_embedding.h"
#include "protoseg/eval/report_location.h"
#include "protoseg/eval/report_swaps.h"
#include "protoseg/models/prolearn_segmenter.h"
#include "protoseg/models/text_guided_segmenter.h"
#include "protoseg/train/prolearn_pipeline.h"
#include "protoseg/train/psa_initialisation.h"
#include "protoseg/train/report_filter.h"
#include "protoseg/train/segmentation_stage.h"

namespace fs = std::filesystem;
using namespace protoseg;

namespace {

std::vector<std::vector<std::string>> token_strings(const text::WordPieceTokenizer& tokenizer,
                                                    const std::vector<std::vector<int64_t>>& ids) {
  std::vector<std::vector<std::string>> out;
  for (const auto& sentence : ids) {
    std::vector<std::string> tokens;
    for (const int64_t id : sentence) tokens.push_back(tokenizer.token(id));
    out.push_back(tokens);
  }
  return out;
}

std::string csv_quote(const std::string& text) { return "\"" + text + "\""; }

nlohmann::json to_json(const eval::RetrievalAgreement& a) {
  return {
      {"top1", a.top1}, {"any_of_k", a.any_of_k}, {"chance", a.chance}, {"reachable", a.reachable}};
}

/// A retrieval diagnosis on `split`, with how many candidates (`candidates_key`) it chose from.
nlohmann::json to_json(const eval::RetrievalDiagnosis& d, const std::string& split,
                       const std::string& candidates_key, int64_t candidates) {
  return {{"split", split},
          {"queries", d.queries},
          {candidates_key, candidates},
          {"report", to_json(d.report)},
          {"laterality", to_json(d.laterality)},
          {"zones", to_json(d.zones)},
          {"areas", to_json(d.areas)}};
}

/// The learnt `scale` of every guide layer, by parameter name.
nlohmann::json guide_scales(const torch::nn::Module& model) {
  nlohmann::json scales = nlohmann::json::object();
  for (const auto& parameter : model.named_parameters()) {
    const std::string& name = parameter.key();
    if (name.size() >= 6 && name.compare(name.size() - 6, 6, ".scale") == 0) {
      scales[name] = parameter.value().item<double>();
    }
  }
  return scales;
}

std::vector<int64_t> all_rows(int64_t count) {
  std::vector<int64_t> rows(static_cast<size_t>(count));
  std::iota(rows.begin(), rows.end(), 0);
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Diagnose a prolearn-train run: token relevance, surrogate labels, PSA retrieval accuracy "
      "and Dice under retrieved, random and own-report guidance"};
  fs::path run_dir, out_dir;
  std::string retrieval_split = "val", dice_split = "test", log_level = "info";
  int64_t batch_size = 16;
  uint64_t seed = 0;
  app.add_option("--run", run_dir, "run folder written by prolearn-train --model prolearn")
      ->required();
  app.add_option("--retrieval-split", retrieval_split,
                 "split whose images query the PSA and whose reports judge the answer (val)");
  app.add_option("--dice-split", dice_split, "split scored under each guidance (test)");
  app.add_option("--out", out_dir, "output folder (default RUN/diagnosis)");
  app.add_option("--batch-size", batch_size, "images per forward pass");
  app.add_option("--seed", seed, "seed of the random-prototype guidance");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  CLI11_PARSE(app, argc, argv);

  return core::run_cli("prolearn-diagnose", [&] {
    if (out_dir.empty()) out_dir = run_dir / "diagnosis";
    fs::create_directories(out_dir);
    core::setup_logging(log_level, out_dir / "diagnose.log");
    const auto config = config::load_config<train::ProLearnConfig>(run_dir / "config.yaml");
    const c10::Device device = core::resolve_device(config.device);
    const core::Precision precision = core::resolve_precision(config.precision, device);
    core::configure_threads(config.threads);
    const text::WordPieceTokenizer tokenizer(config.data.vocab);
    const int64_t length = config.data.token_length;
    nlohmann::json summary;

    // The teacher and the PSA as trained.
    train::Segmenter teacher = train::load_trained_segmenter(train::SegmenterKind::kGuideSeg,
                                                             config, tokenizer, run_dir, device);
    auto teacher_model = std::dynamic_pointer_cast<models::TextGuidedSegmenterImpl>(teacher.module);
    train::Segmenter student = train::load_trained_segmenter(train::SegmenterKind::kProLearn,
                                                             config, tokenizer, run_dir, device);
    auto student_model = std::dynamic_pointer_cast<models::ProLearnSegmenterImpl>(student.module);
    const train::PsaPrototypes prototypes = train::load_prototypes(run_dir / "psa");

    // 1. Token relevance on the paired subset, as the PSA initialisation saw it.
    const auto train_records = train::read_image_report_split(config.data, "train");
    std::vector<data::ImageReportRecord> paired_records;
    for (const int64_t row : prototypes.rows) {
      paired_records.push_back(train_records.at(static_cast<size_t>(row)));
    }
    const data::ImageReportSet paired =
        data::load_image_report_set(paired_records, config.data.image_size);
    const train::FilteredReports filtered = train::filter_reports(
        teacher_model->unet, *teacher_model->text_encoder, tokenizer, paired,
        all_rows(paired.size()), config.psa.tau, length, device, precision, batch_size);
    const auto tokens = token_strings(tokenizer, filtered.word_ids);
    const auto kept = token_strings(tokenizer, filtered.kept_ids);
    std::string csv = "token,kind,occurrences,mean_relevance,kept_rate\n";
    for (const auto& t : eval::token_relevance(tokens, filtered.relevance, kept)) {
      csv += fmt::format("{},{},{},{:.4f},{:.4f}\n", csv_quote(t.token), eval::to_string(t.kind),
                         t.occurrences, t.mean_relevance, t.kept_rate);
    }
    config::write_text_atomically(out_dir / "token_relevance.csv", csv);
    const std::vector<double> edges = {0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0};
    const eval::RelevanceHistogram histogram =
        eval::relevance_histogram(tokens, filtered.relevance, edges);
    csv = "bin_from,location,extent,other\n";
    for (size_t b = 0; b < edges.size(); ++b) {
      csv += fmt::format("{},{},{},{}\n", edges[b], histogram.counts[0][b], histogram.counts[1][b],
                         histogram.counts[2][b]);
    }
    config::write_text_atomically(out_dir / "relevance_histogram.csv", csv);

    // 2. Surrogate labels against the full reports of their samples.
    std::vector<std::string> filtered_sentences;
    for (const auto& ids : filtered.kept_ids) {
      filtered_sentences.push_back(train::join_tokens(tokenizer, ids));
    }
    const auto labels =
        eval::summarise_surrogate_labels(prototypes.labels, filtered_sentences, paired.reports);
    csv =
        "label,samples,main_laterality,laterality_purity,main_zones,zone_purity,areas_purity,"
        "top_filtered_sentences\n";
    for (const auto& label : labels) {
      std::string top;
      for (const auto& [sentence, count] : label.top_filtered) {
        top += fmt::format("{}{} ({})", top.empty() ? "" : " | ", sentence, count);
      }
      csv += fmt::format("{},{},{},{:.3f},{},{:.3f},{:.3f},{}\n", label.label, label.samples,
                         label.main_laterality, label.laterality_purity, label.main_zones,
                         label.zone_purity, label.areas_purity, csv_quote(top));
    }
    config::write_text_atomically(out_dir / "surrogate_labels.csv", csv);
    const auto all_labels = eval::summarise_surrogate_labels(
        std::vector<int64_t>(paired.reports.size(), 0), filtered_sentences, paired.reports);
    summary["paired_samples"] = paired.size();
    summary["surrogate_labels"] = labels.size();
    summary["pooled_laterality_purity"] = all_labels.front().laterality_purity;
    summary["pooled_zone_purity"] = all_labels.front().zone_purity;

    // 3. Retrieval: do the prototypes the PSA picks come from reports like the image's own?
    std::vector<std::string> prototype_reports;
    for (const int64_t row : prototypes.prototype_rows) {
      if (row < 0) {
        throw std::runtime_error((run_dir / "psa").string() +
                                 ": centroid prototypes have no source report to compare");
      }
      prototype_reports.push_back(train_records.at(static_cast<size_t>(row)).report.value_or(""));
    }
    const data::ImageReportSet queries = data::load_image_report_set(
        train::read_image_report_split(config.data, retrieval_split), config.data.image_size);
    const torch::Tensor student_queries = eval::embed_set(
        queries, batch_size, [&](const torch::Tensor& images, const torch::Tensor&) {
          student_model->eval();
          core::AutocastGuard autocast(device, precision);
          return student_model->unet->encode(images.to(device)).pooled();
        });
    torch::Tensor indices;
    {
      torch::NoGradGuard no_grad;
      indices = student_model->psa->forward(student_queries.to(device)).indices.to(torch::kCPU);
    }
    const eval::RetrievalDiagnosis retrieval =
        eval::diagnose_retrieval(indices, prototype_reports, queries.reports);
    csv = "id,own_report,top1_prototype,top1_report\n";
    for (int64_t i = 0; i < queries.size(); ++i) {
      const int64_t p = indices[i][0].item<int64_t>();
      csv += fmt::format("{},{},{},{}\n", queries.ids[static_cast<size_t>(i)],
                         csv_quote(queries.reports[static_cast<size_t>(i)]), p,
                         csv_quote(prototype_reports[static_cast<size_t>(p)]));
    }
    config::write_text_atomically(out_dir / "retrieval.csv", csv);
    summary["retrieval"] = to_json(retrieval, retrieval_split, "prototypes",
                                   static_cast<int64_t>(prototype_reports.size()));

    // 3b. The same question without the PSA's compression: every paired training image is a
    // prototype, looked up by one of several query embeddings. `teacher_pooled` is the PSA's own
    // space (the query prototypes start there); the others keep where things are in the image,
    // which a global average discards: the stride-32 features averaged per cell of a 2 x 2 or
    // 4 x 4 grid, the student's predicted lesion (no report, no truth) and the true lesion as an
    // 8 x 8 layout (an upper bound: it reads the ground truth). How much of the report can each
    // find?
    const auto teacher_features = [&](const torch::Tensor& images) {
      teacher_model->eval();
      core::AutocastGuard autocast(device, precision);
      return teacher_model->unet->encode(images.to(device));
    };
    const std::vector<std::pair<std::string, eval::QueryEmbedding>> query_embeddings = {
        {"teacher_pooled", [&](const torch::Tensor& images,
                               const torch::Tensor&) { return teacher_features(images).pooled(); }},
        {"teacher_grid2",
         [&](const torch::Tensor& images, const torch::Tensor&) {
           return eval::feature_layout(teacher_features(images), 2);
         }},
        {"teacher_grid4",
         [&](const torch::Tensor& images, const torch::Tensor&) {
           return eval::feature_layout(teacher_features(images), 4);
         }},
        {"predicted_lesion_8x8",
         [&](const torch::Tensor& images, const torch::Tensor&) {
           student_model->eval();
           core::AutocastGuard autocast(device, precision);
           return eval::lesion_layout(torch::sigmoid(student_model->forward(images.to(device))), 8);
         }},
        {"true_lesion_8x8",
         [&](const torch::Tensor&, const torch::Tensor& masks) {
           return eval::lesion_layout(masks, 8);
         }},
    };
    const int64_t top_k = student_model->psa->options.top_k();
    std::map<std::string, torch::Tensor> paired_embeddings;
    nlohmann::json by_embedding;
    for (const auto& [name, embedding] : query_embeddings) {
      paired_embeddings[name] = eval::embed_set(paired, batch_size, embedding);
      const eval::RetrievalDiagnosis nearest = eval::diagnose_retrieval(
          eval::nearest_by_cosine(eval::embed_set(queries, batch_size, embedding),
                                  paired_embeddings[name], top_k),
          paired.reports, queries.reports);
      by_embedding[name] = to_json(nearest, retrieval_split, "references", paired.size());
      spdlog::info(
          "nearest paired image by {} on {}: top-1 zones {:.3f} (chance {:.3f}), "
          "laterality {:.3f} (chance {:.3f})",
          name, retrieval_split, nearest.zones.top1, nearest.zones.chance, nearest.laterality.top1,
          nearest.laterality.chance);
    }
    summary["retrieval_nearest_paired"] = by_embedding;

    // 4. Dice with the guidance replaced: the retrieved responses (ProLearn as it runs), a
    // uniformly random prototype's response, the image's own report filtered and encoded by the
    // teacher as the PSA encodes its prototypes (oracle), and the teacher with its full report
    // and with another image's.
    const data::ImageReportSet scored = data::load_image_report_set(
        train::read_image_report_split(config.data, dice_split), config.data.image_size);
    const train::FilteredReports own = train::filter_reports(
        teacher_model->unet, *teacher_model->text_encoder, tokenizer, scored,
        all_rows(scored.size()), config.psa.tau, length, device, precision, batch_size);
    std::mt19937_64 generator(seed);
    std::uniform_int_distribution<int64_t> draw(0, student_model->psa->responses.size(0) - 1);
    std::vector<int64_t> random_prototype;
    for (int64_t i = 0; i < scored.size(); ++i) random_prototype.push_back(draw(generator));
    // The prototype whose source report best matches the image's own (same zones and areas,
    // else same zones, else same laterality, else the random one): retrieval made perfect.
    std::vector<int64_t> matching_prototype;
    for (int64_t i = 0; i < scored.size(); ++i) {
      matching_prototype.push_back(
          eval::best_matching_report(scored.reports[static_cast<size_t>(i)], prototype_reports,
                                     random_prototype[static_cast<size_t>(i)]));
    }
    auto prototype_guidance = [&](const std::vector<int64_t>& choice) {
      return [&, choice](const std::vector<int64_t>& rows) {
        std::vector<int64_t> chosen;
        for (const int64_t row : rows) chosen.push_back(choice[static_cast<size_t>(row)]);
        const auto& psa = student_model->psa;
        const torch::Tensor index = torch::tensor(chosen, torch::kLong).to(psa->responses.device());
        return std::make_pair(psa->responses.index_select(0, index),
                              psa->response_mask.index_select(0, index));
      };
    };
    auto guided_by = [&](auto responses_of) -> train::SegmentationForward {
      return
          [&, responses_of](const torch::Tensor& images, const std::vector<int64_t>& rows, bool) {
            const models::UNetFeatures features = student_model->unet->encode(images);
            const auto [tokens, mask] = responses_of(rows);
            return student_model->unet->decode(features, tokens.to(images.device()),
                                               mask.to(images.device()));
          };
    };
    // Does the teacher read its report at all? The same images, each with another image's report.
    const data::ImageReportSet shuffled = eval::with_reports_of_others(scored, generator);
    struct Variant {
      std::string name;
      torch::nn::Module* model;
      train::SegmentationForward forward;
    };
    // The nearest paired training image of each scored image (as in 3b): its full report for
    // the teacher, its filtered response for ProLearn's decoder.
    std::map<std::string, torch::Tensor> nearest_paired;
    std::map<std::string, data::ImageReportSet> with_nearest_reports;
    for (const auto& [name, embedding] : query_embeddings) {
      nearest_paired[name] = eval::nearest_by_cosine(eval::embed_set(scored, batch_size, embedding),
                                                     paired_embeddings[name], 1)
                                 .select(1, 0);
      with_nearest_reports[name] = eval::with_reports_from(scored, paired, nearest_paired[name]);
    }
    const std::vector<Variant> variants = {
        {"prolearn_retrieved", student.module.get(), student.bind(scored)},
        {"prolearn_random_prototype", student.module.get(),
         guided_by(prototype_guidance(random_prototype))},
        {"prolearn_matching_prototype", student.module.get(),
         guided_by(prototype_guidance(matching_prototype))},
        {"prolearn_own_report", student.module.get(),
         guided_by([&](const std::vector<int64_t>& rows) {
           const torch::Tensor index = torch::tensor(rows, torch::kLong);
           return std::make_pair(own.responses.index_select(0, index),
                                 own.masks.index_select(0, index));
         })},
        {"prolearn_nearest_paired_response", student.module.get(),
         guided_by([&](const std::vector<int64_t>& rows) {
           const torch::Tensor index = nearest_paired.at("teacher_pooled")
                                           .index_select(0, torch::tensor(rows, torch::kLong));
           return std::make_pair(filtered.responses.index_select(0, index),
                                 filtered.masks.index_select(0, index));
         })},
        {"teacher_full_report", teacher.module.get(), teacher.bind(scored)},
        {"teacher_nearest_paired_report", teacher.module.get(),
         teacher.bind(with_nearest_reports.at("teacher_pooled"))},
        {"teacher_nearest_paired_report_by_grid4", teacher.module.get(),
         teacher.bind(with_nearest_reports.at("teacher_grid4"))},
        {"teacher_nearest_paired_report_by_predicted_lesion", teacher.module.get(),
         teacher.bind(with_nearest_reports.at("predicted_lesion_8x8"))},
        {"teacher_nearest_paired_report_by_true_lesion", teacher.module.get(),
         teacher.bind(with_nearest_reports.at("true_lesion_8x8"))},
        {"teacher_other_report", teacher.module.get(), teacher.bind(shuffled)},
    };
    nlohmann::json dice;
    for (const Variant& variant : variants) {
      const auto start = std::chrono::steady_clock::now();
      const auto result = train::evaluate_segmentation(*variant.model, variant.forward, scored,
                                                       batch_size, 0, device, precision)
                              .summary();
      dice[variant.name] = {{"mean_dice", result.mean_dice}, {"mean_iou", result.mean_iou}};
      spdlog::info("{} on {} ({} images): mean Dice {:.4f} ({:.0f} s)", variant.name, dice_split,
                   result.images, result.mean_dice,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    summary["dice"] = dice;
    summary["dice_split"] = dice_split;

    // 5. How much weight the decoders give the text at all: the learnt scale of each guide
    // layer's cross-attention term (initialised to 0.01).
    summary["guide_scales"] = {{"teacher", guide_scales(*teacher.module)},
                               {"prolearn", guide_scales(*student.module)}};
    config::write_text_atomically(out_dir / "diagnosis.json", summary.dump(2) + "\n");
    spdlog::info(
        "retrieval on {}: top-1 zones {:.3f} (chance {:.3f}), laterality {:.3f} (chance {:.3f}), "
        "report {:.3f} (chance {:.3f})",
        retrieval_split, retrieval.zones.top1, retrieval.zones.chance, retrieval.laterality.top1,
        retrieval.laterality.chance, retrieval.report.top1, retrieval.report.chance);
    spdlog::info("wrote {}", (out_dir / "diagnosis.json").string());
    return 0;
  });
}
