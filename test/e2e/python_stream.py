"""Exec and port-forward through the k8ts API server with Debian's python3-kubernetes
`stream` and `portforward` (WebSocket v4.channel.k8s.io), and a followed log. argv: kubeconfig,
a shell pod, a web pod, a pod printing a line every 0.2 s. Exits non-zero on failure."""
import re
import sys
from kubernetes import client, config
from kubernetes.client.rest import ApiException
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

# The client sends follow=True and timestamps=True (Python's spelling of booleans): the log
# goes on past what was written when it was asked for, each line stamped.
resp = core.read_namespaced_pod_log(sys.argv[4], "default", follow=True, timestamps=True,
                                    tail_lines=1, _preload_content=False)
lines, rest = [], b""
for chunk in resp.stream(64):
    rest += chunk
    *done, rest = rest.split(b"\n")
    lines += [l.decode() for l in done]
    if len(lines) >= 4:
        break
resp.release_conn()
assert len(lines) >= 4, lines
for line in lines:
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z tick \d+$", line), line

try:
    core.read_namespaced_pod_log(sys.argv[4], "default", tail_lines=-1)
    raise AssertionError("a negative tail_lines was taken")
except ApiException as e:
    assert e.status == 422, e
    assert "tailLines: Invalid value: -1: must be greater than or equal to 0" in e.body, e.body

print("all checks passed")
