/**
 * Resolve on the first SIGINT or SIGTERM; a second one exits at once (130).
 *
 * The handlers stay registered for the whole command, not `once`: libraries
 * that use signal-exit (node-llama-cpp, ora, inquirer) re-raise a signal when
 * they count no other listener, and a `once` listener has already removed
 * itself by the time they count, so the process would die mid-shutdown.
 */
export function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const handler = (signal: NodeJS.Signals) => {
      if (received) process.exit(130);
      received = true;
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}
