#pragma once

#include <filesystem>
#include <string>

#include "protoseg/train/prolearn_config.h"

namespace protoseg::train {

/// The settings a ProLearn run's teacher depends on, one `key.path: value` per line: data, text
/// fraction, seed, model, the teacher stage and precision (not the PSA, the student, the device
/// or the thread count), with file paths made canonical. Two runs with the same signature train
/// the same teacher.
std::string teacher_signature(const ProLearnConfig& config);

/// Takes the finished teacher of the run `config.teacher_from` into `run_dir/teacher` (a copy,
/// written under a temporary name and renamed) when `run_dir` has no teacher yet, so that PSA
/// and student ablations share one teacher. Returns true when `run_dir/teacher` holds an adopted
/// teacher (now or from an earlier call). Returns false, training its own, when `teacher_from`
/// is empty, `run_dir` already has its own teacher, or the source holds no run or no finished
/// teacher yet (it trains the same teacher, so only time is lost; the log says so).
/// Throws std::runtime_error naming the source's config.yaml and the first differing setting
/// when the source's teacher signature differs from this run's.
bool adopt_teacher(const ProLearnConfig& config, const std::filesystem::path& run_dir);

/// True when `run_dir/teacher` is a teacher adopted by adopt_teacher.
bool has_adopted_teacher(const std::filesystem::path& run_dir);

}  // namespace protoseg::train
