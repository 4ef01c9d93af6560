#include "protoseg/train/report_filter.h"

#include <algorithm>

#include <torch/torch.h>

namespace protoseg::train {

std::string join_tokens(const text::WordPieceTokenizer& tokenizer,
                        const std::vector<int64_t>& ids) {
  std::string sentence;
  for (const int64_t id : ids) {
    const std::string& piece = tokenizer.token(id);
    if (piece.rfind("##", 0) == 0) {
      sentence += piece.substr(2);
    } else {
      if (!sentence.empty()) sentence += ' ';
      sentence += piece;
    }
  }
  return sentence;
}

FilteredReports filter_reports(models::LanguageGuidedUNet& teacher,
                               models::TextEncoderImpl& text_encoder,
                               const text::WordPieceTokenizer& tokenizer,
                               const data::ImageReportSet& set, const std::vector<int64_t>& rows,
                               double tau, int64_t length, const c10::Device& device,
                               core::Precision precision, int64_t batch_size) {
  const bool teacher_training = teacher->is_training();
  const bool text_training = text_encoder.is_training();
  teacher->eval();
  text_encoder.eval();
  torch::NoGradGuard no_grad;

  FilteredReports out;
  std::vector<torch::Tensor> queries, responses, masks;
  for (size_t start = 0; start < rows.size(); start += static_cast<size_t>(batch_size)) {
    const std::vector<int64_t> batch_rows(
        rows.begin() + static_cast<int64_t>(start),
        rows.begin() + static_cast<int64_t>(std::min(rows.size(), start + batch_size)));
    std::vector<std::string> reports;
    for (const int64_t row : batch_rows) reports.push_back(set.reports[static_cast<size_t>(row)]);
    const text::TokenBatch tokens = tokenizer.encode_batch(reports, length);
    const torch::Tensor ids = tokens.ids.to(device), mask = tokens.attention_mask.to(device);
    const torch::Tensor images =
        set.images.index_select(0, torch::tensor(batch_rows, torch::kLong)).to(device);

    std::vector<torch::Tensor> attention;
    torch::Tensor pooled;
    {
      core::AutocastGuard autocast(device, precision);
      const models::UNetFeatures features = teacher->encode(images);
      pooled = features.pooled();
      teacher->decode(features, text_encoder.forward(ids, mask), mask, &attention);
    }
    // Relevance of each token: attention averaged over guide layers, heads and image positions.
    torch::Tensor relevance = torch::zeros(ids.sizes(), ids.options().dtype(torch::kFloat));
    for (const torch::Tensor& weights : attention) relevance += weights.to(torch::kFloat).mean(1);
    const torch::Tensor words =
        mask.eq(1).logical_and(ids.ne(tokenizer.cls_id())).logical_and(ids.ne(tokenizer.sep_id()));
    relevance = (relevance * words).to(torch::kCPU);
    const torch::Tensor host_ids = ids.to(torch::kCPU), host_words = words.to(torch::kCPU);

    const size_t first_in_batch = out.kept_ids.size();
    for (size_t b = 0; b < batch_rows.size(); ++b) {
      const auto share = relevance[static_cast<int64_t>(b)];
      const double total = share.sum().item<double>();
      const int64_t word_count = host_words[static_cast<int64_t>(b)].sum().item<int64_t>();
      const int64_t best = share.argmax().item<int64_t>();
      std::vector<int64_t> kept, word_ids;
      std::vector<double> word_relevance;
      for (int64_t t = 0; t < length; ++t) {
        if (!host_words[static_cast<int64_t>(b)][t].item<bool>()) continue;
        const double normalised = total > 0 ? share[t].item<double>() / total : 0.0;
        const int64_t id = host_ids[static_cast<int64_t>(b)][t].item<int64_t>();
        word_ids.push_back(id);
        word_relevance.push_back(normalised * static_cast<double>(word_count));
        if (t == best || normalised * static_cast<double>(word_count) > tau) kept.push_back(id);
      }
      out.kept_ids.push_back(kept);
      out.word_ids.push_back(word_ids);
      out.relevance.push_back(word_relevance);
    }
    // Encode the filtered sentences: [CLS] kept tokens [SEP], padded.
    torch::Tensor filtered_ids = torch::full({static_cast<int64_t>(batch_rows.size()), length},
                                             tokenizer.pad_id(), torch::kLong);
    for (size_t b = 0; b < batch_rows.size(); ++b) {
      const std::vector<int64_t>& kept = out.kept_ids[first_in_batch + b];
      filtered_ids[static_cast<int64_t>(b)][0] = tokenizer.cls_id();
      for (size_t t = 0; t < kept.size(); ++t) {
        filtered_ids[static_cast<int64_t>(b)][static_cast<int64_t>(t + 1)] = kept[t];
      }
      filtered_ids[static_cast<int64_t>(b)][static_cast<int64_t>(kept.size() + 1)] =
          tokenizer.sep_id();
    }
    const torch::Tensor filtered_mask_host = filtered_ids.ne(tokenizer.pad_id()).to(torch::kLong);
    const torch::Tensor filtered_mask = filtered_mask_host.to(device);
    torch::Tensor features;
    {
      core::AutocastGuard autocast(device, precision);
      features = text_encoder.forward(filtered_ids.to(device), filtered_mask);
    }
    queries.push_back(pooled.to(torch::kCPU, torch::kFloat));
    responses.push_back(features.to(torch::kCPU, torch::kFloat));
    masks.push_back(filtered_mask_host);
  }
  out.queries = torch::cat(queries);
  out.responses = torch::cat(responses);
  out.masks = torch::cat(masks);
  teacher->train(teacher_training);
  text_encoder.train(text_training);
  return out;
}

}  // namespace protoseg::train
