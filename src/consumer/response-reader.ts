import {StreamOpener} from '../crypto/response-stream.js';
import {CocoonError} from '../errors.js';
import {ProviderError} from '../protocol/errors.js';
import {decodeFramePayload, decodeResponsePreamble, FrameSplitter} from '../protocol/frames.js';
import type {ResponseFrame} from '../protocol/wire.js';

/**
 * Decrypt a response body into frames. Ends normally only after a frame with
 * TAG_FINAL; a body that stops earlier is an incomplete answer (a PROVIDER_UNAVAILABLE
 * ProviderError with `incomplete`), whatever text came before it.
 */
export async function* readResponseFrames(body: AsyncIterable<Uint8Array>, responseKey: Uint8Array): AsyncGenerator<ResponseFrame> {
  const splitter = new FrameSplitter();
  let opener: StreamOpener | undefined;
  let finished = false;
  try {
    for await (const chunk of body) {
      if (finished) throw new CocoonError('PROTOCOL_ERROR', 'Data after the final frame.');
      splitter.push(chunk);
      if (!opener) {
        const preamble = splitter.takePreamble();
        if (!preamble) continue;
        opener = await StreamOpener.create(responseKey, decodeResponsePreamble(preamble));
      }
      for (let c = splitter.nextFrame(); c; c = splitter.nextFrame()) {
        if (finished) throw new CocoonError('PROTOCOL_ERROR', 'Data after the final frame.');
        const {plaintext, final} = opener.pull(c);
        const frame = decodeFramePayload(plaintext);
        // The tag and the frame type must agree: text and vectors never end a stream, final and error always do.
        if (final !== (frame.type === 'final' || frame.type === 'error')) throw new CocoonError('PROTOCOL_ERROR', 'Frame type and stream tag disagree.');
        finished = final;
        yield frame;
      }
    }
    if (!finished || splitter.pending > 0) {
      throw new ProviderError('PROVIDER_UNAVAILABLE', 'The answer is incomplete: the stream ended before the provider’s final frame.', {incomplete: true});
    }
  } finally {
    opener?.dispose();
  }
}
