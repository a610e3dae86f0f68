// The safetensors parser against hand-made files and a mutation fuzzer: every corruption must
// produce ekt::Error (never a crash or an out-of-bounds read; run under ASan to be sure).
#include <gtest/gtest.h>
#include <unistd.h>

#include <random>

#include "error.h"
#include "formats/fileutil.h"
#include "formats/safetensors.h"

namespace {

std::string temp_path(const std::string& name) {
  return testing::TempDir() + "/ekt_st_" + std::to_string(::getpid()) + "_" + name;
}

std::string make_file(const std::string& header, const std::string& data) {
  std::string out(8, 0);
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

void expect_parse_error(const std::string& bytes, const std::string& fragment) {
  std::vector<ekt::safetensors::TensorInfo> tensors;
  std::map<std::string, std::string> meta;
  uint64_t start = 0;
  try {
    ekt::safetensors::parse_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "f.safetensors", tensors, meta, start);
    FAIL() << "expected an error containing '" << fragment << "'";
  } catch (const ekt::Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("f.safetensors"), std::string::npos) << "message must name the file: " << e.what();
  }
}

TEST(Safetensors, RoundTripsEveryWeightDtype) {
  const std::string path = temp_path("roundtrip.safetensors");
  torch::Tensor a = torch::randn({3, 5});
  torch::Tensor b = torch::randn({7}).to(torch::kBFloat16);
  torch::Tensor c = torch::randn({2, 2, 2}).to(torch::kFloat16);
  torch::Tensor d = torch::arange(6, torch::kInt64).view({2, 3});
  ekt::safetensors::write(path, {{"a", a}, {"b", b}, {"c", c}, {"d", d}}, {{"format", "pt"}});
  ekt::safetensors::File f(path);
  ASSERT_EQ(f.tensors().size(), 4u);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  EXPECT_TRUE(torch::equal(f.load(*f.find("a"), torch::kFloat32), a));
  EXPECT_TRUE(torch::equal(f.load(*f.find("b"), torch::kBFloat16), b));
  EXPECT_TRUE(torch::equal(f.load(*f.find("c"), torch::kFloat16), c));
  EXPECT_TRUE(torch::equal(f.load(*f.find("b"), torch::kFloat32), b.to(torch::kFloat32)));
  EXPECT_TRUE(torch::equal(f.load(*f.find("d"), torch::kInt64), d));
  ::unlink(path.c_str());
}

TEST(Safetensors, ParsesAHandWrittenFile) {
  // Written by hand from the format description, not by our writer.
  std::string data(8, 0);
  const float values[2] = {1.5f, -2.0f};
  std::memcpy(data.data(), values, 8);
  const std::string bytes = make_file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"k":"v"}})", data);
  const std::string path = temp_path("hand.safetensors");
  ekt::write_file_atomic(path, bytes);
  ekt::safetensors::File f(path);
  torch::Tensor x = f.load(*f.find("x"), torch::kFloat32);
  EXPECT_FLOAT_EQ(x[0].item<float>(), 1.5f);
  EXPECT_FLOAT_EQ(x[1].item<float>(), -2.0f);
  ::unlink(path.c_str());
}

TEST(Safetensors, RejectsMalformedHeaders) {
  expect_parse_error("abc", "only 3 bytes");
  expect_parse_error(make_file("{}", "").substr(0, 9), "truncated");
  std::string huge(8, static_cast<char>(0xff));
  expect_parse_error(huge + "{}", "exceeds");
  expect_parse_error(make_file("[1,2]", ""), "does not start with a JSON object");
  expect_parse_error(make_file("{\"x\":", ""), "invalid JSON");
  expect_parse_error(make_file(R"({"x":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}})", "a"), "unsupported dtype 'Q7'");
  expect_parse_error(make_file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", "abcd"), "needs 8");
  expect_parse_error(make_file(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}})", "abcd"), "outside");
  expect_parse_error(make_file(R"({"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "abcd"), "invalid shape");
  expect_parse_error(make_file(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", "abcdEF"), "trailing bytes");
  expect_parse_error(make_file(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", "abcd"),
                     "overlapping");
  expect_parse_error(make_file(R"({"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", "abcd"), "too large");
  expect_parse_error(make_file(R"({"__metadata__":{"k":1}})", ""), "not a string");
}

TEST(Safetensors, FuzzedMutationsNeverCrash) {
  const std::string path = temp_path("fuzz_seed.safetensors");
  ekt::safetensors::write(path, {{"w", torch::randn({4, 4})}, {"b", torch::randn({4}).to(torch::kBFloat16)}}, {{"format", "pt"}});
  const std::string seed = ekt::read_file(path);
  ::unlink(path.c_str());
  std::mt19937 rng(1234);
  int rejected = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string bytes = seed;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 4) {
        case 0: bytes[rng() % bytes.size()] = static_cast<char>(rng()); break;                 // flip a byte
        case 1: bytes.resize(rng() % (bytes.size() + 1)); break;                                // truncate
        case 2: bytes.insert(rng() % (bytes.size() + 1), 1, static_cast<char>(rng())); break;   // insert
        default: {                                                                              // corrupt a digit in the header
          size_t pos = 8 + rng() % 100;
          if (pos < bytes.size() && std::isdigit(static_cast<unsigned char>(bytes[pos]))) bytes[pos] = static_cast<char>('0' + rng() % 10);
        }
      }
      if (bytes.empty()) break;
    }
    std::vector<ekt::safetensors::TensorInfo> tensors;
    std::map<std::string, std::string> meta;
    uint64_t start = 0;
    try {
      ekt::safetensors::parse_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "fuzz", tensors, meta, start);
      // Accepted: every tensor must then lie inside the buffer.
      for (const auto& t : tensors) ASSERT_LE(start + t.end, bytes.size());
    } catch (const ekt::Error&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 10000);  // most mutations are invalid and must be caught
}

}  // namespace
