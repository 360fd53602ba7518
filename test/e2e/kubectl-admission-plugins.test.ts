/**
 * Three admission plugins kube-apiserver runs by default, driven by the real kubectl v1.35 and
 * checked against upstream's words: CertificateSubjectRestriction refuses a kube-apiserver-client
 * CSR for system:masters at create, DefaultIngressClass gives `kubectl create ingress` the
 * (newest) default IngressClass, and RuntimeClass gives pods their class's overhead and
 * scheduling or refuses them.
 */
import assert from "node:assert/strict"
import { before, describe, test } from "node:test"
import { kubectlSession, makeCsr, testApiServer } from "../../src/testing/index.ts"

const server = testApiServer()
const { k, ok, getJson, file } = kubectlSession(server)

/** Runs kubectl expecting a refusal; returns its stderr, trimmed. */
async function refused(...args: string[]): Promise<string> {
  const r = await k(...args)
  assert.notEqual(r.code, 0, `kubectl ${args.join(" ")} succeeded: ${r.stdout}`)
  return r.stderr.trim()
}

function csrYaml(name: string, request: string, signerName: string): string {
  return `apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: ${name}
spec:
  request: ${request}
  signerName: ${signerName}
  usages: ["client auth"]
`
}

describe("CertificateSubjectRestriction", () => {
  test("a kube-apiserver-client request for system:masters is refused at create", async () => {
    const csr = await makeCsr("CN=eve, O=devs, O=system:masters")
    const path = file("eve.yaml", csrYaml("eve", csr.request, "kubernetes.io/kube-apiserver-client"))
    assert.equal(
      await refused("create", "-f", path),
      `Error from server (Forbidden): error when creating "${path}": ` +
        'certificatesigningrequests.certificates.k8s.io "eve" is forbidden: ' +
        "use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed",
    )
    const got = await k("get", "csr", "eve")
    assert.match(got.stderr, /certificatesigningrequests.certificates.k8s.io "eve" not found/)
    // Another signer, or another organization, is created as before.
    const other = file("eve-other.yaml", csrYaml("eve-other", csr.request, "example.com/signer"))
    assert.match(
      await ok("create", "-f", other),
      /certificatesigningrequest.certificates.k8s.io\/eve-other created/,
    )
    const jane = await makeCsr("CN=jane, O=devs")
    const janePath = file("jane.yaml", csrYaml("jane", jane.request, "kubernetes.io/kube-apiserver-client"))
    assert.match(
      await ok("create", "-f", janePath),
      /certificatesigningrequest.certificates.k8s.io\/jane created/,
    )
  })
})

function ingressClassYaml(name: string, isDefault: boolean): string {
  return `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: ${name}
  annotations:
    ingressclass.kubernetes.io/is-default-class: "${isDefault}"
spec:
  controller: example.com/${name}
`
}

describe("DefaultIngressClass", () => {
  test("kubectl create ingress without --class gets the default IngressClass, the newest of two", async () => {
    await ok("apply", "-f", file("ic-none.yaml", ingressClassYaml("not-default", false)))
    await ok("create", "ingress", "before", "--rule=a.example.com/=web:80")
    assert.equal(await ok("get", "ingress", "before", "-o", "jsonpath={.spec.ingressClassName}"), "")

    await ok("apply", "-f", file("ic-old.yaml", ingressClassYaml("a-old", true)))
    await ok("create", "ingress", "first", "--rule=a.example.com/=web:80")
    assert.equal(await ok("get", "ingress", "first", "-o", "jsonpath={.spec.ingressClassName}"), "a-old")
    // creationTimestamp has seconds: the second default class is a second younger, so it wins by
    // age, not by name (a tie would go to a-old).
    await new Promise((r) => setTimeout(r, 1100))
    await ok("apply", "-f", file("ic-new.yaml", ingressClassYaml("b-new", true)))
    await ok("create", "ingress", "second", "--rule=b.example.com/=web:80")
    const table = await ok("get", "ingress")
    assert.match(table, /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\s*$/m)
    assert.match(table, /^before\s+<none>\s+a\.example\.com\s+80\s+/m)
    assert.match(table, /^first\s+a-old\s+a\.example\.com\s+80\s+/m)
    assert.match(table, /^second\s+b-new\s+b\.example\.com\s+80\s+/m)
  })

  test("an explicit class, or the legacy annotation, is left alone", async () => {
    await ok("create", "ingress", "named", "--class=not-default", "--rule=c.example.com/=web:80")
    assert.equal(
      await ok("get", "ingress", "named", "-o", "jsonpath={.spec.ingressClassName}"),
      "not-default",
    )
    await ok(
      "create",
      "ingress",
      "legacy",
      "--annotation=kubernetes.io/ingress.class=nginx",
      "--rule=d.example.com/=web:80",
    )
    const legacy = await getJson("ingress", "legacy")
    assert.equal(legacy.spec.ingressClassName, undefined)
    assert.equal(legacy.metadata.annotations["kubernetes.io/ingress.class"], "nginx")
  })
})

function podYaml(name: string, spec: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  containers:
  - name: app
    image: busybox
${spec}`
}

describe("RuntimeClass admission", () => {
  before(async () => {
    await ok(
      "apply",
      "-f",
      file(
        "runtimeclasses.yaml",
        `apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: kata
handler: kata
overhead:
  podFixed:
    cpu: 250m
    memory: 120Mi
scheduling:
  nodeSelector:
    sandbox: kata
  tolerations:
  - key: sandbox
    operator: Equal
    value: kata
    effect: NoSchedule
---
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: runc
handler: runc
`,
      ),
    )
  })

  test("kubectl get runtimeclass lists the classes", async () => {
    const table = await ok("get", "runtimeclass")
    assert.match(table, /^NAME\s+HANDLER\s+AGE\s*$/m)
    assert.match(table, /^kata\s+kata\s+\S+\s*$/m)
  })

  test("a pod gets its class's overhead, nodeSelector and tolerations", async () => {
    await ok(
      "create",
      "-f",
      file(
        "kata-pod.yaml",
        podYaml("kata-pod", "  runtimeClassName: kata\n  nodeSelector:\n    disk: ssd\n"),
      ),
    )
    const pod = await getJson("pod", "kata-pod")
    assert.deepEqual(pod.spec.overhead, { cpu: "250m", memory: "120Mi" })
    assert.deepEqual(pod.spec.nodeSelector, { disk: "ssd", sandbox: "kata" })
    // After DefaultTolerationSeconds' two, as upstream's plugin order has them.
    assert.deepEqual(
      pod.spec.tolerations.map((t: any) => `${t.key}:${t.operator}:${t.value ?? ""}:${t.effect}`),
      [
        "node.kubernetes.io/not-ready:Exists::NoExecute",
        "node.kubernetes.io/unreachable:Exists::NoExecute",
        "sandbox:Equal:kata:NoSchedule",
      ],
    )
  })

  test("a missing class, a nodeSelector conflict and a foreign overhead are refused in upstream's words", async () => {
    const cases: [string, string, string][] = [
      ["missing", "  runtimeClassName: gvisor\n", 'pod rejected: RuntimeClass "gvisor" not found'],
      [
        "conflict",
        "  runtimeClassName: kata\n  nodeSelector:\n    sandbox: runc\n",
        "conflict: runtimeClass.scheduling.nodeSelector[sandbox] = kata; pod.spec.nodeSelector[sandbox] = runc",
      ],
      [
        "mismatch",
        "  runtimeClassName: kata\n  overhead:\n    cpu: 1\n",
        "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead",
      ],
      [
        "no-class",
        "  overhead:\n    cpu: 1\n",
        "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead",
      ],
      [
        "class-without-overhead",
        "  runtimeClassName: runc\n  overhead:\n    cpu: 1\n",
        "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead",
      ],
    ]
    for (const [name, spec, message] of cases) {
      const path = file(`${name}.yaml`, podYaml(name, spec))
      assert.equal(
        await refused("create", "-f", path),
        `Error from server (Forbidden): error when creating "${path}": pods "${name}" is forbidden: ${message}`,
      )
    }
    assert.match((await k("get", "pod", "missing")).stderr, /pods "missing" not found/)
  })

  test("a pod naming its class's overhead is created", async () => {
    const spec = "  runtimeClassName: kata\n  overhead:\n    cpu: 250m\n    memory: 120Mi\n"
    await ok("create", "-f", file("same.yaml", podYaml("same", spec)))
    assert.equal(await ok("get", "pod", "same", "-o", "jsonpath={.spec.overhead.cpu}"), "250m")
  })
})
