import assert from "node:assert/strict"
import { describe, test } from "node:test"
import {
  ApiError,
  type ApiObject,
  ConfigMaps,
  Deployments,
  Namespaces,
  Nodes,
  type WatchEvent,
} from "../api/index.ts"
import { AsyncQueue } from "../util/index.ts"
import {
  abortable,
  errorOf,
  labelSelectorString,
  lines,
  objectEvents,
  readText,
  resourcePath,
  watchEvents,
} from "./_wire.ts"

async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of iter) out.push(x)
  return out
}

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<string | Uint8Array> {
  yield* parts
}

const paths = [
  { name: "core collection across namespaces", input: [ConfigMaps, {}] as const, want: "/api/v1/configmaps" },
  {
    name: "core collection in a namespace",
    input: [ConfigMaps, { namespace: "default" }] as const,
    want: "/api/v1/namespaces/default/configmaps",
  },
  {
    name: "group object with a subresource",
    input: [Deployments, { namespace: "ns", name: "web", subresource: "scale" }] as const,
    want: "/apis/apps/v1/namespaces/ns/deployments/web/scale",
  },
  { name: "cluster-scoped object", input: [Nodes, { name: "n1" }] as const, want: "/api/v1/nodes/n1" },
  {
    name: "cluster-scoped resource ignores a namespace",
    input: [Namespaces, { namespace: "x", name: "default" }] as const,
    want: "/api/v1/namespaces/default",
  },
  {
    name: "names are escaped",
    input: [ConfigMaps, { namespace: "a", name: "b c/d" }] as const,
    want: "/api/v1/namespaces/a/configmaps/b%20c%2Fd",
  },
]
for (const c of paths) {
  test(`resourcePath(): ${c.name}`, () => {
    assert.equal(resourcePath(c.input[0], c.input[1]), c.want)
  })
}

describe("_wire", () => {
  test("resourcePath() refuses a namespaced object without a namespace", () => {
    assert.throws(() => resourcePath(ConfigMaps, { name: "a" }), TypeError)
  })

  test("labelSelectorString() joins equality pairs and passes strings through", () => {
    assert.equal(labelSelectorString({ app: "web", tier: "fe" }), "app=web,tier=fe")
    assert.equal(labelSelectorString("app in (a,b)"), "app in (a,b)")
    assert.equal(labelSelectorString({}), undefined)
    assert.equal(labelSelectorString(""), undefined)
  })

  test("errorOf() rebuilds the ApiError of a Status body", () => {
    const status = new ApiError("Conflict", "stale", { name: "a", kind: "pods" }).toStatus()
    const err = errorOf(409, JSON.stringify(status))
    assert.equal(err.reason, "Conflict")
    assert.equal(err.message, "stale")
    assert.deepEqual(err.details, { name: "a", kind: "pods" })
  })

  test("errorOf() falls back to the HTTP code when the body is not a Status", () => {
    const err = errorOf(503, "<html>bad gateway</html>")
    assert.equal(err.reason, "ServiceUnavailable")
    assert.equal(errorOf(418, "").reason, "InternalError")
  })

  test("lines() splits across chunk boundaries, multi-byte characters included", async () => {
    const bytes = new TextEncoder().encode('{"a":"é"}\n{"b"')
    const got = await collect(lines(chunks(bytes.slice(0, 8), bytes.slice(8), ":1}\n\n", "tail")))
    assert.deepEqual(got, ['{"a":"é"}', '{"b":1}', "tail"])
  })

  test("readText() joins a body in one chunk or many, a character split across chunks included", async () => {
    const bytes = new TextEncoder().encode('{"a":"é€"}')
    const body = (...parts: (string | Uint8Array)[]) => ({
      status: 200,
      contentType: "",
      body: chunks(...parts),
    })
    assert.equal(await readText(body(bytes)), '{"a":"é€"}')
    assert.equal(await readText(body("plain")), "plain")
    assert.equal(await readText(body()), "")
    assert.equal(await readText(body(bytes.slice(0, 7), bytes.slice(7, 9), bytes.slice(9))), '{"a":"é€"}')
    assert.equal(await readText(body("[", bytes.slice(0, 7), bytes.slice(7), "]")), '[{"a":"é€"}]')
  })

  test("watchEvents() throws the ApiError of an ERROR event", async () => {
    const expired = new ApiError("Expired", "too old resource version: 1 (5)").toStatus()
    const stream = chunks(
      `{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n`,
      `${JSON.stringify({ type: "ERROR", object: expired })}\n`,
    )
    const seen: string[] = []
    await assert.rejects(
      async () => {
        for await (const ev of watchEvents(stream)) seen.push(ev.type)
      },
      (err: unknown) => err instanceof ApiError && err.reason === "Expired" && err.code === 410,
    )
    assert.deepEqual(seen, ["ADDED"])
  })

  test("objectEvents() hands over queued events at once and throws an ERROR among them after the ones before it", async () => {
    const q = new AsyncQueue<WatchEvent<ApiObject>>()
    const expired = new ApiError("Expired", "too old resource version: 1 (5)").toStatus()
    const added = (name: string): WatchEvent<ApiObject> => ({ type: "ADDED", object: { metadata: { name } } })
    for (const ev of [added("a"), added("b"), added("c")]) q.push(ev)
    q.push({ type: "ERROR", object: expired as unknown as ApiObject })
    q.push(added("d"))
    const it = objectEvents(q)
    const first = await it.next()
    assert.equal(first.done ? undefined : first.value.object.metadata?.name, "a")
    assert.deepEqual(
      it.takeAll?.().map((ev) => ev.object.metadata?.name),
      ["b", "c"],
    )
    assert.deepEqual(it.takeAll?.(), [], "nothing after the ERROR")
    await assert.rejects(it.next(), (err: unknown) => err instanceof ApiError && err.reason === "Expired")
  })

  test("abortable() ends a pending next() when the signal aborts and stops the source", async () => {
    let returned = false
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<number>>(() => {}),
        return: async () => {
          returned = true
          return { done: true, value: undefined }
        },
      }),
    }
    const ac = new AbortController()
    const it = abortable(source, ac.signal)[Symbol.asyncIterator]()
    const pending = it.next()
    ac.abort()
    assert.deepEqual(await pending, { done: true, value: undefined })
    assert.ok(returned)
  })
})
