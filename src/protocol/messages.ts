/**
 * Message and accounting types shared by the wire format, the engine and both
 * sides of the protocol. They live in protocol because they cross the wire;
 * inference imports them from here.
 */

/** One chat message. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Token counts as the provider's tokenizer counts them. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

/** Why generation ended. */
export type FinishReason = 'stop' | 'length' | 'abort';
