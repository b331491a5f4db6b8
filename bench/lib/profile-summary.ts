// Where a V8 .cpuprofile spends its time, as text:
//   node --import tsx bench/lib/profile-summary.ts FILE.cpuprofile [--top 40] [--per N] [--under NAME] [--callers NAME]
// Self time and inclusive time per function (name file:line), busy time only
// (idle left out); --per N divides by N (e.g. the queries profiled) and prints
// µs each; --under NAME restricts to the stacks below a function whose name
// contains NAME (e.g. --under handleQuery); --callers NAME adds the stacks
// (five frames up) that reach functions named exactly NAME, by time.
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: {functionName: string; url: string; lineNumber: number};
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const file = args[0];
if (!file) {
  process.stderr.write('usage: profile-summary FILE.cpuprofile [--top N] [--per N] [--under NAME]\n');
  process.exit(2);
}
const top = Number(flag('--top') ?? 40);
const per = Number(flag('--per') ?? 0);
const under = flag('--under');
const callersOf = flag('--callers');
const callers = new Map<string, number>();

const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(node_modules\/)?/, '')}:${n.callFrame.lineNumber + 1}`;

// Time per sampled node (µs).
const sampled = new Map<number, number>();
profile.samples.forEach((id, i) => sampled.set(id, (sampled.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let busy = 0;
let idle = 0;
for (const [id, t] of sampled) {
  const stack: ProfileNode[] = [];
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) stack.push(byId.get(cur)!);
  if (stack[0]!.callFrame.functionName === '(idle)') {
    idle += t;
    continue;
  }
  if (under && !stack.some((n) => n.callFrame.functionName.includes(under))) continue;
  busy += t;
  self.set(label(stack[0]!), (self.get(label(stack[0]!)) ?? 0) + t);
  for (const key of new Set(stack.map(label))) inclusive.set(key, (inclusive.get(key) ?? 0) + t);
  const at = stack.findIndex((n) => n.callFrame.functionName === callersOf);
  if (callersOf && at >= 0) {
    const key = stack.slice(at, at + 6).map(label).join(' ← ');
    callers.set(key, (callers.get(key) ?? 0) + t);
  }
}

const show = (m: Map<string, number>) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, t]) => `${(t / 1000).toFixed(1).padStart(9)} ms ${((100 * t) / busy).toFixed(1).padStart(5)} %${per ? `${(t / per).toFixed(1).padStart(8)} µs` : ''}  ${k}`)
    .join('\n');
console.log(`busy ${(busy / 1000).toFixed(1)} ms${per ? ` (${(busy / per).toFixed(1)} µs per ${per}th)` : ''}, idle ${(idle / 1000).toFixed(1)} ms${under ? `, under ${under}` : ''}`);
console.log('--- self');
console.log(show(self));
console.log('--- inclusive');
console.log(show(inclusive));
if (callersOf) {
  console.log(`--- callers of ${callersOf}`);
  console.log(show(callers));
}
