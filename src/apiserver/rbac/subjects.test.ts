import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { Subject } from "kubernetes-types/rbac/v1.js"
import type { UserInfo } from "../http.ts"
import { appliesTo, appliesToUser, describeSubject, subjectKey, userKeys } from "./subjects.ts"

const jane: UserInfo = { name: "jane", groups: ["devs", "system:authenticated"] }
const robot: UserInfo = {
  name: "system:serviceaccount:team:robot",
  groups: ["system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated"],
}

const cases: { name: string; user: UserInfo; subject: Subject; ns: string; want: boolean }[] = [
  { name: "User by name", user: jane, subject: { kind: "User", name: "jane" }, ns: "", want: true },
  { name: "User, another name", user: jane, subject: { kind: "User", name: "joe" }, ns: "", want: false },
  {
    name: "a User subject is not a group",
    user: jane,
    subject: { kind: "User", name: "devs" },
    ns: "",
    want: false,
  },
  { name: "Group by membership", user: jane, subject: { kind: "Group", name: "devs" }, ns: "", want: true },
  {
    name: "Group the user is not in",
    user: jane,
    subject: { kind: "Group", name: "ops" },
    ns: "",
    want: false,
  },
  {
    name: "ServiceAccount with its namespace",
    user: robot,
    subject: { kind: "ServiceAccount", name: "robot", namespace: "team" },
    ns: "",
    want: true,
  },
  {
    name: "ServiceAccount in the binding's namespace",
    user: robot,
    subject: { kind: "ServiceAccount", name: "robot" },
    ns: "team",
    want: true,
  },
  {
    name: "ServiceAccount of another namespace",
    user: robot,
    subject: { kind: "ServiceAccount", name: "robot" },
    ns: "other",
    want: false,
  },
  {
    name: "ServiceAccount without a namespace in a cluster binding",
    user: robot,
    subject: { kind: "ServiceAccount", name: "robot" },
    ns: "",
    want: false,
  },
  {
    name: "the service accounts' group",
    user: robot,
    subject: { kind: "Group", name: "system:serviceaccounts:team" },
    ns: "",
    want: true,
  },
  {
    name: "a user named like a service account is not one by its subject",
    user: jane,
    subject: { kind: "ServiceAccount", name: "jane", namespace: "x" },
    ns: "",
    want: false,
  },
  { name: "an unknown kind", user: jane, subject: { kind: "Robot", name: "jane" }, ns: "", want: false },
]

describe("RBAC subjects", () => {
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(appliesToUser(c.user, c.subject, c.ns), c.want)
      // The index finds a subject exactly when it applies.
      const key = subjectKey(c.subject, c.ns)
      assert.equal(key !== undefined && userKeys(c.user).includes(key), c.want)
    })
  }

  test("the first subject that applies", () => {
    const subjects: Subject[] = [
      { kind: "User", name: "joe" },
      { kind: "Group", name: "devs" },
      { kind: "User", name: "jane" },
    ]
    assert.equal(appliesTo(jane, subjects, ""), 1)
    assert.equal(appliesTo(robot, subjects, ""), -1)
  })

  test("described as upstream's reasons name them", () => {
    assert.equal(
      describeSubject({ kind: "ServiceAccount", name: "robot" }, "team"),
      'ServiceAccount "robot/team"',
    )
    assert.equal(describeSubject({ kind: "Group", name: "devs" }, ""), 'Group "devs"')
  })
})
