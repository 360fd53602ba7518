/**
 * The kubelet's only view of containers, shaped like the CRI but only as wide as the kubelet
 * needs: a pod is a sandbox (its own address, shared by its containers), containers run inside
 * it, and `list` is the actual state the kubelet reconciles against.
 */
import type { Readable, Writable } from "node:stream"

/** What a sandbox is made for. */
export interface SandboxConfig {
  readonly podUid: string
  readonly namespace: string
  readonly name: string
  readonly hostname: string
  /** Share the node's network namespace (spec.hostNetwork). */
  readonly hostNetwork?: boolean
  /** Share the node's PID namespace (spec.hostPID). */
  readonly hostPID?: boolean
  /** Share the node's IPC namespace (spec.hostIPC). */
  readonly hostIPC?: boolean
  /** One PID namespace for all the pod's containers (spec.shareProcessNamespace). */
  readonly shareProcessNamespace?: boolean
  /** The containers' hostPorts, forwarded from the node to the pod. */
  readonly portMappings?: readonly PortMapping[]
  /** Limits of the whole pod (the pod-level cgroup), when every container sets them. */
  readonly resources?: ResourceLimits
  /** The handler of the pod's RuntimeClass (CRI's runtime_handler); absent: the runtime's default. */
  readonly runtimeHandler?: string
}

/** A hostPort of a pod (from its containers' ports). */
export interface PortMapping {
  readonly containerPort: number
  readonly hostPort: number
  readonly protocol: "TCP" | "UDP" | "SCTP"
  /** The node address to listen on; all when absent. */
  readonly hostIP?: string
}

/** Compute resources of a container or pod, in the units the cgroups take. */
export interface ResourceLimits {
  /** CPU requested, in millicores (cpu.shares / cpu.weight). */
  readonly cpuRequestMilli?: number
  /** CPU limit, in millicores (the CFS quota). */
  readonly cpuLimitMilli?: number
  /** Memory limit, in bytes. */
  readonly memoryLimitBytes?: number
  /** The most processes (and threads) at once. */
  readonly pidsLimit?: number
}

/**
 * A file or directory of the node made visible in a container at `containerPath` (a volume
 * mount, or a file the kubelet manages such as /etc/hosts). `hostPath` already points at the
 * subPath when the mount has one.
 */
export interface Mount {
  readonly hostPath: string
  readonly containerPath: string
  readonly readOnly: boolean
}

/** A running pod sandbox. */
export interface Sandbox {
  readonly id: string
  readonly podUid: string
  /** The pod's address, which its containers share. */
  readonly ip: string
  /** The network namespace file its containers join (absent: the node's own network). */
  readonly netnsPath?: string
}

/** What a container is started from (the kubelet has resolved env and expansions). */
export interface ContainerConfig {
  readonly name: string
  readonly image: string
  readonly command: readonly string[]
  readonly args: readonly string[]
  readonly env: Readonly<Record<string, string>>
  readonly workingDir?: string
  /** Keep stdin open for attach (`stdin: true`). */
  readonly stdin?: boolean
  /** Close the container's stdin when the first attached client closes its own (`stdinOnce`). */
  readonly stdinOnce?: boolean
  /** Give the container a terminal (`tty: true`, as `kubectl run -it` asks). */
  readonly tty?: boolean
  /** Which start of this container in the pod this is (0 first). */
  readonly attempt: number
  /** Volumes and kubelet-managed files to show inside the container. */
  readonly mounts?: readonly Mount[]
  /** The container's own cgroup limits. */
  readonly resources?: ResourceLimits
  /**
   * Join the PID namespace of this running container of the same sandbox instead of having one
   * of its own (an ephemeral container's targetContainerName; CRI's NamespaceMode TARGET).
   * Runtimes whose containers share one PID namespace anyway ignore it.
   */
  readonly pidTargetId?: string
}

/** A container's state as the runtime knows it. */
export interface ContainerInfo {
  readonly id: string
  readonly sandboxId: string
  readonly podUid: string
  readonly name: string
  readonly image: string
  readonly attempt: number
  readonly state: "running" | "exited"
  /** Milliseconds since the epoch. */
  readonly startedAt: number
  readonly finishedAt?: number
  readonly exitCode?: number
  /** e.g. "Completed", "Error", "OOMKilled", "StartError". */
  readonly reason?: string
  /** What the runtime says of its exit (a StartError's error), as CRI's ContainerStatus.message. */
  readonly message?: string
  readonly pid?: number
  /** The file holding its output, in the CRI log format. */
  readonly logPath: string
  /**
   * What it was started with (CRI's ContainerStatus.mounts): a restarted kubelet finds the
   * termination-message file of a start it did not make among them.
   */
  readonly mounts?: readonly Mount[]
  /**
   * The limits it has (CRI's ContainerStatus.resources): those it was started with, as its last
   * updateResources changed them ({} when it was given none); absent when they are not known (a
   * container an older runtime started and saved without them).
   */
  readonly resources?: ResourceLimits
}

/** A container's resource usage as its cgroup counts it (all its processes, past and present). */
export interface ContainerUsage {
  /** CPU time used, in nanoseconds. */
  readonly cpuNanos: number
  /** Memory charged to it, page cache included. */
  readonly memoryBytes: number
  /** What the kubelet reports and evicts on: usage less inactive file pages. */
  readonly workingSetBytes: number
  /** Anonymous memory and swap cache. */
  readonly rssBytes: number
}

/** A container that could not be created: its waiting reason and message, as upstream reports. */
export class ContainerCreateError extends Error {
  override name = "ContainerCreateError"
  constructor(
    readonly reason: "ErrImagePull" | "InvalidImageName" | "CreateContainerError",
    message: string,
  ) {
    super(message)
  }
}

/** The exit code and reason of a container whose program could not start (containerd's). */
export const START_ERROR_EXIT = 128
export const START_ERROR_REASON = "StartError"

/**
 * A container that was created but whose program could not start (not found, not executable,
 * its root or working directory not set up): the runtime holds it exited, as containerd leaves
 * one whose task failed to start (exit code 128, reason StartError, the error as its message).
 */
export class ContainerStartError extends Error {
  override name = "ContainerStartError"
  constructor(readonly container: ContainerInfo) {
    super(container.message ?? "the container's process did not start")
  }
}

/** The container runtime interface. */
export interface ContainerRuntime {
  /** e.g. "process", "hollow"; the Node's containerRuntimeVersion is `<name>://<version>`. */
  readonly name: string
  readonly version: string
  /** Creates (or returns the existing) sandbox of a pod. */
  runSandbox(cfg: SandboxConfig): Promise<Sandbox>
  /** Stops the sandbox's containers at once and releases its address. */
  removeSandbox(id: string): Promise<void>
  /** The sandboxes it holds. */
  sandboxes(): Sandbox[]
  /**
   * Starts a container in a sandbox. @throws ContainerCreateError when it cannot be created,
   * ContainerStartError when its program cannot start (the container is then held exited)
   */
  start(sandbox: Sandbox, c: ContainerConfig): Promise<ContainerInfo>
  /** Stops a container: SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited. */
  stop(id: string, graceMs: number): Promise<void>
  /** Forgets an exited container and deletes its log. */
  remove(id: string): Promise<void>
  /** Every container it holds, running or exited. */
  list(): ContainerInfo[]
  /** One container it holds, running or exited (CRI's ContainerStatus); undefined when unknown. */
  container(id: string): ContainerInfo | undefined
  /** Runs `cmd` in the container's environment; resolves with its exit code and output. */
  exec(id: string, cmd: readonly string[], opts: ExecOptions): Promise<ExecResult>
  /**
   * Starts `cmd` in a running container with streams (kubectl exec): stdin when asked, a
   * terminal when `tty`. @throws Error when the container is not running or `cmd` cannot start
   */
  execStream(id: string, cmd: readonly string[], opts: StreamOptions): ProcessStreams
  /** Connects to a running container's own process (kubectl attach). @throws Error when not running */
  attach(id: string, opts: StreamOptions): ProcessStreams
  /**
   * Why containers cannot see their mounts at their containerPath (undefined, or absent: they
   * can); they still start, and the kubelet tells the pod which volumes are not mounted.
   */
  mountsUnavailable?(): string | undefined
  /**
   * Readies what container starts need before the first one (the process runtime launches its
   * shim spawner), as a node's runtime is up before pods arrive; optional.
   */
  warmUp?(): void
  /** The container's usage from its cgroup; undefined when it has none (the kubelet reads /proc). */
  usage?(id: string): ContainerUsage | undefined
  /**
   * Sets a running container's limits in place (CRI's UpdateContainerResources): those given
   * replace its own, the others stay; what list() and container() report follows. Absent where
   * the runtime cannot resize containers. @throws Error when it is not running or its limits
   * cannot be set
   */
  updateResources?(id: string, resources: ResourceLimits): Promise<void>
  /** Sets a sandbox's pod-level limits in place (the pod's cgroup), as updateResources a container's. */
  updateSandboxResources?(id: string, resources: ResourceLimits): Promise<void>
  /** Calls `listener` with the container whenever one exits. Returns how to stop listening. */
  onExit(listener: (c: ContainerInfo) => void): () => void
  /** Stops every container (the node is shutting down). */
  close(graceMs: number): Promise<void>
  /**
   * Lets go of the containers without stopping them (the kubelet restarts): the next runtime on
   * the same state adopts them. Absent, or where it cannot keep them, it stops them as close().
   */
  release?(graceMs: number): Promise<void>
}

/** A terminal's size in characters. */
export interface TerminalSize {
  readonly width: number
  readonly height: number
}

/** Options of ContainerRuntime.execStream and attach. */
export interface StreamOptions {
  readonly stdin: boolean
  readonly tty: boolean
}

/** A process's standard streams, as execStream and attach hand them out. */
export interface ProcessStreams {
  /** Absent when stdin was not asked for, or the container keeps none. */
  readonly stdin?: Writable
  readonly stdout: Readable
  /** Absent with a terminal: its output is merged into stdout. */
  readonly stderr?: Readable
  /** Sets the terminal's size (with a terminal only). */
  resize(size: TerminalSize): void
  /** Resolves with the exit code once the process has ended and its output was read. */
  readonly exited: Promise<number>
  /** Stops an exec'd process, or detaches from the container. */
  close(): void
}

/** Options of ContainerRuntime.exec. */
export interface ExecOptions {
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
}

/** What an exec produced. */
export interface ExecResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}
