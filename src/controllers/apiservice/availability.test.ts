import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import { type ApiObject, type APIService, APIServices, EndpointSlices, Services } from "../../api/index.ts"
import { startLifecycleEnv, type LifecycleEnv } from "../lifecycle-env.case.ts"
import { availabilityController } from "./availability.ts"

type Svc = APIService & ApiObject

describe("availabilityController", () => {
  let t: LifecycleEnv
  // The discovery check's answers: a failure message, or undefined for success
  let probeFailure: string | undefined = "bad status from URL: 503"
  const probed: string[] = []
  before(async () => {
    t = await startLifecycleEnv([
      availabilityController({
        probe: async (url) => {
          probed.push(url)
          if (probeFailure) throw new Error(probeFailure.replace("URL", url))
        },
      }),
    ])
    await t.namespace("metrics")
  })
  after(() => t.stop())

  const apiServices = () => t.client.resource<Svc>(APIServices)
  const available = async (name: string) =>
    (await apiServices().get({ name })).status?.conditions?.find((c) => c.type === "Available")
  async function untilAvailable(name: string, want: { status: string; reason: string; message?: string }) {
    await t.until(async () => {
      const c = await available(name)
      return (
        c?.status === want.status && c.reason === want.reason && (!want.message || c.message === want.message)
      )
    }, `${name} ${want.status} (${want.reason})`)
  }

  function metricsApiService(name = "v1beta1.metrics.k8s.io", service = "metrics-server"): Svc {
    const [version, ...group] = name.split(".")
    return {
      apiVersion: "apiregistration.k8s.io/v1",
      kind: "APIService",
      metadata: { name },
      spec: {
        group: group.join("."),
        version: version as string,
        service: { namespace: "metrics", name: service },
        insecureSkipTLSVerify: true,
        groupPriorityMinimum: 100,
        versionPriority: 100,
      },
    }
  }

  function service(name: string, port: number, portName = "https"): Service & ApiObject {
    return {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: "metrics" },
      spec: { ports: [{ name: portName, port, targetPort: 10250 }] },
    }
  }

  function slice(serviceName: string, ready: boolean): EndpointSlice & ApiObject {
    return {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: `${serviceName}-abc`,
        namespace: "metrics",
        labels: { "kubernetes.io/service-name": serviceName },
      },
      addressType: "IPv4",
      endpoints: [{ addresses: ["10.244.0.5"], conditions: { ready } }],
      ports: [{ name: "https", port: 10250, protocol: "TCP" }],
    }
  }

  test("a local APIService is put back to Available (Local)", async () => {
    const created = await apiServices().create({
      apiVersion: "apiregistration.k8s.io/v1",
      kind: "APIService",
      metadata: { name: "v1.local.example.com" },
      spec: { group: "local.example.com", version: "v1", groupPriorityMinimum: 1000, versionPriority: 100 },
    })
    await apiServices().updateStatus({
      ...created,
      status: { conditions: [{ type: "Available", status: "False", reason: "Broken" }] },
    })
    await untilAvailable("v1.local.example.com", {
      status: "True",
      reason: "Local",
      message: "Local APIServices are always available",
    })
  })

  test("walks upstream's checks: Service, port, endpoint slices, ready endpoints, discovery", async () => {
    const name = "v1beta1.metrics.k8s.io"
    await apiServices().create(metricsApiService())
    await untilAvailable(name, {
      status: "False",
      reason: "ServiceNotFound",
      message: 'service/metrics-server in "metrics" is not present',
    })
    const first = await available(name)

    await t.client.resource(Services).create(service("metrics-server", 8443))
    await untilAvailable(name, {
      status: "False",
      reason: "ServicePortError",
      message: 'service/metrics-server in "metrics" is not listening on port 443',
    })
    // Still False: the transition time stays
    assert.equal((await available(name))?.lastTransitionTime, first?.lastTransitionTime)

    const svc = await t.client.resource(Services).get({ namespace: "metrics", name: "metrics-server" })
    await t.client
      .resource(Services)
      .update({ ...svc, spec: { ...svc.spec, ports: [{ name: "https", port: 443, targetPort: 10250 }] } })
    await untilAvailable(name, {
      status: "False",
      reason: "EndpointsNotFound",
      message: 'cannot find endpointslices for service/metrics-server in "metrics"',
    })

    await t.client.resource(EndpointSlices).create(slice("metrics-server", false))
    await untilAvailable(name, {
      status: "False",
      reason: "MissingEndpoints",
      message:
        'endpointslices for service/metrics-server in "metrics" have no addresses with port name "https"',
    })

    const notReady = await t.client
      .resource(EndpointSlices)
      .get({ namespace: "metrics", name: "metrics-server-abc" })
    await t.client
      .resource(EndpointSlices)
      .update({ ...notReady, endpoints: [{ addresses: ["10.244.0.5"], conditions: { ready: true } }] })
    const url = "https://10.244.0.5:10250/apis/metrics.k8s.io/v1beta1"
    await untilAvailable(name, {
      status: "False",
      reason: "FailedDiscoveryCheck",
      message: `failing or missing response from ${url}: bad status from ${url}: 503`,
    })
    assert.ok(probed.includes(url))

    probeFailure = undefined
    const ready = await t.client
      .resource(EndpointSlices)
      .get({ namespace: "metrics", name: "metrics-server-abc" })
    await t.client.resource(EndpointSlices).update({
      ...ready,
      metadata: { ...ready.metadata, labels: { ...ready.metadata?.labels, touched: "yes" } },
    })
    await untilAvailable(name, { status: "True", reason: "Passed", message: "all checks passed" })
  })
})
