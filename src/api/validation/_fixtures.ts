/**
 * Valid, fully defaulted objects for the validation tests to break one field at a time.
 * Test-only; nothing outside *.test.ts imports it.
 */
import type { Container, Pod, PodSpec, PodTemplateSpec } from "kubernetes-types/core/v1.js"

/** A defaulted container named `name`. */
export function container(name = "web", extra: Partial<Container> = {}): Container {
  return {
    name,
    image: "nginx:1.27",
    imagePullPolicy: "IfNotPresent",
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    resources: {},
    ...extra,
  }
}

/** A defaulted pod spec with one container. */
export function podSpec(extra: Partial<PodSpec> = {}): PodSpec {
  return {
    containers: [container()],
    restartPolicy: "Always",
    dnsPolicy: "ClusterFirst",
    terminationGracePeriodSeconds: 30,
    schedulerName: "default-scheduler",
    securityContext: {},
    ...extra,
  }
}

/** A defaulted Pod `web` in `default`. */
export function pod(extra: Partial<PodSpec> = {}, meta: Pod["metadata"] = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", ...meta },
    spec: podSpec({ serviceAccountName: "default", enableServiceLinks: true, priority: 0, ...extra }),
  }
}

/** A defaulted pod template labelled `app: web`. */
export function template(
  extra: Partial<PodSpec> = {},
  labels: Record<string, string> = { app: "web" },
): PodTemplateSpec {
  return { metadata: { labels }, spec: podSpec(extra) }
}

/** The stored form of `obj` for update tests: a resourceVersion and uid. */
export function stored<T extends { metadata?: object }>(obj: T): T {
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      resourceVersion: "1",
      uid: "u-1",
      creationTimestamp: "2024-01-01T00:00:00Z",
    },
  }
}

/** Messages as `field: message`, the way upstream prints an error list. */
export function printed(errs: readonly { field: string; message: string }[]): string[] {
  return errs.map((e) => `${e.field}: ${e.message}`)
}
