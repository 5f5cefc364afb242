// A temporary folder removed at the end of the test.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace pgbr::testing {

class JobsTempDir {
 public:
  JobsTempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pgbr-jobs-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~JobsTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  JobsTempDir(const JobsTempDir&) = delete;
  JobsTempDir& operator=(const JobsTempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace pgbr::testing
