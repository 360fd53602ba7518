import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { BUILTIN_RESOURCES, schema } from "../../api/index.ts"
import { documentPath, OpenApiDocuments } from "./documents.ts"

const docs = new OpenApiDocuments(BUILTIN_RESOURCES)

function parse(body: Buffer): any {
  return JSON.parse(body.toString("utf8"))
}

function v3(path: string): any {
  const d = docs.v3(path)
  assert.ok(d, `no document at ${path}`)
  return parse(d.body)
}

/** Every `$ref` string anywhere in `value`. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, out)
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") out.push(v)
      else refs(v, out)
    }
  }
  return out
}

const GROUP_VERSIONS = [...new Set(BUILTIN_RESOURCES.map((r) => documentPath(r.group, r.version)))]

describe("OpenApiDocuments", () => {
  test("the index names every served group version by its document's hash", () => {
    const index = parse(docs.index().body)
    assert.deepEqual(Object.keys(index.paths).sort(), [...GROUP_VERSIONS].sort())
    for (const gv of GROUP_VERSIONS) {
      assert.equal(index.paths[gv].serverRelativeURL, `/openapi/v3/${gv}?hash=${docs.v3(gv)?.hash}`)
    }
    assert.match(docs.v3("api/v1")?.hash ?? "", /^[0-9A-F]{128}$/)
  })

  for (const gv of GROUP_VERSIONS) {
    test(`${gv}: every $ref resolves within the document`, () => {
      const doc = v3(gv)
      assert.equal(doc.openapi, "3.0.0")
      const schemas = doc.components.schemas
      for (const ref of refs(doc)) {
        assert.ok(ref.startsWith("#/components/schemas/"), ref)
        assert.ok(schemas[ref.slice("#/components/schemas/".length)], `${gv}: dangling ${ref}`)
      }
    })
  }

  test("every resource's PATCH carries its group-version-kind and fieldValidation", () => {
    for (const r of BUILTIN_RESOURCES) {
      if (!r.verbs.includes("patch")) continue
      const doc = v3(documentPath(r.group, r.version))
      const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`
      const path = r.namespaced
        ? `${base}/namespaces/{namespace}/${r.resource}/{name}`
        : `${base}/${r.resource}/{name}`
      const patch = doc.paths[path]?.patch
      assert.ok(patch, `${path}: no patch`)
      assert.deepEqual(patch["x-kubernetes-group-version-kind"], {
        group: r.group,
        version: r.version,
        kind: r.kind,
      })
      assert.equal(patch["x-kubernetes-action"], "patch")
      assert.ok(patch.parameters.some((p: any) => p.name === "fieldValidation" && p.in === "query"))
      const def = schema.definitionOf(r.group, r.version, r.kind) as string
      assert.deepEqual(doc.components.schemas[def]["x-kubernetes-group-version-kind"], [
        { group: r.group, kind: r.kind, version: r.version },
      ])
    }
  })

  test("operations have upstream's ids and actions", () => {
    const apps = v3("apis/apps/v1")
    const ns = "/apis/apps/v1/namespaces/{namespace}/deployments"
    assert.equal(apps.paths[ns].get.operationId, "listAppsV1NamespacedDeployment")
    assert.equal(apps.paths[ns].post.operationId, "createAppsV1NamespacedDeployment")
    assert.equal(apps.paths[ns].delete.operationId, "deleteAppsV1CollectionNamespacedDeployment")
    assert.equal(apps.paths[`${ns}/{name}/status`].put.operationId, "replaceAppsV1NamespacedDeploymentStatus")
    const scale = apps.paths[`${ns}/{name}/scale`].patch
    assert.equal(scale.operationId, "patchAppsV1NamespacedDeploymentScale")
    assert.deepEqual(scale["x-kubernetes-group-version-kind"], {
      group: "autoscaling",
      version: "v1",
      kind: "Scale",
    })
    assert.equal(
      apps.paths["/apis/apps/v1/deployments"].get.operationId,
      "listAppsV1DeploymentForAllNamespaces",
    )
    assert.equal(
      apps.paths["/apis/apps/v1/watch/namespaces/{namespace}/deployments"].get["x-kubernetes-action"],
      "watchlist",
    )
    const core = v3("api/v1")
    assert.equal(
      core.paths["/api/v1/namespaces/{namespace}/pods/{name}/eviction"].post.operationId,
      "createCoreV1NamespacedPodEviction",
    )
    assert.equal(
      core.paths["/api/v1/namespaces/{namespace}/pods/{name}/exec"].get.operationId,
      "connectCoreV1GetNamespacedPodExec",
    )
    assert.equal(core.paths["/api/v1/nodes/{name}"].get.operationId, "readCoreV1Node")
    const rbac = v3("apis/rbac.authorization.k8s.io/v1")
    assert.deepEqual(rbac.paths["/apis/rbac.authorization.k8s.io/v1/clusterroles"].get.tags, [
      "rbacAuthorization_v1",
    ])
  })

  test("schemas carry patch strategies, merge keys, list types and special forms", () => {
    const s = v3("apis/apps/v1").components.schemas
    const podSpec = s["io.k8s.api.core.v1.PodSpec"].properties
    assert.equal(podSpec.containers["x-kubernetes-patch-merge-key"], "name")
    assert.equal(podSpec.containers["x-kubernetes-patch-strategy"], "merge")
    assert.equal(podSpec.containers["x-kubernetes-list-type"], "map")
    assert.deepEqual(podSpec.containers["x-kubernetes-list-map-keys"], ["name"])
    assert.deepEqual(podSpec.containers.items, { $ref: "#/components/schemas/io.k8s.api.core.v1.Container" })
    // Required as upstream's OpenAPI has it (kubernetes-types' declarations), not only the table's.
    assert.deepEqual(s["io.k8s.api.core.v1.PodSpec"].required, ["containers"])
    assert.deepEqual(s["io.k8s.api.core.v1.Container"].required, ["name"])
    // A struct default only where {} is valid.
    assert.deepEqual(s["io.k8s.api.core.v1.PodTemplateSpec"].properties.metadata.default, {})
    assert.equal(podSpec.volumes["x-kubernetes-patch-strategy"], "merge,retainKeys")
    const strategy = s["io.k8s.api.apps.v1.DeploymentSpec"].properties.strategy
    assert.equal(strategy["x-kubernetes-patch-strategy"], "retainKeys")
    assert.deepEqual(strategy.allOf, [{ $ref: "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy" }])
    assert.deepEqual(s["io.k8s.api.apps.v1.DeploymentSpec"].required, ["selector", "template"])
    assert.deepEqual(s["io.k8s.apimachinery.pkg.util.intstr.IntOrString"].oneOf, [
      { type: "integer" },
      { type: "string" },
    ])
    assert.equal(s["io.k8s.apimachinery.pkg.util.intstr.IntOrString"].format, "int-or-string")
    assert.equal(s["io.k8s.apimachinery.pkg.apis.meta.v1.Time"].format, "date-time")
    assert.deepEqual(s["io.k8s.apimachinery.pkg.api.resource.Quantity"].oneOf, [
      { type: "string" },
      { type: "number" },
    ])
    // Inlined structs: a volume's sources are its own properties.
    const volume = s["io.k8s.api.core.v1.Volume"].properties
    assert.ok(volume.emptyDir && volume.configMap && !volume.volumeSource)
    assert.ok(s["io.k8s.api.core.v1.Probe"].properties.httpGet)
    const deployment = s["io.k8s.api.apps.v1.Deployment"]
    assert.equal(deployment.properties.apiVersion.type, "string")
    assert.match(deployment.description, /Deployment enables declarative updates/)
    const deleteGvks =
      s["io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"]["x-kubernetes-group-version-kind"]
    assert.ok(deleteGvks.some((g: any) => g.group === "apps" && g.version === "v1"))
    assert.ok(deleteGvks.some((g: any) => g.group === "" && g.version === "v1"))
  })

  test("the Swagger 2.0 document has every definition its $refs name", () => {
    const v2 = parse(docs.v2().body)
    assert.equal(v2.swagger, "2.0")
    for (const ref of refs(v2)) {
      assert.ok(ref.startsWith("#/definitions/"), ref)
      assert.ok(v2.definitions[ref.slice("#/definitions/".length)], `dangling ${ref}`)
    }
    const patch = v2.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"].patch
    assert.ok(patch.parameters.some((p: any) => p.name === "fieldValidation" && p.type === "string"))
    assert.deepEqual(patch.parameters[0], {
      in: "body",
      name: "body",
      required: true,
      schema: { $ref: "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch" },
    })
    assert.equal(v2.definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"].type, "string")
    assert.equal(
      v2.definitions["io.k8s.api.apps.v1.DeploymentSpec"].properties.strategy.$ref,
      "#/definitions/io.k8s.api.apps.v1.DeploymentStrategy",
    )
  })

  test("documents are built once", () => {
    assert.equal(docs.v3("api/v1"), docs.v3("api/v1"))
    assert.equal(docs.index(), docs.index())
  })
})
