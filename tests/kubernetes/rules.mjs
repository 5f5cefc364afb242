// The project's own rules for docker/kubernetes/, beyond the Kubernetes schemas: what the image
// and the supervisor need from a pod (probes on the supervisor's routes, the postgres user and no
// privileges, a grace period longer than the supervisor's stop timeout, PGDATA inside a volume),
// and that the objects fit together (references to Secrets and ConfigMaps, Service selectors,
// the standbys' primary, every variable documented in README.md).
//
// checkRules() returns a list of problems, one line each; an empty list means every rule holds.
import { containerEnv, named, ofKind, secretData, workloads } from './manifests.mjs';

const API_PORT = 5000;
const POSTGRES_UID = 999;
// The supervisor's default (README.md, PGBR_STOP_TIMEOUT_S).
const DEFAULT_STOP_TIMEOUT_S = 8;
// The grace period must leave the supervisor this long after its stop timeout to exit.
const MIN_EXIT_MARGIN_S = 5;
// A startup probe must wait at least this long for the supervisor to listen.
const MIN_STARTUP_WINDOW_S = 120;
const STATE_DIR = '/var/lib/pgbr-supervisor';
const ROLE_LABEL = 'pgbr/role';

const PROBES = {
  startupProbe: ['/healthz', '/readyz'],
  readinessProbe: ['/readyz'],
  livenessProbe: ['/healthz'],
};

// Variable names README.md documents: every `NAME` in backquotes in its "Configuration reference"
// section, and the PGBACKREST_* names anywhere in it (the reference documents that family as
// "any pgBackRest option as its environment variable", and names the ones the examples use).
export function documentedNames(readme) {
  const start = readme.indexOf('\n## Configuration reference');
  if (start < 0) throw new Error('README.md has no "## Configuration reference" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const reference = new Set([...section.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]));
  const backrest = new Set(readme.match(/\bPGBACKREST_[A-Z0-9_]+/g) ?? []);
  return { reference, backrest };
}

const isDocumented = (name, documented) =>
  name.startsWith('PGBACKREST_') ? documented.backrest.has(name) : documented.reference.has(name);

const labelsMatch = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

// The container port a probe's or a Service's port names: a number, or a containerPort's name.
function resolvePort(port, containers) {
  if (typeof port === 'number') return port;
  for (const c of containers) {
    const found = (c.ports ?? []).find((p) => p.name === port);
    if (found) return found.containerPort;
  }
  return undefined;
}

function checkProbes(where, container, problems) {
  for (const [probe, paths] of Object.entries(PROBES)) {
    const p = container[probe];
    if (!p) {
      problems.push(`${where}: no ${probe}`);
      continue;
    }
    if (!p.httpGet) {
      problems.push(`${where}: ${probe} is not an httpGet probe`);
      continue;
    }
    if (!paths.includes(p.httpGet.path)) {
      problems.push(`${where}: ${probe} asks ${p.httpGet.path}, expected ${paths.join(' or ')}`);
    }
    const port = resolvePort(p.httpGet.port, [container]);
    if (port !== API_PORT)
      problems.push(`${where}: ${probe} port ${p.httpGet.port} is not ${API_PORT}`);
  }
  const s = container.startupProbe;
  if (s?.httpGet) {
    const window = (s.periodSeconds ?? 10) * (s.failureThreshold ?? 3);
    if (window < MIN_STARTUP_WINDOW_S) {
      problems.push(
        `${where}: startupProbe gives up after ${window} s, less than ${MIN_STARTUP_WINDOW_S} s`,
      );
    }
  }
}

function checkSecurity(where, pod, container, problems) {
  const ps = pod.securityContext ?? {};
  const cs = container.securityContext ?? {};
  const effective = (key) => (cs[key] !== undefined ? cs[key] : ps[key]);
  if (effective('runAsUser') !== POSTGRES_UID)
    problems.push(`${where}: runAsUser is ${effective('runAsUser')}, expected ${POSTGRES_UID}`);
  if (effective('runAsGroup') !== POSTGRES_UID)
    problems.push(`${where}: runAsGroup is ${effective('runAsGroup')}, expected ${POSTGRES_UID}`);
  if (effective('runAsNonRoot') !== true) problems.push(`${where}: runAsNonRoot is not true`);
  if (ps.fsGroup !== POSTGRES_UID)
    problems.push(`${where}: the pod's fsGroup is ${ps.fsGroup}, expected ${POSTGRES_UID}`);
  if (cs.allowPrivilegeEscalation !== false)
    problems.push(`${where}: allowPrivilegeEscalation is not false`);
  if (cs.privileged === true) problems.push(`${where}: privileged`);
  if (!(cs.capabilities?.drop ?? []).includes('ALL'))
    problems.push(`${where}: capabilities do not drop ALL`);
  if ((cs.capabilities?.add ?? []).length > 0)
    problems.push(`${where}: capabilities added: ${cs.capabilities.add.join(', ')}`);
}

// Every mounted volume exists; PGDATA and the state folder are on volumes; PGDATA is a folder
// inside its volume, never the mount point (the top folder of a volume stays root's under
// fsGroup, and Postgres must own its data directory).
function checkVolumes(where, workload, container, env, problems) {
  const pod = workload.spec.template.spec;
  const known = new Set([
    ...(pod.volumes ?? []).map((v) => v.name),
    ...(workload.spec.volumeClaimTemplates ?? []).map((t) => t.metadata?.name),
  ]);
  const mounts = container.volumeMounts ?? [];
  for (const m of mounts) {
    if (!known.has(m.name))
      problems.push(`${where}: volumeMount ${m.name} names no volume or claim template`);
  }
  const under = (path) =>
    mounts.find(
      (m) => path === m.mountPath || path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`),
    );
  const pgdata = env.get('PGDATA')?.value ?? '/var/lib/postgresql/data';
  const pgdataMount = under(pgdata);
  if (!pgdataMount) problems.push(`${where}: PGDATA ${pgdata} is on no volume`);
  else if (pgdataMount.mountPath.replace(/\/$/, '') === pgdata.replace(/\/$/, '')) {
    const volume = pgdataMount.name;
    problems.push(`${where}: PGDATA ${pgdata} is the mount point of ${volume}; use a folder in it`);
  }
  const state = env.get('PGBR_STATE_DIR')?.value ?? STATE_DIR;
  if (!under(state))
    problems.push(
      `${where}: the state folder ${state} is on no volume (job history, bootstrap marker)`,
    );
}

function checkReferences(where, manifests, container, env, problems) {
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
    if (ref && !ref.optional && !named(manifests, kind, ref.name))
      problems.push(`${where}: envFrom names no ${kind} ${ref.name}`);
  }
  for (const [name, e] of env) {
    if (!e.ref) continue;
    const object = named(manifests, e.ref.kind, e.ref.name);
    const data = e.ref.kind === 'Secret' ? secretData(object) : (object?.data ?? {});
    if (!object) problems.push(`${where}: ${name} refers to no ${e.ref.kind} ${e.ref.name}`);
    else if (!(e.ref.key in data))
      problems.push(
        `${where}: ${name} refers to key ${e.ref.key}, which ${e.ref.kind} ${e.ref.name} lacks`,
      );
  }
}

function checkStopTimeout(where, pod, env, problems) {
  const raw = env.get('PGBR_STOP_TIMEOUT_S')?.value;
  if (raw === undefined)
    problems.push(
      `${where}: PGBR_STOP_TIMEOUT_S is not set (default ${DEFAULT_STOP_TIMEOUT_S} s); ` +
        'set it with the grace period',
    );
  const stop = raw === undefined ? DEFAULT_STOP_TIMEOUT_S : Number(raw);
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  if (!(grace >= stop + MIN_EXIT_MARGIN_S)) {
    problems.push(
      `${where}: terminationGracePeriodSeconds ${grace} is not at least ` +
        `${MIN_EXIT_MARGIN_S} s above PGBR_STOP_TIMEOUT_S ${raw}`,
    );
  }
}

// A standby's PGBR_STANDBY_PRIMARY names pod 0 of a primary StatefulSet through its headless
// Service, and both authenticate with the same replication role.
function checkStandby(where, manifests, env, problems) {
  const target = env.get('PGBR_STANDBY_PRIMARY')?.value;
  if (target === undefined) return;
  const m = /^([a-z0-9-]+)-(\d+)\.([a-z0-9-]+)(\.[a-z0-9.-]+)?:(\d+)$/.exec(target);
  if (!m) {
    problems.push(
      `${where}: PGBR_STANDBY_PRIMARY=${target} is not <statefulset>-<n>.<service>:<port>`,
    );
    return;
  }
  const primary = named(manifests, 'StatefulSet', m[1]);
  if (!primary || primary.spec.serviceName !== m[3]) {
    problems.push(
      `${where}: PGBR_STANDBY_PRIMARY=${target} names no pod of a StatefulSet served by ${m[3]}`,
    );
    return;
  }
  const primaryEnv = containerEnv(manifests, primary.spec.template.spec.containers[0]);
  if (primaryEnv.has('PGBR_STANDBY_PRIMARY'))
    problems.push(`${where}: follows ${m[1]}, itself a standby`);
  if (Number(m[5]) !== 5432)
    problems.push(`${where}: PGBR_STANDBY_PRIMARY port ${m[5]} is not Postgres' 5432`);
  for (const name of ['POSTGRES_REPLICATION_USER', 'POSTGRES_REPLICATION_PASSWORD']) {
    const mine = env.get(name);
    const theirs = primaryEnv.get(name);
    if (!mine) problems.push(`${where}: a standby without ${name}`);
    else if (!theirs)
      problems.push(`${where}: its primary ${m[1]} has no ${name} to create the role with`);
    else if (mine.from !== theirs.from)
      problems.push(`${where}: ${name} comes from ${mine.from}, the primary's from ${theirs.from}`);
  }
}

function checkServices(manifests, problems) {
  const pods = workloads(manifests).map((w) => ({
    workload: w,
    labels: w.spec.template.metadata?.labels ?? {},
  }));
  for (const svc of ofKind(manifests, 'Service')) {
    const where = `Service ${svc.metadata.name}`;
    const selected = pods.filter((p) => labelsMatch(svc.spec.selector, p.labels));
    if (selected.length === 0) {
      problems.push(`${where}: its selector matches no pod template`);
      continue;
    }
    const containers = selected.flatMap((p) => p.workload.spec.template.spec.containers);
    for (const port of svc.spec.ports ?? []) {
      if (resolvePort(port.targetPort ?? port.port, containers) === undefined) {
        problems.push(
          `${where}: targetPort ${port.targetPort} is no container port of the pods it selects`,
        );
      }
    }
  }
  for (const w of workloads(manifests).filter((d) => d.kind === 'StatefulSet')) {
    const where = `StatefulSet ${w.metadata.name}`;
    const labels = w.spec.template.metadata?.labels ?? {};
    const selector = w.spec.selector?.matchLabels ?? {};
    if (!labelsMatch(selector, labels))
      problems.push(`${where}: its selector does not match its pod template's labels`);
    // A relabelled pod must stay its StatefulSet's (services.yaml).
    if (ROLE_LABEL in selector)
      problems.push(`${where}: selects by ${ROLE_LABEL}, which a promotion changes`);
    if (!labels[ROLE_LABEL]) problems.push(`${where}: its pods carry no ${ROLE_LABEL} label`);
    const headless = named(manifests, 'Service', w.spec.serviceName);
    if (headless?.spec?.clusterIP !== 'None')
      problems.push(`${where}: serviceName ${w.spec.serviceName} is no headless Service`);
    else if (!labelsMatch(headless.spec.selector, labels))
      problems.push(`${where}: the headless Service does not select its pods`);
  }
}

export function checkRules(manifests, documented) {
  const problems = [];
  for (const w of workloads(manifests)) {
    const pod = w.spec.template.spec;
    for (const container of pod.containers ?? []) {
      const where = `${w.kind} ${w.metadata.name} container ${container.name}`;
      const env = containerEnv(manifests, container);
      checkProbes(where, container, problems);
      checkSecurity(where, pod, container, problems);
      checkVolumes(where, w, container, env, problems);
      checkReferences(where, manifests, container, env, problems);
      checkStopTimeout(where, pod, env, problems);
      checkStandby(where, manifests, env, problems);
      for (const name of env.keys()) {
        if (!isDocumented(name, documented))
          problems.push(
            `${where}: ${name} is not documented in README.md's configuration reference`,
          );
      }
    }
  }
  checkServices(manifests, problems);
  return problems;
}
