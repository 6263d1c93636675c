// Child processes and ports for the benchmark: every process started here is tracked so that
// stopAll() (run on success, error, Ctrl-C and SIGTERM) leaves nothing behind.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

const running = new Set();
let stopping = false;
const OUTPUT_CAP_CHARS = 64 * 1024;

let pinning;
/** Proxy under test on CPU 0, wrk and upstream on CPU 1: needs taskset and two CPUs. */
export function canPin() {
  pinning ??= availableParallelism() >= 2 && hasCommand('taskset');
  return pinning;
}

export function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Installs a Debian package when `command` is missing; throws if it is still missing after. */
export function ensureCommand(command, aptPackage) {
  if (hasCommand(command)) return;
  console.log(`${command} is missing: apt-get install -y ${aptPackage}`);
  const install = () =>
    spawnSync('apt-get', ['install', '-y', aptPackage], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0;
  // A fresh machine has no package lists yet; update only when the first attempt needs it.
  if (!install()) spawnSync('apt-get', ['update'], { stdio: 'inherit' });
  if (!hasCommand(command) && !install()) throw new Error(`could not install ${aptPackage}`);
  if (!hasCommand(command)) throw new Error(`${aptPackage} installed but ${command} not found`);
}

/** A port that was free a moment ago on 127.0.0.1 (children need it before they listen). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns a tracked child, pinned to `cpu` when pinning is available. taskset execs the command,
 * so the pid is the command's own (what /proc/<pid>/status and signals need). `stdoutFile`: the
 * child writes its stdout straight into that file (created or truncated) instead of a pipe this
 * process reads; output() then holds stderr only.
 */
export function start(name, command, args, { cpu, env, cwd, stdoutFile } = {}) {
  if (stopping) throw new Error(`not starting ${name}: the benchmark is stopping`);
  const [file, argv] =
    canPin() && cpu !== undefined
      ? ['taskset', ['-c', String(cpu), command, ...args]]
      : [command, args];
  const stdoutFd = stdoutFile === undefined ? undefined : openSync(stdoutFile, 'w');
  let child;
  try {
    child = spawn(file, argv, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
    });
  } finally {
    // The child has its own copy of the descriptor once spawned.
    if (stdoutFd !== undefined) closeSync(stdoutFd);
  }
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-OUTPUT_CAP_CHARS);
  };
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const handle = {
    name,
    child,
    pid: child.pid,
    exitCode: undefined,
    stdoutFile,
    output: () => output,
    exited: new Promise((resolve) => {
      child.once('error', (error) => {
        keep(`${error.message}\n`);
        resolve((handle.exitCode = -1));
      });
      child.once('close', (code, signal) => resolve((handle.exitCode = code ?? signal)));
    }),
  };
  running.add(handle);
  handle.exited.then(() => running.delete(handle));
  return handle;
}

/** Polls until `port` accepts a TCP connection; fails early if the child exits. */
export async function waitForPort(port, handle, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (handle.exitCode !== undefined) {
      const output = handle.output();
      throw new Error(
        `${handle.name} exited (${handle.exitCode}): ${lastWord(output)}\n${tail(output)}`,
      );
    }
    if (await accepts(port)) return;
    await sleep(100);
  }
  throw new Error(`${handle.name} did not listen on ${port} within ${timeoutMs} ms`);
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** SIGTERM, then SIGKILL whatever is still up after `graceMs`. */
export async function stop(handle, graceMs = 3000) {
  if (handle.exitCode !== undefined) return;
  handle.child.kill('SIGTERM');
  const timer = setTimeout(() => handle.child.kill('SIGKILL'), graceMs);
  await handle.exited;
  clearTimeout(timer);
}

/** Stops everything and refuses new processes from then on (an interrupted run winds down). */
export function stopAll() {
  stopping = true;
  return Promise.all([...running].map((handle) => stop(handle)));
}

/** Last resort from a synchronous 'exit' handler, where nothing can be awaited. */
export function killAllNow() {
  for (const handle of running) handle.child.kill('SIGKILL');
}

/** The pid and its descendants (nginx: master + worker). */
function processTree(pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = read(`/proc/${entry}/stat`);
    // Field 4 is the ppid; the command name (field 2) may hold spaces, so split after ')'.
    const ppid = stat && Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const tree = (id) => [id, ...(children.get(id) ?? []).flatMap(tree)];
  return tree(pid);
}

/** Resident memory in KiB of a process and its descendants. */
export function rssKib(pid) {
  const own = (id) => Number(/VmRSS:\s+(\d+)/.exec(read(`/proc/${id}/status`) ?? '')?.[1] ?? 0);
  return processTree(pid).reduce((sum, id) => sum + own(id), 0);
}

let ticksPerSecond;
/** CPU time in ms (user + system) a process and its descendants have used so far. */
export function cpuMs(pid) {
  ticksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
  const own = (id) => {
    const stat = read(`/proc/${id}/stat`);
    if (!stat) return 0;
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the command name.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  const ticks = processTree(pid).reduce((sum, id) => sum + own(id), 0);
  return (ticks * 1000) / ticksPerSecond;
}

function read(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // the process ended between readdir and read
  }
}

/** The line of a crash that names the problem (Node ends its traces with its version). */
const lastWord = (text) =>
  text
    .split('\n')
    .filter((line) => line.trim() && !/^Node\.js v/.test(line))
    .at(-1) ?? '(no output)';

export const tail = (text, lines = 20) => text.trimEnd().split('\n').slice(-lines).join('\n');
