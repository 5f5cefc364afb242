// The dashboard, driven through a real Chromium against a real pgbr-supervisor (real PostgreSQL
// and pgBackRest), as a user would: sign in, watch a backup, read its log, restart Postgres,
// clear and follow a log, run a drill, dump and restore a database, restore to a point in time,
// sign out, use it on a phone.
//
// Started by run.sh, which owns the supervisor and passes its coordinates in the environment.
// The scenarios share that one supervisor and one browser, in one process, and run in the order
// imported below, each leaving it in the state the next one expects (signed in or not, Postgres
// running, no job running, the backup of scenario 3 in the repository). Waiting is always for a
// condition with a deadline, never a fixed pause: the page polls the API every 2 s, so every
// check of what the page shows waits for the page to catch up.
//
// lib/server.mjs: the environment, the API, psql and eventually(); lib/browser.mjs: the browser
// (its before/after hooks), the page helpers and scenario(); lib/access.mjs: the routes a
// signed-out browser must be refused. Each file of scenarios/ registers its scenarios when
// imported, so the order of the imports is the order of the run.

import './lib/browser.mjs';
import './scenarios/signin.mjs'; //      1, 2: signed out, then signed in
import './scenarios/backups.mjs'; //     3, 4: a full backup from the overview, its job's log
import './scenarios/processes.mjs'; //   5, 5b: restart, log clear and follow; Postgres stopped
import './scenarios/drills.mjs'; //      5c: a restore drill
import './scenarios/dumps.mjs'; //       5d: dump, download, restore into a new name, replace
import './scenarios/restore.mjs'; //     5e, 6: a restore point offered; point-in-time restore
import './scenarios/signout.mjs'; //     7: signed out again
import './scenarios/phone.mjs'; //       8: every page at 375 px
