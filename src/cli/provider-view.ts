import type {RecordView} from '../provider/views.js';

/** A registry record as lines for a terminal. */
export function renderRecord(view: RecordView): string[] {
  return [
    `provider   ${view.owner} (${view.status})`,
    `model      ${view.model} [${view.architecture}], ctx ${view.contextSize}, sha256 ${view.modelSha256.slice(0, 16)}…`,
    `prices     ${view.pricePrompt} GRAM / 1M prompt tokens, ${view.priceCompletion} GRAM / 1M completion tokens`,
    `capacity   ${view.queriesPerDay} queries a day`,
    `stake      ${view.stake} GRAM${view.unlockAt ? `, unlocks ${view.unlockAt}` : ''}`,
    `endpoint   ${view.endpoint}`,
  ];
}
