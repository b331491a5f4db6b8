/**
 * Global id of TON mainnet (config param 19). The sandbox and the devnet built on
 * it report the same id; testnet is -3. Channels carry it in their address and
 * in every signed cell, so nothing signed for one network pays on another.
 */
export const MAINNET_GLOBAL_ID = -239;

/** Global id of TON testnet. */
export const TESTNET_GLOBAL_ID = -3;
