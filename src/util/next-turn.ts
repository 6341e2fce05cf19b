// nextTurn: a promise that resolves on a later turn of the event loop (after its I/O callbacks), for
// long work cut into slices so that other clients' commands run in between.
// Invariant: it never resolves within the current turn (setImmediate runs after the poll phase).

export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
