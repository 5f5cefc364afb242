// Where logical dumps are kept: in a repository the physical backups use, beside pgBackRest's
// own folders (archive/<stanza>, backup/<stanza>) and never inside them, under
// <repo path>/dumps/<stanza>/ (a folder of a posix repository, a key prefix in an S3 bucket).
// The repository is PGBR_DUMP_REPO (repo 1 by default), read from the same PGBACKREST_* variables
// and pgbackrest.conf that pgBackRest reads, with its precedence (backrest/repo_settings.h). When
// the repository is encrypted (cipher-type=aes-256-cbc) dumps are too, in openssl enc format with
// the repository's cipher-pass (storage/cipher.h), so they decrypt without the supervisor.
#pragma once

#include <memory>
#include <string>

#include "supervisor/config/settings.h"
#include "supervisor/storage/object_store.h"

namespace pgbr {

// The store of this stanza's dumps; nullptr with one line in `error` when the repository cannot
// hold them: PGBR_DUMP_REPO names a repository pgBackRest does not have, a type the supervisor
// does not speak (azure, gcs, sftp, cifs), or S3 settings it cannot honour (KMS, SSE-C, tokens,
// roles, requester pays, another storage host, object tags). Nothing is contacted here: the
// first request reports an unreachable store.
std::unique_ptr<ObjectStore> openDumpStore(const Settings& settings, std::string* error);

}  // namespace pgbr
