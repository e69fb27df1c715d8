import { z } from "zod";

/**
 * Schemas for the Kubernetes kinds the stack's manifests may use. They check what the runtimes
 * rely on (names, images, ports, probes, volumes), not every field of the Kubernetes API.
 */
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a DNS-1123 label (lower-case letters, digits, '-')")
  .max(63);
const portNumber = z.number().int("an integer port 1-65535").min(1, "an integer port 1-65535").max(65535, "an integer port 1-65535");
const portName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a port name (lower-case letters, digits, '-')")
  .max(15, "a port name of at most 15 characters");
const stringMap = z.record(z.string(), z.string());

export const metadataSchema = z.object({
  name: dnsLabel.or(z.string().regex(/^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?$/, "an object name")),
  namespace: dnsLabel.optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
});

const quantity = z.union([z.string().regex(/^[0-9.]+(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'a resource quantity like "500m" or "512Mi"'), z.number()]);
const resources = z.object({
  requests: z.object({ cpu: quantity, memory: quantity }, "requests with cpu and memory"),
  limits: z.object({ cpu: quantity.optional(), memory: quantity }, "limits with at least memory"),
});

const httpGet = z.object({
  path: z.string().startsWith("/", "a path starting with /"),
  port: z.union([portName, portNumber]),
  scheme: z.enum(["HTTP", "HTTPS"]).optional(),
});
export const probeSchema = z
  .object({
    httpGet: httpGet.optional(),
    tcpSocket: z.object({ port: z.union([portName, portNumber]) }).optional(),
    exec: z.object({ command: z.array(z.string()) }).optional(),
    initialDelaySeconds: z.number().int().nonnegative().optional(),
    periodSeconds: z.number().int().positive().optional(),
    timeoutSeconds: z.number().int().positive().optional(),
    failureThreshold: z.number().int().positive().optional(),
  })
  .refine((p) => [p.httpGet, p.tcpSocket, p.exec].filter(Boolean).length === 1, "exactly one of httpGet, tcpSocket, exec");

const envVar = z.object({
  name: z.string().min(1),
  value: z.string().optional(),
  valueFrom: z
    .object({
      secretKeyRef: z.object({ name: z.string(), key: z.string(), optional: z.boolean().optional() }).optional(),
      configMapKeyRef: z.object({ name: z.string(), key: z.string(), optional: z.boolean().optional() }).optional(),
      fieldRef: z.object({ fieldPath: z.string() }).optional(),
      resourceFieldRef: z.object({ resource: z.string() }).passthrough().optional(),
    })
    .optional(),
});

export const containerSchema = z.object({
  name: dnsLabel,
  image: z.string().regex(/^[a-z0-9][a-z0-9._\-/:]*[a-z0-9]$/, 'an image reference like "quay.io/prometheus/prometheus"'),
  command: z.array(z.string(), "a list of strings").optional(),
  args: z.array(z.string(), "a list of strings (quote numbers)").optional(),
  env: z.array(envVar).optional(),
  ports: z
    .array(z.object({ name: portName, containerPort: portNumber, protocol: z.enum(["TCP", "UDP", "SCTP"]).optional() }), "a list of named container ports")
    .optional(),
  volumeMounts: z
    .array(
      z.object({
        name: z.string(),
        mountPath: z.string().startsWith("/", "an absolute mount path"),
        readOnly: z.boolean().optional(),
        subPath: z.string().optional(),
      }),
    )
    .optional(),
  readinessProbe: probeSchema.optional(),
  livenessProbe: probeSchema.optional(),
  lifecycle: z
    .object({
      postStart: z
        .object({ exec: z.object({ command: z.array(z.string(), "a list of strings").min(1) }, "an exec hook (the only kind a runtime here carries out)") })
        .optional(),
      preStop: z
        .object({
          exec: z.object({ command: z.array(z.string()) }).optional(),
          httpGet: httpGet.optional(),
          sleep: z.object({ seconds: z.number().int().positive() }).optional(),
        })
        .optional(),
    })
    .optional(),
  resources: resources.optional(),
  securityContext: z.record(z.string(), z.unknown()).optional(),
  imagePullPolicy: z.enum(["Always", "IfNotPresent", "Never"]).optional(),
});

export const volumeSchema = z.object({
  name: z.string().min(1),
  configMap: z
    .object({ name: z.string(), items: z.array(z.object({ key: z.string(), path: z.string() })).optional(), defaultMode: z.number().optional() })
    .optional(),
  secret: z
    .object({ secretName: z.string(), items: z.array(z.object({ key: z.string(), path: z.string() })).optional(), defaultMode: z.number().optional() })
    .optional(),
  emptyDir: z.object({ medium: z.string().optional(), sizeLimit: quantity.optional() }).optional(),
  hostPath: z.object({ path: z.string().startsWith("/"), type: z.string().optional() }).optional(),
  persistentVolumeClaim: z.object({ claimName: z.string() }).optional(),
});

const podSpec = z
  .object({
    serviceAccountName: z.string().optional(),
    containers: z.array(containerSchema, "a list of containers").min(1, "at least one container"),
    initContainers: z.array(containerSchema).optional(),
    volumes: z.array(volumeSchema).optional(),
  })
  .passthrough();

const labelSelectorRequirement = z.object({
  key: z.string(),
  operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
  values: z.array(z.string()).optional(),
});
/** A label selector; `{}` selects everything. */
export const labelSelector = z.object(
  { matchLabels: stringMap.optional(), matchExpressions: z.array(labelSelectorRequirement).optional() },
  "a label selector ({} selects all)",
);
const networkPolicyPeer = z
  .object({
    podSelector: labelSelector.optional(),
    namespaceSelector: labelSelector.optional(),
    ipBlock: z.object({ cidr: z.string(), except: z.array(z.string()).optional() }).optional(),
  })
  .refine(
    (p) => p.ipBlock === undefined || (p.podSelector === undefined && p.namespaceSelector === undefined),
    "ipBlock alone, or podSelector and/or namespaceSelector",
  );
const networkPolicyPort = z.object({
  protocol: z.enum(["TCP", "UDP", "SCTP"]).optional(),
  port: z.union([portName, portNumber]).optional(),
  endPort: portNumber.optional(),
});

const podTemplate = z.object({ metadata: z.object({ labels: stringMap, annotations: stringMap.optional() }), spec: podSpec });
const selector = z.object({ matchLabels: stringMap });

export const workloadSchemas = {
  Deployment: z.object({ spec: z.object({ replicas: z.number().int().nonnegative().optional(), selector, template: podTemplate }).passthrough() }),
  StatefulSet: z.object({
    spec: z
      .object({
        replicas: z.number().int().nonnegative().optional(),
        serviceName: z.string(),
        selector,
        template: podTemplate,
        volumeClaimTemplates: z.array(z.object({ metadata: z.object({ name: z.string() }), spec: z.record(z.string(), z.unknown()) })).optional(),
      })
      .passthrough(),
  }),
  DaemonSet: z.object({ spec: z.object({ selector, template: podTemplate }).passthrough() }),
};

export const otherSchemas = {
  Namespace: z.object({}),
  ConfigMap: z.object({ data: stringMap.optional(), binaryData: stringMap.optional() }),
  Secret: z.object({ type: z.string().optional(), stringData: stringMap.optional(), data: stringMap.optional() }),
  Service: z.object({
    spec: z
      .object({
        type: z.enum(["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]).optional(),
        clusterIP: z.string().optional(),
        selector: stringMap,
        ports: z
          .array(
            z.object({
              name: portName,
              port: portNumber,
              targetPort: z.union([portName, portNumber]).optional(),
              nodePort: portNumber.optional(),
              protocol: z.enum(["TCP", "UDP", "SCTP"]).optional(),
            }),
            "a list of named service ports",
          )
          .min(1),
      })
      .passthrough(),
  }),
  ServiceAccount: z.object({}),
  ClusterRole: z.object({ rules: z.array(z.record(z.string(), z.unknown())) }),
  Role: z.object({ rules: z.array(z.record(z.string(), z.unknown())) }),
  ClusterRoleBinding: z.object({ roleRef: z.record(z.string(), z.string()), subjects: z.array(z.record(z.string(), z.string())) }),
  RoleBinding: z.object({ roleRef: z.record(z.string(), z.string()), subjects: z.array(z.record(z.string(), z.string())) }),
  PersistentVolumeClaim: z.object({ spec: z.record(z.string(), z.unknown()) }),
  NetworkPolicy: z.object({
    spec: z.object({
      podSelector: labelSelector,
      policyTypes: z.array(z.enum(["Ingress", "Egress"], "Ingress or Egress")).optional(),
      ingress: z.array(z.object({ from: z.array(networkPolicyPeer).optional(), ports: z.array(networkPolicyPort).optional() })).optional(),
      egress: z.array(z.object({ to: z.array(networkPolicyPeer).optional(), ports: z.array(networkPolicyPort).optional() })).optional(),
    }),
  }),
};

export type WorkloadKind = keyof typeof workloadSchemas;
export const KNOWN_KINDS = [...Object.keys(workloadSchemas), ...Object.keys(otherSchemas)].sort();
export const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding"]);

export type Container = z.infer<typeof containerSchema>;
export type Volume = z.infer<typeof volumeSchema>;
export type Probe = z.infer<typeof probeSchema>;
