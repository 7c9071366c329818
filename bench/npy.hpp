// Reading float32 matrices from .npy (NumPy's format: a small text header, then raw data) and
// .fvecs (per row: int32 dimension, then the floats) files, for the benchmarks.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mvvd::bench {

struct Matrix {
  std::size_t rows = 0, cols = 0;
  std::vector<float> data;
  const float* row(std::size_t i) const { return &data[i * cols]; }
};

inline Matrix read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  char magic[8];
  in.read(magic, 8);
  if (std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error(path + ": not .npy");
  std::uint32_t header_len = 0;
  if (magic[6] == 1) {
    std::uint16_t h;
    in.read(reinterpret_cast<char*>(&h), 2);
    header_len = h;
  } else {
    in.read(reinterpret_cast<char*>(&header_len), 4);
  }
  std::string header(header_len, ' ');
  in.read(&header[0], header_len);
  if (header.find("'<f4'") == std::string::npos ||
      header.find("'fortran_order': False") == std::string::npos)
    throw std::runtime_error(path + ": expected a C-ordered float32 array");
  auto open = header.find('(', header.find("'shape'"));
  Matrix m;
  m.rows = std::stoul(header.substr(open + 1));
  m.cols = std::stoul(header.substr(header.find(',', open) + 1));
  m.data.resize(m.rows * m.cols);
  in.read(reinterpret_cast<char*>(m.data.data()), static_cast<std::streamsize>(m.data.size() * 4));
  if (!in) throw std::runtime_error(path + ": truncated");
  return m;
}

inline Matrix read_fvecs(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  Matrix m;
  std::int32_t dim;
  while (in.read(reinterpret_cast<char*>(&dim), 4)) {
    if (m.cols == 0) m.cols = static_cast<std::size_t>(dim);
    if (static_cast<std::size_t>(dim) != m.cols) throw std::runtime_error(path + ": ragged rows");
    std::size_t at = m.data.size();
    m.data.resize(at + m.cols);
    in.read(reinterpret_cast<char*>(&m.data[at]), static_cast<std::streamsize>(m.cols * 4));
    ++m.rows;
  }
  return m;
}

inline Matrix read_matrix(const std::string& path) {
  return path.size() > 6 && path.substr(path.size() - 6) == ".fvecs" ? read_fvecs(path)
                                                                     : read_npy(path);
}

}  // namespace mvvd::bench
