import {Flags} from '@oclif/core';
import type {ProviderStatusReport} from '../provider/status.js';
import type {RecordView} from '../provider/views.js';
import {renderTable} from './render.js';

/** Which node of this machine a provider command means: each has its own node key, record and local config. */
export function nodeFlag(description = 'Node of this machine: its own node key, registration and config (one wallet may register several) [default: default]') {
  return Flags.string({description, helpValue: 'NAME'});
}

/** A registry record as lines for a terminal. */
export function renderRecord(view: RecordView): string[] {
  return [
    `provider   ${view.owner} (${view.status})`,
    `model      ${view.model} [${view.architecture}]${view.kind === 'chat' ? '' : ` ${view.kind}`}, ctx ${view.contextSize}, sha256 ${view.modelSha256.slice(0, 16)}…`,
    `prices     ${view.pricePrompt} GRAM / 1M prompt tokens, ${view.priceCompletion} GRAM / 1M completion tokens`,
    `capacity   ${view.queriesPerDay} queries a day`,
    `stake      ${view.stake} GRAM${view.unlockAt ? `, unlocks ${view.unlockAt}` : ''}`,
    `endpoint   ${view.endpoint}`,
    ...(view.rent ? [`rent       ${rentLine(view.rent)}`] : []),
  ];
}

/** Where a record's prepaid rent stands, with what to do about it. */
export function rentLine(rent: NonNullable<RecordView['rent']>, node = 'default'): string {
  const renew = `\`cocoon provide renew${node === 'default' ? '' : ` --node ${node}`}\``;
  const until = rent.paidUntil.slice(0, 10);
  switch (rent.state) {
    case 'paid':
      return `paid until ${until} (${rent.daysLeft} days)`;
    case 'due':
      return `paid until ${until}: ${rent.daysLeft} days left, renew with ${renew}`;
    case 'overdue':
      return `ran out on ${until}; anyone may evict the record from ${rent.evictableAt.slice(0, 10)}: renew now with ${renew}`;
    case 'evictable':
      return `ran out on ${until}; consumers skip this record and anyone may evict it (the stake comes back less the overrun rent): renew now with ${renew}`;
  }
}

/** One node's `provide status` as lines; `named` adds a `node NAME` heading (a machine with several nodes). */
export function renderNodeStatus(report: ProviderStatusReport, options: {named: boolean}): string[] {
  const lines: string[] = [];
  const name = report.name ?? 'default';
  const flag = name === 'default' ? '' : ` --node ${name}`;
  if (options.named) lines.push(`node       ${name}`);
  lines.push(`wallet     ${report.wallet.address}  ${report.wallet.balance} GRAM`);
  if (report.registration) lines.push(...renderRecord(report.registration).map((l) => (l.startsWith('rent ') && report.registration!.rent ? `rent       ${rentLine(report.registration!.rent, name)}` : l)));
  else lines.push(`not registered (\`cocoon provide register${flag}\`)`);
  if (report.audit) lines.push(`audit      ${report.audit.label}${report.audit.standing === 'flagged' ? ': consumers skip this node (`cocoon audit reports --node <key>` shows the evidence)' : ''}`);
  const n = report.node;
  lines.push(
    n.running
      ? `node       running at ${n.endpoint}: ${n.load?.active} active, ${n.load?.queued} queued; ${n.queries} queries, ${n.promptTokens} prompt + ${n.completionTokens} completion tokens served`
      : 'node       not running',
  );
  lines.push(`earned     ${report.earnings.earned} GRAM (claimed ${report.earnings.claimed}, not yet ${report.earnings.unclaimed})`);
  const refused = n.refusedForWaivers ? `; ${n.refusedForWaivers} queries refused for too many waivers` : '';
  lines.push(`waived     ${report.waived} charges declined by consumers as never received${refused}`);
  if (report.channels.length > 0) lines.push(renderTable(report.channels.map((c) => ({channel: c.channel, state: c.state, deposit: c.deposit, earned: c.voucher, claimed: c.claimed, waived: String(c.waived)}))));
  return lines;
}
