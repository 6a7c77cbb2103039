import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { paths } from '../../../src/adapters/process/paths.ts';
import { parseDuration } from '../../../src/core/spec/kinds/common.ts';
import { parseByteSize } from '../../../src/core/spec/kinds/stack-cost.ts';
import { parseSpec, stackOf } from '../../../src/core/spec/parse.ts';
import { gatewayHeapFlag } from '../../../src/generators/k8s/gateway.ts';
import { k8sServingGenerator } from '../../../src/generators/k8s/generator.ts';
import { validateManifest } from '../../k8s/validate-manifest.ts';

// biome-ignore lint/suspicious/noExplicitAny: manifests are walked as plain JSON
type Obj = any;

const FILES = ['namespace.yaml', 'triton.yaml', 'gateway.yaml'];
const repoSpec = parseSpec(readFileSync(join(paths.root(), 'steadystate.yaml'), 'utf8'));
const stack = stackOf(repoSpec);

/** The committed manifests (gen:check proves they equal what the spec generates). */
const committed: Obj[] = FILES.flatMap((f) =>
  parseAllDocuments(readFileSync(join(paths.root(), 'serving', 'k8s', f), 'utf8')).map((d) => d.toJS()),
);

function find(objects: Obj[], kind: string, name: string): Obj {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found)
    throw new Error(`no ${kind}/${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

function generated(specText: string): Obj[] {
  return k8sServingGenerator
    .generate(parseSpec(specText))
    .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()));
}

const triton = {
  deployment: find(committed, 'Deployment', 'fraud-serving-triton'),
  service: find(committed, 'Service', 'fraud-serving-triton'),
  monitor: find(committed, 'ServiceMonitor', 'fraud-serving-triton'),
  budget: find(committed, 'PodDisruptionBudget', 'fraud-serving-triton'),
  network: find(committed, 'NetworkPolicy', 'fraud-serving-triton'),
};
const gateway = {
  deployment: find(committed, 'Deployment', 'fraud-serving-gateway'),
  service: find(committed, 'Service', 'fraud-serving-gateway'),
  monitor: find(committed, 'ServiceMonitor', 'fraud-serving-gateway'),
  budget: find(committed, 'PodDisruptionBudget', 'fraud-serving-gateway'),
  autoscaler: find(committed, 'HorizontalPodAutoscaler', 'fraud-serving-gateway'),
  config: find(committed, 'ConfigMap', 'fraud-serving-gateway-spec'),
};
const tritonContainer = triton.deployment.spec.template.spec.containers[0];
const gatewayContainer = gateway.deployment.spec.template.spec.containers[0];

describe('serving/k8s manifests against the Kubernetes and prometheus-operator schemas', () => {
  it('holds every object the production shape needs, each once', () => {
    expect(committed.map((o) => `${o.apiVersion} ${o.kind}`).sort()).toEqual(
      [
        'v1 Namespace',
        'v1 ConfigMap',
        'v1 ConfigMap',
        'apps/v1 Deployment',
        'apps/v1 Deployment',
        'v1 Service',
        'v1 Service',
        'policy/v1 PodDisruptionBudget',
        'policy/v1 PodDisruptionBudget',
        'networking.k8s.io/v1 NetworkPolicy',
        'autoscaling/v2 HorizontalPodAutoscaler',
        'monitoring.coreos.com/v1 ServiceMonitor',
        'monitoring.coreos.com/v1 ServiceMonitor',
      ].sort(),
    );
  });

  it.each(committed.map((o) => [`${o.kind}/${o.metadata.name}`, o]))('%s is valid', (_, object) => {
    expect(validateManifest(object)).toEqual([]);
  });

  const clone = (o: Obj): Obj => structuredClone(o);
  it.each<[string, () => Obj, RegExp]>([
    [
      'a Deployment whose replica count is a string',
      () => Object.assign(clone(triton.deployment), { spec: { ...triton.deployment.spec, replicas: 'two' } }),
      /replicas must be integer/,
    ],
    [
      'a container port given by name in containerPort',
      () => {
        const d = clone(triton.deployment);
        d.spec.template.spec.containers[0].ports[0].containerPort = 'http';
        return d;
      },
      /containerPort must be integer/,
    ],
    [
      'a misspelled probe field (readinesProbe)',
      () => {
        const d = clone(gateway.deployment);
        const c = d.spec.template.spec.containers[0];
        c.readinesProbe = c.readinessProbe;
        delete c.readinessProbe;
        return d;
      },
      /containers\[0\]\.readinesProbe: unknown field/,
    ],
    [
      'an autoscaler without maxReplicas',
      () => {
        const h = clone(gateway.autoscaler);
        delete h.spec.maxReplicas;
        return h;
      },
      /must have required property '?maxReplicas/,
    ],
    [
      'a Service whose port is a string',
      () => {
        const s = clone(triton.service);
        s.spec.ports[0].port = '8000';
        return s;
      },
      /port must be integer/,
    ],
    [
      'a ServiceMonitor endpoint whose port is a number',
      () => {
        const m = clone(triton.monitor);
        m.spec.endpoints[0].port = 8002;
        return m;
      },
      /\/spec\/endpoints\/0\/port must be string/,
    ],
    [
      'a ServiceMonitor without a selector',
      () => {
        const m = clone(triton.monitor);
        delete m.spec.selector;
        return m;
      },
      /must have required property '?selector/,
    ],
    [
      'a ServiceMonitor scrape interval that is not a Prometheus duration',
      () => {
        const m = clone(gateway.monitor);
        m.spec.endpoints[0].interval = '15 seconds';
        return m;
      },
      /interval must match pattern/,
    ],
    [
      'a ServiceMonitor with a misspelled metadata field',
      () => Object.assign(clone(gateway.monitor), { metadata: { ...gateway.monitor.metadata, label: {} } }),
      /metadata\.label: unknown field/,
    ],
    ['an object of a kind without a schema', () => ({ apiVersion: 'v1', kind: 'Pod ', metadata: {} }), /no schema/],
  ])('rejects %s', (_, make, expected) => {
    const problems = validateManifest(make());
    expect(problems.join('\n')).toMatch(expected);
  });
});

describe('the manifests are wired together', () => {
  const namespace = stack.spec.kubernetes.namespace;
  const subset = (small: Record<string, string>, big: Record<string, string>) =>
    Object.entries(small).every(([k, v]) => big[k] === v);

  it("sizes the gateway's V8 heap to three quarters of its pod's memory limit", () => {
    const container = gateway.deployment.spec.template.spec.containers[0];
    const limitMiB = parseByteSize(container.resources.limits.memory) / 2 ** 20;
    const flag = container.env.find((e: Obj) => e.name === 'NODE_OPTIONS')?.value;
    expect(flag).toBe(`--max-old-space-size=${Math.floor(limitMiB * 0.75)}`);
    expect(gatewayHeapFlag('1Gi')).toBe('--max-old-space-size=768');
    expect(gatewayHeapFlag('64Mi')).toBe('--max-old-space-size=64'); // never below 64 MiB
  });

  it('puts every namespaced object in the spec namespace', () => {
    for (const o of committed.filter((o) => o.kind !== 'Namespace')) expect(o.metadata.namespace).toBe(namespace);
    expect(find(committed, 'Namespace', namespace).metadata.labels['pod-security.kubernetes.io/enforce']).toBe(
      'restricted',
    );
  });

  it.each([
    ['triton', triton],
    ['gateway', gateway],
  ])('%s: Deployment, Service, budget and ServiceMonitor select the same pods and ports', (_, c) => {
    const pod = c.deployment.spec.template;
    const container = pod.spec.containers[0];
    const containerPorts = container.ports.map((p: Obj) => p.name);
    expect(subset(c.deployment.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    expect(subset(c.service.spec.selector, pod.metadata.labels)).toBe(true);
    expect(subset(c.budget.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    for (const port of c.service.spec.ports) expect(containerPorts).toContain(port.targetPort);
    expect(subset(c.monitor.spec.selector.matchLabels, c.service.metadata.labels)).toBe(true);
    expect(c.monitor.spec.namespaceSelector.matchNames).toEqual([namespace]);
    const servicePorts = c.service.spec.ports.map((p: Obj) => p.name);
    for (const endpoint of c.monitor.spec.endpoints) expect(servicePorts).toContain(endpoint.port);
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
      if (probe?.httpGet) expect(containerPorts).toContain(probe.httpGet.port);
    }
    for (const volume of pod.spec.volumes.filter((v: Obj) => v.configMap)) {
      expect(find(committed, 'ConfigMap', volume.configMap.name)).toBeDefined();
    }
    const mounted = container.volumeMounts.map((m: Obj) => m.name).sort();
    expect(mounted).toEqual(pod.spec.volumes.map((v: Obj) => v.name).sort());
  });

  it('the autoscaler scales the gateway Deployment, which leaves the replica count to it', () => {
    expect(gateway.autoscaler.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: gateway.deployment.metadata.name,
    });
    expect(gateway.deployment.spec.replicas).toBeUndefined();
    expect(gateway.autoscaler.spec.minReplicas).toBe(stack.spec.kubernetes.gateway.minReplicas);
    expect(gateway.autoscaler.spec.maxReplicas).toBe(stack.spec.kubernetes.gateway.maxReplicas);
  });

  it.each([
    ['triton', triton.deployment],
    ['gateway', gateway.deployment],
  ])('%s pods meet the "restricted" Pod Security Standard', (_, deployment) => {
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(pod.securityContext.seccompProfile.type).toBe('RuntimeDefault');
    expect(pod.hostNetwork ?? false).toBe(false);
    for (const container of pod.containers) {
      expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
      expect(container.securityContext.capabilities.drop).toEqual(['ALL']);
      expect(container.securityContext.privileged ?? false).toBe(false);
    }
    const allowed = ['configMap', 'emptyDir', 'secret', 'projected', 'downwardAPI', 'persistentVolumeClaim'];
    for (const volume of pod.volumes) {
      expect(
        Object.keys(volume)
          .filter((k) => k !== 'name')
          .every((k) => allowed.includes(k)),
      ).toBe(true);
    }
  });
});

describe('Triton on GPU nodes', () => {
  const args: string[] = tritonContainer.args;
  const models = ['fraud_v1', 'fraud_v2', 'fraud_fallback'];

  it("lets only the gateway's pods reach inference and model control, and only the monitoring namespace the metrics", () => {
    const subset = (selector: Record<string, string>, labels: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => labels[k] === v);
    const policy = triton.network.spec;
    const ports = Object.fromEntries(
      tritonContainer.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]),
    );
    expect(subset(policy.podSelector.matchLabels, triton.deployment.spec.template.metadata.labels)).toBe(true);
    expect(policy.policyTypes).toEqual(['Ingress']);
    expect(policy.ingress).toHaveLength(2);
    const [fromGateway, fromMonitoring] = policy.ingress;
    expect(fromGateway.from).toHaveLength(1);
    expect(subset(fromGateway.from[0].podSelector.matchLabels, gateway.deployment.spec.template.metadata.labels)).toBe(
      true,
    );
    // Not Triton's own pods: the gateway selector must not match them.
    expect(subset(fromGateway.from[0].podSelector.matchLabels, triton.deployment.spec.template.metadata.labels)).toBe(
      false,
    );
    expect(fromGateway.ports.map((p: { port: number }) => p.port).sort()).toEqual([ports.http, ports.grpc].sort());
    // The gateway's configured Triton URL goes to a port the policy lets through.
    const gatewaySpec = gateway.config.data['steadystate.yaml'] as string;
    expect(gatewaySpec).toContain(`:${ports.http}`);
    expect(fromMonitoring.from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
    ]);
    expect(fromMonitoring.ports).toEqual([{ protocol: 'TCP', port: ports.metrics }]);
    expect(triton.monitor.metadata.namespace).toBe(stack.spec.kubernetes.namespace);
  });

  it('runs the NGC release of the Triton we run locally (24.10 = Triton 2.51) on nvidia.com/gpu', () => {
    expect(tritonContainer.image).toBe('nvcr.io/nvidia/tritonserver:24.10-py3');
    expect(tritonContainer.resources.limits['nvidia.com/gpu']).toBe('1');
    const pod = triton.deployment.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
    expect(pod.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
  });

  it('leaves a lost GPU node after 30 s, not the default 300 s, so the replacement serves within 2 min', () => {
    const pod = triton.deployment.spec.template.spec;
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      expect(pod.tolerations).toContainEqual({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 });
    }
  });

  it('pulls the model repository from object storage with credentials from a Secret', () => {
    expect(args).toContain(`--model-repository=${stack.spec.kubernetes.triton.modelRepository}`);
    expect(args.find((a) => a.startsWith('--model-repository='))).toMatch(/^--model-repository=s3:\/\//);
    expect(tritonContainer.envFrom).toEqual([{ secretRef: { name: 'triton-model-repository' } }]);
    expect(tritonContainer.env).toContainEqual({ name: 'TRITON_AWS_MOUNT_DIRECTORY', value: '/models' });
  });

  it.each(models)('loads %s, whose production config uses onnxruntime on KIND_GPU', (model) => {
    expect(args).toContain(`--load-model=${model}`);
    expect(tritonContainer.readinessProbe.exec.command).toContain(model);
    const config = readFileSync(join(paths.root(), 'serving', 'model_repository_gpu', model, 'config.pbtxt'), 'utf8');
    expect(config).toMatch(/backend: "onnxruntime"/);
    expect(config).toMatch(/kind: KIND_GPU/);
  });

  it('gives a cold start the spec startupTimeout before liveness applies, and probes live on /v2/health/live', () => {
    const startup = tritonContainer.startupProbe;
    expect(startup.httpGet.path).toBe('/v2/health/live');
    expect(startup.periodSeconds * startup.failureThreshold).toBeGreaterThanOrEqual(
      parseDuration(stack.spec.kubernetes.triton.startupTimeout),
    );
    expect(tritonContainer.livenessProbe.httpGet.path).toBe('/v2/health/live');
    expect(args).toContain('--strict-readiness=true');
  });

  it('stops after in-flight requests finish: grace period covers preStop and --exit-timeout-secs', () => {
    const exitTimeout = Number(args.find((a) => a.startsWith('--exit-timeout-secs='))?.split('=')[1]);
    const preStop = tritonContainer.lifecycle.preStop.sleep.seconds;
    expect(triton.deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(exitTimeout + preStop);
  });

  it('the readiness script the probe runs is the one in the mounted ConfigMap', () => {
    const script = tritonContainer.readinessProbe.exec.command[1] as string;
    const mount = tritonContainer.volumeMounts.find((m: Obj) => script.startsWith(`${m.mountPath}/`));
    const volume = triton.deployment.spec.template.spec.volumes.find((v: Obj) => v.name === mount.name);
    const data = find(committed, 'ConfigMap', volume.configMap.name).data;
    expect(Object.keys(data)).toContain(script.slice(mount.mountPath.length + 1));
    expect(tritonContainer.readinessProbe.timeoutSeconds).toBeGreaterThan(
      Number(tritonContainer.readinessProbe.exec.command[3]),
    );
  });
});

describe('the gateway Deployment', () => {
  it('runs non-root on a read-only root filesystem with requests and limits', () => {
    expect(gatewayContainer.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(gateway.deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(gatewayContainer.resources.requests).toEqual({ cpu: '500m', memory: '512Mi' });
    expect(gatewayContainer.resources.limits).toEqual({ cpu: '500m', memory: '512Mi' });
  });

  it('is ready on /readyz, live on /healthz, and drains within its grace period', () => {
    expect(gatewayContainer.readinessProbe.httpGet.path).toBe('/readyz');
    expect(gatewayContainer.livenessProbe.httpGet.path).toBe('/healthz');
    const preStop = gatewayContainer.lifecycle.preStop.sleep.seconds;
    expect(gateway.deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(
      preStop + parseDuration(stack.spec.kubernetes.gateway.drainTimeout),
    );
  });

  it('reads the admin token from the Secret, never from the manifest', () => {
    expect(gatewayContainer.env).toContainEqual({
      name: 'STEADYSTATE_ADMIN_TOKEN',
      valueFrom: { secretKeyRef: { name: 'steadystate-admin-token', key: 'token' } },
    });
  });

  it('mounts a spec that parses, routes to the Triton Service, and rolls pods when it changes', () => {
    const text: string = gateway.config.data['steadystate.yaml'];
    const inCluster = stackOf(parseSpec(text, 'ConfigMap fraud-serving-gateway-spec'));
    const port = triton.service.spec.ports.find((p: Obj) => p.name === 'http').port;
    expect(inCluster.spec.triton.url).toBe(
      `http://fraud-serving-triton.${stack.spec.kubernetes.namespace}.svc:${port}`,
    );
    expect(inCluster.spec.models).toEqual(stack.spec.models);
    expect(gatewayContainer.args).toContain('/etc/steadystate/steadystate.yaml');
    expect(gateway.deployment.spec.template.metadata.annotations['steadystate.dev/spec-sha256']).toBe(
      createHash('sha256').update(text).digest('hex'),
    );
  });
});

describe('the manifests follow the spec', () => {
  const base = readFileSync(join(paths.root(), 'steadystate.yaml'), 'utf8');

  it('a different namespace, repository and replica counts reach every object', () => {
    const text = base
      .replace('namespace: steadystate', 'namespace: fraud-prod')
      .replace(/modelRepository: \S+/, 'modelRepository: as://acct/models/fraud')
      .replace('replicas: 2', 'replicas: 4')
      .replace('minReplicas: 3', 'minReplicas: 5');
    const objects = generated(text);
    for (const o of objects) expect(validateManifest(o)).toEqual([]);
    for (const o of objects.filter((o) => o.kind !== 'Namespace')) expect(o.metadata.namespace).toBe('fraud-prod');
    const deployment = find(objects, 'Deployment', 'fraud-serving-triton');
    const container = deployment.spec.template.spec.containers[0];
    expect(deployment.spec.replicas).toBe(4);
    expect(container.args).toContain('--model-repository=as://acct/models/fraud');
    // The S3 download directory applies to s3:// only.
    expect(container.env).toEqual([]);
    expect(find(objects, 'HorizontalPodAutoscaler', 'fraud-serving-gateway').spec.minReplicas).toBe(5);
    expect(find(objects, 'ConfigMap', 'fraud-serving-gateway-spec').data['steadystate.yaml']).toContain(
      'url: http://fraud-serving-triton.fraud-prod.svc:8000',
    );
  });

  it("Triton pods opt in to the ChaosTarget's pod kills only where it allows their namespace; gateway pods never", () => {
    const annotationsOf = (objects: Obj[], name: string) =>
      find(objects, 'Deployment', name).spec.template.metadata.annotations ?? {};
    expect(annotationsOf(committed, 'fraud-serving-triton')).toEqual({ 'steadystate.dev/chaos': 'true' });
    expect(annotationsOf(committed, 'fraud-serving-gateway')).not.toHaveProperty('steadystate.dev/chaos');
    // The ChaosTarget still allows only "steadystate": pods in fraud-prod are off limits.
    const elsewhere = generated(base.replace('namespace: steadystate', 'namespace: fraud-prod'));
    expect(annotationsOf(elsewhere, 'fraud-serving-triton')).toEqual({});
    const renamed = generated(
      base.replace('optInAnnotation: steadystate.dev/chaos', 'optInAnnotation: chaos.example.com/ok'),
    );
    expect(annotationsOf(renamed, 'fraud-serving-triton')).toEqual({ 'chaos.example.com/ok': 'true' });
  });

  it("Triton's response cache is off unless the spec asks; then the local cache of that size and each model's response_cache config", () => {
    const argsOf = (objects: Obj[]): string[] =>
      find(objects, 'Deployment', 'fraud-serving-triton').spec.template.spec.containers[0].args;
    expect(
      argsOf(committed).filter((a) => a.startsWith('--cache-config') || a.startsWith('--model-config-name')),
    ).toEqual([]);
    const objects = generated(
      base.replace(
        '      credentialsSecret: triton-model-repository\n',
        '      credentialsSecret: triton-model-repository\n      responseCache: { size: 64Mi }\n',
      ),
    );
    expect(argsOf(objects)).toEqual(
      expect.arrayContaining([`--cache-config=local,size=${64 * 1024 * 1024}`, '--model-config-name=response_cache']),
    );
    // The config the flag selects exists for every served model, and enables the cache.
    for (const model of ['fraud_v1', 'fraud_v2', 'fraud_fallback']) {
      const config = readFileSync(
        join(paths.root(), 'serving', 'model_repository_gpu', model, 'configs', 'response_cache.pbtxt'),
        'utf8',
      );
      expect(config).toContain('response_cache { enable: true }');
      expect(config).toContain(`name: "${model}"`);
    }
  });

  it('a Stack without a kubernetes block still generates valid manifests from the defaults', () => {
    const text = base.replace(/ {2}kubernetes:[\s\S]*?(?=\n {2}models:)/, '').replace(/\n\n/g, '\n');
    expect(text).not.toContain('kubernetes:');
    const objects = generated(text);
    expect(objects).toHaveLength(committed.length);
    for (const o of objects) expect(validateManifest(o)).toEqual([]);
  });

  it.each([
    [
      'modelRepository: https://bucket/models',
      /modelRepository.*object-storage URL.*s3:\/\/https:\/\/storage\.googleapis/,
    ],
    ['modelRepository: gs://bucket/models', /modelRepository.*S3-compatible endpoint/],
    ['image: nvcr.io/nvidia/tritonserver', /triton\.image.*tag or digest/],
    ['maxReplicas: 2', /maxReplicas \(2\) is below minReplicas \(3\)/],
    ['namespace: Steady_State', /namespace.*lowercase/],
  ])('rejects %s before generating anything, naming the field and the fix', (line, expected) => {
    const key = line.split(':')[0] as string;
    const text = base.replace(new RegExp(`${key}: \\S+`), line);
    expect(text).toContain(line);
    expect(() => parseSpec(text)).toThrow(expected);
  });
});
