// The reply text of a contained bug: what a client gets when a handler, an operation or a frame it
// caused threw (the bug itself is logged and counted where it is caught).

/** `ERR internal error: <message>` for a thrown value. */
export function internalErrorText(e: unknown): string {
  return 'ERR internal error: ' + String((e as Error | undefined)?.message ?? e);
}
