// How a long-running command (run --watch, serve, worker) hears that it should stop: a
// promise given by an embedding or a test, or SIGINT and SIGTERM.
/** A request to stop the service, and whether it has come; dispose() stops listening for one. */
export interface StopRequest {
  readonly requested: Promise<void>;
  stopping(): boolean;
  dispose(): void;
}

export function stopWhen(until: Promise<void>): StopRequest {
  let stopping = false;
  const requested = until.then(() => {
    stopping = true;
  });
  return { requested, stopping: () => stopping, dispose: () => undefined };
}

/** SIGINT and SIGTERM alike: the first asks the service to stop; a second stops the process at once, as if there were no handler. */
export function stopOnSignal(): StopRequest {
  let stopping = false;
  let resolve: () => void = () => undefined;
  const requested = new Promise<void>((r) => (resolve = r));
  const dispose = (): void => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    if (stopping) {
      // A run that hangs (a system that never answers) must not make the process unstoppable.
      dispose();
      process.kill(process.pid, signal);
      return;
    }
    stopping = true;
    resolve();
  }
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return { requested, stopping: () => stopping, dispose };
}
