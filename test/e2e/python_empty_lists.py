"""Lists written empty, read back by Debian's python3-kubernetes. Exits non-zero on failure.

Its models refuse a null in a field upstream's OpenAPI marks required ("Invalid value for
`limits`, must not be `None`"), failing the whole response, a list's included."""
import sys
from kubernetes import client, config

config.load_kube_config(config_file=sys.argv[1])
core = client.CoreV1Api()
storage = client.StorageV1Api()

core.create_namespaced_limit_range("default", client.V1LimitRange(
    metadata=client.V1ObjectMeta(name="py-no-limits"), spec=client.V1LimitRangeSpec(limits=[])))
got = core.read_namespaced_limit_range("py-no-limits", "default")
assert got.spec.limits == [], got.spec
listed = core.list_namespaced_limit_range("default")
assert [(i.metadata.name, i.spec.limits) for i in listed.items] == [("py-no-limits", [])], listed.items

storage.create_csi_node(client.V1CSINode(
    metadata=client.V1ObjectMeta(name="py-no-drivers"), spec=client.V1CSINodeSpec(drivers=[])))
assert storage.read_csi_node("py-no-drivers").spec.drivers == []
assert "py-no-drivers" in [i.metadata.name for i in storage.list_csi_node().items]

print("python empty lists: all checks passed")
