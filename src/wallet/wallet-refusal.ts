// Why a v5r1 wallet refused an external message, in words. The chain answers a
// refused external with the wallet contract's exit code buried in VM logs
// ("exit code 136", "exitcode=136"); these are the codes of wallet v5r1 that a
// user can cause and fix.
import {CocoonError} from '../errors.js';

const EXIT = /exit ?code[=:]?\s*(-?\d+)/i;

/** What each v5r1 refusal means for the person sending. */
function explain(code: number, context: {network: string; validUntil: number}): {message: string; hint: string} | undefined {
  switch (code) {
    case 136:
      return {
        message: `The wallet refused the transfer as already expired (valid until ${new Date(context.validUntil * 1000).toISOString()}): this machine's clock is behind the ${context.network} chain's`,
        hint: 'Set the clock right (e.g. `timedatectl set-ntp true`, or your system settings\' automatic time), then run the command again.',
      };
    case 133:
      return {message: 'The wallet refused the transfer: another transfer from this wallet took its sequence number first', hint: 'Run the command again (it reads the new sequence number).'};
    case 134:
      return {
        message: `The wallet refused the transfer: its wallet id names another network than ${context.network}`,
        hint: `Use a wallet created for ${context.network} (\`cocoon wallet list\`), or check the --network you meant.`,
      };
    case 135:
      return {message: "The wallet refused the transfer: the key does not sign for this wallet's address", hint: 'The keystore and the address disagree: restore the wallet from its mnemonic (`cocoon wallet import`).'};
    case 132:
      return {message: 'The wallet refused the transfer: signing with its key is disabled (the wallet is run by an extension)', hint: 'Send from the wallet app that controls it, or use another wallet.'};
    default:
      return undefined;
  }
}

/**
 * A chain error refusing a wallet's external message, explained: nothing was
 * spent (a refused external never enters a block). Other errors come back as
 * they are.
 */
export function explainWalletRefusal(error: unknown, context: {network: string; validUntil: number}): unknown {
  if (!(error instanceof CocoonError) || error.code !== 'CHAIN_ERROR') return error;
  if (!/not accepted|rejected|exit ?code/i.test(error.message)) return error;
  const code = EXIT.exec(error.message);
  const why = code ? explain(Number(code[1]), context) : undefined;
  if (!why) return error;
  return new CocoonError('CHAIN_ERROR', `${why.message}. Nothing was sent.`, {hint: why.hint, cause: error, details: {walletExitCode: Number(code![1])}});
}
