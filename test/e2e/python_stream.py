"""Exec and port-forward through the k8ts API server with Debian's python3-kubernetes
`stream` and `portforward` (WebSocket v4.channel.k8s.io). argv: kubeconfig, a shell pod, a web
pod. Exits non-zero on failure."""
import sys
from kubernetes import client, config
from kubernetes.stream import portforward, stream

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
pf = portforward(core.connect_get_namespaced_pod_portforward, sys.argv[3], "default", ports="80")
sock = pf.socket(80)
sock.setblocking(True)
sock.sendall(b"GET / HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n")
page = b""
while True:
    chunk = sock.recv(65536)
    if not chunk:
        break
    page += chunk
sock.close()
assert b"Welcome to nginx!" in page, page
assert pf.error(80) is None, pf.error(80)

print("all checks passed")
