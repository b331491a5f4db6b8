#!/usr/bin/env bash
# Ask the network from a CI job: no terminal, secrets from the CI's secret store.
#
#   COCOON_MNEMONIC="…24 words…" COCOON_WALLET_PASSWORD=… PROMPT="Summarize …" examples/ci-ask.sh
#
# Needs: a funded wallet (its mnemonic), a network (COCOON_NETWORK, default devnet).
# Exit codes are cocoon's: 0 ok, 3 no provider, 6 chain unreachable, 7 funds …
set -euo pipefail
cocoon=${COCOON_BIN:-cocoon}
# A fresh CI machine has no keystore yet: import the wallet once (idempotent).
$cocoon wallet show ci --json >/dev/null 2>&1 || $cocoon wallet import ci --json >/dev/null
$cocoon config set wallet ci --json >/dev/null
answer=$(printf '%s' "${PROMPT:-Once upon a time}" | $cocoon ask - --json --max-tokens "${MAX_TOKENS:-64}" --yes)
# Plain node instead of jq: it is on every machine that runs cocoon.
node -e '
  const a = JSON.parse(process.argv[1]);
  console.log(a.text.trim());
  console.error(`cost ${a.cost} GRAM, ${a.usage.completionTokens} tokens, provider ${a.provider.address}, trust ${a.trust}`);
' "$answer"
