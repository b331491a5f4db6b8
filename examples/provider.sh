#!/usr/bin/env bash
# A provider's setup, non-interactive: register a model once, then serve it.
#
#   MODEL=./model.gguf COCOON_WALLET_PASSWORD=… COCOON_NODE_PASSWORD=… examples/provider.sh
#
# Prices are GRAM per 1M tokens; ENDPOINT is what consumers connect to (put a TLS
# proxy in front and set it to the public URL when serving the internet).
set -euo pipefail
cocoon=${COCOON_BIN:-cocoon}
: "${MODEL:?set MODEL to a .gguf file}"
PORT=${PORT:-8740}
if ! $cocoon provide status --json 2>/dev/null | node -e 'process.exit(JSON.parse(require("fs").readFileSync(0,"utf8")).registration ? 0 : 1)'; then
  $cocoon provide register --yes --json \
    --model "$MODEL" \
    --stake "${STAKE:-1}" \
    --price-prompt "${PRICE_PROMPT:-0.05}" \
    --price-completion "${PRICE_COMPLETION:-0.2}" \
    --port "$PORT" \
    --endpoint "${ENDPOINT:-http://127.0.0.1:$PORT}" >/dev/null
fi
# Serves until SIGINT/SIGTERM, then settles every channel on chain and exits.
exec $cocoon provide start --threads "${THREADS:-1}" --claim-threshold "${CLAIM_THRESHOLD:-1}"
