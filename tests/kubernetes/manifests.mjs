// Reads docker/kubernetes/ the way kubectl does (every YAML document of every *.yaml file, with
// the `yaml` parser from npm) and answers the questions the checks and the pod renderer ask of
// it: which object is which, what a container's environment resolves to.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const KUSTOMIZATION = 'kustomization.yaml';

// [{ file, doc }] for every non-empty document of every *.yaml in `dir` but the kustomization,
// which is no Kubernetes API object (loadKustomization reads it). A syntax error throws, naming
// the file.
export function loadManifests(dir) {
  const out = [];
  for (const file of yamlFiles(dir)) {
    if (file === KUSTOMIZATION) continue;
    for (const document of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      if (document.errors.length > 0) {
        throw new Error(`${file}: ${document.errors.map((e) => e.message).join('; ')}`);
      }
      const doc = document.toJS();
      if (doc !== null && doc !== undefined) out.push({ file, doc });
    }
  }
  return out;
}

export function yamlFiles(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}

export function loadKustomization(dir) {
  const [document] = parseAllDocuments(readFileSync(join(dir, KUSTOMIZATION), 'utf8'));
  if (document.errors.length > 0)
    throw new Error(`${KUSTOMIZATION}: ${document.errors[0].message}`);
  return document.toJS();
}

export const ofKind = (manifests, kind) =>
  manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc);

export const named = (manifests, kind, name) =>
  ofKind(manifests, kind).find((d) => d.metadata?.name === name);

// Workloads with a pod template (only StatefulSets here; Deployments would read the same).
export const workloads = (manifests) =>
  manifests.map((m) => m.doc).filter((d) => d.spec?.template?.spec);

// Secret data as text: stringData as written, data decoded from base64.
export function secretData(secret) {
  const out = {};
  for (const [k, v] of Object.entries(secret?.data ?? {}))
    out[k] = Buffer.from(v, 'base64').toString();
  for (const [k, v] of Object.entries(secret?.stringData ?? {})) out[k] = String(v);
  return out;
}

// A container's environment as Kubernetes builds it: envFrom sources in order (with their
// prefix), then env, which wins over them. Each entry says where its value comes from; `value` is
// undefined when a reference cannot be resolved (the checks report that).
export function containerEnv(manifests, container) {
  const env = new Map();
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    if (source.configMapRef) {
      const cm = named(manifests, 'ConfigMap', source.configMapRef.name);
      for (const [k, v] of Object.entries(cm?.data ?? {})) {
        env.set(prefix + k, { value: String(v), from: `configmap ${source.configMapRef.name}` });
      }
    }
    if (source.secretRef) {
      const data = secretData(named(manifests, 'Secret', source.secretRef.name));
      for (const [k, v] of Object.entries(data)) {
        env.set(prefix + k, { value: v, from: `secret ${source.secretRef.name}`, secret: true });
      }
    }
  }
  for (const entry of container.env ?? []) {
    const ref = entry.valueFrom ?? {};
    if (ref.secretKeyRef) {
      const { name, key } = ref.secretKeyRef;
      const data = secretData(named(manifests, 'Secret', name));
      env.set(entry.name, {
        value: data[key],
        from: `secret ${name} key ${key}`,
        secret: true,
        ref: { kind: 'Secret', name, key },
      });
    } else if (ref.configMapKeyRef) {
      const { name, key } = ref.configMapKeyRef;
      const data = named(manifests, 'ConfigMap', name)?.data ?? {};
      env.set(entry.name, {
        value: data[key],
        from: `configmap ${name} key ${key}`,
        ref: { kind: 'ConfigMap', name, key },
      });
    } else if (entry.valueFrom) {
      env.set(entry.name, { value: undefined, from: 'fieldRef/resourceFieldRef' });
    } else {
      env.set(entry.name, { value: entry.value ?? '', from: 'value' });
    }
  }
  return env;
}
