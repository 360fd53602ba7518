import assert from "node:assert/strict"
import { before, describe, test } from "node:test"
import { ApiError, findResource, type ResourceInfo } from "../api/index.ts"
import { MemoryStore } from "../storage/index.ts"
import { apiCall, makeCsr, memoryApiServer, runApiServer } from "../testing/index.ts"
import { certificateSubjectRestriction } from "./certificate-subject-restriction.ts"
import type { AdmissionRequest } from "./registry/context.ts"
import type { ApiServer } from "./server.ts"

const CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
const CLIENT = "kubernetes.io/kube-apiserver-client"
const info = findResource("certificates.k8s.io", "v1", "certificatesigningrequests") as ResourceInfo
const requests: Record<string, string> = {}

before(async () => {
  for (const [name, subject] of [
    ["masters", "CN=eve, O=system:masters"],
    ["mastersSecond", "CN=eve, O=devs, O=system:masters"],
    ["devs", "CN=jane, O=devs"],
    ["mastersCn", "CN=system:masters"],
  ] as const)
    requests[name] = (await makeCsr(subject)).request
})

function csr(name: string, signerName: string, request: string) {
  return {
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { name },
    spec: { request, signerName, usages: ["client auth"] },
  }
}

const REFUSED = `certificatesigningrequests.certificates.k8s.io "x" is forbidden: use of ${CLIENT} signer with system:masters group is not allowed`

const cases: {
  name: string
  signer: string
  request: () => string
  operation?: AdmissionRequest["operation"]
  subresource?: string
  want?: string
}[] = [
  {
    name: "refuses system:masters for the client signer",
    signer: CLIENT,
    request: () => requests.masters!,
    want: REFUSED,
  },
  {
    name: "refuses system:masters among other organizations",
    signer: CLIENT,
    request: () => requests.mastersSecond!,
    want: REFUSED,
  },
  { name: "admits other organizations", signer: CLIENT, request: () => requests.devs! },
  { name: "admits system:masters as a common name only", signer: CLIENT, request: () => requests.mastersCn! },
  {
    name: "admits system:masters for another signer",
    signer: "kubernetes.io/kube-apiserver-client-kubelet",
    request: () => requests.masters!,
  },
  {
    name: "admits a custom signer's request",
    signer: "example.com/signer",
    request: () => requests.masters!,
  },
  {
    name: "leaves updates alone",
    signer: CLIENT,
    request: () => requests.masters!,
    operation: "UPDATE",
  },
  {
    name: "leaves the approval subresource alone",
    signer: CLIENT,
    request: () => requests.masters!,
    operation: "UPDATE",
    subresource: "approval",
  },
  {
    name: "refuses what is not a certificate request",
    signer: CLIENT,
    request: () =>
      Buffer.from("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").toString("base64"),
    want: 'certificatesigningrequests.certificates.k8s.io "x" is forbidden: failed to parse CSR: PEM block type must be CERTIFICATE REQUEST',
  },
]

for (const c of cases) {
  test(`certificateSubjectRestriction() ${c.name}`, () => {
    const run = () =>
      certificateSubjectRestriction().validate?.({
        operation: c.operation ?? "CREATE",
        info,
        namespace: "",
        name: "x",
        subresource: c.subresource ?? "",
        object: csr("x", c.signer, c.request()),
        dryRun: false,
      })
    if (!c.want) return assert.doesNotThrow(run)
    assert.throws(
      run,
      (err) => err instanceof ApiError && err.reason === "Forbidden" && err.message === c.want,
    )
  })
}

describe("CertificateSubjectRestriction in the API server", () => {
  let api: ApiServer
  memoryApiServer((started) => (api = started))

  test("a system:masters client request is refused at create, others are created", async () => {
    const refused = await apiCall(api, "POST", CSRS, csr("eve", CLIENT, requests.masters!))
    assert.equal(refused.status, 403)
    assert.equal(refused.json.reason, "Forbidden")
    assert.equal(
      refused.json.message,
      `certificatesigningrequests.certificates.k8s.io "eve" is forbidden: use of ${CLIENT} signer with system:masters group is not allowed`,
    )
    assert.equal((await apiCall(api, "GET", `${CSRS}/eve`)).status, 404)
    assert.equal((await apiCall(api, "POST", CSRS, csr("jane", CLIENT, requests.devs!))).status, 201)
  })

  test("the plugin can be turned off by name", async () => {
    const off = await runApiServer(new MemoryStore(), {
      disableAdmissionPlugins: ["CertificateSubjectRestriction"],
    })
    try {
      assert.equal((await apiCall(off.api, "POST", CSRS, csr("eve", CLIENT, requests.masters!))).status, 201)
    } finally {
      off.stop()
    }
  })
})
