/**
 * Helpers of the Job controller's tests: Jobs built, created and read in a BatchEnv, and waits
 * for pods and conditions.
 */
import { Jobs } from "../../api/index.ts"
import type { BatchEnv } from "./env.case.ts"
import type { Job, Pod } from "./types.ts"

/** A Job of one busybox container in the env's namespace. */
export function jobOf(e: BatchEnv, name: string, spec: Record<string, unknown> = {}): Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: e.ns },
    spec: {
      template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox" }] } },
      ...spec,
    },
  } as Job
}

/** Creates a Job. */
export async function create(e: BatchEnv, name: string, spec: Record<string, unknown> = {}): Promise<Job> {
  return (await e.client.resource(Jobs).create(jobOf(e, name, spec) as never)) as Job
}

/** Reads a Job. */
export async function getJob(e: BatchEnv, name: string): Promise<Job> {
  return (await e.client.resource(Jobs).get({ namespace: e.ns, name })) as Job
}

/** A condition of the Job. */
export function cond(
  job: Job,
  type: string,
): { status?: string; reason?: string; message?: string } | undefined {
  return job.status?.conditions?.find((c) => c.type === type)
}

/** Pods neither finished nor deleted. */
export async function activePods(e: BatchEnv): Promise<Pod[]> {
  return (await e.pods()).filter(
    (p) => !p.metadata?.deletionTimestamp && !["Succeeded", "Failed"].includes(p.status?.phase ?? ""),
  )
}

/** Waits for exactly `n` active pods. */
export async function waitActive(e: BatchEnv, n: number): Promise<Pod[]> {
  let pods: Pod[] = []
  await e.eventually(async () => (pods = await activePods(e)).length === n, `${n} active pods`)
  return pods
}

/** Waits for condition `type` to be True. */
export async function waitCondition(e: BatchEnv, name: string, type: string): Promise<Job> {
  let job: Job | undefined
  await e.eventually(
    async () => cond((job = await getJob(e, name)), type)?.status === "True",
    `condition ${type}`,
  )
  return job as Job
}
