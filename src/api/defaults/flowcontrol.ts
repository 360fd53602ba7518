/**
 * flowcontrol.apiserver.k8s.io/v1 defaults: a FlowSchema's matching precedence and a
 * PriorityLevelConfiguration's shares, lendable percent and queuing, as upstream's
 * pkg/apis/flowcontrol/v1 defaulters.
 */
import type { FlowSchema, PriorityLevelConfiguration } from "kubernetes-types/flowcontrol/v1.js"

type Obj = Record<string, any>

/** FlowSchema: matchingPrecedence 1000 when unset or 0. */
export function defaultFlowSchema(fs: FlowSchema): void {
  const s = fs.spec as Obj | undefined
  if (s && !s.matchingPrecedence) s.matchingPrecedence = 1000
}

/** Queuing: 64 queues, hand size 8, queue length limit 50 where unset or 0. */
function defaultQueuing(q: Obj): void {
  if (!q.handSize) q.handSize = 8
  if (!q.queues) q.queues = 64
  if (!q.queueLengthLimit) q.queueLengthLimit = 50
}

/**
 * PriorityLevelConfiguration: exempt levels get 0 shares and 0% lendable; limited levels 30
 * shares (0 is kept: it is a level that only borrows) and 0% lendable, and their queuing
 * configuration its sizes.
 */
export function defaultPriorityLevelConfiguration(plc: PriorityLevelConfiguration): void {
  const s = plc.spec as Obj | undefined
  if (!s) return
  if (s.exempt) {
    s.exempt.nominalConcurrencyShares ??= 0
    s.exempt.lendablePercent ??= 0
  }
  if (s.limited) {
    s.limited.nominalConcurrencyShares ??= 30
    s.limited.lendablePercent ??= 0
    const q = s.limited.limitResponse?.queuing
    if (q) defaultQueuing(q)
  }
}
