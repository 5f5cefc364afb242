// Prints, from the real manifests, a Pod that `podman kube play` (podman 4.3) runs: the pod
// template of one StatefulSet of docker/kubernetes/, so the pod tested with podman cannot drift
// from the one Kubernetes runs. podman 4.3 plays Pods, Deployments and PersistentVolumeClaims
// only, so what the cluster would add is done here:
//   - the environment is resolved: envFrom ConfigMaps and Secret/ConfigMap key references become
//     plain values read from the manifests' own Secret and ConfigMap;
//   - each volumeClaimTemplate becomes a hostPath folder <volume-dir>/<claim>, prepared by the
//     caller the way the kubelet leaves a new volume under fsGroup (root's, group 999, setgid,
//     group-writable): podman does not apply fsGroup, and its named volumes would copy the
//     image's folders, owner included, which no cluster does;
//   - the probes are left out: podman 4.3 turns an httpGet probe into a curl inside the
//     container, and the image has no curl. The caller asks /readyz from the host instead;
//   - restartPolicy Never, so a supervisor that exits shows as an exited container, not a loop;
//   - --publish maps container ports to host ports on 127.0.0.1 only;
//   - --local-repo drops every PGBACKREST_REPO1_* setting (S3): repo1 is then the image's local
//     path /var/lib/pgbackrest, on the "repo" claim (the single-node layout of configmap.yaml).
//
//   node render-pod.mjs --name POD --volume-dir DIR [--statefulset pgbr-primary] [--image IMAGE]
//                       [--publish 5432=HOSTPORT ...] [--local-repo] [--manifests DIR]
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { containerEnv, loadManifests, named } from './manifests.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: opts } = parseArgs({
  options: {
    statefulset: { type: 'string', default: 'pgbr-primary' },
    name: { type: 'string' },
    image: { type: 'string' },
    'volume-dir': { type: 'string' },
    publish: { type: 'string', multiple: true, default: [] },
    'local-repo': { type: 'boolean', default: false },
    manifests: { type: 'string', default: join(root, 'docker/kubernetes') },
  },
});
const die = (message) => {
  console.error(`render-pod: ${message}`);
  process.exit(2);
};
if (!opts.name) die('--name is required');
if (!opts['volume-dir']) die('--volume-dir is required');

const manifests = loadManifests(opts.manifests);
const sts = named(manifests, 'StatefulSet', opts.statefulset);
if (!sts) die(`no StatefulSet ${opts.statefulset} in ${opts.manifests}`);

const template = structuredClone(sts.spec.template);
const spec = template.spec;
delete spec.affinity;
spec.restartPolicy = 'Never';

const published = new Map(
  opts.publish.map((p) => {
    const [container, host] = p.split('=').map(Number);
    if (!container || !host) die(`--publish ${p}: expected CONTAINER_PORT=HOST_PORT`);
    return [container, host];
  }),
);

for (const container of spec.containers) {
  const env = containerEnv(manifests, container);
  container.env = [];
  for (const [name, entry] of env) {
    if (opts['local-repo'] && name.startsWith('PGBACKREST_REPO1_')) continue;
    if (entry.value === undefined)
      die(`${container.name}: ${name} (${entry.from}) cannot be resolved`);
    container.env.push({ name, value: entry.value });
  }
  delete container.envFrom;
  delete container.startupProbe;
  delete container.readinessProbe;
  delete container.livenessProbe;
  if (opts.image) container.image = opts.image;
  for (const port of container.ports ?? []) {
    const host = published.get(port.containerPort);
    if (host) Object.assign(port, { hostPort: host, hostIP: '127.0.0.1' });
  }
}

spec.volumes = [
  ...(spec.volumes ?? []),
  ...(sts.spec.volumeClaimTemplates ?? []).map((t) => ({
    name: t.metadata.name,
    hostPath: { path: join(resolve(opts['volume-dir']), t.metadata.name), type: 'Directory' },
  })),
];

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: opts.name, labels: template.metadata?.labels ?? {} },
  spec,
};
process.stdout.write(stringify(pod));
