#include "io/hash.hpp"

#include <xxhash.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <vector>

namespace signalrank {

InputFile describe_input(const std::string& role, const std::string& path) {
  InputFile f{role, path, 0, 0};
  std::unique_ptr<FILE, int (*)(FILE*)> in(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> st(XXH3_createState(), XXH3_freeState);
  XXH3_64bits_reset(st.get());
  std::vector<char> buf(1 << 22);
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), in.get())) > 0) {
    XXH3_64bits_update(st.get(), buf.data(), n);
    f.bytes += n;
  }
  f.xxh3 = XXH3_64bits_digest(st.get());
  return f;
}

}  // namespace signalrank
