import assert from "node:assert/strict"
import { test } from "node:test"
import type { FlowSchema, PriorityLevelConfiguration } from "kubernetes-types/flowcontrol/v1.js"
import { defaultFlowSchema, defaultPriorityLevelConfiguration } from "./flowcontrol.ts"

const cases: { name: string; input: () => unknown; want: unknown }[] = [
  {
    name: "defaultFlowSchema() sets matchingPrecedence 1000",
    input: () => {
      const fs: FlowSchema = { spec: { priorityLevelConfiguration: { name: "global-default" } } }
      defaultFlowSchema(fs)
      return fs.spec?.matchingPrecedence
    },
    want: 1000,
  },
  {
    name: "defaultPriorityLevelConfiguration() fills a limited level and its queuing",
    input: () => {
      const plc: PriorityLevelConfiguration = {
        spec: { type: "Limited", limited: { limitResponse: { type: "Queue", queuing: {} } } },
      }
      defaultPriorityLevelConfiguration(plc)
      return plc.spec
    },
    want: {
      type: "Limited",
      limited: {
        nominalConcurrencyShares: 30,
        lendablePercent: 0,
        limitResponse: { type: "Queue", queuing: { handSize: 8, queues: 64, queueLengthLimit: 50 } },
      },
    },
  },
  {
    name: "defaultPriorityLevelConfiguration() keeps zero shares of a limited level",
    input: () => {
      const plc: PriorityLevelConfiguration = {
        spec: {
          type: "Limited",
          limited: { nominalConcurrencyShares: 0, limitResponse: { type: "Reject" } },
        },
      }
      defaultPriorityLevelConfiguration(plc)
      return plc.spec?.limited
    },
    want: { nominalConcurrencyShares: 0, lendablePercent: 0, limitResponse: { type: "Reject" } },
  },
  {
    name: "defaultPriorityLevelConfiguration() fills an exempt level",
    input: () => {
      const plc: PriorityLevelConfiguration = { spec: { type: "Exempt", exempt: {} } }
      defaultPriorityLevelConfiguration(plc)
      return plc.spec?.exempt
    },
    want: { nominalConcurrencyShares: 0, lendablePercent: 0 },
  },
]

for (const c of cases) test(c.name, () => assert.deepEqual(c.input(), c.want))
