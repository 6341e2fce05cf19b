// placeholder, being written
import type { CommandImpl } from '../server/command-types.ts';
export const commands: Record<string, CommandImpl> = {};
export const internal: Record<string, [number, CommandImpl]> = {};
