/**
 * The default ClusterRoles and ClusterRoleBindings upstream's rbac/bootstrap-roles post-start hook
 * creates when missing, limited to the everyday ones: cluster-admin, the aggregated admin, edit
 * and view with the system:aggregate-to-{admin,edit,view} roles whose rules the
 * clusterrole-aggregation controller gathers into them, system:discovery,
 * system:basic-user, system:public-info-viewer and system:service-account-issuer-discovery, each
 * with its binding: what RBAC mode (--authorization-mode=RBAC) allows beyond system:masters
 * before anyone binds more, and the roles `--clusterrole=edit` bindings and charts name. Also
 * system:node, the nodes' rules, whose binding names no one: the Node authorizer grants them.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule } from "kubernetes-types/rbac/v1.js"
import type { ResourceInfo } from "../api/index.ts"
import type { Served } from "./registry/context.ts"
import type { Registry } from "./registry/registry.ts"
import { createMissing } from "./create-missing.ts"
import { NODE_RULES } from "./node-authz/index.ts"

const RBAC = "rbac.authorization.k8s.io"
/** What upstream marks its defaults with. */
const LABELS = { "kubernetes.io/bootstrapping": "rbac-defaults" }
const ANNOTATIONS = { "rbac.authorization.kubernetes.io/autoupdate": "true" }

/** A rule as upstream's rule builder makes it: every list sorted. */
function rule(verbs: string[], more: Omit<PolicyRule, "verbs">): PolicyRule {
  const out: PolicyRule = { verbs: [...verbs].sort() }
  if (more.apiGroups) out.apiGroups = [...more.apiGroups].sort()
  if (more.resources) out.resources = [...more.resources].sort()
  if (more.nonResourceURLs) out.nonResourceURLs = [...more.nonResourceURLs].sort()
  return out
}

function role(name: string, parts: Pick<ClusterRole, "rules" | "aggregationRule">, labels = {}): ClusterRole {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: "ClusterRole",
    metadata: { name, labels: { ...LABELS, ...labels }, annotations: { ...ANNOTATIONS } },
    ...parts,
  }
}

/** A role aggregating the roles labelled `rbac.authorization.k8s.io/aggregate-to-<to>`. */
function aggregated(name: string, to: string, labels: Record<string, string> = {}): ClusterRole {
  const matchLabels = { [`${RBAC}/aggregate-to-${to}`]: "true" }
  return role(name, { aggregationRule: { clusterRoleSelectors: [{ matchLabels }] } }, labels)
}

/**
 * The health and version paths system:public-info-viewer lets everyone get (upstream's): the
 * paths where `k8ts server` takes an unauthenticated request as system:anonymous too.
 */
export const HEALTH_AND_VERSION: readonly string[] = [
  "/livez",
  "/readyz",
  "/healthz",
  "/version",
  "/version/",
]

const READ = ["get", "list", "watch"]
const WRITE = ["create", "update", "patch", "delete", "deletecollection"]
const READ_WRITE = [...READ, ...WRITE]

/** What namespace admins get beyond edit: granting access. */
const AGGREGATE_TO_ADMIN = [
  rule(["create"], { apiGroups: ["authorization.k8s.io"], resources: ["localsubjectaccessreviews"] }),
  rule(READ_WRITE, { apiGroups: [RBAC], resources: ["roles", "rolebindings"] }),
]

const POD_ACCESS = ["pods/attach", "pods/proxy", "pods/exec", "pods/portforward"]

/** What editors get beyond view: writes of the user-level kinds, never /status, quotas or limits. */
const AGGREGATE_TO_EDIT = [
  rule(READ, { apiGroups: [""], resources: [...POD_ACCESS, "secrets", "services/proxy"] }),
  rule(["impersonate"], { apiGroups: [""], resources: ["serviceaccounts"] }),
  rule(WRITE, { apiGroups: [""], resources: ["pods", ...POD_ACCESS] }),
  rule(["create"], { apiGroups: [""], resources: ["pods/eviction"] }),
  rule(WRITE, {
    apiGroups: [""],
    resources: [
      "replicationcontrollers",
      "replicationcontrollers/scale",
      "serviceaccounts",
      "services",
      "services/proxy",
      "persistentvolumeclaims",
      "configmaps",
      "secrets",
    ],
  }),
  rule(["create"], { apiGroups: [""], resources: ["serviceaccounts/token"] }),
  rule(WRITE, {
    apiGroups: ["apps"],
    resources: [
      "statefulsets",
      "statefulsets/scale",
      "daemonsets",
      "deployments",
      "deployments/scale",
      "deployments/rollback",
      "replicasets",
      "replicasets/scale",
    ],
  }),
  rule(WRITE, { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"] }),
  rule(WRITE, { apiGroups: ["batch"], resources: ["jobs", "cronjobs"] }),
  rule(WRITE, {
    apiGroups: ["extensions"],
    resources: [
      "daemonsets",
      "deployments",
      "deployments/scale",
      "deployments/rollback",
      "ingresses",
      "replicasets",
      "replicasets/scale",
      "replicationcontrollers/scale",
      "networkpolicies",
    ],
  }),
  rule(WRITE, { apiGroups: ["policy"], resources: ["poddisruptionbudgets"] }),
  rule(WRITE, { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies", "ingresses"] }),
]

/** What viewers get: reads of the kinds that do not escalate (no secrets). */
const AGGREGATE_TO_VIEW = [
  rule(READ, {
    apiGroups: [""],
    resources: [
      "pods",
      "replicationcontrollers",
      "replicationcontrollers/scale",
      "serviceaccounts",
      "services",
      "services/status",
      "endpoints",
      "persistentvolumeclaims",
      "persistentvolumeclaims/status",
      "configmaps",
    ],
  }),
  rule(READ, {
    apiGroups: [""],
    resources: [
      "limitranges",
      "resourcequotas",
      "bindings",
      "events",
      "pods/status",
      "resourcequotas/status",
      "namespaces/status",
      "replicationcontrollers/status",
      "pods/log",
    ],
  }),
  rule(READ, { apiGroups: [""], resources: ["namespaces"] }),
  rule(READ, { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"] }),
  rule(READ, {
    apiGroups: ["apps"],
    resources: [
      "controllerrevisions",
      "statefulsets",
      "statefulsets/status",
      "statefulsets/scale",
      "daemonsets",
      "daemonsets/status",
      "deployments",
      "deployments/status",
      "deployments/scale",
      "replicasets",
      "replicasets/status",
      "replicasets/scale",
    ],
  }),
  rule(READ, {
    apiGroups: ["autoscaling"],
    resources: ["horizontalpodautoscalers", "horizontalpodautoscalers/status"],
  }),
  rule(READ, { apiGroups: ["batch"], resources: ["jobs", "cronjobs", "cronjobs/status", "jobs/status"] }),
  rule(READ, {
    apiGroups: ["extensions"],
    resources: [
      "daemonsets",
      "daemonsets/status",
      "deployments",
      "deployments/scale",
      "deployments/status",
      "ingresses",
      "ingresses/status",
      "replicasets",
      "replicasets/scale",
      "replicasets/status",
      "replicationcontrollers/scale",
      "networkpolicies",
    ],
  }),
  rule(READ, { apiGroups: ["policy"], resources: ["poddisruptionbudgets", "poddisruptionbudgets/status"] }),
  rule(READ, {
    apiGroups: ["networking.k8s.io"],
    resources: ["networkpolicies", "ingresses", "ingresses/status"],
  }),
]

/** A role whose rules aggregate into `to` (admin, edit or view). */
function aggregatesTo(to: string, rules: PolicyRule[]): ClusterRole {
  return role(`system:aggregate-to-${to}`, { rules }, { [`${RBAC}/aggregate-to-${to}`]: "true" })
}

/** The default ClusterRoles kept here, as upstream defines them. */
export const BOOTSTRAP_CLUSTER_ROLES: readonly ClusterRole[] = [
  role("cluster-admin", {
    rules: [rule(["*"], { apiGroups: ["*"], resources: ["*"] }), rule(["*"], { nonResourceURLs: ["*"] })],
  }),
  aggregated("admin", "admin"),
  aggregated("edit", "edit", { [`${RBAC}/aggregate-to-admin`]: "true" }),
  aggregated("view", "view", { [`${RBAC}/aggregate-to-edit`]: "true" }),
  aggregatesTo("admin", AGGREGATE_TO_ADMIN),
  aggregatesTo("edit", AGGREGATE_TO_EDIT),
  aggregatesTo("view", AGGREGATE_TO_VIEW),
  role("system:discovery", {
    rules: [
      rule(["get"], {
        nonResourceURLs: [
          ...HEALTH_AND_VERSION,
          "/openapi",
          "/openapi/*",
          "/api",
          "/api/*",
          "/apis",
          "/apis/*",
        ],
      }),
    ],
  }),
  role("system:basic-user", {
    rules: [
      rule(["create"], {
        apiGroups: ["authorization.k8s.io"],
        resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
      }),
      rule(["create"], { apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"] }),
    ],
  }),
  role("system:public-info-viewer", { rules: [rule(["get"], { nonResourceURLs: [...HEALTH_AND_VERSION] })] }),
  // What nodes need; bound to no one (the Node authorizer grants it, narrowed to each node's own).
  role("system:node", { rules: NODE_RULES.map((r) => ({ ...r })) }),
  role("system:service-account-issuer-discovery", {
    rules: [
      rule(["get"], {
        nonResourceURLs: [
          "/.well-known/openid-configuration",
          "/.well-known/openid-configuration/",
          "/openid/v1/jwks",
          "/openid/v1/jwks/",
        ],
      }),
    ],
  }),
]

function binding(name: string, groups: string[]): ClusterRoleBinding {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: "ClusterRoleBinding",
    metadata: { name, labels: { ...LABELS }, annotations: { ...ANNOTATIONS } },
    roleRef: { apiGroup: RBAC, kind: "ClusterRole", name },
    ...(groups.length ? { subjects: groups.map((g) => ({ kind: "Group", apiGroup: RBAC, name: g })) } : {}),
  }
}

/** Their bindings, to the groups upstream binds them to. */
export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: readonly ClusterRoleBinding[] = [
  binding("cluster-admin", ["system:masters"]),
  binding("system:discovery", ["system:authenticated"]),
  binding("system:basic-user", ["system:authenticated"]),
  binding("system:public-info-viewer", ["system:authenticated", "system:unauthenticated"]),
  // Service accounts read their issuer's discovery document and keys (to verify each other's tokens).
  binding("system:service-account-issuer-discovery", ["system:serviceaccounts"]),
  // Upstream keeps this binding without subjects since the Node authorizer replaced it.
  binding("system:node", []),
]

/** Creates each default role and binding that does not exist (an existing one is left as it is). */
export async function bootstrapRbac(
  registry: Registry,
  serve: (info: ResourceInfo) => Served,
): Promise<void> {
  await createMissing(
    registry,
    serve,
    [
      { group: RBAC, resource: "clusterroles", objects: BOOTSTRAP_CLUSTER_ROLES },
      { group: RBAC, resource: "clusterrolebindings", objects: BOOTSTRAP_CLUSTER_ROLE_BINDINGS },
    ],
    "kube-apiserver",
  )
}
