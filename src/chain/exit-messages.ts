import {ExitCode} from './contracts/constants.js';

type Explained = {message: string; hint?: string};

/** What each contract exit code means to a user, and what to do about it. */
const MESSAGES: Record<number, Explained> = {
  [ExitCode.VALUE_TOO_LOW]: {message: 'the attached value does not cover the fee', hint: 'Attach more GRAM.'},
  [ExitCode.NOT_OWNER]: {message: 'only the registry owner may do that'},
  [ExitCode.ALREADY_REGISTERED]: {message: 'this node key is already registered', hint: 'Change it with `cocoon provide update --node NAME`, register another node with `--node`, or check with `cocoon provide status`.'},
  [ExitCode.NOT_REGISTERED]: {message: 'this wallet has no registration', hint: 'Register first with `cocoon provide register`.'},
  [ExitCode.STAKE_TOO_LOW]: {message: 'the stake is below the registry minimum', hint: 'Stake more (see `cocoon provide status` for the minimum).'},
  [ExitCode.NOT_ACTIVE]: {message: 'the registration is not active (it is unbonding)'},
  [ExitCode.NOT_UNBONDING]: {message: 'the registration is not unbonding', hint: 'Run `cocoon provide unregister` first.'},
  [ExitCode.UNBONDING_NOT_OVER]: {message: 'the unbonding delay has not passed yet', hint: 'Wait until the unlock time shown by `cocoon provide status`.'},
  [ExitCode.BAD_PROFILE]: {message: 'the registration record is malformed'},
  [ExitCode.RENT_TOO_LOW]: {message: 'the rent attached does not reach the required period (a registration prepays at least 30 days; a renewal must first cover the rent the record overran)', hint: 'Prepay more (`cocoon provide renew --days N`).'},
  [ExitCode.RENT_TOO_HIGH]: {message: 'the rent attached would prepay more than 10 years', hint: 'Prepay fewer days.'},
  [ExitCode.NOT_EXPIRED]: {message: 'the record has not been expired for the 30-day grace period yet'},
  [ExitCode.NOT_RECORD_OWNER]: {message: 'this record belongs to another wallet'},
  [ExitCode.SHARD_FULL]: {message: 'this registry shard is full', hint: 'Register again: the next shard of the model is chosen.'},
  [ExitCode.NOT_CONSUMER]: {message: 'only the channel\'s consumer may do that'},
  [ExitCode.NOT_PROVIDER]: {message: 'only the channel\'s provider may do that'},
  [ExitCode.ALREADY_OPEN]: {message: 'the channel is already open'},
  [ExitCode.NOT_OPEN]: {message: 'the channel is not open'},
  [ExitCode.ALREADY_CLOSING]: {message: 'the channel is already closing'},
  [ExitCode.CHANNEL_CLOSED]: {message: 'the channel is closed'},
  [ExitCode.STALE_VOUCHER]: {message: 'the voucher is not above what was already paid'},
  [ExitCode.ABOVE_DEPOSIT]: {message: 'the voucher is above the channel\'s deposit'},
  [ExitCode.BAD_SIGNATURE]: {message: 'the signature is not the channel consumer\'s'},
  [ExitCode.CLOSE_NOT_READY]: {message: 'the close delay has not passed yet'},
  [ExitCode.NOT_CLOSING]: {message: 'the channel is not closing'},
  [ExitCode.NOT_PARTY]: {message: 'only the consumer or the provider may do that'},
  [ExitCode.NOT_AUDITOR]: {message: 'this wallet has no stake on the audit board', hint: 'Join it first with `cocoon audit join`.'},
  [ExitCode.ALREADY_AUDITOR]: {message: 'this wallet is already an auditor on the board', hint: 'See it with `cocoon audit reports --auditor <address>`.'},
  [ExitCode.BAD_REPORT]: {message: 'the report is malformed: no challenges, more failures than challenges, a period that has not ended, or a bad evidence URL'},
  [ExitCode.TOO_MANY_REPORTS]: {message: 'this auditor already keeps the most reports the board allows (64)', hint: 'Retract one with `cocoon audit retract --node KEY`.'},
  [ExitCode.NO_REPORT]: {message: 'this auditor has no report on that node'},
  [ExitCode.AUDITOR_STAKE_TOO_LOW]: {message: 'the stake is below the audit board\'s minimum (the registry\'s provider minimum)', hint: 'Stake more (--stake).'},
  [ExitCode.AUDITOR_NOT_ACTIVE]: {message: 'this auditor is leaving the board (unbonding)', hint: 'Withdraw after the unlock time, then join again.'},
  [ExitCode.AUDITOR_NOT_UNBONDING]: {message: 'this auditor has not left the board', hint: 'Run `cocoon audit leave` first.'},
  [ExitCode.AUDITOR_UNBONDING_NOT_OVER]: {message: 'the board\'s unbonding delay (a week) has not passed yet', hint: 'Wait until the unlock time shown by `cocoon audit reports --auditor <address>`.'},
  [ExitCode.AUDITOR_RENT_TOO_LOW]: {message: 'the rent attached does not keep the auditor\'s reports paid for 30 days (or does not cover the rent it overran)', hint: 'Attach more rent (--days).'},
  [ExitCode.AUDITOR_RENT_TOO_HIGH]: {message: 'the rent attached would prepay more than 10 years', hint: 'Prepay fewer days.'},
  [ExitCode.BOARD_FULL]: {message: 'the audit board holds the most auditors it allows (400)', hint: 'Wait for an auditor to leave or be evicted.'},
  [ExitCode.AUDITOR_NOT_EXPIRED]: {message: 'the auditor\'s rent has not been run out for the 30-day grace period yet'},
};

/** A user-facing explanation of a Cocoon contract's exit code, if it is one of ours. */
export function explainExit(exitCode: number): Explained | undefined {
  return MESSAGES[exitCode];
}
