"""Exec through the k8ts API server with Debian's python3-kubernetes `stream` (WebSocket
v4.channel.k8s.io). argv: kubeconfig, pod name. Exits non-zero on failure."""
import sys
from kubernetes import client, config
from kubernetes.stream import stream

config.load_kube_config(config_file=sys.argv[1])
core = client.CoreV1Api()
pod = sys.argv[2]

out = stream(core.connect_get_namespaced_pod_exec, pod, "default",
             command=["sh", "-c", "echo hi"], stderr=True, stdin=False, stdout=True, tty=False)
assert out == "hi\n", repr(out)

resp = stream(core.connect_get_namespaced_pod_exec, pod, "default",
              command=["sh", "-c", "read x; echo got $x; echo oops >&2; exit 5"],
              stderr=True, stdin=True, stdout=True, tty=False, _preload_content=False)
resp.write_stdin("py\n")
stdout, stderr = "", ""
while resp.is_open():
    resp.update(timeout=5)
    stdout += resp.read_stdout()
    stderr += resp.read_stderr()
assert stdout == "got py\n", repr(stdout)
assert stderr == "oops\n", repr(stderr)
assert resp.returncode == 5, resp.returncode
print("all checks passed")
