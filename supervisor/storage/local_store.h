// The object store of a local path repository: one file per object under a root folder. A new
// object is written to a temporary file beside its final name (".<name>.part-<n>") and renamed
// into place on commit after an fsync of the file and then of its folder, so a crash leaves
// either the whole previous object or the whole new one, never a torn file.
#pragma once

#include <filesystem>

#include "supervisor/storage/object_store.h"

namespace pgbr {

class LocalStore : public ObjectStore {
 public:
  // The root folder is created (with its parents) when the first object is written.
  explicit LocalStore(std::filesystem::path root);

  std::string describe() const override;
  std::unique_ptr<ObjectWriter> create(const std::string& key, std::string* error) override;
  std::string read(const std::string& key, const ChunkSink& sink) override;
  std::optional<uint64_t> size(const std::string& key, std::string* error) override;
  std::string list(const std::string& prefix, std::vector<ObjectInfo>* out) override;
  std::string remove(const std::string& key) override;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
};

}  // namespace pgbr
