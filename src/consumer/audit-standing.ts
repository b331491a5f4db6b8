import type {ProviderRecord} from '../chain/contracts/registry-codec.js';

/**
 * A provider's audit record as consumers see it beside the trust level
 * (docs/audit.md): never audited, passed its audits, or flagged by failed
 * audits. Read from the audit board on chain by whoever supplies an
 * AuditStandingSource; without one every provider is 'unaudited'.
 */
export type AuditStanding = 'unaudited' | 'passed' | 'flagged';

/** Where ask() and the gateway learn a provider's standing (the audit board reader fills it). */
export type AuditStandingSource = (record: ProviderRecord) => AuditStanding | undefined;
