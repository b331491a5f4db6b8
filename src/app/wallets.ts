import {formatTon, parseTon} from '../chain/units.js';
import {formatAddress} from '../chain/wallet-contract.js';
import {CocoonError} from '../errors.js';
import {addWallet, resolveAddressOrWallet, unlockWallet, walletView, type WalletView} from '../wallet/service.js';
import {sendTon} from '../wallet/transfer.js';
import type {AppContext} from './context.js';

export type {WalletView} from '../wallet/service.js';

/** Runs a slow step behind the caller's progress display (the CLI's spinner). Default: just awaits it. */
export type Spin = <R>(label: string, work: Promise<R>) => Promise<R>;

/** A Spin that shows nothing. */
export const noSpin: Spin = (_label, work) => work;

/** Supplies a wallet's password (for a new wallet: the one to set, confirmed). */
export type PasswordSource = (wallet: string) => Promise<string>;

/** What `wallet balance --json` prints. */
export interface BalanceView {
  address: string;
  network: string;
  /** GRAM. */
  balance: string;
  nano: string;
  state: string;
}

/** One row of `wallet list`. */
export interface WalletRow {
  name: string;
  address?: string;
  default: boolean;
  error?: string;
}

/** What `wallet list --json` prints. */
export interface WalletListView {
  network: string;
  wallets: WalletRow[];
}

/** A new wallet: generated, or imported from a mnemonic. */
export interface AddWalletRequest {
  name: string;
  password: PasswordSource;
  /** Supplies the mnemonic to import; omitted: a fresh 24-word one is generated. */
  mnemonic?: () => Promise<string>;
  spin?: Spin;
}

/** A transfer as the user types it. */
export interface SendRequest {
  /** An address, or the name of one of the user's wallets. */
  to: string;
  /** GRAM, as typed. */
  amount: string;
  /** Pays from this wallet. Default: the context's. */
  wallet?: string;
  comment?: string;
  bounce?: boolean;
  /** Asked before anything is sent; false sends nothing (ABORTED). */
  confirm: (question: string) => Promise<boolean>;
  password: PasswordSource;
  spin?: Spin;
}

/** What `wallet send --json` prints. */
export interface SendView {
  from: string;
  to: string;
  /** GRAM. */
  amount: string;
  /** GRAM. */
  fee: string;
  bounce: boolean;
  lt: string;
  hash: string;
  network: string;
  /** True when an earlier attempt of this transfer (whose outcome was unknown) had landed: nothing was sent again. */
  resumed: boolean;
}

/** The balance of a wallet (by name; default: the context's) or of any address. */
export async function walletBalance(app: AppContext, request: {target?: string; spin?: Spin} = {}): Promise<BalanceView> {
  const network = app.network;
  const address = await resolveAddressOrWallet(request.target ?? app.walletName(), app.wallets, network);
  const client = await app.chain();
  const state = await (request.spin ?? noSpin)('Reading balance', client.state(address));
  return {address: formatAddress(address, network), network, balance: formatTon(state.balance), nano: state.balance.toString(), state: state.state};
}

/** Every stored wallet with its address on the context's network; unreadable ones with their error. */
export async function listWallets(app: AppContext): Promise<WalletListView> {
  const network = app.network;
  const names = app.wallets.names();
  const defaultName = app.settings.get('wallet') || (names.length === 1 ? names[0] : undefined);
  const wallets: WalletRow[] = [];
  for (const entry of app.wallets.list()) {
    if ('error' in entry) wallets.push({name: entry.name, default: entry.name === defaultName, error: entry.error});
    else wallets.push({name: entry.name, address: (await walletView(entry.keystore, network, entry.file)).address, default: entry.name === defaultName});
  }
  return {network, wallets};
}

/** A wallet's public view (default: the context's wallet); no password needed. */
export async function showWallet(app: AppContext, request: {name?: string} = {}): Promise<WalletView> {
  const name = app.walletName(request.name);
  return walletView(app.wallets.load(name), app.network, app.wallets.dir + `/${name}.json`);
}

/** Create a wallet (fresh mnemonic) or import one, encrypted with the password the source gives. */
export async function addNewWallet(app: AppContext, request: AddWalletRequest): Promise<WalletView> {
  const network = app.network;
  // A taken or invalid name fails before any prompt.
  app.wallets.assertAvailable(request.name);
  const mnemonic = request.mnemonic && (await request.mnemonic());
  const password = await request.password(request.name);
  return (request.spin ?? noSpin)('Encrypting keystore', addWallet({store: app.wallets, name: request.name, password, mnemonic, network}));
}

/** A wallet's mnemonic, after a confirmation and its password. */
export async function exportMnemonic(app: AppContext, request: {name?: string; confirm: (question: string) => Promise<boolean>; password: PasswordSource}): Promise<{name: string; words: string[]}> {
  const name = app.walletName(request.name);
  app.wallets.load(name);
  if (!(await request.confirm(`Show the mnemonic of "${name}"? Anyone who sees it can take the wallet's funds.`))) throw new CocoonError('ABORTED', 'Nothing was shown.');
  const {words} = await unlockWallet(app.wallets, name, await request.password(name));
  return {name, words};
}

/** Send GRAM from one of the user's wallets and wait until it lands. */
export async function sendGram(app: AppContext, request: SendRequest): Promise<SendView> {
  const network = app.network;
  const amount = parseTon(request.amount);
  const to = await resolveAddressOrWallet(request.to, app.wallets, network);
  const name = app.walletName(request.wallet);
  app.wallets.load(name);
  if (!(await request.confirm(`Send ${formatTon(amount)} GRAM from "${name}" to ${request.to} on ${network}?`))) {
    throw new CocoonError('ABORTED', 'Nothing was sent.');
  }
  const wallet = await unlockWallet(app.wallets, name, await request.password(name));
  const client = await app.chain();
  const result = await (request.spin ?? noSpin)('Sending and waiting for the transaction', sendTon({client, keyPair: wallet, to, amount, comment: request.comment, bounce: request.bounce}));
  return {...result, amount: formatTon(result.amount), fee: formatTon(result.fee), network};
}
