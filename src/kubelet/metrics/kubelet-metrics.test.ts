import assert from "node:assert/strict"
import { after, before, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, Pods } from "../../api/index.ts"
import { type ClientEnv, until } from "../../testing/index.ts"
import { type KubeletEnv, startKubeletEnv } from "../kubelet-env.case.ts"

let k: KubeletEnv
let env: ClientEnv
let base: string

before(async () => {
  k = await startKubeletEnv({
    prefix: "k8ts-kubelet-metrics-",
    nodeName: "node-m",
    podRange: "127.247.0.0/24",
    server: true,
  })
  env = k.env
  base = k.base as string
})

after(() => k.stop())

/** The value of the sample `series` (name with labels as printed) in the exposition text. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

test("/metrics reports running pods and containers, pod start and worker durations and runtime operations", async () => {
  const pod = {
    metadata: { name: "m1", namespace: "default" },
    spec: {
      nodeName: "node-m",
      terminationGracePeriodSeconds: 1,
      containers: [
        { name: "a", image: "pause" },
        {
          name: "b",
          image: "pause",
          readinessProbe: { exec: { command: ["true"] }, periodSeconds: 1 },
        },
      ],
    },
  } as Pod & ApiObject
  await env.inProcess.resource(Pods).create(pod)
  // The runtime lists a container from its start; the pod's start is counted once its status is written.
  const text = await until("two running containers and the pod's start", async () => {
    const t = await (await fetch(`${base}/metrics`)).text()
    const running = sample(t, 'kubelet_running_containers{container_state="running"}') === 2
    return running && sample(t, "kubelet_pod_start_duration_seconds_count") === 1 ? t : undefined
  })
  assert.equal(sample(text, "kubelet_running_pods"), 1)
  assert.equal(sample(text, "kubelet_pod_start_duration_seconds_count"), 1)
  assert.ok((sample(text, 'kubelet_pod_worker_duration_seconds_count{operation_type="create"}') ?? 0) >= 1)
  assert.equal(sample(text, 'kubelet_runtime_operations_total{operation_type="run_podsandbox"}'), 1)
  assert.equal(sample(text, 'kubelet_runtime_operations_total{operation_type="start_container"}'), 2)
  // No operation failed: the errors vector has no series, so (as client_golang) no family.
  assert.doesNotMatch(text, /kubelet_runtime_operations_errors_total/)
  assert.match(text, /# TYPE kubelet_runtime_operations_duration_seconds histogram/)
  // HELP with component-base's stability level, as upstream declares each.
  assert.match(
    text,
    /^# HELP kubelet_running_pods \[ALPHA\] Number of pods that have a running pod sandbox$/m,
  )
  assert.match(
    text,
    /^# HELP kubelet_runtime_operations_total \[ALPHA\] Cumulative number of runtime operations by operation type\.$/m,
  )

  const probes = await until("a readiness probe counted", async () => {
    const t = await (await fetch(`${base}/metrics/probes`)).text()
    return /^prober_probe_total\{[^}]*probe_type="Readiness",result="successful"/m.test(t) ? t : undefined
  })
  const uid = (await env.inProcess.resource(Pods).get({ namespace: "default", name: "m1" })).metadata?.uid
  const series = `prober_probe_total{container="b",namespace="default",pod="m1",pod_uid="${uid}",probe_type="Readiness",result="successful"}`
  assert.ok((sample(probes, series) ?? 0) >= 1, probes)
  assert.doesNotMatch(probes, /kubelet_running_pods/)
  assert.match(
    probes,
    /^# HELP prober_probe_total \[BETA\] Cumulative number of a liveness, readiness or startup probe for a container by result\.$/m,
  )
  assert.match(
    probes,
    /^# HELP process_start_time_seconds \[ALPHA\] Start time of the process since unix epoch in seconds\.$/m,
  )
  const started = sample(probes, "process_start_time_seconds") ?? 0
  assert.ok(Math.abs(started - (Date.now() / 1000 - process.uptime())) < 5, probes)

  // cAdvisor's series: the node's root, the pod (container="") and each running container.
  const cadvisor = await (await fetch(`${base}/metrics/cadvisor`)).text()
  assert.match(cadvisor, /^# TYPE container_cpu_usage_seconds_total counter$/m)
  assert.match(
    cadvisor,
    /^container_memory_working_set_bytes\{container="",id="\/",image="",name="",namespace="",pod=""\} \d(\.\d+)?(e\+\d\d)? \d+$/m,
  )
  assert.match(
    cadvisor,
    new RegExp(
      `^container_memory_rss\\{container="",id="/kubepods/pod${uid}",image="",name="",namespace="default",pod="m1"\\} [\\d.e+]+ \\d+$`,
      "m",
    ),
  )
  const ids = (
    await env.inProcess.resource(Pods).get({ namespace: "default", name: "m1" })
  ).status?.containerStatuses?.map((c) => c.containerID?.replace(/^[a-z]+:\/\//, ""))
  for (const [c, id] of ["a", "b"].map((c, i) => [c, ids?.[i]] as const)) {
    const series = `container_cpu_usage_seconds_total{container="${c}",cpu="total",id="/kubepods/pod${uid}/${id}",image="pause",name="${id}",namespace="default",pod="m1"}`
    assert.ok(cadvisor.includes(`${series} `), `${series} in\n${cadvisor}`)
  }
  assert.match(cadvisor, /^machine_cpu_cores [1-9]\d*$/m)

  // /pods: the kubelet's pods as a v1 PodList.
  const list = (await (await fetch(`${base}/pods`)).json()) as { kind: string; items: Pod[] }
  assert.equal(list.kind, "PodList")
  assert.deepEqual(
    list.items.map((p) => p.metadata?.name),
    ["m1"],
  )
})

test("/metrics counts an in-place resize's runtime updates: update_container and update_podsandbox_resources", async () => {
  const pods = env.inProcess.resource(Pods)
  await pods.create({
    metadata: { name: "m-resize", namespace: "default" },
    spec: {
      nodeName: "node-m",
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "a", image: "pause", resources: { requests: { cpu: "100m" } } }],
    },
  } as Pod & ApiObject)
  await until("m-resize running", async () => {
    const p = await pods.get({ namespace: "default", name: "m-resize" })
    return p.status?.containerStatuses?.[0]?.state?.running ? true : undefined
  })
  await pods.patch(
    { namespace: "default", name: "m-resize" },
    { spec: { containers: [{ name: "a", resources: { requests: { cpu: "200m" } } }] } },
    { type: "strategic", subresource: "resize" },
  )
  // The pod cgroup grows before its container (both updated in the sandbox mode; recorded here).
  const text = await until("the resize's runtime updates counted", async () => {
    const t = await (await fetch(`${base}/metrics`)).text()
    return sample(t, 'kubelet_runtime_operations_total{operation_type="update_container"}') === 1
      ? t
      : undefined
  })
  assert.equal(
    sample(text, 'kubelet_runtime_operations_total{operation_type="update_podsandbox_resources"}'),
    1,
  )
})
