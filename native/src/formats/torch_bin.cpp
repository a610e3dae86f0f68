#include "formats/torch_bin.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/unpickler.h>

#include <cstring>

#include "error.h"

namespace ekt::torch_bin {
namespace {

// Pickle protocol 2 opcodes that torch.save emits for a state dict of tensors.
enum Op : uint8_t {
  MARK = '(', STOP = '.', POP = '0', BININT = 'J', BININT1 = 'K', BININT2 = 'M', NONE = 'N', BINPERSID = 'Q', REDUCE = 'R',
  BINSTRING = 'T', SHORT_BINSTRING = 'U', BINUNICODE = 'X', APPEND = 'a', BUILD = 'b', GLOBAL = 'c', APPENDS = 'e', BINGET = 'h',
  LONG_BINGET = 'j', EMPTY_LIST = ']', BINPUT = 'q', LONG_BINPUT = 'r', SETITEM = 's', TUPLE = 't', EMPTY_TUPLE = ')', SETITEMS = 'u',
  EMPTY_DICT = '}', BINFLOAT = 'G', PROTO = 0x80, TUPLE1 = 0x85, TUPLE2 = 0x86, TUPLE3 = 0x87, NEWTRUE = 0x88, NEWFALSE = 0x89,
  LONG1 = 0x8a, SHORT_BINBYTES = 'C', BINBYTES = 'B', SHORT_BINUNICODE = 0x8c,
};

const char kOrderedDict[] = "collections\nOrderedDict\n";

// Walks the opcodes of a pickle, tracking only how many values (and marks) are on the stack, so
// that the end of the outer dict's items can be found without running anything.
class Scanner {
 public:
  Scanner(const std::string& p, const std::string& path) : p_(p), path_(path) {}

  size_t pos() const { return pos_; }
  bool done() const { return pos_ >= p_.size(); }
  uint8_t peek() const { return static_cast<uint8_t>(p_[pos_]); }
  // Values above the innermost open mark, or on the whole stack when no mark is open.
  size_t depth() const { return depth_; }
  size_t open_marks() const { return marks_.size(); }

  // Advances over one opcode and its argument; returns the opcode.
  uint8_t step() {
    const size_t at = pos_;
    const uint8_t op = take(1)[0];
    switch (op) {
      case PROTO: take(1); break;
      case MARK: marks_.push_back(depth_); depth_ = 0; break;
      case STOP: break;
      case POP: pop(1, at); break;
      case BININT: take(4); push(); break;
      case BININT1: take(1); push(); break;
      case BININT2: take(2); push(); break;
      case LONG1: take(static_cast<uint8_t>(take(1)[0])); push(); break;
      case BINFLOAT: take(8); push(); break;
      case NONE: case NEWTRUE: case NEWFALSE: case EMPTY_TUPLE: case EMPTY_DICT: case EMPTY_LIST: push(); break;
      case BINUNICODE: case BINSTRING: case BINBYTES: take(le32(take(4))); push(); break;
      case SHORT_BINUNICODE: case SHORT_BINSTRING: case SHORT_BINBYTES: take(static_cast<uint8_t>(take(1)[0])); push(); break;
      case GLOBAL: line(); line(); push(); break;
      case BINPUT: take(1); break;
      case LONG_BINPUT: take(4); break;
      case BINGET: take(1); push(); break;
      case LONG_BINGET: take(4); push(); break;
      case TUPLE: close_mark(at); push(); break;
      case TUPLE1: pop(1, at); push(); break;
      case TUPLE2: pop(2, at); push(); break;
      case TUPLE3: pop(3, at); push(); break;
      case REDUCE: pop(2, at); push(); break;
      case BINPERSID: pop(1, at); push(); break;
      case BUILD: pop(1, at); break;
      case SETITEM: pop(2, at); break;
      case SETITEMS: case APPENDS: close_mark(at); break;
      case APPEND: pop(1, at); break;
      default: EKT_FAIL(path_ << ": unsupported pickle opcode 0x" << std::hex << int(op) << std::dec << " at byte " << at
                              << " of data.pkl (not a state dict written by torch.save)");
    }
    return op;
  }

 private:
  const char* take(size_t n) {
    EKT_CHECK(n <= p_.size() - pos_, path_ << ": data.pkl is truncated (at byte " << pos_ << ")");
    const char* s = p_.data() + pos_;
    pos_ += n;
    return s;
  }
  static size_t le32(const char* s) {
    uint32_t v;
    std::memcpy(&v, s, 4);
    return v;
  }
  void line() {
    const size_t end = p_.find('\n', pos_);
    EKT_CHECK(end != std::string::npos, path_ << ": data.pkl is truncated (in a GLOBAL)");
    pos_ = end + 1;
  }
  void push() { ++depth_; }
  void pop(size_t n, size_t at) {
    EKT_CHECK(depth_ >= n, path_ << ": malformed data.pkl (stack underflow at byte " << at << ")");
    depth_ -= n;
  }
  void close_mark(size_t at) {
    EKT_CHECK(!marks_.empty(), path_ << ": malformed data.pkl (no mark at byte " << at << ")");
    depth_ = marks_.back();
    marks_.pop_back();
  }

  const std::string& p_;
  const std::string& path_;
  size_t pos_ = 0, depth_ = 0;
  std::vector<size_t> marks_;
};

// One record of the archive as bytes. torch.save writes "<name>/data.pkl" and "<name>/data/<key>";
// PyTorchStreamReader strips the "<name>/" folder.
std::string read_record(caffe2::serialize::PyTorchStreamReader& zip, const std::string& name, const std::string& path) {
  EKT_CHECK(zip.hasRecord(name), path << ": missing record '" << name << "' in the archive");
  auto [data, size] = zip.getRecord(name);
  return std::string(static_cast<const char*>(data.get()), size);
}

}  // namespace

std::string plain_dict_pickle(const std::string& pickle, const std::string& path) {
  // torch.save writes: PROTO 2, GLOBAL collections.OrderedDict, BINPUT 0, EMPTY_TUPLE, REDUCE, BINPUT 1,
  // then the items (MARK ... SETITEMS, in batches), then the state (the _metadata dict) and BUILD, STOP.
  const std::string head = std::string("\x80\x02", 2) + "c" + kOrderedDict + "q";
  if (pickle.compare(0, head.size(), head) != 0) return pickle;  // a plain dict (or anything else: libtorch judges)
  Scanner s(pickle, path);
  s.step();  // PROTO
  s.step();  // GLOBAL OrderedDict
  s.step();  // BINPUT n: memo n is the OrderedDict global, used again for every tensor's backward hooks
  const size_t memo_end = s.pos();
  EKT_CHECK(s.step() == EMPTY_TUPLE && s.step() == REDUCE, path << ": data.pkl: an OrderedDict not built the way torch.save builds it");
  // Items: the outer dict stays the only value on the stack, between MARK ... SETITEMS batches.
  size_t items_end = s.pos();
  while (!s.done()) {
    const uint8_t op = s.step();
    if (op == STOP) EKT_FAIL(path << ": data.pkl ends inside the state dict");
    if ((op == SETITEMS || op == SETITEM || op == BINPUT || op == LONG_BINPUT) && s.open_marks() == 0 && s.depth() == 1) {
      items_end = s.pos();
      if (s.peek() != MARK && s.peek() != BINPUT && s.peek() != LONG_BINPUT) break;  // what follows is the state and BUILD
    }
  }
  // Rebuilt: MARK, the global and its memo (kept: the hooks refer to it), a plain dict, the items,
  // TUPLE, STOP. libtorch's unpickler returns the 2-tuple (global, dict); read() takes the dict.
  std::string out = std::string("\x80\x02", 2) + char(MARK);
  out.append(pickle, 2, memo_end - 2);
  out += char(EMPTY_DICT);
  out.append(pickle, memo_end + 2, items_end - memo_end - 2);  // after EMPTY_TUPLE, REDUCE
  out += char(TUPLE);
  out += char(STOP);
  return out;
}

// Iterating a c10::Dict inlines its flat hash map's begin(), which GCC 12 at -O3 flags as a
// potential null dereference of the table's sentinel (a false positive inside libtorch's header).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
std::vector<std::pair<std::string, torch::Tensor>> read(const std::string& path) {
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> zip;
  try {
    zip = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
  } catch (const c10::Error& e) {
    EKT_FAIL(path << ": not a zip-format torch.save file (the legacy format of torch < 1.6 is not read; load and save it "
                  << "again with a newer torch, or convert it to safetensors): " << e.what_without_backtrace());
  }
  const std::string original = read_record(*zip, "data.pkl", path);
  const std::string pickle = plain_dict_pickle(original, path);
  size_t at = 0;
  auto reader = [&](char* buf, size_t n) {
    const size_t k = std::min(n, pickle.size() - at);
    std::memcpy(buf, pickle.data() + at, k);
    at += k;
    return k;
  };
  auto records = [&](const std::string& key) { return std::get<0>(zip->getRecord("data/" + key)); };
  c10::IValue value;
  try {
    torch::jit::Unpickler unpickler(reader, nullptr, nullptr, records, torch::Device(torch::kCPU));
    unpickler.set_version(zip->version());
    value = unpickler.parse_ivalue();
  } catch (const c10::Error& e) {
    EKT_FAIL(path << ": cannot unpickle the state dict: " << e.what_without_backtrace());
  }
  if (pickle.size() != original.size() || pickle != original) {
    EKT_CHECK(value.isTuple() && value.toTupleRef().elements().size() == 2, path << ": unexpected structure after unpickling");
    value = value.toTupleRef().elements()[1];
  }
  EKT_CHECK(value.isGenericDict(), path << ": expected a state dict (name -> tensor), found " << value.tagKind());
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& entry : value.toGenericDict()) {
    EKT_CHECK(entry.key().isString(), path << ": a state dict key is not a string (" << entry.key().tagKind() << ")");
    EKT_CHECK(entry.value().isTensor(), path << ": entry '" << entry.key().toStringRef() << "' is not a tensor ("
                                             << entry.value().tagKind() << ")");
    out.emplace_back(entry.key().toStringRef(), entry.value().toTensor());
  }
  return out;
}
#pragma GCC diagnostic pop

}  // namespace ekt::torch_bin
