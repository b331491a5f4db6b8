// Turns the benchmarks' JSON results into the tables of docs/benchmarks.md
// (bench/run.ts fills bench/benchmarks.template.md with them).
import type {Coverage} from '../../test/contracts/time-travel.js';

/** A result as a benchmark emitted it, plus what the runner adds. */
export interface Stored {
  bench: string;
  measuredAt: string;
  loadavgStart?: number;
  loadavgEnd?: number;
  /** The command that produced it (set by the runner). */
  command?: string;
  /** Run with --quick (shorter). */
  quick?: boolean;
  seconds?: number;
  [key: string]: unknown;
}

/** The run as a whole, for the header. */
export interface RunInfo {
  date: string;
  command: string;
  machine: string;
  loadavgStart: number;
  loadavgEnd: number;
  seconds: number;
  ran: string[];
  kept: string[];
  failed: string[];
  model: string;
}

const n = (x: number, d = 0) => x.toLocaleString('en-US', {maximumFractionDigits: d, minimumFractionDigits: d});
const mib = (bytes: number) => `${n(bytes / 2 ** 20, 1)} MiB`;
const day = (iso: string) => iso.slice(0, 16).replace('T', ' ') + ' UTC';
const table = (head: string[], align: string[], rows: Array<Array<string | number>>) =>
  [`| ${head.join(' | ')} |`, `|${align.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const ordinal = (k: number) => n(k) + (k % 100 >= 11 && k % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][k % 10] ?? 'th'));
/** nanoGRAM (as a decimal string or bigint) → GRAM with up to 9 decimals. */
export function ton(nano: bigint | string): string {
  const v = BigInt(nano);
  const whole = v / 1_000_000_000n;
  const frac = (v % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/** "Measured … (load …), command" line under each section. */
export function measuredLine(r: Stored | undefined, ranNow: boolean): string {
  if (!r) return '_Not measured yet: run `npm run bench`._';
  const load = r.loadavgStart !== undefined ? `, load average ${n(r.loadavgStart, 1)} → ${n(r.loadavgEnd ?? 0, 1)}` : '';
  const kept = ranNow ? '' : ' — **kept from an earlier run** (not rerun this time)';
  return `_Measured ${day(r.measuredAt)}${load}${r.quick ? ', quick mode' : ''}${r.seconds ? `, ${n(r.seconds)} s` : ''}: \`${r.command ?? r.bench}\`${kept}._`;
}

export function runHeader(run: RunInfo): string {
  const lines = [
    `Last run: **${day(run.date)}**, \`${run.command}\`, ${n(run.seconds / 60, 1)} min in all, load average ${n(run.loadavgStart, 2)} at the start and ${n(run.loadavgEnd, 2)} at the end.`,
    `Machine: ${run.machine}. Model: ${run.model}.`,
  ];
  if (run.kept.length > 0) lines.push(`Not rerun this time (figures kept from their own date, shown under each): ${run.kept.join(', ')}.`);
  if (run.failed.length > 0) lines.push(`**Failed this time** (earlier figures kept): ${run.failed.join(', ')}.`);
  return lines.join('\n');
}

interface Startup extends Stored {
  runs: number;
  rows: Array<{command: string; medianMs: number; p90Ms: number; ratio: number}>;
}
export function startup(r: Startup): string {
  return table(['command', 'median ms', 'p90 ms', '× bare node'], ['---', '---:', '---:', '---:'], r.rows.map((x) => [`\`${x.command}\``, n(x.medianMs), n(x.p90Ms), n(x.ratio, 2)])) + `\n\n${r.runs} runs per command.`;
}

interface GasRow {
  operation: string;
  gas: number;
  bound?: number;
  target?: string;
  feeV5r1: string;
  feeTreasury: string;
}
interface Gas extends Stored {
  prefill: number;
  rows: GasRow[];
}
export function gas(r: Gas): string {
  const verdict = (fee: string, target?: string) => (target === undefined ? '' : BigInt(fee) <= BigInt(target) ? ' ✓' : ' ✗');
  const rows = r.rows.map((x) => [
    x.operation.replace(/\((\d+)th record\)/, (_, k: string) => `(${ordinal(Number(k))} record)`),
    n(x.gas),
    x.bound ? n(x.bound) : '',
    ton(x.feeV5r1) + verdict(x.feeV5r1, x.target),
    ton(x.feeTreasury) + verdict(x.feeTreasury, x.target),
    x.target ? `≤ ${ton(x.target)}` : '',
  ]);
  return `The registry holds ${n(r.prefill)} records before the measured registration.\n\n` + table(['operation', 'gas', 'gas bound', 'all-in from v5r1, GRAM', 'all-in from sandbox wallet, GRAM', 'target, GRAM'], ['---', '---:', '---:', '---:', '---:', '---:'], rows);
}

/** The claim fees from the gas table: external claim, and a claim sent from the provider's wallet. */
export function claimFees(r: Gas): {external: bigint; fromWallet: bigint} {
  const find = (re: RegExp) => BigInt(r.rows.find((x) => re.test(x.operation))?.feeV5r1 ?? '0');
  return {external: find(/claim voucher \(external/), fromWallet: find(/claim voucher \(from provider wallet/)};
}

interface E2e extends Stored {
  model: string;
  threads: number;
  maxTokens: number;
  rounds: number;
  contextSize: number;
  tokens: {direct: number; ask: number; askPrompt?: number};
  endToEnd: Cmp;
  streaming: Cmp;
  ttftMs: Cmp;
  ttftOverheadMs: number;
  cachedRegistry?: {endToEnd: Cmp; streaming: Cmp; ttftMs: Cmp; ttftOverheadMs: number};
  breakdownMs?: {registryReadAndProbe: number; probeOnly: number; registryReadOnly: number; channelState: number};
}
interface Cmp {
  direct: number;
  ask: number;
  ratioOfMedians: number;
  medianPairwiseRatio: number;
}
export function e2e(r: E2e): string {
  return (
    `${r.model}, ${r.threads} thread, ${r.maxTokens} tokens greedy (${r.tokens.ask} generated by ask, ${r.tokens.direct} direct; ${r.tokens.askPrompt ?? '?'} prompt tokens), context ${r.contextSize}, ${r.rounds} rounds.\n\n` +
    table(['', 'node-llama-cpp direct', 'cocoon `ask`', 'ask ÷ direct (medians)', 'median pairwise ratio'], ['---', '---:', '---:', '---:', '---:'], [
      ['tokens/s, call → paid answer', n(r.endToEnd.direct), n(r.endToEnd.ask), `**${n(r.endToEnd.ratioOfMedians, 3)}**`, n(r.endToEnd.medianPairwiseRatio, 3)],
      ['tokens/s while streaming (first → last text)', n(r.streaming.direct), n(r.streaming.ask), n(r.streaming.ratioOfMedians, 3), n(r.streaming.medianPairwiseRatio, 3)],
      ['time to first text, ms', n(r.ttftMs.direct, 1), n(r.ttftMs.ask, 1), '', ''],
      ...(r.cachedRegistry
        ? [
            ['tokens/s, call → paid answer, registry read cached (the CLI\'s 15 s)', n(r.cachedRegistry.endToEnd.direct), n(r.cachedRegistry.endToEnd.ask), n(r.cachedRegistry.endToEnd.ratioOfMedians, 3), n(r.cachedRegistry.endToEnd.medianPairwiseRatio, 3)],
            ['time to first text, ms, registry read cached', n(r.cachedRegistry.ttftMs.direct, 1), n(r.cachedRegistry.ttftMs.ask, 1), '', ''],
          ]
        : []),
    ]) +
    `\n\nTime-to-first-token overhead of \`ask\`: **${n(r.ttftOverheadMs, 1)} ms** reading the registry for every query${r.cachedRegistry ? `, **${n(r.cachedRegistry.ttftOverheadMs, 1)} ms** with the registry read cached` : ''} (medians of the pairwise differences).` +
    (r.breakdownMs
      ? ` What \`ask\` does before the query, each step timed alone on the devnet (medians of 11): registry read ${n(r.breakdownMs.registryReadOnly, 1)} ms, signed \`/v1/info\` probe ${n(r.breakdownMs.probeOnly, 1)} ms, channel state ${n(r.breakdownMs.channelState, 1)} ms.`
      : '')
  );
}

interface Peak {
  maxRssBytes: number;
  heapUsed: number;
}
interface Memory extends Stored {
  model: string;
  modelFileBytes: number;
  asks: number;
  nodeFloor: Peak;
  cliFloor: Peak;
  askFirst: Peak;
  askSteady: Peak;
  bare: Peak;
  provider: Peak & {vmHwmBeforeStopBytes: number};
  providerBeyondModelBytes: number;
  askBeyondCliFloorBytes: number;
}
export function memory(r: Memory): string {
  return (
    `${r.model} (${mib(r.modelFileBytes)} file).\n\n` +
    table(['process', 'peak RSS', 'peak V8 heap used'], ['---', '---:', '---:'], [
      ['`node -e ""` (floor)', mib(r.nodeFloor.maxRssBytes), mib(r.nodeFloor.heapUsed)],
      ['`cocoon --version` (CLI floor)', mib(r.cliFloor.maxRssBytes), mib(r.cliFloor.heapUsed)],
      ['`cocoon ask`, first (opens the channel)', mib(r.askFirst.maxRssBytes), mib(r.askFirst.heapUsed)],
      [`\`cocoon ask\`, next ${r.asks - 1} (median)`, mib(r.askSteady.maxRssBytes), mib(r.askSteady.heapUsed)],
      ['bare node-llama-cpp: model + context + one answer', mib(r.bare.maxRssBytes), mib(r.bare.heapUsed)],
      [`\`cocoon provide start\`, serving ${r.asks} asks`, mib(r.provider.maxRssBytes), mib(r.provider.heapUsed)],
    ]) +
    `\n\nThe provider beyond the model (provider − bare node-llama-cpp): **${mib(r.providerBeyondModelBytes)}** RSS (VmHWM read from /proc while serving: ${mib(r.provider.vmHwmBeforeStopBytes)}). ` +
    `\`ask\` beyond the CLI's own floor: **${mib(r.askBeyondCliFloorBytes)}**.`
  );
}

interface Registry extends Stored {
  providers: number;
  registerSeconds: number;
  snapshotMs: number;
  parseMs: number;
  getterMs: number;
  ratio: number;
  cellsPerRecord: number;
  bitsPerRecord: number;
  rentPerRecordTonYear: string;
  recordsUnderCellLimit: number;
}
export function registry(r: Registry): string {
  const k = n(r.providers);
  return (
    table(['read', 'time'], ['---', '---:'], [
      [`all ${k} records from the data cell (\`Registry.getSnapshot\`: one getState + parse), best of 5`, `${n(r.snapshotMs, 1)} ms (${n((r.snapshotMs * 1000) / r.providers)} µs/record)`],
      ['of which parsing the data cell (`readRegistryData`)', `${n(r.parseMs, 1)} ms`],
      [`one \`get_provider\` call per record, ${k} calls`, `${n(r.getterMs)} ms (${n(r.getterMs / r.providers, 1)} ms/record)`],
      ['ratio get-method / data-cell read', `${n(r.ratio)}×`],
    ]) +
    `\n\nState per record: ${n(r.cellsPerRecord, 2)} cells and ${n(r.bitsPerRecord)} bits; storage rent ${r.rentPerRecordTonYear} GRAM per record per year (basechain: 1 nanoGRAM per bit, 500 per cell, per 2^16 s); ~${n(r.recordsUnderCellLimit)} records fit under the 65,536-cell account-state limit. Registering the ${k} took ${n(r.registerSeconds)} s of sandbox time.`
  );
}

interface Rate {
  wall: number;
  cpu: number;
}
interface Engine extends Stored {
  model: string;
  threads: number;
  rounds: number;
  direct: Rate;
  directStreaming: Rate;
  engine: Rate;
  ratios: {wallNoText: number; cpuNoText: number; wallStreaming: number; cpuStreaming: number};
  channelUsPerToken: number;
  concurrency: Array<{parallel: number; aggregate: number; perSequence: number; ttftMs: number}>;
}
export function engine(r: Engine): string {
  return (
    `${r.model}, ${r.threads} thread, ${r.rounds} rounds.\n\n` +
    table(['path', 'generation tok/s, wall clock', 'tokens per CPU-second'], ['---', '---:', '---:'], [
      ['node-llama-cpp direct, no text (`onToken` only)', n(r.direct.wall), n(r.direct.cpu)],
      ['node-llama-cpp direct, streaming text (`onTextChunk`)', n(r.directStreaming.wall), n(r.directStreaming.cpu)],
      ['cocoon engine (async iterator of events)', n(r.engine.wall), n(r.engine.cpu)],
    ]) +
    `\n\nEngine ÷ direct, CPU time: **${n(r.ratios.cpuNoText, 3)}** against the no-text baseline, **${n(r.ratios.cpuStreaming, 3)}** against the streaming baseline (wall clock ${n(r.ratios.wallNoText, 2)} and ${n(r.ratios.wallStreaming, 2)}). ` +
    `The event channel and async iteration alone: ${n(r.channelUsPerToken, 2)} µs per token = ${n((r.channelUsPerToken * r.directStreaming.cpu) / 1e4, 2)} % of a token.`
  );
}
export function concurrency(r: Engine): string {
  return table(['parallel sequences', 'aggregate tok/s', 'per-sequence tok/s', 'mean TTFT ms', '× 1 sequence'], ['---:', '---:', '---:', '---:', '---:'], r.concurrency.map((c) => [c.parallel, n(c.aggregate), n(c.perSequence), n(c.ttftMs, 1), n(c.aggregate / r.concurrency[0]!.aggregate, 2)]));
}

interface Protocol extends Stored {
  crypto: {requestBytes: number; sealUs: number; openUs: number; pushUs: number; pullUs: number};
  fullPath: {tokens: number; clientProcess?: boolean; sequential: Load; posted?: Load; concurrent: Load & {consumers: number}; wire: {responseBytes: number; textBytes: number; overheadPerToken: number}};
  realEngine?: {model: string; maxTokens: number; runs: number; endToEnd: PCmp; streaming: PCmp; ttftMs: {engine: number; protocol: number}};
}
interface Load {
  queries: number;
  qps: number;
  p50Ms: number;
  p99Ms: number;
  /** Provider process CPU (user + system, all threads) per query, when the consumer ran in another process. */
  providerCpuUsPerQuery?: number;
  queriesPerProviderCpuS?: number;
}
interface PCmp {
  engine: number;
  protocol: number;
  ratioOfMedians: number;
  medianPairwiseRatio: number;
}
export function protocolCrypto(r: Protocol): string {
  const c = r.crypto;
  return table(['operation', 'time'], ['---', '---:'], [
    [`seal a ${c.requestBytes}-byte request (ephemeral X25519 key pair, X25519, HKDF, AEAD)`, `${n(c.sealUs)} µs (${n(1e6 / c.sealUs)}/s)`],
    ['open it (X25519, HKDF, AEAD)', `${n(c.openUs)} µs (${n(1e6 / c.openUs)}/s)`],
    ['secretstream push / pull of one token frame', `${n(c.pushUs, 1)} / ${n(c.pullUs, 1)} µs`],
    ['seal + open per query', `${n(c.sealUs + c.openUs)} µs → ≤ ${n(1e6 / (c.sealUs + c.openUs))} queries/s per core`],
  ]);
}
export function protocolFull(r: Protocol): string {
  const f = r.fullPath;
  const cpu = (l: Load) => (l.queriesPerProviderCpuS === undefined ? '—' : `${n(l.providerCpuUsPerQuery!)} µs → **${n(l.queriesPerProviderCpuS)}**`);
  const rows = [
    [`1 consumer, sequential, voucher riding on the next query (${n(f.sequential.queries)} queries)`, n(f.sequential.qps), `${n(f.sequential.p50Ms, 1)} ms`, `${n(f.sequential.p99Ms, 1)} ms`, cpu(f.sequential)],
    ...(f.posted ? [[`1 consumer, sequential, voucher posted after each (${n(f.posted.queries)})`, n(f.posted.qps), `${n(f.posted.p50Ms, 1)} ms`, `${n(f.posted.p99Ms, 1)} ms`, cpu(f.posted)]] : []),
    [`${f.concurrent.consumers} consumers (${f.concurrent.consumers} channels) at once (${n(f.concurrent.queries)})`, n(f.concurrent.qps), `${n(f.concurrent.p50Ms, 1)} ms`, `${n(f.concurrent.p99Ms, 1)} ms`, cpu(f.concurrent)],
  ];
  return table(['load', 'queries/s', 'latency p50', 'p99', 'provider CPU per query → queries per provider CPU-second'], ['---', '---:', '---:', '---:', '---:'], rows);
}
export function protocolWire(r: Protocol): string {
  const w = r.fullPath.wire;
  return `Bytes on the wire: a ${r.fullPath.tokens}-token answer (${w.textBytes} B of text) is ${w.responseBytes} B, i.e. **${n(w.overheadPerToken, 1)} B of overhead per token** with the default 10 ms text coalescing (preamble 32 B, each text frame 22 B + text, final frame ~205 B). One frame per token would be 22 B per token plus the fixed ~237 B.`;
}
export function protocolReal(r: Protocol): string {
  const e = r.realEngine;
  if (!e) return '_Skipped: no model._';
  return (
    `${e.model}, ${e.maxTokens} tokens, ${e.runs} pairs.\n\n` +
    table(['', 'engine alone', 'through the protocol', 'ratio of medians', 'median pairwise ratio'], ['---', '---:', '---:', '---:', '---:'], [
      ['end to end (request → verified receipt)', `${n(e.endToEnd.engine)} tok/s`, `${n(e.endToEnd.protocol)} tok/s`, n(e.endToEnd.ratioOfMedians, 3), n(e.endToEnd.medianPairwiseRatio, 3)],
      ['while streaming (first text → last token)', `${n(e.streaming.engine)} tok/s`, `${n(e.streaming.protocol)} tok/s`, n(e.streaming.ratioOfMedians, 3), n(e.streaming.medianPairwiseRatio, 3)],
      ['time to first text', `${n(e.ttftMs.engine, 1)} ms`, `${n(e.ttftMs.protocol, 1)} ms`, '', ''],
    ])
  );
}

/**
 * Fee per query at the default claim threshold, from the claim's all-in fee,
 * at stated prices and answer size; and per query if every query were claimed.
 */
export function fees(g: Gas, answer: {promptTokens: number; completionTokens: number}, thresholdNano = 1_000_000_000n): {markdown: string; atDefault: {perQuery: number; everyQuery: number; queriesPerClaim: bigint; cost: bigint}} {
  const {external, fromWallet} = claimFees(g);
  // GRAM per 1M tokens, prompt / completion: the defaults of `provide register`, then dearer offers.
  const offers: Array<[string, bigint, bigint]> = [
    ['0.05 / 0.2 (`provide register` defaults)', 50n, 200n],
    ['0.5 / 2', 500n, 2_000n],
    ['5 / 20', 5_000n, 20_000n],
  ];
  let atDefault = {perQuery: 0, everyQuery: 0, queriesPerClaim: 0n, cost: 0n};
  const rows = offers.map(([label, p, c], i) => {
    const cost = BigInt(answer.promptTokens) * p + BigInt(answer.completionTokens) * c;
    const queries = (thresholdNano + cost - 1n) / cost;
    const perQuery = Number(external) / Number(queries);
    if (i === 0) atDefault = {perQuery: perQuery / 1e9, everyQuery: Number(external) / 1e9, queriesPerClaim: queries, cost};
    return [label, ton(cost), n(Number(queries)), ton(BigInt(Math.round(perQuery))), `${n((perQuery / Number(cost)) * 100, 4)} %`, `${ton(external)} (${n(Number(external) / Number(cost), 1)}× the answer)`];
  });
  const markdown =
    `Assumptions: an answer of ${answer.promptTokens} prompt + ${answer.completionTokens} completion tokens (the e2e bench's); claim threshold ${ton(thresholdNano)} GRAM; ` +
    `claim all-in fee ${ton(external)} GRAM (external message; ${ton(fromWallet)} GRAM when sent from the provider's wallet instead); queries per claim rounded up.\n\n` +
    table(['price, GRAM per 1M prompt / completion tokens', 'answer costs, GRAM', 'queries per 1-GRAM claim', 'fee per query, GRAM', 'fee ÷ price', 'claiming after every query, GRAM per query'], ['---', '---:', '---:', '---:', '---:', '---:'], rows) +
    `\n\nAt the 1-GRAM threshold the fee is about a quarter of a per cent of what the answers paid, whatever the price; claiming after every query would cost more than the answer at these prices (which is why the node's settler skips a claim whose fees would take half of it unless a closing deadline forces it).`;
  return {markdown, atDefault};
}

interface WanCli {
  versionMs: number;
  cold: {firstTextMs: number; totalMs: number; addedFirstTextMs: number};
  warm: {firstTextMs: number; totalMs: number; addedFirstTextMs: number};
  perWarmAsk: {chainRequests: number; refused429: number; providerConnections: number};
}
interface WanSdk {
  askFirstTextMs: number;
  directFirstTextMs: number;
  addedMs: number;
  perAsk: {chainRequests?: number; providerConnections: number};
}
interface WanLoad {
  answersPerS: number;
  tokensPerS: number;
  statuses: {short: Record<string, number>; long: Record<string, number>};
}
interface Wan extends Stored {
  model: string;
  rounds: number;
  windowS: number;
  parallel: number;
  contextSize: number;
  wan: {providerRttMs: number; chainRttMs: number; chainRps: number; providerChainRps: number};
  shortTokens: number;
  longTokens: number;
  cli: {loopback: WanCli; wan: WanCli; networkMs: {cold: number; warm: number}};
  sdk: {loopback: WanSdk; wan: WanSdk};
  gateway: Array<{clients: number; directAnswersPerS: number; directTokensPerS: number; loopback: WanLoad; wan: WanLoad}>;
}
export function wan(r: Wan): string {
  const rtt = r.wan.providerRttMs;
  const rt = (ms: number) => `${n(ms)} ms (${n(ms / rtt, 1)} RT)`;
  const refused = (x: WanLoad) => Object.entries({...x.statuses.short, ...x.statuses.long}).filter(([k]) => k !== '200').map(([k, v]) => `${v}× ${k}`).join(', ');
  const failures = r.gateway.flatMap((g) => [refused(g.loopback), refused(g.wan)]).filter(Boolean);
  return (
    `${r.model}, provider with ${r.parallel} sequences (context ${r.contextSize}), ${r.rounds} rounds; WAN = provider ${rtt} ms round trip (+1 to connect), chain endpoint ${r.wan.chainRttMs} ms (+2 to connect), ${r.wan.chainRps} request/s with 429 beyond. RT = provider round trips of ${rtt} ms.\n\n` +
    `**(a) A fresh \`cocoon ask --max-tokens 4\` process**: time to first text less a \`cocoon --version\` start-up (${n(r.cli.loopback.versionMs)} ms), median of ${r.rounds}.\n\n` +
    table(['registry cache', 'loopback', 'WAN', 'WAN − loopback'], ['---', '---:', '---:', '---:'], (['cold', 'warm'] as const).map((arm) => [
      arm === 'cold' ? 'cold (first ask in 15 s)' : 'warm (the 15 s cache fresh)',
      `${n(r.cli.loopback[arm].addedFirstTextMs)} ms`,
      rt(r.cli.wan[arm].addedFirstTextMs),
      `**${rt(r.cli.networkMs[arm])}**`,
    ])) +
    `\n\nA warm CLI ask over the WAN made ${n(r.cli.wan.perWarmAsk.chainRequests, 1)} chain requests (${n(r.cli.wan.perWarmAsk.refused429, 1)} answered 429) and opened ${n(r.cli.wan.perWarmAsk.providerConnections, 1)} provider connections; it exited after ${n(r.cli.wan.warm.totalMs)} ms.\n\n` +
    `**(b) A warm SDK \`ask()\`** (registry read cached, channel known, 4 tokens): first text ${n(r.sdk.loopback.askFirstTextMs, 1)} ms on loopback, ${n(r.sdk.wan.askFirstTextMs, 1)} ms over the WAN, against ${n(r.sdk.loopback.directFirstTextMs, 1)} ms for node-llama-cpp alone: added **${n(r.sdk.loopback.addedMs, 1)} ms** on loopback, **${rt(r.sdk.wan.addedMs)}** over the WAN (${n(r.sdk.wan.perAsk.chainRequests ?? 0, 1)} chain requests and ${n(r.sdk.wan.perAsk.providerConnections, 1)} new provider connections per ask).\n\n` +
    `**(c) One \`cocoon gateway\`, one provider**: closed-loop clients, ${r.windowS} s counted per level; answers/s for ${r.shortTokens}-token answers, tokens/s for ${r.longTokens}-token answers; node-llama-cpp direct runs min(clients, ${r.parallel}) generations at once on a ${r.parallel}-sequence context; ratio to direct in brackets.\n\n` +
    table(['clients', `direct, answers/s`, 'gateway, loopback', 'gateway, WAN', 'direct, tokens/s', 'gateway, loopback', 'gateway, WAN'], ['---:', '---:', '---:', '---:', '---:', '---:', '---:'], r.gateway.map((g) => [
      g.clients,
      n(g.directAnswersPerS, 1),
      `${n(g.loopback.answersPerS, 1)} (${n(g.loopback.answersPerS / g.directAnswersPerS, 3)})`,
      `${n(g.wan.answersPerS, 1)} (${n(g.wan.answersPerS / g.directAnswersPerS, 3)})`,
      n(g.directTokensPerS),
      `${n(g.loopback.tokensPerS)} (${n(g.loopback.tokensPerS / g.directTokensPerS, 3)})`,
      `${n(g.wan.tokensPerS)} (${n(g.wan.tokensPerS / g.directTokensPerS, 3)})`,
    ])) +
    (failures.length ? `\n\nGateway answers other than 200: ${failures.join('; ')}.` : '\n\nEvery gateway request was answered 200.')
  );
}

interface FloodPhase {
  probes: number;
  p50: number;
  p99: number;
  max: number;
  floodAnswers: Record<string, number>;
}
interface Flood extends Stored {
  engine: string;
  contextSize: number;
  promptBytes: number;
  rate: number;
  phaseSeconds: number;
  idle: FloodPhase;
  boundOn: FloodPhase;
  boundOff: FloodPhase;
}
export function flood(r: Flood): string {
  const answers = (p: FloodPhase) => Object.entries(p.floodAnswers).map(([k, v]) => `${v}× ${k}`).join(', ') || '—';
  return (
    `${r.engine} engine, context ${r.contextSize}; ${r.rate} prompts/s of ${n(r.promptBytes / 1e6, 2)} MB for ${r.phaseSeconds} s per phase.\n\n` +
    table(['phase', '/healthz p50', 'p99', 'max', 'probes', "HTTP statuses of the flood's answers"], ['---', '---:', '---:', '---:', '---:', '---'], [
      ['no flood', `${n(r.idle.p50, 2)} ms`, `${n(r.idle.p99, 2)} ms`, `${n(r.idle.max, 2)} ms`, r.idle.probes, answers(r.idle)],
      ['flood, prompt byte bound on (the default)', `${n(r.boundOn.p50, 2)} ms`, `**${n(r.boundOn.p99, 2)} ms**`, `${n(r.boundOn.max, 2)} ms`, r.boundOn.probes, answers(r.boundOn)],
      ['flood, bound off (every prompt tokenised)', `${n(r.boundOff.p50, 2)} ms`, `${n(r.boundOff.p99, 2)} ms`, `${n(r.boundOff.max, 2)} ms`, r.boundOff.probes, answers(r.boundOff)],
    ])
  );
}

/** What bench/registry-scale.contracts.bench.ts emits. */
interface RegistryScale extends Stored {
  providers: number;
  models: number;
  largestModel: number;
  shards: number;
  shardCapacity: number;
  seedSeconds: number;
  cellsPerRecord: number;
  bitsPerRecord: number;
  listModelsMs: number;
  indexCells: number;
  discoverLargestMs: number;
  discoverLargestShards: number;
  discoverSmallMs: number;
  rentPerRecordGramYear: string;
  rows: {operation: string; gas: number; fee: string}[];
}

export function registryScale(r: RegistryScale): string {
  const rows: Array<Array<string | number>> = [
    ['seeding', `${n(r.providers)} records in ${n(r.shards)} shards of ${n(r.models)} models (largest ${n(r.largestModel)}; capacity ${n(r.shardCapacity)}, seeded one short of it), ${n(r.seedSeconds)} s`],
    ['account data per record', `${n(r.cellsPerRecord, 2)} cells, ${n(r.bitsPerRecord)} bits; rent ${r.rentPerRecordGramYear} GRAM/year`],
    ['list every model', `index alone (${n(r.indexCells)} cells), ${n(r.listModelsMs, 1)} ms`],
    ['discover the largest model', `index + ${n(r.discoverLargestShards)} shard accounts, ${n(r.discoverLargestMs)} ms of client-side parsing`],
    ['discover a small model', `${n(r.discoverSmallMs)} ms`],
    ...r.rows.map((x) => [x.operation, `${n(x.gas)} gas, ${ton(x.fee)} GRAM all-in from a v5r1 wallet`]),
  ];
  return table(['at scale', 'result'], ['---', '---'], rows);
}

/** What bench/contracts-property.bench.ts emits: the property run's coverage. */
interface ContractsProperty extends Stored, Coverage {}

export function contractsProperty(r: ContractsProperty): string {
  return table(
    ['runs passed', 'with payouts', 're-opens', 'externals accepted', 'externals refused', 'evictions', 'longest run'],
    ['---:', '---:', '---:', '---:', '---:', '---:', '---:'],
    [[n(r.runs), n(r.payouts), n(r.reopens), n(r.externalsAccepted), n(r.externalsRefused), n(r.evictions), `${n(r.longestRunYears, 1)} years`]],
  );
}

/** What bench/audit.bench.ts emits. */
interface Audit extends Stored {
  model: string;
  calibration: {challenges: number; failures: number; passRate: number; greedy: number; sampled: number; maxAbsZ: number; greedyTiesForgiven: number; completionTokens: number; seconds: number};
  detection: Record<string, {trials: number; flaggedWithin5: number; challengesToFlag: number[]}>;
  cost: {tokens: number; generateMs: number; rescoreMs: number; rescoreFullVocabularyMs: number; ratio: number; ratioFullVocabulary: number; backend: string};
}

/** The audit calibration, detection and cost tables. */
export function audit(r: Audit): string {
  const c = r.calibration;
  const detection = Object.entries(r.detection).map(([name, d]) => [name, `${d.flaggedWithin5}/${d.trials}`, d.challengesToFlag.map((x) => (Number.isFinite(x) ? x : '—')).join(', ')]);
  return (
    table(['honest provider (' + r.model + ')', 'challenges', 'passed', 'greedy / sampled', 'largest |z| (sampled)', 'greedy ties forgiven'], ['---', '---:', '---:', '---:', '---:', '---:'], [
      ['calibration', c.challenges, `**${n(100 * c.passRate, 2)} %**`, `${c.greedy} / ${c.sampled}`, n(c.maxAbsZ, 2), c.greedyTiesForgiven],
    ]) +
    '\n\n' +
    table(['served instead, under the registered hash', 'flagged within 5 challenges', 'challenges to flag, per trial'], ['---', '---:', '---'], detection) +
    '\n\n' +
    table([`re-scoring a ${r.cost.tokens}-token greedy answer (${r.cost.backend})`, 'generate', 're-score', 're-score ÷ generate'], ['---', '---:', '---:', '---:'], [
      ['top-40 lists per position (greedy, top-k 40)', `${n(r.cost.generateMs, 1)} ms`, `${n(r.cost.rescoreMs, 1)} ms`, `**${n(r.cost.ratio, 3)}**`],
      ['whole-vocabulary lists (top-k off)', `${n(r.cost.generateMs, 1)} ms`, `${n(r.cost.rescoreFullVocabularyMs, 1)} ms`, n(r.cost.ratioFullVocabulary, 3)],
    ])
  );
}

interface P2p {
  model: string;
  maxTokens: number;
  runs: number;
  askRatio: {medianPairwise: number; ofMedians: number; directTokensPerS: number; relayTokensPerS: number};
  ttftMs: {direct: number; relay: number; addedMedianPairwise: number; relayRttMs: number};
  throughput: {mb: number; wallS: number; relayCpuS: number; mbPerRelayCpuS: number; mbPerWallS: number};
  cold: {reservationMs: number; dialMs: number; firstRequestMs: number};
}

/** bench/p2p.bench.ts: relayed vs direct answers, the relay's added first-token time and its throughput. */
export function p2p(r: P2p): string {
  const met = (ok: boolean) => (ok ? 'met' : '**not met**');
  const ttftTarget = r.ttftMs.relayRttMs + 5;
  return [
    `${r.model}, ${r.maxTokens}-token answers, ${r.runs} ABBA-alternating runs on warm connections; relay in its own process, consumer on its own thread.`,
    '',
    '| figure | value | target (issue 17) |',
    '|---|---|---|',
    `| relayed ÷ direct \`ask\`, tokens/s end to end (median pairwise) | **${n(r.askRatio.medianPairwise, 2)}** (${n(r.askRatio.relayTokensPerS)} vs ${n(r.askRatio.directTokensPerS)} tokens/s; ${n(r.askRatio.ofMedians, 2)} of medians) | ≥ 0.95: ${met(r.askRatio.medianPairwise >= 0.95)} |`,
    `| time to first text added by the relay | **${n(r.ttftMs.addedMedianPairwise, 1)} ms** (${n(r.ttftMs.direct, 1)} → ${n(r.ttftMs.relay, 1)} ms) | ≤ relay RTT ${n(r.ttftMs.relayRttMs, 1)} + 5 ms: ${met(r.ttftMs.addedMedianPairwise <= ttftTarget)} |`,
    `| relay throughput, 64 KiB writes | **${n(r.throughput.mbPerRelayCpuS)} MB per relay CPU-second** (${n(r.throughput.mbPerWallS)} MB/s wall, ${n(r.throughput.mb)} MB) | ≥ 50: ${met(r.throughput.mbPerRelayCpuS >= 50)} |`,
    `| cold: reservation / consumer dial / first request | ${n(r.cold.reservationMs)} / ${n(r.cold.dialMs)} / ${n(r.cold.firstRequestMs)} ms | reported apart |`,
  ].join('\n');
}
