/**
 * Cocoon's public SDK: everything the CLI does, as library calls. No function
 * here prints or exits; failures are CocoonError with a stable `code`.
 */
export {CocoonError, EXIT_CODES, isCocoonError, type ErrorCode} from './errors.js';
export {Settings, SETTINGS, NETWORKS, type NetworkName, type SettingKey} from './config/settings.js';
export {resolvePaths} from './config/paths.js';

// Chain
export {ChainClient, chainEndpoint, type ChainEndpoint} from './chain/client.js';
export {parseTon, formatTon, parseAddress, parsePricePerMillion, formatPricePerMillion} from './chain/units.js';
export {walletContract, formatAddress} from './chain/wallet-contract.js';
export {DevnetServer, type DevnetServerOptions, type DevnetInfo} from './devnet/server.js';
export {Registry} from './chain/contracts/registry.js';
export {Channel} from './chain/contracts/channel.js';
export {RegistryIndex} from './chain/contracts/registry-index.js';
export {externalClaimSplit, claimMovedPaid, type ExternalClaimSplit} from './chain/contracts/claim-fees.js';
export {MAINNET_GLOBAL_ID, TESTNET_GLOBAL_ID} from './chain/contracts/network-id.js';
export {readRegistryData, type RegistrySnapshot} from './chain/contracts/registry-reader.js';
export type {ProviderProfile, ProviderRecord, RegistryParams} from './chain/contracts/registry-codec.js';
export {signVoucher, verifyVoucher, voucherCell, type Voucher} from './chain/contracts/voucher.js';

// Wallets
export {WalletStore} from './wallet/store.js';
export {addWallet, unlockWallet, walletView, type WalletView} from './wallet/service.js';
export {WalletSender} from './wallet/wallet-sender.js';
export {sendTon, type TransferResult} from './wallet/transfer.js';

// Inference
export {createEngine, type LlamaEngineOptions} from './inference/engine.js';
export {createEmbedder, type EmbedderOptions, type LlamaEmbedder} from './inference/embedder.js';
export type {InferenceEngine, GenerateRequest, EngineEvent, ChatMessage, Usage} from './inference/types.js';

// Protocol: consumer and provider
export {ask, queryWorstCase, type AskOptions, type AskResult, type ChannelFunding} from './consumer/ask.js';
export {embed, type EmbedOptions, type EmbedResult} from './consumer/embed.js';
export {FundingPolicy, type FundingMode, type FundingPolicyOptions, type FundingEvent} from './consumer/funding.js';
export {withFailover, type FailoverOptions} from './consumer/failover.js';
export {ProviderError, type ProviderErrorPhase, type PendingReceipt} from './protocol/errors.js';
export {estimatePromptTokens, worstCaseCost, queryCost} from './protocol/pricing.js';
export {discoverProviders, readRegistry, rankProviders, matchesFilter, type DiscoveredProvider, type ProviderFilter} from './consumer/discovery.js';
export {ChannelStore, type ChannelRecord} from './consumer/channel-store.js';
export {openChannel, topUpChannel, closeChannel, viewChannel} from './consumer/channels.js';
export {ProviderClient, type ProviderClientOptions, type QueryOptions, type QueryResult} from './consumer/client.js';
export {createProviderServer, type ProviderServer, type ProviderServerOptions} from './provider/server.js';
export {NullEngine} from './provider/null-engine.js';
export {startProviderNode, type ProviderNode, type ProviderNodeOptions} from './provider/node.js';
export {registerProvider, updateProvider, unregisterProvider, withdrawStake, getRegistration, locateRegistration, planRegistration, buildProfile} from './provider/registration.js';
export {Settler, type ClaimReport} from './provider/settlement.js';
export {generateNodeKey, loadNodeKey, saveNodeKey, type NodeKey} from './crypto/node-key.js';

// Audits: honest serving without enclaves (docs/audit.md)
export {runAudit, type RunAuditOptions, type AuditOutcome, type AuditedProvider} from './audit/auditor.js';
export {rescore, integrityProblem, DEFAULT_TOLERANCE, type AuditTolerance, type Verdict} from './audit/rescore.js';
export {encodeEvidence, parseEvidence, summarizeEvidence, type EvidenceBundle, type EvidenceSummary} from './audit/evidence.js';
export {verifyEvidence, type EvidenceVerification, type VerifyEvidenceOptions} from './audit/verify.js';
export {auditStanding, reportFails, describeStanding, type AuditStanding, type AuditStandingName} from './consumer/audit-standing.js';
export {AuditBoard, auditBoardOf} from './chain/contracts/audit-board.js';
export {readBoardData, type BoardSnapshot, type BoardAuditor, type BoardReport} from './chain/contracts/audit-board-codec.js';

// The composition layer: settings → chain, registry, stores, wallets, node key
export {AppContext, type AppContextOptions, type SecretSource, type SecretRequest} from './app/context.js';
export {registryAddress} from './app/registry-address.js';
export {askNetwork, askView, type AskRequest, type AskView} from './app/ask.js';
export {embedNetwork, embedView, type EmbedRequest, type EmbedView} from './app/embed.js';
export {startAppGateway} from './app/gateway.js';

// OpenAI-compatible gateway
export {startGateway, type Gateway, type GatewayOptions, type GatewayRequestEvent} from './gateway/server.js';

// The one-command demo
export {runDemo, type DemoReport} from './demo/demo.js';
