import assert from "node:assert/strict"
import { test } from "node:test"
import type { Affinity, Pod, PodAffinityTerm } from "kubernetes-types/core/v1.js"
import { cacheOf, cycle, handleOf, makeNode, makePod } from "../../_fixtures.ts"
import { newInterPodAffinity } from "./inter-pod-affinity.ts"

const ZONE = "topology.kubernetes.io/zone"
const HOST = "kubernetes.io/hostname"
const term = (app: string, topologyKey: string) => ({ labelSelector: { matchLabels: { app } }, topologyKey })
const nodes = () => [
  makeNode("n1", { labels: { [ZONE]: "a" } }),
  makeNode("n2", { labels: { [ZONE]: "a" } }),
  makeNode("n3", { labels: { [ZONE]: "b" } }),
]

const cases: { name: string; existing: Pod[]; pod: Pod; want: Record<string, string> }[] = [
  {
    name: "required affinity: only the zone holding a matching pod",
    existing: [makePod("db", { labels: { app: "db" }, node: "n1" })],
    pod: makePod("p", {
      spec: {
        affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("db", ZONE)] } },
      },
    }),
    want: {
      n1: "Success",
      n2: "Success",
      n3: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
    },
  },
  {
    name: "required affinity: the first pod of a group that selects itself goes anywhere",
    existing: [],
    pod: makePod("p", {
      labels: { app: "db" },
      spec: {
        affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("db", ZONE)] } },
      },
    }),
    want: { n1: "Success", n2: "Success", n3: "Success" },
  },
  {
    name: "required anti-affinity: not beside a matching pod",
    existing: [makePod("web", { labels: { app: "web" }, node: "n1" })],
    pod: makePod("p", {
      spec: {
        affinity: {
          podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("web", HOST)] },
        },
      },
    }),
    want: { n1: "Unschedulable: node(s) didn't match pod anti-affinity rules", n2: "Success", n3: "Success" },
  },
  {
    name: "existing pods' anti-affinity keeps the incoming pod out of their zone",
    existing: [
      makePod("loner", {
        node: "n2",
        spec: {
          affinity: {
            podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("web", ZONE)] },
          },
        },
      }),
    ],
    pod: makePod("p", { labels: { app: "web" } }),
    want: {
      n1: "Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules",
      n2: "Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules",
      n3: "Success",
    },
  },
]
for (const c of cases) {
  test(`InterPodAffinity.filter: ${c.name}`, () => {
    const cache = cacheOf(nodes(), c.existing)
    const p = newInterPodAffinity(undefined, handleOf(cache))
    const { state, pi } = cycle(c.pod)
    p.preFilter(state, pi)
    const got: Record<string, string> = {}
    for (const n of cache.list()) {
      const s = p.filter(state, pi, n)
      got[n.name] = s.code === "Success" ? "Success" : `${s.code}: ${s.reasons.join(", ")}`
    }
    assert.deepEqual(got, c.want)
  })
}

const preferred = (weight: number, app: string, anti = false): Affinity => {
  const terms = [{ weight, podAffinityTerm: term(app, ZONE) }]
  return anti
    ? { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: terms } }
    : { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: terms } }
}
const scoreCases = [
  {
    name: "preferred affinity favours the zone with a matching pod",
    affinity: preferred(10, "db"),
    want: [100, 100, 0],
  },
  { name: "preferred anti-affinity avoids it", affinity: preferred(10, "db", true), want: [0, 0, 100] },
]
for (const c of scoreCases) {
  test(`InterPodAffinity.score: ${c.name}`, () => {
    const cache = cacheOf(nodes(), [makePod("db", { labels: { app: "db" }, node: "n1" })])
    const p = newInterPodAffinity(undefined, handleOf(cache))
    const { state, pi } = cycle(makePod("p", { spec: { affinity: c.affinity } }))
    const list = cache.list()
    assert.equal(p.preScore(state, pi, list).code, "Success")
    const scores = list.map((n) => p.score(state, pi, n))
    p.normalizeScore?.(state, pi, scores, list)
    assert.deepEqual(scores, c.want)
  })
}

/** Namespaces and their labels, as the scheduler's Namespace cache holds them. */
const NAMESPACES: Record<string, Record<string, string>> = {
  default: {},
  prod: { env: "prod" },
  staging: { env: "staging" },
}
const nsLabels = (ns: string) => NAMESPACES[ns]
const withNs = (extra: Partial<PodAffinityTerm>): PodAffinityTerm => ({ ...term("db", ZONE), ...extra })
const nsCases: { name: string; term: PodAffinityTerm; want: Record<string, string> }[] = [
  {
    name: "no namespaces and no namespaceSelector: the pod's own namespace only",
    term: term("db", ZONE),
    want: { n1: "Success", n2: "Success", n3: "Success" },
  },
  {
    name: "an empty namespaceSelector: every namespace",
    term: withNs({ namespaceSelector: {} }),
    want: { n1: "anti", n2: "anti", n3: "anti" },
  },
  {
    name: "a namespaceSelector: the namespaces whose labels match",
    term: withNs({ namespaceSelector: { matchLabels: { env: "prod" } } }),
    want: { n1: "anti", n2: "anti", n3: "Success" },
  },
  {
    name: "namespaces listed plus those the selector matches",
    term: withNs({ namespaces: ["staging"], namespaceSelector: { matchLabels: { env: "prod" } } }),
    want: { n1: "anti", n2: "anti", n3: "anti" },
  },
  {
    name: "namespaces listed, no selector: only those",
    term: withNs({ namespaces: ["staging"] }),
    want: { n1: "Success", n2: "Success", n3: "anti" },
  },
]
for (const c of nsCases) {
  test(`InterPodAffinity.filter with namespaces: ${c.name}`, () => {
    // db pods in prod (zone a) and staging (zone b); none in default
    const cache = cacheOf(nodes(), [
      makePod("db1", { labels: { app: "db" }, node: "n1", namespace: "prod" }),
      makePod("db2", { labels: { app: "db" }, node: "n3", namespace: "staging" }),
    ])
    const p = newInterPodAffinity(undefined, handleOf(cache, { namespaceLabels: nsLabels }))
    const { state, pi } = cycle(
      makePod("p", {
        spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [c.term] } } },
      }) as Pod,
    )
    p.preFilter(state, pi)
    const got: Record<string, string> = {}
    for (const n of cache.list()) got[n.name] = p.filter(state, pi, n).code === "Success" ? "Success" : "anti"
    assert.deepEqual(got, c.want)
  })
}

test("InterPodAffinity: existing pods' terms match the incoming pod by its namespace's labels", () => {
  // GIVEN a pod in default whose anti-affinity selects app=web in env=prod namespaces
  const loner = makePod("loner", {
    node: "n1",
    spec: {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { ...term("web", ZONE), namespaceSelector: { matchLabels: { env: "prod" } } },
          ],
        },
      },
    },
  })
  const cache = cacheOf(nodes(), [loner])
  const p = newInterPodAffinity(undefined, handleOf(cache, { namespaceLabels: nsLabels }))
  const verdicts = (namespace: string) => {
    const { state, pi } = cycle(makePod("w", { labels: { app: "web" }, namespace }))
    p.preFilter(state, pi)
    return cache.list().map((n) => p.filter(state, pi, n).code)
  }
  // THEN a web pod in prod keeps out of zone a; one in staging does not
  assert.deepEqual(verdicts("prod"), ["Unschedulable", "Unschedulable", "Success"])
  assert.deepEqual(verdicts("staging"), ["Success", "Success", "Success"])
})

test("InterPodAffinity.score: preferred terms with a namespaceSelector count matching namespaces only", () => {
  const cache = cacheOf(nodes(), [
    makePod("db1", { labels: { app: "db" }, node: "n1", namespace: "staging" }),
    makePod("db2", { labels: { app: "db" }, node: "n3", namespace: "prod" }),
  ])
  const p = newInterPodAffinity(undefined, handleOf(cache, { namespaceLabels: nsLabels }))
  const affinity: Affinity = {
    podAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 10,
          podAffinityTerm: { ...term("db", ZONE), namespaceSelector: { matchLabels: { env: "prod" } } },
        },
      ],
    },
  }
  const { state, pi } = cycle(makePod("p", { spec: { affinity } }))
  const list = cache.list()
  assert.equal(p.preScore(state, pi, list).code, "Success")
  const scores = list.map((n) => p.score(state, pi, n))
  p.normalizeScore?.(state, pi, scores, list)
  assert.deepEqual(scores, [0, 0, 100])
})
