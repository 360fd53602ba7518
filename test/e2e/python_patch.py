"""Strategic merge and server-side apply from Debian's python3-kubernetes. Exits non-zero on failure."""
import json
import sys
from kubernetes import client, config, dynamic
from kubernetes.client.rest import ApiException

config.load_kube_config(config_file=sys.argv[1])
apps = client.AppsV1Api()

apps.create_namespaced_deployment("default", client.V1Deployment(
    metadata=client.V1ObjectMeta(name="py-smp"),
    spec=client.V1DeploymentSpec(
        replicas=1,
        selector=client.V1LabelSelector(match_labels={"app": "py-smp"}),
        template=client.V1PodTemplateSpec(
            metadata=client.V1ObjectMeta(labels={"app": "py-smp"}),
            spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="nginx")])))))

# A dict body is sent as a strategic merge patch: containers merge by name.
apps.patch_namespaced_deployment("py-smp", "default", {"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "redis"}]}}}})
got = apps.read_namespaced_deployment("py-smp", "default")
assert [c.name for c in got.spec.template.spec.containers] == ["side", "web"], got.spec.template.spec.containers

dyn = dynamic.DynamicClient(client.ApiClient())
deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
dyn.patch(deployments, {"metadata": {"name": "py-smp", "finalizers": ["a/b"]}, "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:2"}]}}}}, namespace="default")
got = dyn.get(deployments, "py-smp", "default")
assert [c["image"] for c in got.spec.template.spec.containers] == ["redis", "nginx:2"], got.spec.template.spec.containers
dyn.patch(deployments, {"metadata": {"name": "py-smp", "$deleteFromPrimitiveList/finalizers": ["a/b"]}}, namespace="default")
assert not dyn.get(deployments, "py-smp", "default").metadata.finalizers

if "apply" in sys.argv[2:]:
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "py-ssa"}, "data": {"a": "1"}}
    # This client sends an apply body only when given it serialized.
    created = dyn.server_side_apply(cms, json.dumps(body), name="py-ssa", namespace="default", field_manager="py")
    created = created.to_dict()
    assert created["data"] == {"a": "1"}, created
    entries = [(m["manager"], m["operation"]) for m in created["metadata"]["managedFields"]]
    assert entries == [("py", "Apply")], entries
    other = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "py-ssa"}, "data": {"a": "2"}}
    try:
        dyn.server_side_apply(cms, json.dumps(other), name="py-ssa", namespace="default", field_manager="other")
        raise AssertionError("conflicting apply was accepted")
    except ApiException as e:
        assert e.status == 409, e.status
    forced = dyn.server_side_apply(cms, json.dumps(other), name="py-ssa", namespace="default", field_manager="other", force_conflicts=True)
    assert forced.to_dict()["data"] == {"a": "2"}, forced

print("python patch: all checks passed")
