/**
 * A gate for forcing one interleaving: a wrapped client parks one call at it, the test sees it
 * arrive, runs the racing operation, then opens it.
 */

/** The test's side: `reached` resolves when the parked call arrived; `open()` lets it go on. */
export interface Gate {
  readonly reached: Promise<void>;
  open(): void;
}

/** The client's side: `park()` signals arrival and resolves once the gate is opened. */
export interface GateLatch {
  park(): Promise<void>;
}

/** A closed gate and its latch. */
export function gate(): { gate: Gate; latch: GateLatch } {
  let arrive = () => {};
  let open = () => {};
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    gate: { reached, open: () => open() },
    latch: {
      park() {
        arrive();
        return opened;
      },
    },
  };
}
