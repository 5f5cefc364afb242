// Validates the Kubernetes manifests offline, without a cluster:
//   1. every YAML document of docker/kubernetes/*.yaml against the Kubernetes schema of its
//      apiVersion and kind (kubernetes-models' .validate());
//   2. kustomization.yaml lists exactly the other files;
//   3. the project's rules (rules.mjs): probes, the postgres user without privileges, grace period
//      against PGBR_STOP_TIMEOUT_S, Secret and ConfigMap references, Service selectors, the
//      standbys' primary, every variable documented in README.md.
// Then it breaks copies of the manifests in memory, one rule at a time, and expects each copy to
// be refused, so checks that accept everything fail this test instead of passing it.
//
//   node validate.mjs [docker/kubernetes] [README.md]
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKustomization, loadManifests, named, yamlFiles, KUSTOMIZATION } from './manifests.mjs';
import { checkRules, documentedNames } from './rules.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = process.argv[2] ?? join(root, 'docker/kubernetes');
const readmePath = process.argv[3] ?? join(root, 'README.md');

// The kubernetes-models class of an object: apiVersion "apps/v1" -> kubernetes-models/apps/v1.
async function modelClass(doc) {
  if (typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') return undefined;
  try {
    const module = await import(`kubernetes-models/${doc.apiVersion}`);
    return module[doc.kind];
  } catch {
    return undefined;
  }
}

async function schemaProblems(manifests) {
  const problems = [];
  for (const { file, doc } of manifests) {
    const where = `${file}: ${doc.kind ?? '?'} ${doc.metadata?.name ?? '?'}`;
    const Model = await modelClass(doc);
    if (!Model) {
      problems.push(
        `${where}: no Kubernetes schema for apiVersion ${doc.apiVersion}, kind ${doc.kind}`,
      );
      continue;
    }
    try {
      new Model(doc).validate();
    } catch (error) {
      problems.push(`${where}: ${error.message}`);
    }
  }
  return problems;
}

function kustomizationProblems() {
  const listed = (loadKustomization(dir).resources ?? []).slice().sort();
  const present = yamlFiles(dir).filter((f) => f !== KUSTOMIZATION);
  const problems = [];
  for (const f of present)
    if (!listed.includes(f)) problems.push(`${KUSTOMIZATION}: does not list ${f}`);
  for (const f of listed)
    if (!present.includes(f)) problems.push(`${KUSTOMIZATION}: lists ${f}, which does not exist`);
  return problems;
}

let manifests;
let documented;
try {
  manifests = loadManifests(dir);
  documented = documentedNames(readFileSync(readmePath, 'utf8'));
} catch (error) {
  console.log(`FAILED: ${error.message}`);
  process.exit(1);
}
const allProblems = async (m) => [...(await schemaProblems(m)), ...checkRules(m, documented)];

let failed = 0;
const report = (ok, text, details = []) => {
  if (!ok) failed += 1;
  console.log(`${ok ? 'ok' : 'FAILED'}: ${text}`);
  for (const line of details) console.log(`    ${line}`);
};

const kinds = manifests.map((m) => `${m.doc.kind}/${m.doc.metadata?.name}`).join(', ');
const schema = await schemaProblems(manifests);
report(
  schema.length === 0,
  `${manifests.length} objects valid against the Kubernetes schemas (${kinds})`,
  schema,
);
const kustomize = kustomizationProblems();
report(kustomize.length === 0, `${KUSTOMIZATION} lists every manifest`, kustomize);
const rules = checkRules(manifests, documented);
report(rules.length === 0, 'the project rules hold', rules);

// ------------------------------------------------------------------------------ negative checks

const copy = () => structuredClone(manifests);
const container = (m, sts) => named(m, 'StatefulSet', sts).spec.template.spec.containers[0];
const envEntry = (m, sts, name) => container(m, sts).env.find((e) => e.name === name);

const primary = (m) => container(m, 'pgbr-primary');
const standby = (m) => container(m, 'pgbr-standby');
const primaryPod = (m) => named(m, 'StatefulSet', 'pgbr-primary').spec.template.spec;
// [what the copy has, a part of the problem it must raise, how to break the copy]
const breakages = [
  ['a container port given as text', 'must be integer',
    (m) => (primary(m).ports[0].containerPort = '5432')],
  ['no livenessProbe', 'no livenessProbe', (m) => delete standby(m).livenessProbe],
  ['readiness on /healthz', 'readinessProbe asks /healthz',
    (m) => (primary(m).readinessProbe.httpGet.path = '/healthz')],
  ['a probe on port 5432', 'port 5432 is not 5000',
    (m) => (primary(m).startupProbe.httpGet.port = 5432)],
  ['runAsUser 0', 'runAsUser is 0', (m) => (primary(m).securityContext.runAsUser = 0)],
  ['privilege escalation allowed', 'allowPrivilegeEscalation',
    (m) => (standby(m).securityContext.allowPrivilegeEscalation = true)],
  ['grace period equal to the stop timeout', 'terminationGracePeriodSeconds 50',
    (m) => (primaryPod(m).terminationGracePeriodSeconds = 50)],
  ['a Secret key that does not exist', 'which Secret pgbr-secrets lacks',
    (m) => (envEntry(m, 'pgbr-primary', 'PGBR_API_TOKEN').valueFrom.secretKeyRef.key = 'TOKEN')],
  ['a Service selecting no pod', 'matches no pod template',
    (m) => (named(m, 'Service', 'pgbr-ro').spec.selector['pgbr/role'] = 'replica')],
  ['an undocumented variable', 'PGBR_NO_SUCH_SETTING is not documented',
    (m) => primary(m).env.push({ name: 'PGBR_NO_SUCH_SETTING', value: '1' })],
  ['PGDATA at the mount point', 'is the mount point of data',
    (m) => (envEntry(m, 'pgbr-primary', 'PGDATA').value = '/var/lib/postgresql/data')],
  ['a standby following a missing StatefulSet', 'names no pod of a StatefulSet',
    (m) => (envEntry(m, 'pgbr-standby', 'PGBR_STANDBY_PRIMARY').value = 'pgbr-main-0.pgbr:5432')],
  ['a StatefulSet selecting by pgbr/role', 'selects by pgbr/role',
    (m) => (named(m, 'StatefulSet', 'pgbr-standby').spec.selector.matchLabels['pgbr/role'] = 'x')],
];

for (const [name, expected, mutate] of breakages) {
  const broken = copy();
  mutate(broken);
  const found = await allProblems(broken);
  const refused = found.some((p) => p.includes(expected));
  const why = `expected a problem with "${expected}", got: ${found.join(' | ') || 'none'}`;
  report(refused, `a copy with ${name} is refused`, refused ? [] : [why]);
}

const total = 3 + breakages.length;
console.log(`${total - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
