// The text of the kernel's status codes: the kernel returns numbers, the host owns words. Both come from STATUS in
// src/contract/kernel.ts (assembly/abi.ts's OK, E_* are generated from it).
import { STATUS } from "../contract/kernel.js";

export { STATUS };

export const KERNEL_STATUS: Record<number, string> = Object.fromEntries(Object.values(STATUS).map((s) => [s.code, s.text]));

export function statusText(code: number): string {
  return KERNEL_STATUS[code] ?? `unknown kernel status ${code}`;
}
