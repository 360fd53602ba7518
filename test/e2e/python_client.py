"""Drives the k8ts API server with Debian's python3-kubernetes (22.6). Exits non-zero on failure."""
import sys
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

config.load_kube_config(config_file=sys.argv[1])
core = client.CoreV1Api()
apps = client.AppsV1Api()
auto = client.AutoscalingV1Api()

names = [n.metadata.name for n in core.list_namespace().items]
assert "kube-system" in names, names

cm = core.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-a", labels={"app": "py"}), data={"k": "v"}))
assert cm.metadata.uid
got = core.read_namespaced_config_map("py-a", "default")
assert got.data == {"k": "v"}, got.data
listed = core.list_namespaced_config_map("default", label_selector="app=py")
assert [c.metadata.name for c in listed.items] == ["py-a"]
empty = core.list_namespaced_secret("default", label_selector="nothing=here")
assert empty.items == [], empty.items

# Typed patch with a dict body is sent as a strategic merge patch; a list body as a JSON patch.
core.patch_namespaced_config_map("py-a", "default", [{"op": "add", "path": "/data/j", "value": "1"}])
assert core.read_namespaced_config_map("py-a", "default").data["j"] == "1"

stale = core.read_namespaced_config_map("py-a", "default")
core.replace_namespaced_config_map("py-a", "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-a", resource_version=stale.metadata.resource_version), data={"k": "2"}))
try:
    core.replace_namespaced_config_map("py-a", "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-a", resource_version=stale.metadata.resource_version), data={"k": "3"}))
    raise AssertionError("stale replace was accepted")
except ApiException as e:
    assert e.status == 409, e.status

try:
    core.read_namespaced_pod("nope", "default")
    raise AssertionError("missing pod was found")
except ApiException as e:
    assert e.status == 404, e.status

dep = apps.create_namespaced_deployment("default", client.V1Deployment(
    metadata=client.V1ObjectMeta(name="py-web"),
    spec=client.V1DeploymentSpec(
        replicas=2,
        selector=client.V1LabelSelector(match_labels={"app": "py-web"}),
        template=client.V1PodTemplateSpec(
            metadata=client.V1ObjectMeta(labels={"app": "py-web"}),
            spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="nginx")])))))
assert dep.metadata.generation == 1
rs = apps.create_namespaced_replica_set("default", client.V1ReplicaSet(
    metadata=client.V1ObjectMeta(name="py-rs"),
    spec=client.V1ReplicaSetSpec(
        replicas=1,
        selector=client.V1LabelSelector(match_labels={"app": "py-rs"}),
        template=client.V1PodTemplateSpec(
            metadata=client.V1ObjectMeta(labels={"app": "py-rs"}),
            spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="busybox")])))))
assert rs.status.replicas == 0
scale = apps.read_namespaced_deployment_scale("py-web", "default")
assert scale.spec.replicas == 2

hpa = auto.create_namespaced_horizontal_pod_autoscaler("default", client.V1HorizontalPodAutoscaler(
    metadata=client.V1ObjectMeta(name="py-hpa"),
    spec=client.V1HorizontalPodAutoscalerSpec(
        scale_target_ref=client.V1CrossVersionObjectReference(api_version="apps/v1", kind="Deployment", name="py-web"),
        min_replicas=1, max_replicas=5, target_cpu_utilization_percentage=60)))
assert hpa.spec.target_cpu_utilization_percentage == 60
assert hpa.status.current_replicas == 0

# A watch from the list's resourceVersion sees the next change.
rv = core.list_namespaced_config_map("default").metadata.resource_version
core.delete_namespaced_config_map("py-a", "default")
w = watch.Watch()
events = []
for ev in w.stream(core.list_namespaced_config_map, "default", resource_version=rv, timeout_seconds=5):
    events.append((ev["type"], ev["object"].metadata.name))
    if ev["type"] == "DELETED":
        w.stop()
assert ("DELETED", "py-a") in events, events

# A TokenRequest for a service account, and the token alone authenticating a read.
core.create_namespaced_service_account("default", client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="py-sa")))
tr = core.create_namespaced_service_account_token("py-sa", "default", client.AuthenticationV1TokenRequest(
    spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=900)))
assert tr.status.token.count(".") == 2, tr.status.token
assert tr.status.expiration_timestamp is not None
cfg = client.Configuration.get_default_copy()
token_cfg = client.Configuration(host=cfg.host, api_key={"authorization": tr.status.token}, api_key_prefix={"authorization": "Bearer"})
token_cfg.ssl_ca_cert = cfg.ssl_ca_cert
token_core = client.CoreV1Api(client.ApiClient(token_cfg))
assert token_core.list_namespaced_service_account("default").items[0].metadata.name == "py-sa"

print("python client: all checks passed")
