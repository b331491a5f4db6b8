import {Address, fromNano} from '@ton/core';
import {CocoonError} from '../errors.js';

/**
 * Parse an amount of the network's coin as people write it ("1", "0.25",
 * "1_000", "1.5 GRAM", "1.5 TON": Gram is Toncoin's name since June 2026, and
 * either name is accepted) into nano units.
 */
export function parseTon(text: string): bigint {
  const clean = text.trim().replaceAll('_', '').replace(/\s*(gram|ton)$/i, '');
  const match = /^(\d+)(?:\.(\d{1,9}))?$/.exec(clean);
  if (!match) {
    throw new CocoonError('INVALID_INPUT', `"${text}" is not an amount of GRAM.`, {hint: 'Write it like 10, 0.5, 1.5 GRAM or 0.000000001 (at most 9 decimals; TON is accepted as the old name).'});
  }
  return BigInt(match[1]!) * 1_000_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

/** nano units → "1.5" (no trailing zeros). */
export function formatTon(nano: bigint): string {
  return fromNano(nano);
}

/** Parse an address in raw (0:hex) or user-friendly form. */
export function parseAddress(text: string): Address {
  try {
    return Address.parse(text.trim());
  } catch {
    throw new CocoonError('INVALID_INPUT', `"${text}" is not a TON address.`, {
      hint: 'Use the user-friendly form (e.g. 0QAb…, UQAb…, EQAb…) or the raw form 0:<64 hex digits>.',
    });
  }
}

/** True if the text parses as an address. */
export function looksLikeAddress(text: string): boolean {
  return Address.isFriendly(text.trim()) || Address.isRaw(text.trim());
}

/**
 * A price in GRAM per 1M tokens (how people compare prices) → nanoGRAM per
 * token (what the registry stores). 1 nanoGRAM per token = 0.001 GRAM per 1M tokens.
 */
export function parsePricePerMillion(text: string): bigint {
  const perMillion = parseTon(text);
  if (perMillion % 1_000_000n !== 0n) {
    throw new CocoonError('INVALID_INPUT', `A price of ${text} per 1M tokens is not a whole number of nanoGRAM per token.`, {
      hint: 'Prices move in steps of 0.001 GRAM per 1M tokens (1 nanoGRAM per token).',
    });
  }
  return perMillion / 1_000_000n;
}

/** nanoGRAM per token → "GRAM per 1M tokens" text. */
export function formatPricePerMillion(nanoPerToken: bigint): string {
  return formatTon(nanoPerToken * 1_000_000n);
}
