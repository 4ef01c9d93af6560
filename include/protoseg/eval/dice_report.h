#pragma once

#include <map>
#include <string>
#include <vector>

#include "protoseg/eval/fold_evaluation.h"

namespace protoseg::eval {

/// Mean Dice over query volumes: means[method][organ], in the order methods and organs first
/// appear in the records.
struct DiceMeans {
  std::vector<std::string> methods;
  std::vector<std::string> organs;
  std::map<std::string, std::map<std::string, double>> means;
  /// Mean over organs of a method's organ means (the papers' "mean" column).
  double organ_mean(const std::string& method) const;
};

DiceMeans mean_dice(const std::vector<DiceRecord>& records);

/// CSV, one row per record: fold,organ,label,support_id,support_slices,query_id,method,dice,
/// predicted_voxels,true_voxels (support slices separated by ';').
std::string dice_csv(const std::vector<DiceRecord>& records, int fold);

/// JSON document: {"fold", "protocol", "records": [...], "means": {method: {organ: dice,
/// "mean": ...}}}.
std::string dice_json(const std::vector<DiceRecord>& records, int fold,
                      const std::string& protocol);

/// Markdown table: one row per method, one column per organ and the mean.
std::string dice_markdown(const DiceMeans& means);

}  // namespace protoseg::eval
