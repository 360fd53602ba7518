/**
 * ServiceLB, for clusters without a cloud (as k3s's klipper-lb): every Service of type
 * LoadBalancer without spec.loadBalancerClass gets the InternalIPs of the cluster's nodes as
 * its status.loadBalancer.ingress (ipMode VIP), and the proxies serve its ports there. A
 * Service that stops being a LoadBalancer loses the ingress it was given. Watches Services and
 * Nodes; writes Service status and Events.
 */
import type { Node, Service } from "kubernetes-types/core/v1.js"
import { type ApiObject, isNotFound, Nodes, Services } from "../../api/index.ts"
import { ClientEventRecorder, type ControllerDeps, type ControllerSpec } from "../../client/index.ts"

type ServiceObject = Service & ApiObject
type Ingress = NonNullable<NonNullable<NonNullable<Service["status"]>["loadBalancer"]>["ingress"]>

/** Whether ServiceLB serves `svc`: a LoadBalancer that no other implementation claimed. */
export function isServiceLbService(svc: Service): boolean {
  return svc.spec?.type === "LoadBalancer" && !svc.spec.loadBalancerClass
}

/** The nodes' InternalIPs, sorted and without repeats, as VIP-mode ingress points. */
function ingressOf(nodes: readonly Node[]): Ingress {
  const ips = new Set<string>()
  for (const n of nodes) {
    if (n.metadata?.deletionTimestamp) continue
    for (const a of n.status?.addresses ?? []) if (a.type === "InternalIP" && a.address) ips.add(a.address)
  }
  return [...ips].sort().map((ip) => ({ ip, ipMode: "VIP" }))
}

function sameIngress(a: Ingress | undefined, b: Ingress): boolean {
  const have = a ?? []
  return (
    have.length === b.length &&
    have.every((x, i) => x.ip === b[i]?.ip && x.ipMode === b[i]?.ipMode && !x.hostname)
  )
}

/** The ServiceLB controller ("servicelb"). */
export function serviceLbController(): ControllerSpec {
  let deps: ControllerDeps | undefined
  const lbKeys = () =>
    (deps?.informers.get(Services).cache.list() ?? [])
      .filter((s) => isServiceLbService(s as ServiceObject))
      .map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`)
  return {
    name: "servicelb",
    for: Services,
    // Any node address change moves every load balancer.
    watches: [{ ref: Nodes, map: () => lbKeys() }],
    create(d) {
      deps = d
      const recorder = new ClientEventRecorder(d.client, {
        component: "service-lb-controller",
        clock: d.clock,
        log: d.log,
      })
      return {
        async reconcile(key) {
          const svc = d.informers.get(Services).cache.get(key) as ServiceObject | undefined
          if (!svc || svc.metadata?.deletionTimestamp) return
          if (svc.spec?.loadBalancerClass) return // another implementation's
          const isLb = isServiceLbService(svc)
          const want: Ingress = isLb ? ingressOf(d.informers.get(Nodes).cache.list() as Node[]) : []
          const have = svc.status?.loadBalancer?.ingress
          if (sameIngress(have, want) || (!isLb && !have?.length)) return
          const next: ServiceObject = {
            ...structuredClone(svc),
            status: { ...svc.status, loadBalancer: want.length ? { ingress: want } : {} },
          }
          await d.client
            .resource(Services)
            .updateStatus(next)
            .catch((err: unknown) => {
              if (!isNotFound(err)) throw err
            })
          if (isLb) {
            const ips = want.map((i) => i.ip).join(", ")
            recorder.event(
              svc,
              "Normal",
              "EnsuredLoadBalancer",
              `Ensured load balancer on ${ips || "no node"}`,
            )
          } else {
            recorder.event(svc, "Normal", "DeletedLoadBalancer", "Deleted load balancer")
          }
        },
      }
    },
  }
}
