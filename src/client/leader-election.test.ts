import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { Leases } from "../api/index.ts"
import { settleUntil, startClientEnv, type ClientEnv } from "../testing/index.ts"
import { FakeClock } from "../util/index.ts"
import { LeaderElector, type LeaderElectionOptions } from "./leader-election.ts"

describe("LeaderElector", () => {
  let env: ClientEnv
  before(async () => {
    env = await startClientEnv()
  })
  after(() => env.stop())

  let lease = 0
  function election(clock: FakeClock) {
    const name = `lock-${++lease}`
    const running: Promise<void>[] = []
    function candidate(identity: string, opts: Partial<LeaderElectionOptions> = {}) {
      const events: string[] = []
      const ac = new AbortController()
      let leading: AbortSignal | undefined
      const elector = new LeaderElector({
        client: env.inProcess,
        lease: { name, namespace: "default" },
        identity,
        clock,
        leaseDurationMs: 15_000,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 2_000,
        onStartedLeading: (signal) => {
          leading = signal
          events.push("started")
        },
        onStoppedLeading: () => events.push("stopped"),
        ...opts,
      })
      const done = elector.run(ac.signal)
      running.push(done)
      return { elector, events, ac, done, leadingSignal: () => leading }
    }
    /** Advances the clock by `ms` and waits until `sleepers` loops are asleep again. */
    async function step(ms: number, sleepers: number) {
      await clock.advance(ms)
      await settleUntil(() => clock.waiting === sleepers, `${sleepers} sleeping candidates`)
    }
    const read = () => env.inProcess.resource(Leases).get({ namespace: "default", name })
    return { candidate, step, read, stopAll: () => Promise.all(running) }
  }

  test("one of two candidates leads; the other takes over after the lease expires", async () => {
    const clock = new FakeClock()
    const { candidate, step, read } = election(clock)
    const a = candidate("a", { releaseOnCancel: false })
    await settleUntil(() => a.elector.isLeader() && clock.waiting === 1, "a to lead")
    const b = candidate("b")
    await settleUntil(() => clock.waiting === 2, "b to wait")
    for (let i = 0; i < 5; i++) await step(2_000, 2)
    assert.ok(a.elector.isLeader())
    assert.ok(!b.elector.isLeader())
    assert.equal(b.elector.leader(), "a")
    const held = await read()
    assert.equal(held.spec?.holderIdentity, "a")
    assert.equal(held.spec?.leaseTransitions, 0)
    assert.equal(held.spec?.renewTime, new Date(clock.now()).toISOString().replace("Z", "000Z"))

    // WHEN a stops without giving the lease up (a crash, as far as b can tell)
    a.ac.abort()
    await a.done
    assert.deepEqual(a.events, ["started", "stopped"])
    assert.ok(a.leadingSignal()?.aborted)
    // THEN b waits out the lease duration from when it last saw the lease change, then leads
    for (let i = 0; i < 6; i++) await step(2_000, 1)
    assert.ok(!b.elector.isLeader(), "12 s after the last renewal the lease is still valid")
    // 15 s after b last saw the lease change, give or take the one retry period b polls at.
    for (let i = 0; i < 3 && !b.elector.isLeader(); i++) await step(2_000, 1)
    assert.ok(b.elector.isLeader())
    assert.deepEqual(b.events, ["started"])
    const taken = await read()
    assert.equal(taken.spec?.holderIdentity, "b")
    assert.equal(taken.spec?.leaseTransitions, 1)
    b.ac.abort()
    await b.done
  })

  test("a leader that stops releases the lease and the other candidate leads at its next try", async () => {
    const clock = new FakeClock()
    const { candidate, step, read } = election(clock)
    const a = candidate("a")
    await settleUntil(() => a.elector.isLeader() && clock.waiting === 1, "a to lead")
    const b = candidate("b")
    await settleUntil(() => clock.waiting === 2, "b to wait")
    a.ac.abort()
    await a.done
    assert.equal((await read()).spec?.holderIdentity, undefined)
    await step(2_000, 1)
    assert.ok(b.elector.isLeader())
    b.ac.abort()
    await b.done
    assert.deepEqual(b.events, ["started", "stopped"])
  })

  test("a leader that cannot renew within the renew deadline steps down", async () => {
    const clock = new FakeClock()
    const { candidate, step, read } = election(clock)
    const a = candidate("a")
    await settleUntil(() => a.elector.isLeader() && clock.waiting === 1, "a to lead")
    // GIVEN someone else overwrites the lease (a split brain a real cluster would also see)
    const leases = env.inProcess.resource(Leases)
    const cur = await read()
    await leases.update({ ...cur, spec: { ...cur.spec, holderIdentity: "intruder" } })
    // WHEN a keeps failing to renew
    for (let i = 0; i < 4; i++) await step(2_000, 1)
    assert.ok(a.elector.isLeader(), "8 s: still within the renew deadline")
    await step(2_000, 1)
    // THEN it steps down, its work is told to stop, and it campaigns again
    assert.ok(!a.elector.isLeader())
    assert.deepEqual(a.events, ["started", "stopped"])
    assert.ok(a.leadingSignal()?.aborted)
    a.ac.abort()
    await a.done
  })

  test("a sole candidate takes a lease an earlier run left at once, counting the transition", async () => {
    const clock = new FakeClock()
    const { candidate, read } = election(clock)
    const crashed = candidate("host_1", { releaseOnCancel: false })
    await settleUntil(() => crashed.elector.isLeader() && clock.waiting === 1, "the first run to lead")
    crashed.ac.abort()
    await crashed.done
    assert.equal((await read()).spec?.holderIdentity, "host_1", "left held, as after a crash")
    const next = candidate("host_2", { earlierRunPrefix: "host_" })
    await settleUntil(() => next.elector.isLeader(), "the next run to lead without waiting")
    assert.equal(clock.now(), new FakeClock().now(), "no time passed")
    const taken = await read()
    assert.equal(taken.spec?.holderIdentity, "host_2")
    assert.equal(taken.spec?.leaseTransitions, 1)
    assert.equal(taken.spec?.leaseDurationSeconds, 15)
    assert.deepEqual(next.events, ["started"])
    next.ac.abort()
    await next.done
  })

  test("a sole candidate waits out a holder of another host, as client-go does", async () => {
    const clock = new FakeClock()
    const { candidate, step, read } = election(clock)
    // GIVEN a lease held by a component elsewhere (a kube-scheduler pointed at this server)
    const other = candidate("elsewhere_1", { releaseOnCancel: false })
    await settleUntil(() => other.elector.isLeader() && clock.waiting === 1, "the other to lead")
    other.ac.abort()
    await other.done
    // WHEN this host's sole candidate starts
    const next = candidate("host_2", { earlierRunPrefix: "host_" })
    await settleUntil(() => clock.waiting === 1, "the candidate to wait")
    // THEN it waits for the lease to expire (15 s from when it first saw it), then takes it
    for (let i = 0; i < 7; i++) await step(2_000, 1)
    assert.ok(!next.elector.isLeader(), "14 s: the lease has not expired")
    assert.equal((await read()).spec?.holderIdentity, "elsewhere_1")
    await clock.advance(2_000)
    await settleUntil(() => next.elector.isLeader(), "the candidate to lead once the lease expired")
    assert.equal((await read()).spec?.holderIdentity, "host_2")
    next.ac.abort()
    await next.done
  })

  test("constructor rejects timings that cannot work", () => {
    const base = { client: env.inProcess, lease: { name: "x" }, identity: "a", onStartedLeading() {} }
    assert.throws(
      () => new LeaderElector({ ...base, leaseDurationMs: 5_000, renewDeadlineMs: 10_000 }),
      RangeError,
    )
    assert.throws(() => new LeaderElector({ ...base, identity: "" }), TypeError)
  })
})
