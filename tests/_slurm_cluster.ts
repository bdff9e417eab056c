/**
 * A private single-node Slurm cluster for one test: its own munge key and
 * socket, its own `slurm.conf` on free ports, `munged`, `slurmctld` and
 * `slurmd` as child processes of the test, and every file (state, spool,
 * logs, PID files) in one temporary folder. Nothing under `/etc` or `/run`
 * is read or changed, so it neither needs nor disturbs a system cluster.
 *
 * The recipe is the one in ENVIRONMENT.md ("A real Slurm cluster on one
 * machine"), for Debian's `slurm-wlm` and `munge` 22.05, run as root. The
 * daemons are stopped by their own PIDs; a failed start stops whatever did
 * start before it throws; and should the test process die without stopping
 * the cluster (Ctrl-C, a crash), a watchdog shell cancels the jobs, stops the
 * daemons and removes the folder within seconds.
 *
 * @module
 */
import { join } from "node:path";
import { exists } from "./helpers.ts";

/** The programs the cluster needs, by the name the error message uses. */
const DAEMONS = {
  munged: "/usr/sbin/munged",
  mungekey: "/usr/sbin/mungekey",
  slurmctld: "/usr/sbin/slurmctld",
  slurmd: "/usr/sbin/slurmd",
} as const;

/** Client commands, looked up on PATH. */
const CLIENTS = ["sbatch", "sinfo", "squeue", "scontrol", "scancel"] as const;

/** The states after which a job or array task no longer changes. */
const FINAL_STATES = new Set([
  "BOOT_FAIL",
  "CANCELLED",
  "COMPLETED",
  "DEADLINE",
  "FAILED",
  "NODE_FAIL",
  "OUT_OF_MEMORY",
  "PREEMPTED",
  "TIMEOUT",
]);

/** A running private cluster (see {@link startSlurmCluster}). */
export interface SlurmCluster {
  /** The temporary folder holding the configuration, state, spool and logs. */
  dir: string;
  /** The `slurm.conf` every daemon and client command reads. */
  conf: string;
  /** The environment for client commands and scripts that call them (`SLURM_CONF` set). */
  env: Record<string, string>;
  /** Runs a client command (`sbatch`, `squeue`…) against this cluster. */
  run(command: string, args: string[]): Promise<CommandResult>;
  /**
   * The state of every job and array task under the given job ids, as
   * "ID" or "ID_TASK" → state (e.g. "COMPLETED"), from `scontrol show job`.
   */
  jobStates(ids: string[]): Promise<Map<string, string>>;
  /**
   * Waits until every job and array task under `ids` has reached a final
   * state, and returns those states; throws after `timeoutMs` naming the
   * jobs still pending or running.
   */
  waitForJobs(ids: string[], timeoutMs: number): Promise<Map<string, string>>;
  /** The last lines of the daemons' logs, for an error message. */
  logs(): Promise<string>;
  /** Cancels every job, stops the daemons by their PIDs and removes {@link SlurmCluster.dir}. */
  stop(): Promise<void>;
}

/** The outcome of a finished command. */
export interface CommandResult {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/**
 * Why a private cluster cannot run here, or null when it can: not Linux, not
 * root (slurmd runs jobs as their user and needs root to do so), or a
 * program of `slurm-wlm` or `munge` missing.
 *
 * @example
 * ```ts
 * import { slurmAvailable } from "./_slurm_cluster.ts";
 *
 * const reason = await slurmAvailable();
 * console.log(reason === null ? "Slurm is usable" : `no Slurm: ${reason}`);
 * ```
 */
export async function slurmAvailable(): Promise<string | null> {
  if (Deno.build.os !== "linux") return `Slurm needs Linux, this is ${Deno.build.os}`;
  if (Deno.uid() !== 0) return `Slurm's daemons need root, this is uid ${Deno.uid()}`;
  const missing: string[] = [];
  for (const [name, path] of Object.entries(DAEMONS)) {
    if (!(await isExecutable(path))) missing.push(name);
  }
  for (const name of CLIENTS) {
    if ((await onPath(name)) === null) missing.push(name);
  }
  if (missing.length > 0) {
    return `${missing.join(", ")} not installed (apt-get install -y slurm-wlm munge)`;
  }
  return null;
}

/**
 * Starts a private cluster with one node of `cpus` CPUs (2 unless given) and
 * one partition, `main`, and waits until `sinfo` reports the node idle;
 * throws after `timeoutMs` (60 s unless given) with the daemons' logs. Call
 * {@link SlurmCluster.stop} in a `finally`.
 *
 * @example
 * ```ts ignore
 * import { startSlurmCluster } from "./_slurm_cluster.ts";
 *
 * const cluster = await startSlurmCluster();
 * try {
 *   const r = await cluster.run("sbatch", ["--parsable", "--wrap", "true"]);
 *   await cluster.waitForJobs([r.stdout.trim()], 30_000);
 * } finally {
 *   await cluster.stop();
 * }
 * ```
 */
export async function startSlurmCluster(
  options: { cpus?: number; timeoutMs?: number } = {},
): Promise<SlurmCluster> {
  const { cpus = 2, timeoutMs = 60_000 } = options;
  const reason = await slurmAvailable();
  if (reason !== null) throw new Error(`cannot start a Slurm cluster: ${reason}`);
  const dir = await Deno.makeTempDir({ prefix: "lab-slurm-" });
  const cluster = new Cluster(dir);
  try {
    await cluster.start(cpus, timeoutMs);
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/** A daemon this process started. */
interface Daemon {
  name: string;
  child: Deno.ChildProcess;
}

class Cluster implements SlurmCluster {
  readonly conf: string;
  readonly env: Record<string, string>;
  readonly #daemons: Daemon[] = [];
  #stopped = false;
  #janitor: Deno.ChildProcess | undefined;

  constructor(readonly dir: string) {
    this.conf = join(dir, "slurm.conf");
    this.env = { ...Deno.env.toObject(), SLURM_CONF: this.conf };
  }

  /** Writes the key and configuration, starts the three daemons and waits for an idle node. */
  async start(cpus: number, timeoutMs: number): Promise<void> {
    const dir = this.dir;
    // munged warns when its socket's folder is not searchable by everyone.
    await Deno.chmod(dir, 0o755);
    for (const sub of ["state", "spool", "log"]) await Deno.mkdir(join(dir, sub));
    const host = Deno.hostname().split(".")[0];
    const [ctldPort, slurmdPort] = freePorts(2);
    const socket = join(dir, "munge.socket");
    const key = join(dir, "munge.key");
    await mustRun(DAEMONS.mungekey, ["--create", "--keyfile", key]);
    await Deno.writeTextFile(
      this.conf,
      slurmConf({ dir, host, cpus, socket, ctldPort, slurmdPort }),
    );
    const munged = spawnDaemon(DAEMONS.munged, [
      "--foreground",
      "--force",
      `--socket=${socket}`,
      `--key-file=${key}`,
      `--pid-file=${join(dir, "munged.pid")}`,
      `--seed-file=${join(dir, "munged.seed")}`,
    ], { stderrLog: join(dir, "log/munged.log") });
    this.#daemons.push({ name: "munged", child: munged });
    const wait = { timeoutMs, daemons: this.#daemons, logs: () => this.logs() };
    await waitFor(async () => (await exists(socket)) || "no socket yet", {
      ...wait,
      what: "munged's socket",
    });
    for (const name of ["slurmctld", "slurmd"] as const) {
      this.#daemons.push({ name, child: spawnDaemon(DAEMONS[name], ["-D", "-f", this.conf]) });
    }
    this.#janitor = spawnJanitor(this);
    await waitFor(async () => {
      const r = await this.run("sinfo", ["--noheader", "--format=%T %E"]);
      const said = (r.stdout + r.stderr).trim().replaceAll("\n", " ");
      return (r.code === 0 && said === "idle none") || `sinfo said "${said}"`;
    }, { ...wait, what: "sinfo to report the node idle" });
  }

  run(command: string, args: string[]): Promise<CommandResult> {
    return runCommand(command, args, { env: this.env });
  }

  async jobStates(ids: string[]): Promise<Map<string, string>> {
    const states = new Map<string, string>();
    for (const id of ids) {
      const r = await this.run("scontrol", ["show", "job", "--oneliner", id]);
      if (r.code !== 0) throw new Error(`scontrol show job ${id}: ${r.stderr.trim()}`);
      for (const line of r.stdout.split("\n")) {
        const state = /\bJobState=(\S+)/.exec(line)?.[1];
        if (state === undefined) continue;
        // A pending rest of an array shows as one line, e.g. ArrayTaskId=1-2.
        const array = /\bArrayJobId=(\d+) ArrayTaskId=(\S+)/.exec(line);
        const job = /^JobId=(\d+)/.exec(line)?.[1];
        states.set(array ? `${array[1]}_${array[2]}` : job ?? id, state);
      }
    }
    return states;
  }

  async waitForJobs(ids: string[], timeoutMs: number): Promise<Map<string, string>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await this.jobStates(ids);
      const open = [...states].filter(([, s]) => !FINAL_STATES.has(s));
      if (states.size > 0 && open.length === 0) return states;
      if (Date.now() > deadline) {
        const shown = open.map(([job, s]) => `${job} ${s}`).join(", ");
        throw new Error(`Slurm jobs not finished after ${timeoutMs / 1000} s: ${shown}`);
      }
      await delay(500);
    }
  }

  logs(): Promise<string> {
    return daemonLogs(this.dir);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#janitor !== undefined) {
      this.#janitor.kill("SIGKILL");
      await this.#janitor.status;
    }
    try {
      // A job still running when the daemons stop would outlive them: cancel first.
      if (this.#daemons.length === 3) await cancelAll((c, a) => this.run(c, a));
    } finally {
      await this.#stopDaemons();
      await Deno.remove(this.dir, { recursive: true });
    }
  }

  /** The daemons' PIDs, last started first. */
  get pids(): number[] {
    return this.#daemons.map((d) => d.child.pid).reverse();
  }

  /** SIGTERM to each daemon by its PID, munged last (the others use it while they stop). */
  async #stopDaemons(): Promise<void> {
    for (const { name, child } of [...this.#daemons].reverse()) {
      try {
        child.kill("SIGTERM");
      } catch {
        continue; // it has exited already
      }
      if (!(await exitsWithin(child, 10_000))) {
        console.error(`${name} (pid ${child.pid}) ignored SIGTERM for 10 s; sending SIGKILL`);
        child.kill("SIGKILL");
        await child.status;
      }
    }
  }
}

/**
 * A watchdog for when this process dies without calling `stop()` (the test
 * runner exits on Ctrl-C without running `finally` blocks; a crash or
 * SIGKILL skips them too): a shell that notices it has a new parent, then
 * cancels the cluster's jobs, stops the daemons by their PIDs and removes the
 * folder. `stop()` kills it first. It ignores SIGINT and SIGHUP so that a
 * Ctrl-C sent to the whole terminal's process group leaves it to clean up.
 */
function spawnJanitor(cluster: Cluster): Deno.ChildProcess {
  const script = `
    parent=$1 dir=$2; shift 2
    trap '' INT HUP
    while read -r _ _ _ ppid _ < /proc/$$/stat && [ "$ppid" = "$parent" ]; do sleep 1; done
    timeout 10 scancel --user root >/dev/null 2>&1
    sleep 2
    kill "$@" 2>/dev/null
    sleep 3
    kill -9 "$@" 2>/dev/null
    rm -rf "$dir"
  `;
  return new Deno.Command("/bin/sh", {
    args: ["-c", script, "janitor", String(Deno.pid), cluster.dir, ...cluster.pids.map(String)],
    env: cluster.env,
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** The configuration: ENVIRONMENT.md's recipe with every path in `dir` and private ports. */
function slurmConf(o: {
  dir: string;
  host: string;
  cpus: number;
  socket: string;
  ctldPort: number;
  slurmdPort: number;
}): string {
  const { dir, host, cpus, socket, ctldPort, slurmdPort } = o;
  return [
    "ClusterName=labtest",
    // An explicit address, so that the test does not depend on the host name resolving.
    `SlurmctldHost=${host}(127.0.0.1)`,
    `SlurmctldPort=${ctldPort}`,
    `SlurmdPort=${slurmdPort}`,
    "SlurmUser=root",
    "SlurmdUser=root",
    "AuthType=auth/munge",
    "CredType=cred/munge",
    `AuthInfo=socket=${socket}`,
    "MpiDefault=none",
    "MailProg=/bin/true",
    "ProctrackType=proctrack/linuxproc",
    "TaskPlugin=task/none",
    "SelectType=select/cons_tres",
    "SelectTypeParameters=CR_Core",
    `StateSaveLocation=${dir}/state`,
    `SlurmdSpoolDir=${dir}/spool`,
    `SlurmctldPidFile=${dir}/slurmctld.pid`,
    `SlurmdPidFile=${dir}/slurmd.pid`,
    `SlurmctldLogFile=${dir}/log/slurmctld.log`,
    `SlurmdLogFile=${dir}/log/slurmd.log`,
    // Finished jobs stay visible to `scontrol show job` for the whole test.
    "MinJobAge=3600",
    "ReturnToService=2",
    `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} State=UNKNOWN`,
    `PartitionName=main Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
    "",
  ].join("\n");
}

/** Cancels every job of the cluster and waits (up to 20 s) for the queue to empty. */
async function cancelAll(run: (c: string, a: string[]) => Promise<CommandResult>): Promise<void> {
  await run("scancel", ["--user", "root"]);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const r = await run("squeue", ["--noheader", "--format=%i"]);
    if (r.code !== 0 || r.stdout.trim() === "") return;
    await delay(500);
  }
  console.error("Slurm jobs still queued 20 s after scancel; stopping the daemons anyway");
}

/**
 * Polls `ready` every 250 ms until it returns true (else it says what it
 * saw); throws when a daemon exits or after `timeoutMs`, with the logs.
 */
async function waitFor(
  ready: () => Promise<true | string>,
  o: {
    timeoutMs: number;
    what: string;
    daemons: Daemon[];
    logs: () => Promise<string>;
  },
): Promise<void> {
  const exited = new Map<string, number>();
  for (const { name, child } of o.daemons) {
    child.status.then((s) => exited.set(name, s.code));
  }
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const seen = await ready();
    if (seen === true) return;
    const gone = [...exited].map(([name, code]) => `${name} exited with code ${code}`);
    if (gone.length > 0) {
      throw new Error(`Slurm cluster: ${gone.join(", ")} while waiting for ${o.what}\n${await o
        .logs()}`);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Slurm cluster: no ${o.what} after ${o.timeoutMs / 1000} s (${seen})\n${await o.logs()}`,
      );
    }
    await delay(250);
  }
}

/** The last 15 lines of each daemon log in `dir/log`. */
async function daemonLogs(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const name of ["munged", "slurmctld", "slurmd"]) {
    try {
      const text = await Deno.readTextFile(join(dir, "log", `${name}.log`));
      parts.push(`--- ${name}.log\n${text.trimEnd().split("\n").slice(-15).join("\n")}`);
    } catch {
      parts.push(`--- ${name}.log: none`);
    }
  }
  return parts.join("\n");
}

/**
 * Starts a daemon in the foreground. Slurm's daemons write to the log files
 * their configuration names. munged in the foreground logs to stderr, and
 * holds back what it writes into a pipe, so its stderr is a file, `stderrLog`,
 * opened by a shell that then `exec`s the daemon (the PID stays the daemon's).
 */
function spawnDaemon(
  path: string,
  args: string[],
  options: { stderrLog?: string } = {},
): Deno.ChildProcess {
  const { stderrLog } = options;
  const [command, argv] = stderrLog === undefined
    ? [path, args]
    : ["/bin/sh", ["-c", 'log=$1; shift; exec "$@" 2>"$log"', "sh", stderrLog, path, ...args]];
  return new Deno.Command(command, { args: argv, stdin: "null", stdout: "null", stderr: "null" })
    .spawn();
}

/**
 * Runs `command` to its end, with exactly `env` as its environment when
 * given (the test's own otherwise) and in `cwd` when given.
 *
 * @example
 * ```ts
 * import { runCommand } from "./_slurm_cluster.ts";
 *
 * const r = await runCommand("bash", ["-c", "echo $0", "hello"]);
 * if (r.code !== 0 || r.stdout !== "hello\n") throw new Error(r.stderr);
 * ```
 */
export async function runCommand(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CommandResult> {
  const out = await new Deno.Command(command, {
    args,
    env: options.env ?? Deno.env.toObject(),
    clearEnv: true,
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** Runs a setup command and throws with its output when it fails. */
async function mustRun(command: string, args: string[]): Promise<void> {
  const r = await runCommand(command, args);
  if (r.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${r.code}: ${r.stderr.trim()}`);
  }
}

/** `count` distinct TCP ports that were free a moment ago. */
function freePorts(count: number): number[] {
  const listeners = Array.from({ length: count }, () => Deno.listen({ port: 0 }));
  const ports = listeners.map((l) => (l.addr as Deno.NetAddr).port);
  for (const l of listeners) l.close();
  return ports;
}

/** The full path of `name` on PATH, or null. */
async function onPath(name: string): Promise<string | null> {
  for (const folder of (Deno.env.get("PATH") ?? "").split(":")) {
    if (folder !== "" && (await isExecutable(join(folder, name)))) return join(folder, name);
  }
  return null;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    const info = await Deno.stat(path);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Whether `child` exits within `ms`; the timer is cleared either way. */
async function exitsWithin(child: Deno.ChildProcess, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([child.status.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
