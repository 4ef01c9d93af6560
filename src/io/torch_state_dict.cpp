#include "protoseg/io/torch_state_dict.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <variant>
#include <vector>

#include <caffe2/serialize/inline_container.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include "protoseg/io/atomic_file.h"

namespace protoseg::io {
namespace {

// The values a state-dict pickle can hold. Containers are shared so that memoised objects
// mutated later (SETITEMS on a memoised dict) stay one object.
struct Value;
using ValuePtr = std::shared_ptr<Value>;
struct Global {
  std::string module, name;
};
struct Value {
  enum class Kind { kNone, kBool, kInt, kFloat, kString, kTuple, kList, kDict, kGlobal, kTensor };
  Kind kind = Kind::kNone;
  int64_t integer = 0;
  double real = 0.0;
  std::string text;
  std::vector<ValuePtr> items;                         // tuple / list
  std::vector<std::pair<ValuePtr, ValuePtr>> entries;  // dict
  Global global;
  at::Tensor tensor;
};

ValuePtr make(Value::Kind kind) {
  auto v = std::make_shared<Value>();
  v->kind = kind;
  return v;
}

c10::ScalarType storage_dtype(const std::string& name) {
  static const std::map<std::string, c10::ScalarType> kTypes = {
      {"FloatStorage", at::kFloat}, {"DoubleStorage", at::kDouble},
      {"HalfStorage", at::kHalf},   {"BFloat16Storage", at::kBFloat16},
      {"LongStorage", at::kLong},   {"IntStorage", at::kInt},
      {"ShortStorage", at::kShort}, {"CharStorage", at::kChar},
      {"ByteStorage", at::kByte},   {"BoolStorage", at::kBool}};
  const auto it = kTypes.find(name);
  if (it == kTypes.end()) throw std::runtime_error("unsupported storage type torch." + name);
  return it->second;
}

// The pickle opcodes that torch.save writes for a state dict (protocols 2-5).
enum Opcode : uint8_t {
  kMark = '(',
  kStop = '.',
  kNone = 'N',
  kBinInt = 'J',
  kBinInt1 = 'K',
  kBinInt2 = 'M',
  kBinFloat = 'G',
  kBinString = 'T',
  kShortBinString = 'U',
  kBinUnicode = 'X',
  kBinBytes = 'B',
  kShortBinBytes = 'C',
  kEmptyTuple = ')',
  kTuple = 't',
  kEmptyList = ']',
  kAppend = 'a',
  kAppends = 'e',
  kEmptyDict = '}',
  kSetItem = 's',
  kSetItems = 'u',
  kBinPut = 'q',
  kLongBinPut = 'r',
  kBinGet = 'h',
  kLongBinGet = 'j',
  kGlobal = 'c',
  kReduce = 'R',
  kBuild = 'b',
  kBinPersId = 'Q',
  kProto = 0x80,
  kNewTrue = 0x88,
  kNewFalse = 0x89,
  kLong1 = 0x8a,
  kTuple1 = 0x85,
  kTuple2 = 0x86,
  kTuple3 = 0x87,
  kShortBinUnicode = 0x8c,
  kBinUnicode8 = 0x8d,
  kStackGlobal = 0x93,
  kMemoize = 0x94,
  kFrame = 0x95,
};

// A minimal pickle machine for state dicts.
class StateDictUnpickler {
 public:
  StateDictUnpickler(const std::string& bytes, caffe2::serialize::PyTorchStreamReader& reader)
      : bytes_(bytes), reader_(reader) {}

  ValuePtr run() {
    while (true) {
      const auto op = static_cast<Opcode>(byte());
      switch (op) {
        case kProto: byte(); break;
        case kFrame: skip(8); break;
        case kMark: marks_.push_back(stack_.size()); break;
        case kStop: return pop();
        case kNone: stack_.push_back(make(Value::Kind::kNone)); break;
        case kNewTrue: push_bool(true); break;
        case kNewFalse: push_bool(false); break;
        case kBinInt1: push_int(byte()); break;
        case kBinInt2: push_int(little<uint16_t>()); break;
        case kBinInt: push_int(little<int32_t>()); break;
        case kLong1: push_int(long1()); break;
        case kBinFloat: push_float(); break;
        case kBinUnicode:
        case kBinString:
        case kBinBytes: push_string(little<uint32_t>()); break;
        case kShortBinUnicode:
        case kShortBinString:
        case kShortBinBytes: push_string(byte()); break;
        case kBinUnicode8: push_string(little<uint64_t>()); break;
        case kEmptyTuple: stack_.push_back(make(Value::Kind::kTuple)); break;
        case kTuple1: push_tuple(1); break;
        case kTuple2: push_tuple(2); break;
        case kTuple3: push_tuple(3); break;
        case kTuple: push_tuple(stack_.size() - pop_mark()); break;
        case kEmptyList: stack_.push_back(make(Value::Kind::kList)); break;
        case kEmptyDict: stack_.push_back(make(Value::Kind::kDict)); break;
        case kAppend: append(1); break;
        case kAppends: append(stack_.size() - pop_mark()); break;
        case kSetItem: set_items(2); break;
        case kSetItems: set_items(stack_.size() - pop_mark()); break;
        case kBinPut: memo_[byte()] = top(); break;
        case kLongBinPut: memo_[little<uint32_t>()] = top(); break;
        case kMemoize: memo_[memo_.size()] = top(); break;
        case kBinGet: stack_.push_back(memo(byte())); break;
        case kLongBinGet: stack_.push_back(memo(little<uint32_t>())); break;
        case kGlobal: {
          const std::string module = line();
          push_global(module, line());
          break;
        }
        case kStackGlobal: {
          const ValuePtr name = pop();
          const ValuePtr module = pop();
          push_global(module->text, name->text);
          break;
        }
        case kBinPersId: stack_.push_back(persistent_load(pop())); break;
        case kReduce: reduce(); break;
        case kBuild: pop(); break;  // the only state in state dicts is `_metadata`
        default:
          throw std::runtime_error("unsupported pickle opcode 0x" + hex(op) + " at byte " +
                                   std::to_string(position_ - 1));
      }
    }
  }

 private:
  uint8_t byte() {
    need(1);
    return static_cast<uint8_t>(bytes_[position_++]);
  }
  void skip(size_t n) {
    need(n);
    position_ += n;
  }
  void need(size_t n) const {
    if (position_ + n > bytes_.size()) throw std::runtime_error("pickle ends unexpectedly");
  }
  template <class T>
  T little() {
    need(sizeof(T));
    T value;
    std::memcpy(&value, bytes_.data() + position_, sizeof(T));
    position_ += sizeof(T);
    return value;
  }
  int64_t long1() {
    const uint8_t n = byte();
    if (n > 8) throw std::runtime_error("pickle integer wider than 64 bits");
    need(n);
    int64_t value = 0;
    for (uint8_t i = 0; i < n; ++i) {
      value |= static_cast<int64_t>(static_cast<uint8_t>(bytes_[position_ + i])) << (8 * i);
    }
    if (n > 0 && n < 8 && (bytes_[position_ + n - 1] & 0x80)) value -= int64_t{1} << (8 * n);
    position_ += n;
    return value;
  }
  std::string line() {
    const size_t end = bytes_.find('\n', position_);
    if (end == std::string::npos) throw std::runtime_error("pickle ends unexpectedly");
    std::string text = bytes_.substr(position_, end - position_);
    position_ = end + 1;
    return text;
  }
  static std::string hex(uint8_t v) {
    const char* digits = "0123456789abcdef";
    return {digits[v >> 4], digits[v & 15]};
  }

  ValuePtr pop() {
    if (stack_.empty()) throw std::runtime_error("pickle stack underflow");
    ValuePtr v = stack_.back();
    stack_.pop_back();
    return v;
  }
  ValuePtr top() const {
    if (stack_.empty()) throw std::runtime_error("pickle stack underflow");
    return stack_.back();
  }
  size_t pop_mark() {
    if (marks_.empty()) throw std::runtime_error("pickle MARK missing");
    const size_t mark = marks_.back();
    marks_.pop_back();
    return mark;
  }
  ValuePtr memo(size_t key) const {
    const auto it = memo_.find(key);
    if (it == memo_.end()) throw std::runtime_error("pickle memo key " + std::to_string(key));
    return it->second;
  }

  void push_bool(bool b) {
    auto v = make(Value::Kind::kBool);
    v->integer = b;
    stack_.push_back(v);
  }
  void push_int(int64_t i) {
    auto v = make(Value::Kind::kInt);
    v->integer = i;
    stack_.push_back(v);
  }
  void push_float() {
    // BINFLOAT is big-endian.
    need(8);
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<uint8_t>(bytes_[position_ + i]);
    position_ += 8;
    auto v = make(Value::Kind::kFloat);
    std::memcpy(&v->real, &bits, 8);
    stack_.push_back(v);
  }
  void push_string(size_t n) {
    need(n);
    auto v = make(Value::Kind::kString);
    v->text = bytes_.substr(position_, n);
    position_ += n;
    stack_.push_back(v);
  }
  void push_tuple(size_t n) {
    if (n > stack_.size()) throw std::runtime_error("pickle stack underflow");
    auto v = make(Value::Kind::kTuple);
    v->items.assign(stack_.end() - n, stack_.end());
    stack_.resize(stack_.size() - n);
    stack_.push_back(v);
  }
  void append(size_t n) {
    if (n + 1 > stack_.size()) throw std::runtime_error("pickle stack underflow");
    ValuePtr list = stack_[stack_.size() - n - 1];
    list->items.insert(list->items.end(), stack_.end() - n, stack_.end());
    stack_.resize(stack_.size() - n);
  }
  void set_items(size_t n) {
    if (n % 2 != 0 || n + 1 > stack_.size()) throw std::runtime_error("pickle SETITEMS is odd");
    ValuePtr dict = stack_[stack_.size() - n - 1];
    if (dict->kind != Value::Kind::kDict) throw std::runtime_error("SETITEMS on a non-dict");
    for (size_t i = stack_.size() - n; i < stack_.size(); i += 2) {
      dict->entries.emplace_back(stack_[i], stack_[i + 1]);
    }
    stack_.resize(stack_.size() - n);
  }
  void push_global(const std::string& module, const std::string& name) {
    auto v = make(Value::Kind::kGlobal);
    v->global = {module, name};
    stack_.push_back(v);
  }

  ValuePtr persistent_load(const ValuePtr& pid) {
    // ('storage', torch.<Type>Storage, key, location, numel)
    if (pid->kind != Value::Kind::kTuple || pid->items.size() < 5 ||
        pid->items[0]->text != "storage" || pid->items[1]->kind != Value::Kind::kGlobal) {
      throw std::runtime_error("unsupported persistent id (not a tensor storage)");
    }
    const std::string key = pid->items[2]->text;
    auto v = make(Value::Kind::kTensor);
    auto cached = storages_.find(key);
    if (cached != storages_.end()) {
      v->tensor = cached->second;
      return v;
    }
    const c10::ScalarType dtype = storage_dtype(pid->items[1]->global.name);
    const int64_t numel = pid->items[4]->integer;
    const std::string record = "data/" + key;
    if (!reader_.hasRecord(record))
      throw std::runtime_error("storage record " + record + " missing");
    auto [data, size] = reader_.getRecord(record);
    const size_t expected = static_cast<size_t>(numel) * c10::elementSize(dtype);
    if (size != expected) {
      throw std::runtime_error("storage " + record + " holds " + std::to_string(size) +
                               " bytes, expected " + std::to_string(expected));
    }
    at::Tensor storage = torch::empty({numel}, torch::TensorOptions().dtype(dtype));
    if (size > 0) std::memcpy(storage.data_ptr(), data.get(), size);
    storages_[key] = storage;
    v->tensor = storage;
    return v;
  }

  static std::vector<int64_t> ints(const ValuePtr& tuple) {
    std::vector<int64_t> out;
    for (const auto& item : tuple->items) out.push_back(item->integer);
    return out;
  }

  void reduce() {
    const ValuePtr args = pop();
    const ValuePtr callable = pop();
    if (callable->kind != Value::Kind::kGlobal) throw std::runtime_error("REDUCE of a non-global");
    const Global& g = callable->global;
    if (g.module == "collections" && g.name == "OrderedDict") {
      stack_.push_back(make(Value::Kind::kDict));
    } else if (g.module == "torch._utils" && g.name == "_rebuild_tensor_v2") {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      if (args->items.size() < 4 || args->items[0]->kind != Value::Kind::kTensor) {
        throw std::runtime_error("malformed _rebuild_tensor_v2 arguments");
      }
      const at::Tensor& storage = args->items[0]->tensor;
      const auto sizes = ints(args->items[2]);
      const auto strides = ints(args->items[3]);
      const int64_t offset = args->items[1]->integer;
      int64_t last = offset;
      for (size_t d = 0; d < sizes.size(); ++d) {
        if (sizes[d] == 0) last = -1;
        if (last >= 0) last += (sizes[d] - 1) * strides[d];
      }
      if (last >= storage.numel()) throw std::runtime_error("tensor view exceeds its storage");
      auto v = make(Value::Kind::kTensor);
      v->tensor = storage.as_strided(sizes, strides, offset);
      stack_.push_back(v);
    } else if (g.module == "torch.jit._pickle" && g.name == "restore_type_tag") {
      // (value, type string): LibTorch's pickle_save tags typed containers.
      if (args->items.empty()) throw std::runtime_error("malformed restore_type_tag arguments");
      stack_.push_back(args->items[0]);
    } else if (g.module == "torch._utils" && g.name == "_rebuild_parameter") {
      if (args->items.empty() || args->items[0]->kind != Value::Kind::kTensor) {
        throw std::runtime_error("malformed _rebuild_parameter arguments");
      }
      stack_.push_back(args->items[0]);
    } else {
      throw std::runtime_error("unsupported object " + g.module + "." + g.name +
                               " (not a state dict of tensors)");
    }
  }

  const std::string& bytes_;
  caffe2::serialize::PyTorchStreamReader& reader_;
  size_t position_ = 0;
  std::vector<ValuePtr> stack_;
  std::vector<size_t> marks_;
  std::map<size_t, ValuePtr> memo_;
  std::map<std::string, at::Tensor> storages_;
};

bool is_zip(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

}  // namespace

StateDict read_torch_state_dict(const std::filesystem::path& file) {
  const std::string name = file.string();
  if (!std::filesystem::exists(file)) throw std::runtime_error(name + ": file not found");
  if (!is_zip(file)) {
    throw std::runtime_error(name +
                             ": not a zip-format torch.save file (legacy pre-1.6 files and "
                             "TorchScript archives are not supported)");
  }
  try {
    caffe2::serialize::PyTorchStreamReader reader(name);
    if (!reader.hasRecord("data.pkl")) throw std::runtime_error("no data.pkl record");
    auto [data, size] = reader.getRecord("data.pkl");
    const std::string bytes(static_cast<const char*>(data.get()), size);
    StateDictUnpickler unpickler(bytes, reader);
    const ValuePtr root = unpickler.run();
    if (root->kind != Value::Kind::kDict) throw std::runtime_error("top level is not a dict");
    StateDict out;
    for (const auto& [key, value] : root->entries) {
      if (key->kind != Value::Kind::kString || value->kind != Value::Kind::kTensor) {
        throw std::runtime_error("entry '" + key->text + "' is not a named tensor");
      }
      out[key->text] = value->tensor;
    }
    return out;
  } catch (const c10::Error& e) {
    throw std::runtime_error(name + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw std::runtime_error(name + ": " + e.what());
  }
}

void write_torch_state_dict(const StateDict& tensors, const std::filesystem::path& file) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::TensorType::get());
  for (const auto& [key, tensor] : tensors) dict.insert(key, tensor.detach().cpu().contiguous());
  const std::vector<char> bytes = torch::pickle_save(dict);
  write_file_atomically(file, std::string(bytes.begin(), bytes.end()));
}

}  // namespace protoseg::io
