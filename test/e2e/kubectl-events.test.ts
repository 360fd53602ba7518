/**
 * The scheduler's events.k8s.io Events as the real kubectl v1.35 shows them: `kubectl describe
 * pod` names default-scheduler in From and a series as "(x2 over ...)", `kubectl events` the
 * same interval, `kubectl get events -o wide` the reporting controller and instance as SOURCE
 * and the series' count.
 */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, Pods } from "../../src/api/index.ts"
import { EventsV1Broadcaster, InProcessClient, LOOPBACK_USER } from "../../src/client/index.ts"
import { kubectlSession, startTestApiServer, type TestApiServer } from "../../src/testing/index.ts"
import { FakeClock, silentLogger } from "../../src/util/index.ts"

let srv: TestApiServer
before(async () => {
  srv = await startTestApiServer()
})
after(async () => {
  await srv?.stop()
})

const { ok } = kubectlSession(() => srv)

describe("the scheduler's events through kubectl", () => {
  test("describe, events and get events show a series as upstream's kubectl does", async () => {
    const client = new InProcessClient(srv.api.handle, { user: LOOPBACK_USER })
    const pod = await client.resource(Pods).create({
      metadata: { name: "pending", namespace: "default" },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    } as Pod & ApiObject)
    // A minute ago, on a clock of the test's own: kubectl measures ages against the wall clock.
    const clock = new FakeClock(Date.now() - 60_000)
    const events = new EventsV1Broadcaster(client, { clock, log: silentLogger(), hostname: "host-1" })
    const rec = events.newRecorder("default-scheduler")
    const failed = {
      type: "Warning",
      reason: "FailedScheduling",
      action: "Scheduling",
      note: "0/1 nodes are available: 1 Insufficient cpu.",
      ref: Pods,
    } as const
    rec.event(pod, failed)
    await events.flush()
    await clock.advance(30_000)
    rec.event(pod, failed)
    await events.flush()
    rec.event(pod, {
      type: "Normal",
      reason: "Scheduled",
      action: "Binding",
      note: "Successfully assigned default/pending to n1",
      ref: Pods,
    })
    await events.flush()

    const described = await ok("describe", "pod", "pending")
    const section = described.slice(described.indexOf("Events:"))
    assert.match(section, /^ {2}Type +Reason +Age +From +Message$/m)
    assert.match(
      section,
      /^ {2}Warning +FailedScheduling +3\ds \(x2 over 6\ds\) +default-scheduler +0\/1 nodes are available: 1 Insufficient cpu\.$/m,
    )
    assert.match(
      section,
      /^ {2}Normal +Scheduled +3\ds +default-scheduler +Successfully assigned default\/pending to n1$/m,
    )

    const listed = await ok("events", "--for", "pod/pending")
    assert.match(listed, /^3\ds \(x2 over 6\ds\) +Warning +FailedScheduling +Pod\/pending +0\/1 nodes/m)

    const wide = await ok("get", "events", "-o", "wide", "--field-selector", "reason=FailedScheduling")
    const [head, row] = wide.trim().split("\n")
    assert.match(
      head ?? "",
      /^LAST SEEN +TYPE +REASON +OBJECT +SUBOBJECT +SOURCE +MESSAGE +FIRST SEEN +COUNT +NAME$/,
    )
    assert.match(
      row ?? "",
      /^3\ds +Warning +FailedScheduling +pod\/pending +default-scheduler, default-scheduler-host-1 +0\/1 nodes .* +6\ds +2 +pending\.[0-9a-f]+$/,
    )
  })
})
