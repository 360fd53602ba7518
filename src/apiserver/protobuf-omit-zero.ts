/**
 * Scalar fields that Go declares as plain values with `omitempty` (not pointers): client-go's
 * protobuf encoding always writes them, zero or not, while their JSON form leaves a zero out. A
 * protobuf body's `stdin: false` or `hostPort: 0` therefore means "not set", and is dropped as
 * upstream's JSON output drops it; pointer fields (`replicas`, `runAsUser`, `privileged`), whose
 * zero is a choice, are not listed and keep theirs.
 */
const CORE = "io.k8s.api.core.v1"
const APPS = "io.k8s.api.apps.v1"

const FIELDS: Readonly<Record<string, readonly string[]>> = {
  "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": ["generation"],
  [`${CORE}.Container`]: ["stdin", "stdinOnce", "tty"],
  [`${CORE}.EphemeralContainerCommon`]: ["stdin", "stdinOnce", "tty"],
  [`${CORE}.ContainerPort`]: ["hostPort"],
  [`${CORE}.PodSpec`]: ["hostNetwork", "hostPID", "hostIPC"],
  [`${CORE}.VolumeMount`]: ["readOnly"],
  [`${CORE}.Probe`]: [
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
  ],
  [`${CORE}.ServicePort`]: ["nodePort"],
  [`${CORE}.ServiceSpec`]: ["publishNotReadyAddresses"],
  [`${CORE}.PersistentVolumeClaimVolumeSource`]: ["readOnly"],
  [`${CORE}.NodeSpec`]: ["unschedulable"],
  [`${CORE}.ReplicationControllerSpec`]: ["minReadySeconds"],
  [`${APPS}.DeploymentSpec`]: ["minReadySeconds", "paused"],
  [`${APPS}.ReplicaSetSpec`]: ["minReadySeconds"],
  [`${APPS}.DaemonSetSpec`]: ["minReadySeconds"],
  [`${APPS}.StatefulSetSpec`]: ["minReadySeconds"],
  "io.k8s.api.networking.v1.ServiceBackendPort": ["number"],
}

const OMIT_ZERO: ReadonlySet<string> = new Set(
  Object.entries(FIELDS).flatMap(([type, names]) => names.map((n) => `${type}.${n}`)),
)

/** Whether `value` of field `name` of message `type` is a zero Go's JSON would leave out. */
export function omittedZero(type: string, name: string, value: unknown): boolean {
  return (value === 0 || value === false) && OMIT_ZERO.has(`${type}.${name}`)
}
