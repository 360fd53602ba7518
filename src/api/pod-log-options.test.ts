import assert from "node:assert/strict"
import { test } from "node:test"
import { ApiError } from "./errors.ts"
import { podLogOptions, podLogQuery, validatePodLogOptions } from "./pod-log-options.ts"

const q = (s: string) => new URLSearchParams(s)

test("podLogOptions reads booleans as upstream's parameter codec: false only as 0 or false", () => {
  for (const v of ["true", "True", "TRUE", "1", "yes", ""]) {
    assert.equal(podLogOptions(q(`follow=${v}`)).follow, true, v)
  }
  for (const v of ["false", "False", "0"]) assert.equal(podLogOptions(q(`follow=${v}`)).follow, undefined, v)
  assert.deepEqual(podLogOptions(q("previous=True&timestamps=1&container=c")), {
    container: "c",
    previous: true,
    timestamps: true,
  })
})

test("podLogOptions reads numbers and times as Go parses them, refusing others (400)", () => {
  assert.deepEqual(podLogOptions(q("tailLines=10&limitBytes=5&sinceSeconds=%2B3")), {
    sinceSeconds: 3,
    tailLines: 10,
    limitBytes: 5,
  })
  assert.equal(podLogOptions(q("sinceTime=2024-01-01T02:00:00%2B02:00")).sinceTime, "2024-01-01T00:00:00Z")
  for (const [query, message] of [
    ["tailLines=abc", 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ["limitBytes=1.5", 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    [
      "sinceTime=yesterday",
      'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"',
    ],
  ] as const) {
    assert.throws(
      () => podLogOptions(q(query)),
      (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === message,
      query,
    )
  }
})

test("the kubelet's older tail parameter stands for tailLines, all for every line", () => {
  assert.equal(podLogOptions(q("tail=5")).tailLines, 5)
  assert.equal(podLogOptions(q("tail=all&tailLines=3")).tailLines, undefined)
})

test("validatePodLogOptions finds what upstream's ValidatePodLogOptions finds", () => {
  const msgs = (s: string) =>
    validatePodLogOptions(podLogOptions(q(s))).map((e) => `${e.field}: ${e.message}`)
  assert.deepEqual(msgs("tailLines=0&limitBytes=1&sinceSeconds=1"), [])
  assert.deepEqual(msgs("tailLines=-1"), ["tailLines: Invalid value: -1: must be greater than or equal to 0"])
  assert.deepEqual(msgs("limitBytes=0"), ["limitBytes: Invalid value: 0: must be greater than 0"])
  assert.deepEqual(msgs("sinceSeconds=0"), ["sinceSeconds: Invalid value: 0: must be greater than 0"])
  assert.deepEqual(msgs("sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z"), [
    ": Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified",
  ])
})

test("podLogQuery writes the kubelet's query as upstream's API server does", () => {
  const opts = podLogOptions(
    q("follow=True&previous=1&timestamps=yes&tailLines=3&limitBytes=9&sinceSeconds=4"),
  )
  assert.equal(
    podLogQuery(opts).toString(),
    "follow=true&previous=true&timestamps=true&sinceSeconds=4&tailLines=3&limitBytes=9",
  )
})
