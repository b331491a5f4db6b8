// The model the engine tests run on: the shared stories260K.gguf where
// COCOON_TEST_MODELS has it, else a tiny GGUF written on the spot.
import {sharedModel} from '../helpers/models.js';
import {writeTinyGguf} from '../helpers/tiny-gguf.js';

/** Path of the shared story model, if present. */
export const STORIES = sharedModel('stories260K.gguf');

let tiny: string | undefined;
/** The tiny GGUF (written once per test file). */
export function tinyModel(): string {
  tiny ??= writeTinyGguf();
  return tiny;
}

/** The model the engine tests use: stories260K where present, else the tiny GGUF. */
export function testModel(): string {
  return STORIES ?? tinyModel();
}
