import assert from "node:assert/strict"
import { test } from "node:test"
import type { FlowSchema, PriorityLevelConfiguration } from "kubernetes-types/flowcontrol/v1.js"
import { printed } from "./_fixtures.ts"
import { validateFlowSchema, validatePriorityLevelConfiguration } from "./flowcontrol.ts"

function schema(name: string, spec: Partial<NonNullable<FlowSchema["spec"]>> = {}): FlowSchema {
  return {
    metadata: { name },
    spec: {
      priorityLevelConfiguration: { name: "workload-low" },
      matchingPrecedence: 1000,
      distinguisherMethod: { type: "ByUser" },
      rules: [
        {
          subjects: [{ kind: "Group", group: { name: "system:authenticated" } }],
          resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"], namespaces: ["*"] }],
        },
      ],
      ...spec,
    },
  }
}

function level(
  name: string,
  spec: NonNullable<PriorityLevelConfiguration["spec"]>,
): PriorityLevelConfiguration {
  return { metadata: { name }, spec }
}

const queue = { type: "Queue", queuing: { queues: 64, handSize: 8, queueLengthLimit: 50 } }

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "FlowSchema: accepts a complete schema",
    input: () => printed(validateFlowSchema(schema("s"))),
    want: [],
  },
  {
    name: "FlowSchema: precedence 1 is the exempt schema's, a level is required",
    input: () =>
      printed(
        validateFlowSchema(
          schema("s", {
            matchingPrecedence: 1,
            priorityLevelConfiguration: { name: "" },
            distinguisherMethod: { type: "ByIP" },
          }),
        ),
      ),
    want: [
      "spec.matchingPrecedence: Invalid value: 1: only the schema named 'exempt' may have matchingPrecedence 1",
      `spec.distinguisherMethod.type: Unsupported value: flowcontrol.FlowDistinguisherMethod{Type:"ByIP"}: supported values: "ByNamespace", "ByUser"`,
      "spec.priorityLevelConfiguration.name: Required value: must reference a priority level",
    ],
  },
  {
    name: "FlowSchema: checks subjects and rules",
    input: () =>
      printed(
        validateFlowSchema(
          schema("s", {
            rules: [
              {
                subjects: [
                  {
                    kind: "ServiceAccount",
                    serviceAccount: { name: "x", namespace: "" },
                    user: { name: "u" },
                  },
                ],
                resourceRules: [{ verbs: ["get", "*"], apiGroups: [], resources: ["pods"] }],
              },
              { subjects: [] },
            ],
          }),
        ),
      ),
    want: [
      "spec.rules[0].subjects[0].serviceAccount.namespace: Required value: must specify namespace for service account",
      "spec.rules[0].subjects[0].user: Forbidden: user is forbidden when subject kind is not 'User'",
      `spec.rules[0].resourceRules[0].verbs: Invalid value: ["get","*"]: if '*' is present, must not specify other verbs`,
      "spec.rules[0].resourceRules[0].apiGroups: Required value: resource rules must supply at least one api group",
      "spec.rules[0].resourceRules[0].namespaces: Required value: resource rules that are not cluster scoped must supply at least one namespace",
      "spec.rules[1].subjects: Required value: subjects must contain at least one value",
      "spec.rules[1]: Required value: at least one of resourceRules and nonResourceRules has to be non-empty",
    ],
  },
  {
    name: "FlowSchema: checks non-resource URLs and verbs",
    input: () =>
      printed(
        validateFlowSchema(
          schema("s", {
            rules: [
              {
                subjects: [{ kind: "User", user: { name: "u" } }],
                nonResourceRules: [
                  { verbs: ["get", "peek"], nonResourceURLs: ["/healthz", "metrics", "/a*", "/a//b"] },
                ],
              },
            ],
          }),
        ),
      ),
    want: [
      `spec.rules[0].nonResourceRules[0].verbs: Unsupported value: ["get","peek"]: supported values: "create", "delete", "deletecollection", "get", "list", "patch", "proxy", "update", "watch"`,
      'spec.rules[0].nonResourceRules[0].nonResourceURLs[1]: Invalid value: "metrics": must start with slash',
      'spec.rules[0].nonResourceRules[0].nonResourceURLs[2]: Invalid value: "/a*": wildcard can only do suffix matching',
      'spec.rules[0].nonResourceRules[0].nonResourceURLs[3]: Invalid value: "/a//b": must not contain double slash',
    ],
  },
  {
    name: "the mandatory objects keep their specs (the exempt level but its exempt settings)",
    input: () => [
      ...printed(validateFlowSchema(schema("catch-all"))),
      ...printed(
        validatePriorityLevelConfiguration(
          level("catch-all", {
            type: "Limited",
            limited: { nominalConcurrencyShares: 7, lendablePercent: 0, limitResponse: { type: "Reject" } },
          }),
        ),
      ),
      ...printed(
        validatePriorityLevelConfiguration(
          level("exempt", { type: "Exempt", exempt: { nominalConcurrencyShares: 10, lendablePercent: 10 } }),
        ),
      ),
    ],
    want: [
      "spec: Invalid value: flowcontrol.FlowSchemaSpec{...}: spec of 'catch-all' must equal the fixed value",
      "spec: Invalid value: flowcontrol.PriorityLevelConfigurationSpec{...}: spec of 'catch-all' must equal the fixed value",
    ],
  },
  {
    name: "status conditions: each type given, once",
    input: () =>
      printed(
        validateFlowSchema(
          {
            ...schema("s"),
            status: { conditions: [{ type: "Dangling" }, { type: "Dangling" }, {}] as never },
          },
          undefined,
        ),
      ),
    want: [
      'status.conditions[1].type: Duplicate value: "Dangling"',
      "status.conditions[2].type: Required value: must not be empty",
    ],
  },
  {
    name: "PriorityLevelConfiguration: accepts a limited level and the exempt one",
    input: () => [
      ...printed(
        validatePriorityLevelConfiguration(
          level("l", { type: "Limited", limited: { nominalConcurrencyShares: 0, limitResponse: queue } }),
        ),
      ),
      ...printed(validatePriorityLevelConfiguration(level("exempt", { type: "Exempt", exempt: {} }))),
    ],
    want: [],
  },
  {
    name: "PriorityLevelConfiguration: only `exempt` is Exempt",
    input: () => printed(validatePriorityLevelConfiguration(level("l", { type: "Exempt" }))),
    want: [`spec.type: Invalid value: "Exempt": type must be 'Exempt' if and only if name is 'exempt'`],
  },
  {
    name: "PriorityLevelConfiguration: checks queuing and percents",
    input: () =>
      printed(
        validatePriorityLevelConfiguration(
          level("l", {
            type: "Limited",
            limited: {
              nominalConcurrencyShares: -1,
              lendablePercent: 101,
              limitResponse: { type: "Queue", queuing: { queues: 128, handSize: 16, queueLengthLimit: 0 } },
            },
          }),
        ),
      ),
    want: [
      "spec.limited.nominalConcurrencyShares: Invalid value: -1: must be a non-negative integer",
      "spec.limited.limitResponse.queuing.queueLengthLimit: Invalid value: 0: must be positive",
      "spec.limited.limitResponse.queuing.handSize: Invalid value: 16: required entropy bits of deckSize 128 and handSize 16 should not be greater than 60",
      "spec.limited.lendablePercent: Invalid value: 101: must be between 0 and 100, inclusive",
    ],
  },
  {
    name: "PriorityLevelConfiguration: a limited level needs its limits",
    input: () => printed(validatePriorityLevelConfiguration(level("l", { type: "Limited" }))),
    want: ["spec.limited: Required value: must not be empty when type is Limited"],
  },
]

for (const c of cases) test(`flowcontrol validation: ${c.name}`, () => assert.deepEqual(c.input(), c.want))
