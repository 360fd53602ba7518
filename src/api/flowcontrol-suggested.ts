/**
 * The suggested API Priority and Fairness configuration (upstream's bootstrap package, v1.35):
 * the priority levels and flow schemas a new cluster starts with besides the mandatory ones.
 * The API server creates them when missing and keeps their specs only while their
 * `apf.kubernetes.io/autoupdate-spec` annotation is true; operators may edit or delete them.
 */
import type { FlowSchema, PriorityLevelConfiguration } from "kubernetes-types/flowcontrol/v1.js"
import {
  everything,
  flowSchema,
  groups,
  kubeSystemServiceAccounts,
  nonResourceRule,
  queuingLevel,
  resourceRule,
  users,
} from "./flowcontrol-objects.ts"

const KUBE_CONTROLLER_MANAGER = "system:kube-controller-manager"
const KUBE_SCHEDULER = "system:kube-scheduler"
const NODES = "system:nodes"
const ALL = ["system:unauthenticated", "system:authenticated"]

/** The suggested priority levels, in upstream's order. */
export const SUGGESTED_PRIORITY_LEVELS: readonly PriorityLevelConfiguration[] = [
  queuingLevel("system", 30, 33, { queues: 64, hand: 6 }),
  queuingLevel("node-high", 40, 25, { queues: 64, hand: 6 }),
  queuingLevel("leader-election", 10, 0, { queues: 16, hand: 4 }),
  queuingLevel("workload-high", 40, 50, { queues: 128, hand: 6 }),
  queuingLevel("workload-low", 100, 90, { queues: 128, hand: 6 }),
  queuingLevel("global-default", 20, 50, { queues: 128, hand: 6 }),
]

/** The suggested flow schemas, in upstream's order. */
export const SUGGESTED_FLOW_SCHEMAS: readonly FlowSchema[] = [
  flowSchema("system-nodes", {
    level: "system",
    precedence: 500,
    distinguisher: "ByUser",
    rules: everything(groups(NODES)),
  }),
  flowSchema("system-node-high", {
    level: "node-high",
    precedence: 400,
    distinguisher: "ByUser",
    rules: {
      subjects: groups(NODES),
      resourceRules: [
        resourceRule(["*"], [""], ["nodes", "nodes/status"], true),
        resourceRule(["*"], ["coordination.k8s.io"], ["leases"], false),
      ],
    },
  }),
  flowSchema("probes", {
    level: "exempt",
    precedence: 2,
    rules: {
      subjects: groups(...ALL),
      nonResourceRules: [nonResourceRule(["get"], ["/healthz", "/readyz", "/livez"])],
    },
  }),
  flowSchema("system-leader-election", {
    level: "leader-election",
    precedence: 100,
    distinguisher: "ByUser",
    rules: {
      subjects: [...users(KUBE_CONTROLLER_MANAGER, KUBE_SCHEDULER), ...kubeSystemServiceAccounts("*")],
      resourceRules: [resourceRule(["get", "create", "update"], ["coordination.k8s.io"], ["leases"], false)],
    },
  }),
  flowSchema("kube-controller-manager", {
    level: "workload-high",
    precedence: 800,
    distinguisher: "ByNamespace",
    rules: everything(users(KUBE_CONTROLLER_MANAGER)),
  }),
  flowSchema("kube-scheduler", {
    level: "workload-high",
    precedence: 800,
    distinguisher: "ByNamespace",
    rules: everything(users(KUBE_SCHEDULER)),
  }),
  flowSchema("kube-system-service-accounts", {
    level: "workload-high",
    precedence: 900,
    distinguisher: "ByNamespace",
    rules: everything(kubeSystemServiceAccounts("*")),
  }),
  flowSchema("service-accounts", {
    level: "workload-low",
    precedence: 9000,
    distinguisher: "ByUser",
    rules: everything(groups("system:serviceaccounts")),
  }),
  flowSchema("global-default", {
    level: "global-default",
    precedence: 9900,
    distinguisher: "ByUser",
    rules: everything(groups(...ALL)),
  }),
]
