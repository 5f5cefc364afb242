// The dashboard's pages and assets (HTML, CSS, JavaScript), embedded in the binary at build time
// by cmake/embed.cmake from the files in this folder. The supervisor serves them as they are: no
// file is read from disk and nothing is fetched from a CDN, so the dashboard works offline and
// always matches the binary's API.
//
// Policy: `path` is the URL path ("/" for index.html, "/app.js", "/views/overview.js", ...);
// every page of the dashboard is reached through "/" with a hash route (#/backups), so the server
// needs no per-page routes. The dashboard holds no logic the API does not also offer.
#pragma once

#include <span>
#include <string_view>

namespace pgbr {

struct EmbeddedAsset {
  std::string_view path;          // URL path, starting with "/"
  std::string_view content_type;  // value for the Content-Type header, with charset for text
  std::string_view body;          // the file's exact bytes
};

// Every embedded file, in a fixed order; the views point into static storage.
std::span<const EmbeddedAsset> embeddedAssets();

// The asset served at `path`, or nullptr when none is (the caller answers 404).
const EmbeddedAsset* findEmbeddedAsset(std::string_view path);

}  // namespace pgbr
